import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// How `kiln history` prints a journal entry: a line for a person, or a JSON object for a script. Each line is
/// written whole with one write(2), so a reader of a pipe sees it at once, and a follow interrupted at any moment
/// leaves no half line behind.
struct HistoryPrinter {
    var json: Bool
    /// Without a NAME, each line says whose transition it is.
    var withNames: Bool

    /// How often `--follow` looks at the journal: a new transition shows within 0.2 s, and an idle follow costs
    /// five `open`+`fstat` a second.
    static let pollMicroseconds: useconds_t = 200_000

    func print(_ entry: JournalEntry) {
        write(json ? HistoryPrinter.jsonLine(entry) : text(entry))
    }

    func text(_ entry: JournalEntry) -> String {
        let move =
            if entry.from.isEmpty && entry.to.isEmpty {
                "(gone)"
            } else if entry.from == entry.to {
                entry.to
            } else {
                "\(entry.from.isEmpty ? "(new)" : entry.from) → \(entry.to.isEmpty ? "(gone)" : entry.to)"
            }
        let who = withNames ? "\(entry.name)  " : ""
        return "\(TOMLText.dateTime(entry.time))  \(who)\(move)  [\(entry.state)]  \(entry.message)"
    }

    /// The journal's own shape, with every key present (`spec` null when the entry has none), so a script can rely
    /// on it.
    static func jsonLine(_ entry: JournalEntry) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(EveryKey(entry: entry)) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private struct EveryKey: Encodable {
        var entry: JournalEntry
        enum Keys: String, CodingKey { case time, name, from, to, state, spec, message }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(entry.time, forKey: .time)
            try c.encode(entry.name, forKey: .name)
            try c.encode(entry.from, forKey: .from)
            try c.encode(entry.to, forKey: .to)
            try c.encode(entry.state, forKey: .state)
            try c.encode(entry.spec, forKey: .spec)
            try c.encode(entry.message, forKey: .message)
        }
    }

    /// One line to standard output; a reader that has gone away (EPIPE: `| head -3`) ends the command with success.
    private func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.write(1, base + done, buffer.count - done)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if errno == EPIPE { exit(0) }
                note("Error: cannot write to standard output: \(String(cString: strerror(errno)))")
                exit(CLIError.Code.workspace.rawValue)
            }
            done += n
        }
    }
}
