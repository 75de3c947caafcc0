import Foundation
import KilnProtocol
import KilnWorkspace
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// † A build's progress, end to end: the real daemon writes `phase` into the status while it builds, the log says
/// each phase with real counts, and `kiln new --wait` / `kiln build --wait` exit with the build's result.
@Suite("kiln serve: build progress and --wait", .serialized)
struct ProgressTests {
    /// Enough tiny wheels that a build lasts long enough to be seen: one library that needs 120 others.
    static let many = 120
    static let wheels: String = {
        let dir = NSTemporaryDirectory() + "kiln-test-many-wheels-\(getpid())"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/make_wheels.py"
        ).path
        let parts = (1...many).map { "kiln-many-\($0)==1.0.0" }
        let all = "kiln-many-all==1.0.0:" + (1...many).map { "kiln-many-\($0)" }.joined(separator: ",")
        let result = TestWorkspace.run("/usr/bin/env", ["python3", script, dir] + parts + [all])
        precondition(result.status == 0, "make_wheels.py failed: \(result.output)")
        return dir
    }()

    /// Runs `kiln` with these arguments in the background, reading the status at `watch` every 10 ms while it
    /// runs; returns its exit status, its output, and every phase the status showed, in order of appearance.
    static func runWatching(
        _ ws: TestWorkspace,
        _ arguments: [String],
        watch: String
    ) async throws -> (status: Int32, output: String, phases: [BuildProgress.Phase]) {
        let outputPath = ws.root + ".wait-out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let out = try #require(FileHandle(forWritingAtPath: outputPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestWorkspace.kiln)
        p.arguments = arguments + ["--workspace", ws.root]
        p.standardOutput = out
        p.standardError = out
        try p.run()
        try? out.close()
        // Watched from a thread of its own: with every suite running, other tests' synchronous waits can hold the
        // cooperative pool for seconds, and a watch that sleeps there misses a whole build.
        let seen = Mutex<[BuildProgress.Phase]>([])
        let watcher = Thread {
            let deadline = ContinuousClock.now + .seconds(120)
            while p.isRunning, ContinuousClock.now < deadline {
                if let phase = ws.status(watch)?.phase {
                    seen.withLock { if $0.last != phase { $0.append(phase) } }
                }
                usleep(5_000)
            }
        }
        watcher.start()
        let deadline = ContinuousClock.now + .seconds(125)
        while p.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let phases = seen.withLock { $0 }
        if p.isRunning {
            p.terminate()
            Issue.record("kiln \(arguments) did not end; daemon log:\n\(ws.daemonOutputForReport)")
        }
        p.waitUntilExit()
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (p.terminationStatus, output, phases)
    }

    @Test func aGoodBuildShowsItsPhasesAndTheWaitExits0() async throws {
        let ws = try TestWorkspace(extraLinks: [ProgressTests.wheels])
        try ws.start()
        // --wait refuses when no daemon holds the workspace yet; it takes the lock before it watches.
        try await ws.waitForLog("watching")
        let (status, output, phases) = try await ProgressTests.runWatching(
            ws,
            ["new", "many", "--base", "python:3.11", "--lib", "kiln-many-all==1.0.0", "--wait"],
            watch: "saved/many"
        )
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("wrote saved/many/spec.toml\n"), "\(output)")
        #expect(output.hasSuffix("draft/many: ready: \(ws.status("draft/many")?.message ?? "?")\n"), "\(output)")
        // The status showed what the build was doing, phase by phase, never going back.
        #expect(!phases.isEmpty, "no phase was ever seen in saved/many/status")
        let order = phases.compactMap { BuildProgress.Phase.allCases.firstIndex(of: $0) }
        #expect(order == order.sorted(), "\(phases)")
        let ready = try #require(ws.status("draft/many"))
        #expect(ready.state == .ready && ready.phase == nil)
        // The log says each phase, with the real count: every pin of the lock, every one installed.
        let total = ProgressTests.many + 1
        let log = try String(contentsOfFile: ws.path("draft/many/logs/build-1.log"), encoding: .utf8)
        for line in [
            "kiln: phase resolving\n", "kiln: phase downloading: \(total) distributions\n",
            "kiln: installed \(total) of \(total) distributions\n",
        ] {
            #expect(log.contains(line), "\(line) is not in the log:\n\(log)")
        }
        // The pipe got one line per phase change, not one per count.
        let lines = output.split(separator: "\n")
        #expect(Set(lines).count == lines.count, "\(output)")
        // The journal records the build's start and end, not its phases.
        let journal = try String(contentsOfFile: ws.layout.journal, encoding: .utf8)
        #expect(!journal.contains("installing"), "\(journal)")
    }

    @Test func aFailingBuildEndsTheWaitWith1AndARetryToo() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        // --wait refuses when no daemon holds the workspace yet; it takes the lock before it watches.
        try await ws.waitForLog("watching")
        let new = try await ProgressTests.runWatching(
            ws,
            ["new", "nope", "--base", "python:3.11", "--lib", "kiln-demo-missing==1.0", "--wait"],
            watch: "saved/nope"
        )
        #expect(new.status == 1, "\(new.output)")
        #expect(new.output.contains("saved/nope: failed: build 1 failed at 'resolve'"), "\(new.output)")
        let retry = try await ProgressTests.runWatching(ws, ["build", "nope", "--wait"], watch: "saved/nope")
        #expect(retry.status == 1, "\(retry.output)")
        #expect(retry.output.contains("saved/nope: failed: build 2 failed at 'resolve'"), "\(retry.output)")
        #expect(ws.status("saved/nope")?.phase == nil)
    }

    @Test func anInvalidSpecEndsTheWaitWith1() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        // --wait refuses when no daemon holds the workspace yet; it takes the lock before it watches.
        try await ws.waitForLog("watching")
        let new = try await ProgressTests.runWatching(
            ws,
            ["new", "old", "--base", "python:3.2", "--wait"],
            watch: "saved/old"
        )
        #expect(new.status == 1, "\(new.output)")
        #expect(new.output.contains("saved/old: invalid:"), "\(new.output)")
    }

    /// A build that outlasts the wait: `--timeout` ends the wait (4), the build goes on; a daemon stopped
    /// (SIGTERM) ends a wait with 3 rather than leaving it waiting for ever.
    @Test func aLongBuildOutlastsTheTimeoutAndTheDaemon() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        // --wait refuses when no daemon holds the workspace yet; it takes the lock before it watches.
        try await ws.waitForLog("watching")
        let timedOut = try await ProgressTests.runWatching(
            ws,
            ["new", "slow", "--base", "python:3.11", "--lib", "kiln-demo-slow==1.0.0", "--wait", "--timeout", "2"],
            watch: "saved/slow"
        )
        #expect(timedOut.status == 4, "\(timedOut.output)")
        #expect(ws.status("saved/slow")?.state == .building)
        #expect(ws.status("saved/slow")?.phase == .resolving, "the slow package's backend runs while resolving")
        let waiter = Task {
            try await ProgressTests.runWatching(
                ws,
                // Another base: a build of the same spec would wait for the first one, not run.
                ["new", "slow2", "--base", "python:3.12", "--lib", "kiln-demo-slow==1.0.0", "--wait"],
                watch: "saved/slow2"
            )
        }
        try await ws.waitForState("saved/slow2", .building)
        ws.stop()
        let stopped = try await waiter.value
        #expect(stopped.status == 3, "\(stopped.output)")
        #expect(stopped.output.contains("stopped serving"), "\(stopped.output)")
    }
}
