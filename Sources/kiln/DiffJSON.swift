import KilnProtocol

/// `kiln diff --json`: the report as one object, every key always present (null when unknown).
struct DiffJSON: Encodable {
    struct Change: Encodable {
        var subject: String
        var old: String?
        var new: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(subject, forKey: .subject)
            try c.encode(old, forKey: .old)
            try c.encode(new, forKey: .new)
        }

        enum CodingKeys: String, CodingKey { case subject, old, new }
    }

    struct Distribution: Encodable {
        var name: String
        var change: String
        var old: String?
        var new: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(change, forKey: .change)
            try c.encode(old, forKey: .old)
            try c.encode(new, forKey: .new)
        }

        enum CodingKeys: String, CodingKey { case name, change, old, new }
    }

    var name: String
    var from: String
    var to: String
    /// Null when a spec is not valid TOML.
    var spec: [Change]?
    /// Null when a side is not built.
    var distributions: [Distribution]?
    var pinned: Int?
    var summary: String

    init(name: String, diff: EnvironmentDiff) {
        self.name = name
        from = diff.from.label
        to = diff.to.label
        spec = diff.spec?.map { Change(subject: $0.subject, old: $0.old, new: $0.new) }
        if case .compared(let changes) = diff.distributions {
            distributions = changes.map {
                Distribution(name: $0.name, change: $0.kind.rawValue, old: $0.old, new: $0.new)
            }
        }
        pinned = diff.pinned
        summary = diff.summary
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(spec, forKey: .spec)
        try c.encode(distributions, forKey: .distributions)
        try c.encode(pinned, forKey: .pinned)
        try c.encode(summary, forKey: .summary)
    }

    enum CodingKeys: String, CodingKey { case name, from, to, spec, distributions, pinned, summary }
}
