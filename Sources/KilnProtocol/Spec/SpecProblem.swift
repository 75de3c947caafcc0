/// Why a spec is invalid: the file, the line when known, and what to change.
public struct SpecProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec's path relative to the workspace, e.g. `saved/churn/spec.toml`.
    public var path: String
    public var line: Int?
    public var message: String

    public init(_ path: String, _ line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path), line \(line): \(message)" }
        return "\(path): \(message)"
    }
}
