import Foundation
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The append-only journal of transitions, `.kiln/journal.jsonl`: one JSON object a line, oldest first.
///
/// It grows for the life of a workspace (tens of thousands of lines), so readers never decode more than they need:
/// the latest entries are read backwards from the end, and the names the journal knows are found by scanning each
/// line's bytes for two keys instead of decoding it. A line that does not parse (a person's scribble, a line a crash
/// cut short) is skipped.
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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
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
        guard case .success(let bytes) = WorkspaceFiles.readFile(path, limit: 1024 * 1024 * 1024) else { return [] }
        var removed: [String: Bool] = [:]
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: 10) ?? bytes.endIndex
            let line = bytes[start..<end]
            start = end + 1
            let scan = JournalLineScan(line)
            if let name = scan.name, let isRemoval = scan.isRemoval {
                removed[String(decoding: name, as: UTF8.self)] = isRemoval
            } else if let entry = Journal.decode(line) {
                removed[entry.name] = entry.to.isEmpty && entry.state == "removed"
            }
        }
        return Set(removed.filter { !$0.value }.keys)
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

/// What a journal line says, read from its bytes without decoding it: each key is found as `"key":"`, which inside
/// a JSON string can only appear escaped (`\"key\":\"`), so a match is the key itself. Nil where the line is not
/// written as Kiln writes it (spaces, escapes in the value, a line cut short): then it is decoded.
struct JournalLineScan {
    var name: [UInt8]?
    /// `to` is empty and `state` is "removed"; nil when either key could not be read.
    var isRemoval: Bool?

    init(_ line: ArraySlice<UInt8>) {
        guard line.first == UInt8(ascii: "{"), line.last == UInt8(ascii: "}") else { return }
        name = JournalLineScan.value(of: #""name":""#, in: line).map(Array.init)
        if let to = JournalLineScan.value(of: #""to":""#, in: line),
            let state = JournalLineScan.value(of: #""state":""#, in: line)
        {
            isRemoval = to.isEmpty && state.elementsEqual("removed".utf8)
        }
    }

    /// The string after the only occurrence of `key`, if it has no escapes.
    static func value(of key: StaticString, in line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let pattern = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        guard let start = find(pattern, in: line, from: line.startIndex) else { return nil }
        let valueStart = start + pattern.count
        // A second occurrence means two lines ran together (one cut short by a crash): decode, and fail.
        guard find(pattern, in: line, from: valueStart) == nil,
            let close = line[valueStart...].firstIndex(of: UInt8(ascii: "\""))
        else { return nil }
        let value = line[valueStart..<close]
        guard !value.contains(UInt8(ascii: "\\")) else { return nil }
        return value
    }

    static func find(_ pattern: UnsafeBufferPointer<UInt8>, in line: ArraySlice<UInt8>, from: Int) -> Int? {
        guard let first = pattern.first, pattern.count <= line.endIndex - from else { return nil }
        var i = from
        let last = line.endIndex - pattern.count
        while i <= last {
            guard let hit = line[i...last].firstIndex(of: first) else { return nil }
            if line[hit..<(hit + pattern.count)].elementsEqual(pattern) { return hit }
            i = hit + 1
        }
        return nil
    }
}
