import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// † `kiln build --wait` and `kiln new --wait`, driven by writing statuses as the daemon would while the command
/// runs (the test holds the daemon's lock, as `kiln serve` does). The real daemon's side is in the integration tests.
@Suite struct WaitTests {
    /// saved/ml failed at build 2, and a `kiln build ml --wait` started on it that has written its request.
    static func retrying() async throws -> (CLIWorkspace, RunningKiln, String) {
        let ws = try await CLIWorkspace()
        try ws.holdDaemonLock()
        let hash = try ws.spec("saved/ml")
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .failed, specSHA256: hash, build: 2, updated: Date(), message: "old failure")
        )
        let wait = try ws.start("build", "ml", "--wait")
        #expect(try await wait.waitForOutput("build of 'ml' requested\n"))
        #expect(ws.exists(".kiln/requests/ml"))
        return (ws, wait, hash)
    }

    /// What the daemon writes for build 3 of saved/ml, and the request it answers.
    static func daemonStarts(_ ws: CLIWorkspace, _ hash: String) throws {
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .queued, specSHA256: hash, build: 3, updated: Date(), message: "waiting")
        )
        try FileManager.default.removeItem(atPath: ws.path(".kiln/requests/ml"))
    }

    static func building(_ hash: String, _ progress: BuildProgress) -> Status {
        Status(
            stage: .saved,
            state: .building,
            specSHA256: hash,
            build: 3,
            phase: progress.phase,
            updated: Date(),
            message: progress.summary + "; follow it with `kiln logs ml --follow`"
        )
    }

    @Test func followsTheRequestedBuildToReadyAndExits0() async throws {
        let (ws, wait, hash) = try await WaitTests.retrying()
        // The old failure is not this request's answer.
        try await Task.sleep(for: .milliseconds(300))
        #expect(wait.isRunning, "\(wait.stdout)")
        try WaitTests.daemonStarts(ws, hash)
        #expect(try await wait.waitForOutput("saved/ml: queued\n"))
        try ws.status("saved/ml", WaitTests.building(hash, BuildProgress(.resolving)))
        #expect(try await wait.waitForOutput("saved/ml: resolving\n"))
        try ws.status("saved/ml", WaitTests.building(hash, BuildProgress(.installing, done: 3, total: 40)))
        #expect(try await wait.waitForOutput("saved/ml: installing: 3 of 40 distributions\n"))
        // In a pipe, new counts in the same phase print no new line.
        try ws.status("saved/ml", WaitTests.building(hash, BuildProgress(.installing, done: 30, total: 40)))
        try await Task.sleep(for: .milliseconds(300))
        let ready = Status(stage: .draft, state: .ready, specSHA256: hash, build: 3, updated: Date(), message: "built")
        try ws.status("saved/ml", ready)
        try ws.move("saved/ml", "draft/ml")
        let result = try await wait.finish()
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout
                == "build of 'ml' requested\nsaved/ml: queued\nsaved/ml: resolving\n"
                + "saved/ml: installing: 3 of 40 distributions\ndraft/ml: ready: built\n"
        )
    }

    @Test func aFailedBuildEndsWith1AndItsMessage() async throws {
        let (ws, wait, hash) = try await WaitTests.retrying()
        try WaitTests.daemonStarts(ws, hash)
        try ws.status("saved/ml", WaitTests.building(hash, BuildProgress(.downloading, total: 4)))
        #expect(try await wait.waitForOutput("saved/ml: downloading: 4 distributions\n"))
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .failed, specSHA256: hash, build: 3, updated: Date(), message: "no wheel")
        )
        let result = try await wait.finish()
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.hasSuffix("saved/ml: failed: no wheel\n"))
    }

    @Test func theTimeoutEndsTheWaitWith4AndTheBuildGoesOn() async throws {
        let ws = try await CLIWorkspace()
        try ws.holdDaemonLock()
        let hash = try ws.spec("saved/ml")
        try ws.status(
            "saved/ml",
            Status(stage: .saved, state: .saved, specSHA256: hash, build: 2, updated: Date(), message: "waits")
        )
        let wait = try ws.start("build", "ml", "--wait", "--timeout", "1")
        #expect(try await wait.waitForOutput("requested\n"))
        try WaitTests.daemonStarts(ws, hash)
        try ws.status("saved/ml", WaitTests.building(hash, BuildProgress(.installing, done: 1, total: 9)))
        let result = try await wait.finish()
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.contains("still building after the --timeout; the build goes on"), "\(result)")
    }

    @Test func withoutADaemonTheWaitEndsAt3AndTheRequestStays() async throws {
        let ws = try await CLIWorkspace()
        let result = await ws.kiln("new", "ml", "--base", "python:3.11", "--lib", "pandas==2.2.3", "--wait")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("no `kiln serve` is running"), "\(result)")
        #expect(ws.exists("saved/ml/spec.toml"))
    }

    @Test func aDaemonThatStopsEndsTheWaitWith3() async throws {
        let (ws, wait, hash) = try await WaitTests.retrying()
        try WaitTests.daemonStarts(ws, hash)
        try ws.status("saved/ml", WaitTests.building(hash, BuildProgress(.resolving)))
        #expect(try await wait.waitForOutput("saved/ml: resolving\n"))
        ws.releaseDaemonLock()
        let result = try await wait.finish()
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("stopped serving"), "\(result)")
    }

    /// A new spec that another name built already is ready at once, with no build of its own.
    @Test func aSpecBuiltAlreadyIsReadyAtOnce() async throws {
        let ws = try await CLIWorkspace()
        try ws.holdDaemonLock()
        let wait = try ws.start("new", "ml", "--base", "python:3.11", "--lib", "pandas==2.2.3", "--wait")
        #expect(try await wait.waitForOutput("wrote saved/ml/spec.toml\n"))
        let hash = SHA256Hex.of(Array(try #require(ws.read("saved/ml/spec.toml")).utf8))
        try ws.status(
            "saved/ml",
            Status(stage: .draft, state: .ready, specSHA256: hash, updated: Date(), message: "built in 1.0 s")
        )
        try ws.move("saved/ml", "draft/ml")
        let result = try await wait.finish()
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "wrote saved/ml/spec.toml\ndraft/ml: ready: built in 1.0 s\n")
    }

    @Test func timeoutNeedsWait() async throws {
        let ws = try await CLIWorkspace()
        let result = await ws.kiln("build", "ml", "--timeout", "3")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("--timeout needs --wait"))
    }
}
