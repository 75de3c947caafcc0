import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// Right after a move, a folder and its status disagree until the daemon catches up. No command reports or acts in
/// that moment: it waits, and then reports what the daemon settled on.
@Suite struct StaleReadTests {
    /// The daemon's order when a build succeeds: the `ready` status (stage draft) is written in saved/, then the
    /// folder moves to draft/. Between the two, saved/ml says draft.
    static func halfMoved() async throws -> CLIWorkspace {
        let ws = try await CLIWorkspace()
        var status = try ws.built("ml", in: .saved, state: .building)
        status.stage = .draft
        status.state = .ready
        try ws.status("saved/ml", status)
        return ws
    }

    @Test(arguments: [
        ["status", "ml"], ["run", "ml", "--", "python", "-c", "print('ran')"], ["activate", "ml", "--shell", "bash"],
    ])
    func aCommandWaitsForTheMoveToFinish(command: [String]) async throws {
        let ws = try await StaleReadTests.halfMoved()
        // A long wait, so that a busy test machine cannot make the command give up before the test moves the folder.
        let running = try RunningKiln(
            [command[0], "--workspace", ws.root] + command.dropFirst(),
            environment: ["KILN_MOVE_WAIT": "60"]
        )
        // The daemon takes its time: the command must still be waiting, not reporting saved/ml.
        try await Task.sleep(for: .milliseconds(300))
        #expect(running.isRunning, "\(command) did not wait: \(running.stdout) \(running.stderr)")
        try ws.move("saved/ml", "draft/ml")
        let result = try await running.finish()
        #expect(result.status == 0, "\(command): \(result)")
        #expect(!result.stdout.contains("saved/ml") && !result.stderr.contains("saved/ml"), "\(result)")
        switch command[0] {
        case "status": #expect(result.stdout.contains("# draft/ml") && result.stdout.contains("state = \"ready\""))
        case "run": #expect(result.stdout == "ran\n")
        default: #expect(result.stdout.contains("VIRTUAL_ENV_PROMPT='ml'"))
        }
    }

    @Test func submitWaitsForTheDaemonToAcceptTheDraft() async throws {
        let ws = try await CLIWorkspace()
        // The folder arrived in draft/ (a rejection's mv), its status still says pending.
        var status = try ws.built("ml", in: .draft)
        status.stage = .pending
        status.state = .awaitingApproval
        try ws.status("draft/ml", status)
        let running = try RunningKiln(
            ["submit", "--workspace", ws.root, "ml"],
            environment: ["KILN_MOVE_WAIT": "60"]
        )
        try await Task.sleep(for: .milliseconds(300))
        #expect(running.isRunning)
        status.stage = .draft
        status.state = .rejected
        try ws.status("draft/ml", status)
        let result = try await running.finish()
        #expect(result.status == 0, "\(result)")
        #expect(ws.exists("pending/ml"))
    }

    @Test func aMoveTheDaemonNeverFinishesEndsWith3() async throws {
        let ws = try await StaleReadTests.halfMoved()
        let started = ContinuousClock.now
        let result = await ws.kiln("run", "ml", "--", "python", "-c", "print('ran')")
        #expect(ContinuousClock.now - started >= .seconds(2.5))
        #expect(result.status == 3, "\(result)")
        #expect(!result.stdout.contains("ran"))
        #expect(
            result.stderr.contains(
                "a move of 'ml' is in progress (status says draft, folder is saved/ml); the daemon has not caught up"
            )
        )
        #expect(result.stderr.contains("is `kiln serve` running?"))
    }
}
