/// A `major.minor` Python version, as `base = "python:3.11"` names it.
public struct PythonVersion: Sendable, Hashable, Comparable {
    public let major: Int
    public let minor: Int
    public var text: String { "\(major).\(minor)" }

    /// Parses `X.Y`.
    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0,
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIAlnum) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        self.major = major
        self.minor = minor
    }

    /// Parses a spec's `base`, `python:X.Y`.
    public init?(base: String) {
        guard base.hasPrefix("python:") else { return nil }
        self.init(text: String(base.dropFirst("python:".count)))
    }

    public static func < (a: PythonVersion, b: PythonVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}
