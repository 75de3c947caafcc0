/// What was found at an environment's `spec.toml`, before any parsing.
public enum SpecFile: Sendable, Equatable {
    case missing
    case symlink
    case notRegularFile
    case tooLarge(bytes: Int)
    case unreadable(String)
    case contents([UInt8])

    /// The SHA-256 of the bytes, when there are bytes.
    public var sha256: String? {
        if case .contents(let bytes) = self { return SHA256Hex.of(bytes) }
        return nil
    }
}
