import KilnProtocol

/// What `kiln list` shows of a spec; every field nil when the spec is not valid.
struct SpecSummary {
    var fullName: String?
    var base: String?
    var description: String?

    /// Every python:X.Y a spec could name: whether this host has the interpreter does not matter for showing it.
    private static let anyPython = Set((2...4).flatMap { major in (0...99).map { "\(major).\($0)" } })

    init(_ copy: EnvironmentCopy) {
        let parsed = Spec.parse(
            copy.spec,
            path: "\(copy.location)/spec.toml",
            directoryName: copy.location.name,
            pythons: SpecSummary.anyPython
        )
        guard case .success(let spec) = parsed else { return }
        fullName = spec.fullName
        base = "python:" + spec.base.text
        description = spec.description
    }
}
