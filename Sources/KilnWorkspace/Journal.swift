import Foundation
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The append-only journal of transitions, `.kiln/journal.jsonl`: one JSON object a line, oldest first.
///
/// It grows for the life of a workspace (tens of thousands of lines), so readers never decode more than they need:
/// the latest entries are read backwards from the end, and the names the journal knows are found by one pass over
/// each line's bytes instead of decoding it. A line that does not parse (a person's scribble, a line a crash cut
/// short) is skipped. Like every file of `.kiln/`, it is never read through a symbolic link.
public struct Journal: Sendable {
    public let path: String

    public init(layout: WorkspaceLayout) { path = layout.journal }

    public func append(_ entry: JournalEntry) throws {
        try WorkspaceFiles.appendLine(path, Journal.line(entry))
    }

    /// An entry as the journal holds it: sorted keys, the time in ISO 8601 (UTC), no key for a missing spec.
    public static func line(_ entry: JournalEntry) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entry) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Entries for `name` (all when nil), oldest first.
    public func entries(for name: String? = nil) -> [JournalEntry] {
        latest(nil, of: name).entries
    }

    /// The last `limit` entries (every one when nil), of `name` only when it is given, oldest first, and where the
    /// journal ended then: a `JournalFollower` started there prints what comes after them, and nothing twice.
    ///
    /// Read backwards in blocks from the end, so the latest twenty cost the same on any size of journal. An
    /// unfinished last line (a write in progress) is left for the follower.
    public func latest(_ limit: Int?, of name: String? = nil) -> JournalExcerpt {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return JournalExcerpt(entries: [], end: nil) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return JournalExcerpt(entries: [], end: nil) }
        let identity = JournalPosition.Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        var found: [JournalEntry] = []
        var reader = BackwardLines(fd: fd, size: Int(info.st_size))
        let end = reader.completeEnd
        let wanted = name.map { Array($0.utf8) }
        while limit.map({ found.count < $0 }) ?? true, let line = reader.previous() {
            if let wanted, let named = JournalLineScan(line).name, named != wanted { continue }
            guard let entry = Journal.decode(line), name == nil || entry.name == name else { continue }
            found.append(entry)
        }
        return JournalExcerpt(entries: found.reversed(), end: JournalPosition(identity: identity, offset: end))
    }

    /// The names whose last entry is not a removal: environments the journal last saw somewhere. The daemon looks
    /// for each of them at start, to record the removals made while it was not running.
    ///
    /// The whole journal is read, but a line is decoded only when its bytes cannot be scanned for `name`, `to` and
    /// `state` (a line written by something other than Kiln).
    public func namesLastSeenPresent() -> Set<String> {
        lastWords().present
    }

    /// Every name in the journal, split by its last entry: `removed` for a removal, `present` for anything else.
    /// One read of the whole journal, scanned as `namesLastSeenPresent` is.
    public func lastWords() -> (present: Set<String>, removed: Set<String>) {
        guard case .success(let bytes) = WorkspaceFiles.readFile(path, limit: 1024 * 1024 * 1024) else {
            return ([], [])
        }
        var removed: [String: Bool] = [:]
        bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            var start = 0
            while start < all.count {
                let end =
                    memchr(base + start, 10, all.count - start).map {
                        base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
                    } ?? all.count
                let scan = JournalLineScan(UnsafeBufferPointer(rebasing: all[start..<end]))
                if let name = scan.name, let isRemoval = scan.isRemoval {
                    removed[String(decoding: name, as: UTF8.self)] = isRemoval
                } else if let entry = Journal.decode(bytes[start..<end]) {
                    removed[entry.name] = entry.to.isEmpty && entry.state == "removed"
                }
                start = end + 1
            }
        }
        return (Set(removed.filter { !$0.value }.keys), Set(removed.filter(\.value).keys))
    }

    /// One line as an entry; nil for anything that is not one.
    static func decode(_ line: ArraySlice<UInt8>) -> JournalEntry? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(JournalEntry.self, from: Data(line))
    }
}

/// Some of the latest entries of the journal, and where it ended when they were read.
public struct JournalExcerpt: Sendable {
    public var entries: [JournalEntry]
    /// Just past the last complete line; nil when there was no journal.
    public var end: JournalPosition?
}

/// A place in one journal file: which file (a journal replaced by another is read from its beginning) and how far.
public struct JournalPosition: Sendable, Equatable {
    public struct Identity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
    }

    public var identity: Identity
    /// Bytes from the start, always at the start of a line.
    public var offset: Int
}

/// Complete lines of a file, last first, read in blocks from its end.
struct BackwardLines {
    let fd: Int32
    /// Just past the last newline: an unfinished last line is not read.
    private(set) var completeEnd: Int
    /// Where the bytes not yet read end.
    private var position: Int
    /// Read but not yet returned, a whole number of lines (and the start of one, at its front, unless at 0).
    private var buffer: [UInt8] = []
    static let block = 64 * 1024

