import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Protocol section 5, the journal, with the real daemon: a removal made while it was down is recorded at its next
/// start, once; and `kiln history --follow --json` streams the transitions made after it started.
@Suite("kiln serve: the workspace's history", .serialized)
struct HistoryTests {
    /// A spec with no libraries: its build is a bare environment, the quickest there is.
    static let bareSpec = "base = \"python:3.11\"\n"

    static let whileDown = "the directory was removed while the daemon was not running (noticed at start)"

    /// Starts the daemon and waits for its first look to end (each start begins the daemon's log anew).
    func startAndSettle(_ ws: TestWorkspace) async throws {
        try ws.start()
        try await ws.waitForLog("] watching", timeout: .seconds(60))
    }

    @Test func aDirectoryRemovedWhileTheDaemonWasDownIsRecordedAtTheNextStartOnce() async throws {
        let ws = try TestWorkspace()
        try await startAndSettle(ws)
        try ws.save("saved/gone", HistoryTests.bareSpec)
        try ws.save("saved/stays", HistoryTests.bareSpec + "# another name\n")
        try await ws.waitForState("draft/gone", .ready)
        try await ws.waitForState("draft/stays", .ready)
        #expect(ws.stop() == 0)

        let removed = TestWorkspace.run("/bin/rm", ["-rf", ws.path("draft/gone")])
        #expect(removed.status == 0, "\(removed.output)")
        let staysBefore = ws.kilnCommand("history", "stays", "-n", "0")
        #expect(staysBefore.status == 0, "\(staysBefore.output)")

        try await startAndSettle(ws)
        let history = ws.kilnCommand("history", "gone")
        #expect(history.status == 0, "\(history.output)")
        let last = history.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasSuffix("(gone)  [removed]  \(HistoryTests.whileDown)"), "\(history.output)")
        // The name still on disk: nothing new about it.
        #expect(ws.kilnCommand("history", "stays", "-n", "0").output == staysBefore.output)
        #expect(ws.status("draft/stays")?.state == .ready)
        #expect(ws.stop() == 0)

        // Once: the journal's last word on the name is now its removal.
        try await startAndSettle(ws)
        let again = ws.kilnCommand("history", "gone", "-n", "0")
        let removals = again.output.split(separator: "\n").filter { $0.contains("[removed]") }
        #expect(removals.count == 1, "\(again.output)")
        #expect(again.output.split(separator: "\n").last.map(String.init) == last)
        #expect(ws.stop() == 0)
    }

    @Test func followJSONStreamsTheTransitionsMadeAfterItStarted() async throws {
        let ws = try TestWorkspace()
        try await startAndSettle(ws)
        try ws.save("saved/before", HistoryTests.bareSpec)
        try await ws.waitForState("draft/before", .ready)
        let earlier = Journal(layout: ws.layout).entries()
        let lastBefore = try #require(earlier.last)
        #expect(lastBefore.name == "before" && lastBefore.state == "ready")

        let follow = try FollowProcess(ws, ["history", "--follow", "--json", "-n", "1"])
        defer { follow.stop() }
        #expect(await TestWorkspace.waitUntil(timeout: .seconds(10)) { follow.lines.count == 1 }, "\(follow.stderr)")

        // A spec of its own (a bare one would be ready at once, built already): queued, built, ready.
        try ws.save("saved/after", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("draft/after", .ready)
        try ws.mv("draft/after", "pending/after")
        try await ws.waitForState("pending/after", .awaitingApproval)

        // Every entry appended since it started, and before them only the last one it printed first.
        let journal = Journal(layout: ws.layout).entries()
        let expected = Array(journal[(earlier.count - 1)...])
        let arrived = await TestWorkspace.waitUntil(timeout: .seconds(10)) { follow.lines.count >= expected.count }
        #expect(arrived, "follow printed \(follow.lines.count) of \(expected.count) lines: \(follow.stdout)")
        let printed = try follow.lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        #expect(printed.count == expected.count, "\(follow.stdout)")
        for (object, entry) in zip(printed, expected) {
            #expect(object["name"] as? String == entry.name)
            #expect(object["from"] as? String == entry.from)
            #expect(object["to"] as? String == entry.to)
            #expect(object["state"] as? String == entry.state)
            #expect(object["message"] as? String == entry.message)
            #expect((object["spec"] as? String) == entry.spec)
        }
        // The save that built to ready, and the submit by `mv`, with the right locations and states.
        func has(_ from: String, _ to: String, _ state: String) -> Bool {
            printed.contains {
                $0["name"] as? String == "after" && $0["from"] as? String == from && $0["to"] as? String == to
                    && $0["state"] as? String == state
            }
        }
        #expect(has("saved/after", "saved/after", "queued"), "\(follow.stdout)")
        #expect(has("saved/after", "draft/after", "ready"), "\(follow.stdout)")
        #expect(has("draft/after", "pending/after", "awaiting-approval"), "\(follow.stdout)")
        #expect(printed.filter { $0["name"] as? String == "before" }.count == 1, "only the last-N from before")

        kill(follow.process.processIdentifier, SIGTERM)
        #expect(await follow.exitStatus() == 0, "\(follow.stderr)")
        #expect(ws.stop() == 0)
    }
}

/// `kiln history --follow` as a child process, its standard output going to a file the test reads as it grows.
final class FollowProcess: @unchecked Sendable {
    let process = Process()
    private let output: String
    private let errors: String

    init(_ ws: TestWorkspace, _ arguments: [String]) throws {
        output = ws.root + ".follow.out"
        errors = ws.root + ".follow.err"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        guard let out = FileHandle(forWritingAtPath: output), let err = FileHandle(forWritingAtPath: errors) else {
            throw Failure("cannot create \(output)")
        }
        process.executableURL = URL(fileURLWithPath: TestWorkspace.kiln)
        process.arguments = arguments + ["--workspace", ws.root]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try? out.close()
        try? err.close()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: output)
        try? FileManager.default.removeItem(atPath: errors)
    }

    var stdout: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "" }
    /// The complete lines so far.
    var lines: [String] {
        let text = stdout
        guard let end = text.lastIndex(of: "\n") else { return [] }
        return text[..<end].split(separator: "\n").map(String.init)
    }

    func stop() {
        if process.isRunning { process.terminate() }
    }

    /// Its exit code once it ends (within 10 s), polling rather than blocking a thread of the shared pool.
    func exitStatus() async -> Int32? {
        let ended = await TestWorkspace.waitUntil(timeout: .seconds(10)) { !process.isRunning }
        guard ended else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }
}
