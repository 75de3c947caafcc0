import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// `kiln logs`, and `--follow` driven by rewriting status and log files as the daemon would, while it runs.
@Suite struct LogsTests {
    /// saved/ml building build `build`, its log begun.
    static func building(_ build: Int = 3) async throws -> (CLIWorkspace, Status) {
        let ws = try await CLIWorkspace()
        let status = try ws.built("ml", in: .saved, state: .building, build: build)
        try ws.write("saved/ml/logs/build-\(build).log", "step 1\n")
        return (ws, status)
    }

    @Test func printsTheLatestLog() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml", in: .published, state: .published, build: 1)
        try ws.write("published/ml/logs/build-1.log", "first build\n")
        try ws.built("ml", in: .draft, build: 2)
        try ws.write("draft/ml/logs/build-2.log", "second build\n")
        let result = await ws.kiln("logs", "ml")
        #expect(result.status == 0)
        #expect(result.stdout == "second build\n")
    }

    @Test func noBuildYetIsRefused() async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/ml")
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .invalid, specSHA256: hash, updated: Date(), message: "line 2: bad")
        )
        let result = await ws.kiln("logs", "ml")
        #expect(result.status == 1)
        #expect(result.stderr.contains("no build log yet"))
    }

    @Test func followsABuildAcrossTheMoveToDraft() async throws {
        let (ws, building) = try await LogsTests.building()
        // An older published version with its own result must never be reported.
        try ws.built("ml", in: .published, state: .published, build: 1)
        let follow = try ws.start("logs", "ml", "--follow")
        #expect(try await follow.waitForOutput("step 1\n"))
        try ws.append("saved/ml/logs/build-3.log", "step 2\n")
        #expect(try await follow.waitForOutput("step 2\n"))
        try ws.append("saved/ml/logs/build-3.log", "step 3\n")
        #expect(try await follow.waitForOutput("step 3\n"))
        #expect(follow.isRunning, "ended before the move: \(follow.stdout)")
        // As the daemon does it: the status says draft/ready, then the move, back to back (with no daemon the
        // follower gives a status and a folder that disagree 3 s, a window a loaded machine's test could overrun).
        var ready = building
        ready.stage = .draft
        ready.state = .ready
        ready.message = "built in 2.0 s: 3 distributions"
        try ws.status("saved/ml", ready)
        try ws.move("saved/ml", "draft/ml")
        let result = try await follow.finish()
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "step 1\nstep 2\nstep 3\n== draft/ml: ready: built in 2.0 s: 3 distributions\n")
    }

    @Test func aFailedBuildEndsWith1() async throws {
        let (ws, building) = try await LogsTests.building()
        let follow = try ws.start("logs", "ml", "--follow")
        #expect(try await follow.waitForOutput("step 1\n"))
        try ws.append("saved/ml/logs/build-3.log", "error: no matching distribution\n")
        var failed = building
        failed.state = .failed
        failed.message = "uv pip compile failed"
        try ws.status("saved/ml", failed)
        let result = try await follow.finish()
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stdout.hasSuffix("error: no matching distribution\n== saved/ml: failed: uv pip compile failed\n")
        )
    }

    @Test func aNewerSaveReplacesTheBuild() async throws {
        let (ws, building) = try await LogsTests.building()
        let follow = try ws.start("logs", "ml", "--follow")
        #expect(try await follow.waitForOutput("step 1\n"))
        var queued = building
        queued.state = .queued
        queued.build = 4
        try ws.status("saved/ml", queued)
        let result = try await follow.finish()
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("build 3 of 'ml' was replaced by build 4 (the spec was saved again)"))
    }

    @Test func anInvalidSpecEndsWith1() async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/ml")
        try ws.status(
            "saved/ml",
            Status(
                stage: .saved,
                state: .invalid,
                specSHA256: hash,
                build: 2,
                updated: Date(),
                message: "saved/ml/spec.toml:2: bad"
            )
        )
        try ws.write("saved/ml/logs/build-2.log", "an old build\n")
        let result = await ws.kiln("logs", "ml", "--follow")
        #expect(result.status == 1)
        #expect(result.stdout == "== saved/ml: invalid: saved/ml/spec.toml:2: bad\n")
    }

    /// The spec was saved again and the daemon has not looked yet: the old failure is not the answer.
    @Test func waitsForTheDaemonToTakeInANewSave() async throws {
        let ws = try await CLIWorkspace()
        try ws.holdDaemonLock()
        let old = try ws.spec("saved/ml", libraries: ["pandas==1.0.0"])
        try ws.status(
            "saved/ml",
            Status(
                stage: .saved,
                state: .failed,
                specSHA256: old,
                build: 2,
                updated: Date(),
                message: "the old failure"
            )
        )
        try ws.write("saved/ml/logs/build-2.log", "old log\n")
        let new = try ws.spec("saved/ml", libraries: ["pandas==2.2.3"])
        let follow = try ws.start("logs", "ml", "--follow")
        try await Task.sleep(for: .milliseconds(300))
        #expect(follow.isRunning && follow.stdout.isEmpty, "\(follow.stdout)")
        try ws.status("saved/ml", Status(stage: .saved, state: .building, specSHA256: new, build: 3, updated: Date()))
        try ws.write("saved/ml/logs/build-3.log", "new log\n")
        #expect(try await follow.waitForOutput("new log\n"))
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .failed, specSHA256: new, build: 3, updated: Date(), message: "again")
        )
        let result = try await follow.finish()
        #expect(result.status == 1)
        #expect(result.stdout == "new log\n== saved/ml: failed: again\n")
    }

    @Test func aBuildRequestIsWaitedFor() async throws {
        let ws = try await CLIWorkspace()
        try ws.holdDaemonLock()
        let hash = try ws.spec("saved/ml")
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .failed, specSHA256: hash, build: 1, updated: Date(), message: "old")
        )
        #expect(await ws.kiln("build", "ml").status == 0)
        let follow = try ws.start("logs", "ml", "--follow")
        try await Task.sleep(for: .milliseconds(300))
        #expect(follow.isRunning && follow.stdout.isEmpty, "\(follow.stdout)")
        // The daemon answers in its own order (Reconciler's `save`): build 2's status first, then the request is
        // consumed. Consuming first would show the follower the old failure with no request left to wait for.
        try ws.status("saved/ml", Status(stage: .saved, state: .queued, specSHA256: hash, build: 2, updated: Date()))
        try FileManager.default.removeItem(atPath: ws.layout.request("ml"))
        try ws.write("saved/ml/logs/build-2.log", "retry\n")
        #expect(try await follow.waitForOutput("retry\n"))
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .failed, specSHA256: hash, build: 2, updated: Date(), message: "still")
        )
        let result = try await follow.finish()
        #expect(result.status == 1)
        #expect(result.stdout == "retry\n== saved/ml: failed: still\n")
    }

    @Test func noDaemonToLookEndsWith3() async throws {
        let ws = try await CLIWorkspace()
        try ws.spec("saved/ml")
        let result = await ws.kiln("logs", "ml", "--follow")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("the daemon has not looked at saved/ml yet — is `kiln serve` running?"))
    }
}
