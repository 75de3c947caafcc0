import Foundation
import Hummingbird
import Synchronization

/// `/api/environments/<name>/log` with `Accept: text/event-stream`: the log of the build being followed as
/// server-sent events while it runs, one `data:` line per log line, then one `event: result` whose data is the
/// result as JSON (`{"name", "build", "state", "location", "message"}`), and the stream ends. The log is looked at
/// every quarter of a second, off the cooperative pool (`WorkspaceView`); a daemon that begins to stop ends every
/// stream at once with `event: end`, so no client holds the shutdown up.
struct LogEvents: Sendable {
    let view: WorkspaceView
    let name: String
    let build: Int
    let stopping: StopFlag
    /// How often the log and the status are looked at.
    static let period: Duration = .milliseconds(250)
    /// The longest a stream stays silent.
    static let keepAlive: Duration = .seconds(15)

    func body() -> ResponseBody {
        ResponseBody { writer in
            var offset = 0
            var partial: [UInt8] = []
            var lastWrite = ContinuousClock.now
            // A comment first, so a client sees the stream open before the first line of the log.
            try await writer.write(ByteBuffer(string: ": build \(build) of \(name)\n\n"))
            while true {
                if stopping.isSet {
                    try await writer.write(ByteBuffer(string: "event: end\ndata: the daemon is stopping\n\n"))
                    break
                }
                let step = await view.logStep(name, build: build, offset: offset)
                offset += step.bytes.count
                partial += step.bytes
                var events = ""
                while let newline = partial.firstIndex(of: 10) {
                    events += Self.data(partial[..<newline], mask: view.mask)
                    partial.removeSubrange(...newline)
                }
                if let ended = step.ended {
                    if !partial.isEmpty { events += Self.data(partial[...], mask: view.mask) }
                    events += "event: result\ndata: \(Self.json(ended))\n\n"
                }
                // A build that waits long for a slot writes nothing: a comment now and then finds a client gone.
                if events.isEmpty, ContinuousClock.now - lastWrite > Self.keepAlive { events = ": waiting\n\n" }
                if !events.isEmpty {
                    try await writer.write(ByteBuffer(string: events))
                    lastWrite = .now
                }
                if step.ended != nil { break }
                try await Task.sleep(for: Self.period)
            }
            try await writer.finish(nil)
        }
    }

    /// One log line as an event; a line is text, so a carriage return in it is dropped.
    static func data(_ line: ArraySlice<UInt8>, mask: (String) -> String) -> String {
        let text = mask(String(decoding: line, as: UTF8.self)).replacingOccurrences(of: "\r", with: "")
        return "data: \(text)\n\n"
    }

    static func json(_ end: BuildEnd) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(end)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Set once the daemon begins to stop; read by every open event stream.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
