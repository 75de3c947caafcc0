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

/// The append-only journal of transitions.
public struct Journal: Sendable {
    public let path: String

    public init(layout: WorkspaceLayout) { path = layout.journal }

    public func append(_ entry: JournalEntry) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = String(decoding: try encoder.encode(entry), as: UTF8.self)
        try WorkspaceFiles.appendLine(path, line)
    }

    /// Entries for `name` (all when nil), oldest first. Lines that do not parse are skipped.
    public func entries(for name: String? = nil) -> [JournalEntry] {
        guard case .success(let bytes) = WorkspaceFiles.readFile(path, limit: 256 * 1024 * 1024) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return bytes.split(separator: 10).compactMap { line in
            guard let entry = try? decoder.decode(JournalEntry.self, from: Data(line)) else { return nil }
            return name == nil || entry.name == name ? entry : nil
        }
    }
}
