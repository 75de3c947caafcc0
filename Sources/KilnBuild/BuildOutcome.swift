import KilnProtocol
import KilnWorkspace

/// How one build ended.
public enum BuildOutcome: Sendable, Equatable {
    case built(BuiltEnvironment)
    /// The message for `status`: which step failed and why, in the tool's own words.
    case failed(String)
    /// Stopped on purpose (a newer save, shutdown): nothing to report.
    case cancelled
}
