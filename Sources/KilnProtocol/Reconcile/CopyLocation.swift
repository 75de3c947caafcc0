/// Where one copy of an environment sits: `<stage>/<name>`, or `published/<name>/<name>` when an admin's `mv` nested
/// a new version inside the published one (protocol section 4.5).
public struct CopyLocation: Sendable, Hashable, CustomStringConvertible {
    public var stage: Stage
    public var name: String
    public var nested: Bool

    public init(_ stage: Stage, _ name: String, nested: Bool = false) {
        self.stage = stage
        self.name = name
        self.nested = nested
    }

    /// The path relative to the workspace root, as messages show it.
    public var description: String { nested ? "\(stage.rawValue)/\(name)/\(name)" : "\(stage.rawValue)/\(name)" }
}
