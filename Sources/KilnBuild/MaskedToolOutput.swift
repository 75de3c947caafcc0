import CLinuxFiles
import Foundation
import KilnProtocol
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A tool's output on its way into a build log, when the workspace's package sources carry secrets (protocol
/// section 6, `index_url`): the tool writes into a pipe, and a thread of Kiln's reads it, masks it line by line and
/// appends it to the log, so `tail -f` still shows it live. A line split across reads is held until its newline,
/// so a secret is never written in two halves; a "line" longer than 64 KiB is written as it is cut.
final class MaskedToolOutput: Sendable {
    /// The end the tool writes to.
    let descriptor: FileDescriptor
    private let readEnd: FileDescriptor
    private let ended = Mutex<ContinuousClock.Instant?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// How long the reader waits, after the tool ended, for what the tool's children still write.
    static let grace: Duration = .seconds(2)

    init(into log: BuildLog, masker: SecretMasker) throws {
        var ends: [Int32] = [-1, -1]
        // Close-on-exec: builds run tools at the same time, and another tool holding this pipe's write end would
        // keep its reader from ever seeing the end. The child gets its own copy as its stdout and stderr.
        guard kiln_pipe_cloexec(&ends) == 0 else { throw Errno(rawValue: errno) }
        readEnd = FileDescriptor(rawValue: ends[0])
        descriptor = FileDescriptor(rawValue: ends[1])
        let thread = Thread { [self] in
            copy(into: log, masker: masker)
            try? readEnd.close()
            done.signal()
        }
        thread.name = "kiln masked tool output"
        thread.start()
    }

    /// The tool ended: closes Kiln's write end and waits until the reader has written everything.
    func finish() async {
        try? descriptor.close()
        ended.withLock { $0 = .now }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [done] in
                done.wait()
                continuation.resume()
            }
        }
    }

    /// The reader: until the tool and its children have all closed the pipe, or `grace` after the tool ended.
    private func copy(into log: BuildLog, masker: SecretMasker) {
        let input = readEnd
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        func write(_ bytes: some Collection<UInt8>) {
            let text = masker.mask(String(decoding: bytes, as: UTF8.self))
            _ = try? log.descriptor.writeAll(Array(text.utf8))
        }
        while true {
            var poller = pollfd(fd: input.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready == 0 {
                if let end = ended.withLock({ $0 }), ContinuousClock.now - end > Self.grace { break }
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            let count = buffer.withUnsafeMutableBytes { (try? input.read(into: $0)) ?? 0 }
            if count <= 0 { break }
            pending += buffer[..<count]
            if let last = pending.lastIndex(of: UInt8(ascii: "\n")) {
                write(pending[...last])
                pending.removeFirst(last + 1)
            } else if pending.count > 64 * 1024 {
                write(pending)
                pending.removeAll()
            }
        }
        if !pending.isEmpty { write(pending) }
    }
}
