import Foundation
import KilnProtocol

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
