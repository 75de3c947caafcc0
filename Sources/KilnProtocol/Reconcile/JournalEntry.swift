import Foundation

/// One transition, as appended to `.kiln/journal.jsonl` and printed by `kiln history`.
public struct JournalEntry: Sendable, Equatable, Codable {
    public var time: Date
    public var name: String
    /// The location before, e.g. "draft/churn"; empty for a new environment.
    public var from: String
    /// The location after; empty when the environment was removed.
    public var to: String
    public var state: String
    public var spec: String?
    public var message: String

    public init(time: Date, name: String, from: String, to: String, state: String, spec: String?, message: String) {
        self.time = time
        self.name = name
        self.from = from
        self.to = to
        self.state = state
        self.spec = spec
        self.message = message
    }
}
