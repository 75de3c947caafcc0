/// A site's rules for what a spec may name (`[policy]` in `workspace.toml`, protocol section 6).
public struct Policy: Sendable, Equatable {
    /// When not empty, the only distributions a spec may name (normalised); their dependencies are not limited.
    public var allowed: [String] = []
    /// Distributions no spec may name (normalised).
    public var blocked: [String] = []
    /// Added to every build, e.g. `ipykernel`, so every environment can be a notebook kernel.
    public var required: [Requirement] = []
    /// `name @ url` requirements are allowed. A `file:` URL never is: it reads the build host's own files.
    public var directURLs = false

    public init() {}

    /// The first library of `libraries` that breaks a rule, and why, in words for `status`.
    public func violation(in libraries: [Requirement]) -> Violation? {
        for library in libraries {
            if let url = library.url {
                if url.lowercased().hasPrefix("file:") {
                    return Violation(
                        library: library,
                        reason: "a file: URL reads the build host's own files, and Kiln never builds from one; "
                            + "name the library by its version, from an index or a find_links folder"
                    )
                }
                if !directURLs {
                    return Violation(
                        library: library,
                        reason: "direct URLs (`name @ url`) are not allowed here: [policy] direct_urls = false in "
                            + "workspace.toml; name the library by its version, or ask an admin to allow them"
                    )
                }
            }
            if blocked.contains(library.name) {
                return Violation(
                    library: library,
                    reason: "'\(library.name)' is in [policy] blocked of workspace.toml; remove it, or ask an admin"
                )
            }
            if !allowed.isEmpty, !allowed.contains(library.name) {
                return Violation(
                    library: library,
                    reason: "'\(library.name)' is not in [policy] allowed of workspace.toml (allowed: "
                        + allowed.joined(separator: ", ") + "); ask an admin to add it"
                )
            }
        }
        return nil
    }

    /// The first library of a spec that breaks a rule, as a problem with the spec file: its path, the line that
    /// names the library, and the rule. `text` is the spec's text, to find the line.
    public func problem(with spec: Spec, text: String, path: String) -> SpecProblem? {
        guard let violation = violation(in: spec.libraries) else { return nil }
        let line = SourceLines(text).line(containing: violation.library.text)
        return SpecProblem(path, line, "'\(violation.library.text)': \(violation.reason)")
    }

    /// A library a spec may not name.
    public struct Violation: Sendable, Equatable {
        public var library: Requirement
        public var reason: String
    }
}
