import Foundation
import KilnProtocol

/// One copy of an environment as the API shows it: what its status and spec say. Every key is always present (null
/// when unknown), as in `kiln list --json`, so a script can rely on the shape.
struct CopyJSON: Encodable, Sendable {
    var name: String
    /// `saved/x`, `published/x`, `published/x/x` (an update nested by `mv`).
    var location: String
    var stage: String
    /// The status's state; `no-status` before the daemon has written one, `symlink` for a link it will not follow.
    var state: String
    var fullName: String?
    var base: String?
    var description: String?
    var specSHA256: String?
    var build: Int?
    var phase: String?
    var progress: Progress?
    /// † The Slurm job a build runs as, while it runs.
    var slurmJob: String?
    var approved: Date?
    var updated: Date?
    var message: String

    /// How far a running build got: the phase, and its counts when the builder knows them.
    struct Progress: Encodable, Sendable {
        var phase: String
        var done: Int?
        var total: Int?
        var summary: String

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(phase, forKey: .phase)
            try c.encode(done, forKey: .done)
            try c.encode(total, forKey: .total)
            try c.encode(summary, forKey: .summary)
        }

        enum CodingKeys: String, CodingKey { case phase, done, total, summary }
    }

    init(_ copy: EnvironmentCopy, mask: (String) -> String) {
        name = copy.location.name
        location = copy.location.description
        stage = copy.location.stage.rawValue
        state = CopyJSON.state(of: copy)
        let summary = SpecJSON.summary(copy)
        fullName = summary?.fullName.map(mask)
        base = summary.map { "python:" + $0.base.text }
        description = summary?.description.map(mask)
        specSHA256 = copy.status?.specSHA256
        build = copy.status?.build
        phase = copy.status?.phase?.rawValue
        progress = copy.status.flatMap(BuildProgress.init).map {
            Progress(phase: $0.phase.rawValue, done: $0.done, total: $0.total, summary: $0.summary)
        }
        slurmJob = copy.status?.slurmJob
        approved = copy.status?.approved
        // A status without `updated` reads as the epoch: unknown, not 1970.
        updated = copy.status.flatMap { $0.updated.timeIntervalSince1970 == 0 ? nil : $0.updated }
        message = mask(
            copy.isSymlink
                ? "\(copy.location) is a symbolic link; the daemon does not follow it" : copy.status?.message ?? ""
        )
    }

    /// The status's state, `no-status` before the daemon wrote one, `symlink` for a link it does not follow.
    static func state(of copy: EnvironmentCopy) -> String {
        copy.isSymlink ? "symlink" : copy.status?.state.rawValue ?? "no-status"
    }

    enum CodingKeys: String, CodingKey {
        case name, location, stage, state, base, description, build, phase, progress, approved, updated, message
        case fullName = "full_name"
        case specSHA256 = "spec_sha256"
        case slurmJob = "slurm_job"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(location, forKey: .location)
        try c.encode(stage, forKey: .stage)
        try c.encode(state, forKey: .state)
        try c.encode(fullName, forKey: .fullName)
        try c.encode(base, forKey: .base)
        try c.encode(description, forKey: .description)
        try c.encode(specSHA256, forKey: .specSHA256)
        try c.encode(build, forKey: .build)
        try c.encode(phase, forKey: .phase)
        try c.encode(progress, forKey: .progress)
        try c.encode(slurmJob, forKey: .slurmJob)
        try c.encode(approved, forKey: .approved)
        try c.encode(updated, forKey: .updated)
        try c.encode(message, forKey: .message)
    }
}

/// A copy's spec as the API shows it: the file's text, and what it says once parsed (null when it is not valid).
struct SpecJSON: Encodable, Sendable {
    var text: String?
    var fullName: String?
    var base: String?
    var libraries: [String]?
    var description: String?
    /// Why there is no text: the file is missing, a link, too large; or why it does not parse.
    var problem: String?

    /// Every python:X.Y a spec could name: whether this host has the interpreter does not matter for showing it.
    private static let anyPython = Set((2...4).flatMap { major in (0...99).map { "\(major).\($0)" } })

    static func summary(_ copy: EnvironmentCopy) -> Spec? {
        guard case .success(let spec) = parsed(copy) else { return nil }
        return spec
    }

    private static func parsed(_ copy: EnvironmentCopy) -> Result<Spec, SpecProblem> {
        Spec.parse(copy.spec, path: "\(copy.location)/spec.toml", directoryName: copy.location.name, pythons: anyPython)
    }

    init(_ copy: EnvironmentCopy, mask: (String) -> String) {
        switch copy.spec {
        case .contents(let bytes): text = mask(String(decoding: bytes, as: UTF8.self))
        case .missing: problem = "no spec.toml"
        case .symlink: problem = "spec.toml is a symbolic link; the daemon does not follow it"
        case .notRegularFile: problem = "spec.toml is not a regular file"
        case .tooLarge(let bytes): problem = "spec.toml is \(bytes) bytes, more than the \(Spec.maximumSize) allowed"
        case .unreadable(let why): problem = "spec.toml cannot be read: \(why)"
        }
        guard text != nil else { return }
        switch SpecJSON.parsed(copy) {
        case .success(let spec):
            fullName = spec.fullName.map(mask)
            base = "python:" + spec.base.text
            libraries = spec.libraries.map { mask($0.canonical) }
            description = spec.description.map(mask)
        case .failure(let why):
            problem = mask(why.description)
        }
    }

    enum CodingKeys: String, CodingKey {
        case text, base, libraries, description, problem
        case fullName = "full_name"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        try c.encode(fullName, forKey: .fullName)
        try c.encode(base, forKey: .base)
        try c.encode(libraries, forKey: .libraries)
        try c.encode(description, forKey: .description)
        try c.encode(problem, forKey: .problem)
    }
}
