/// What one version of an environment changes against another: the spec's fields and libraries, and from the
/// locks every distribution added, removed, upgraded or downgraded, resolved dependencies included. `kiln diff`
/// prints it; the daemon writes it beside a submission as `pending/<name>/changes` and sums it up in the status.
public struct EnvironmentDiff: Sendable, Equatable {
    /// A spec field or library that differs; `old` or `new` is nil where it is absent.
    public struct SpecChange: Sendable, Equatable {
        /// `full_name`, `base`, `description`, or `library <distribution>`.
        public var subject: String
        public var old: String?
        public var new: String?
    }

    /// What the locks say.
    public enum Distributions: Sendable, Equatable {
        /// Both sides pin their distributions (a side that is no version at all pins none).
        case compared([DistributionChange])
        /// The side named is not built, so there are no pins to compare.
        case notBuilt(String)
    }

    public var from: ReviewedVersion
    public var to: ReviewedVersion
    /// Spec fields first (in the order `full_name`, `base`, `description`), then libraries by distribution; nil
    /// when a side's spec cannot be read as TOML.
    public var spec: [SpecChange]?
    public var distributions: Distributions
    /// How many distributions the newer side's lock pins; nil when it is not built.
    public var pinned: Int?

    public init(from: ReviewedVersion, to: ReviewedVersion) {
        self.from = from
        self.to = to
        spec = EnvironmentDiff.specChanges(from, to)
        let old: [String: String]? = from.isNothing ? [:] : from.lock.map(LockPins.read)
        let new: [String: String]? = to.isNothing ? [:] : to.lock.map(LockPins.read)
        pinned = new?.count
        if let old, let new {
            distributions = .compared(DistributionChange.between(old, new))
        } else {
            distributions = .notBuilt(new == nil ? to.label : from.label)
        }
    }

    static func specChanges(_ from: ReviewedVersion, _ to: ReviewedVersion) -> [SpecChange]? {
        func fields(_ version: ReviewedVersion) -> SpecFields? {
            guard let bytes = version.spec else { return SpecFields() }
            return SpecFields(bytes)
        }
        guard let old = fields(from), let new = fields(to) else { return nil }
        var changes: [SpecChange] = []
        for key in SpecFields.keys where old.values[key] != new.values[key] {
            changes.append(SpecChange(subject: key, old: old.values[key], new: new.values[key]))
        }
        for name in Set(old.libraries.keys).union(new.libraries.keys).sorted(by: Requirement.pythonOrder)
        where old.libraries[name] != new.libraries[name] {
            changes.append(SpecChange(subject: "library " + name, old: old.libraries[name], new: new.libraries[name]))
        }
        return changes
    }

    /// The changed distributions; empty when the locks could not be compared.
    public var changes: [DistributionChange] {
        if case .compared(let changes) = distributions { return changes }
        return []
    }

    /// One line: `2 added, 1 removed, 1 upgraded`, or `no change in distributions`, or why there is nothing to
    /// compare.
    public var summary: String {
        switch distributions {
        case .notBuilt(let label):
            return "\(label) is not built, so there are no distributions to compare"
        case .compared(let changes):
            let counts = DistributionChange.Kind.allCases.compactMap { kind -> String? in
                let n = changes.filter { $0.kind == kind }.count
                return n == 0 ? nil : "\(n) \(kind.rawValue)"
            }
            if !counts.isEmpty { return counts.joined(separator: ", ") }
            let fields = (spec ?? []).map { $0.subject.hasPrefix("library ") ? "libraries" : $0.subject }
            var named: [String] = []
            for field in fields where !named.contains(field) { named.append(field) }
            return "no change in distributions" + (named.isEmpty ? "" : " (\(named.joined(separator: ", ")) changed)")
        }
    }

    /// The whole report, in a stable order with aligned columns:
    ///
    /// ```
    /// churn: published (approved 2026-11-20, spec 9f2c1a2b3c4d) -> pending (spec 1a2b3c4d5e6f)
    ///
    /// spec: 2 changes
    ///   full_name         "Churn" -> "Churn models"
    ///   library pandas    pandas==2.2.2 -> pandas==2.2.3
    ///
    /// distributions: 1 added, 1 upgraded (14 pinned)
    ///   added       requests  2.32.3
    ///   upgraded    numpy     1.26.4 -> 2.1.0
    /// ```
    public func rendered(name: String) -> String {
        var out = "\(name): \(from.label) -> \(to.label)\n\n"
        if let spec {
            out += spec.isEmpty ? "spec: no change\n" : "spec: \(spec.count) change\(spec.count == 1 ? "" : "s")\n"
            let width = spec.map(\.subject.count).max() ?? 0
            for change in spec {
                out += "  " + EnvironmentDiff.padded(change.subject, width) + "  "
                out += EnvironmentDiff.arrow(change.old, change.new) + "\n"
            }
        } else {
            out += "spec: a spec.toml is not valid TOML, so the specs cannot be compared field by field\n"
        }
        out += "\ndistributions: \(summary)"
        if let pinned, case .compared = distributions { out += " (\(pinned) pinned)" }
        out += "\n"
        let width = changes.map(\.name.count).max() ?? 0
        for change in changes {
            out += "  " + EnvironmentDiff.padded(change.kind.rawValue, 10) + "  "
            out += EnvironmentDiff.padded(change.name, width) + "  "
            switch (change.old, change.new) {
            case (let old?, let new?): out += "\(old) -> \(new)"
            default: out += change.new ?? change.old ?? ""
            }
            out += "\n"
        }
        return out
    }

    static func arrow(_ old: String?, _ new: String?) -> String {
        switch (old, new) {
        case (nil, let new?): "added: \(new)"
        case (let old?, nil): "removed: \(old)"
        default: "\(old ?? "") -> \(new ?? "")"
        }
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