    init(fd: Int32, size: Int) {
        self.fd = fd
        completeEnd = 0
        position = size
        // Find the last newline; what follows it is a line still being written.
        while position > 0 {
            guard let chunk = readBlock() else { break }
            if let newline = chunk.lastIndex(of: 10) {
                completeEnd = position + newline + 1
                buffer = Array(chunk[...newline])
                return
            }
        }
        position = 0
    }

    /// The block before `position`, which moves back to its start; nil when it cannot be read.
    private mutating func readBlock() -> [UInt8]? {
        let count = min(BackwardLines.block, position)
        var chunk = [UInt8](repeating: 0, count: count)
        let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(position - count)) }
        guard read == count else { return nil }
        position -= count
        return chunk
    }

    /// The line before the last one returned, without its newline; nil at the start of the file.
    mutating func previous() -> ArraySlice<UInt8>? {
        while true {
            // The buffer ends with a newline (or is empty); a line is complete once a newline before it is read.
            let body = buffer.isEmpty ? buffer[...] : buffer.dropLast()
            if let newline = body.lastIndex(of: 10) {
                let line = Array(body[(newline + 1)...])
                buffer.removeSubrange((newline + 1)...)
                return line[...]
            }
            if position == 0 {
                guard !buffer.isEmpty else { return nil }
                let line = Array(body)
                buffer = []
                return line[...]
            }
            guard let chunk = readBlock() else { return nil }
            buffer = chunk + buffer
        }
    }
}

/// What a journal line says, read from its bytes in one pass without decoding it: the line is walked as the flat
/// object Kiln writes (`{"key":"value",...}`, string or null values), and the values of `name`, `to` and `state`
/// are picked out. Only top-level keys are matched, so a message that holds `"name":"x"` (escaped inside its string)
/// changes nothing. Where the line is not such an object (a value with escapes in one of the three, a number, a
/// line cut short), `name` is nil and the line is decoded instead.
struct JournalLineScan {
    var name: [UInt8]?
    /// `to` is empty and `state` is "removed"; nil when the line could not be scanned.
    var isRemoval: Bool?

    init(_ line: ArraySlice<UInt8>) {
        self = line.withUnsafeBufferPointer { JournalLineScan($0) }
    }

    init(_ line: UnsafeBufferPointer<UInt8>) {
        var cursor = ByteCursor(bytes: line)
        var name: Range<Int>?
        var to: Range<Int>?
        var state: Range<Int>?
        guard cursor.take(UInt8(ascii: "{")) else { return }
        repeat {
            guard let (key, keyEscaped) = cursor.string(), !keyEscaped, cursor.take(UInt8(ascii: ":")) else { return }
            let value: Range<Int>?
            if let (text, escaped) = cursor.string() {
                value = escaped ? nil : text
            } else if cursor.takeNull() {
                value = nil
            } else {
                return
            }
            if cursor.matches(key, "name") {
                name = value
            } else if cursor.matches(key, "to") {
                to = value
            } else if cursor.matches(key, "state") {
                state = value
            } else {
                continue
            }
            guard value != nil else { return }
        } while cursor.take(UInt8(ascii: ","))
        guard cursor.take(UInt8(ascii: "}")), cursor.atEnd, let name, let to, let state else { return }
        self.name = Array(line[name])
        isRemoval = to.isEmpty && cursor.matches(state, "removed")
    }
}

/// Walks the bytes of one line of JSON; each step skips the blanks before it.
private struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    var atEnd: Bool {
        mutating get {
            skipBlanks()
            return i == bytes.count
        }
    }

    mutating func skipBlanks() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 13 { i += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        skipBlanks()
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    mutating func takeNull() -> Bool {
        skipBlanks()
        guard bytes.count - i >= 4, bytes[i..<(i + 4)].elementsEqual("null".utf8) else { return false }
        i += 4
        return true
    }

    /// A string's contents (without its quotes), and whether it holds an escape. The closing quote is found with
    /// memchr: a message is most of a line.
    mutating func string() -> (Range<Int>, escaped: Bool)? {
        guard take(quote), let base = bytes.baseAddress else { return nil }
        let start = i
        var escaped = false
        while i < bytes.count {
            guard let hit = memchr(base + i, Int32(quote), bytes.count - i) else { return nil }
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            // A quote after an odd number of backslashes is part of the string.
            var backslashes = 0
            while at - backslashes - 1 >= start, bytes[at - backslashes - 1] == backslash { backslashes += 1 }
            if memchr(base + i, Int32(backslash), at - i) != nil { escaped = true }
            i = at + 1
            if backslashes % 2 == 0 { return (start..<at, escaped) }
        }
        return nil
    }

    func matches(_ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
        return memcmp(base + range.lowerBound, word.utf8Start, range.count) == 0
    }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")
