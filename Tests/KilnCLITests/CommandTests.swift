import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// Each command on a workspace whose state the test wrote as the daemon would.
@Suite struct CommandTests {
    @Test func initMakesAWorkspaceAndIsIdempotent() async throws {
        let ws = try await CLIWorkspace()
        try FileManager.default.removeItem(atPath: ws.root)
        let made = await CLIWorkspace.run(["init", ws.root])
        #expect(made.status == 0, "\(made)")
        #expect(made.stdout.contains("kiln serve \(ws.root)"))
        for stage in ["saved", "draft", "pending", "published", ".kiln/requests"] { #expect(ws.exists(stage)) }
        #expect(ws.exists("workspace.toml"))
        try ws.write("workspace.toml", "# mine\n")
        let again = await CLIWorkspace.run(["init", ws.root])
        #expect(again.status == 0)
        #expect(ws.read("workspace.toml") == "# mine\n")
    }

    @Test func newWritesASpecAndRefusesASecondVersion() async throws {
        let ws = try await CLIWorkspace()
        let made = await ws.kiln(
            "new",
            "churn",
            "--base",
            "python:3.12",
            "--lib",
            "pandas==2.2.3",
            "--full-name",
            "Churn"
        )
        #expect(made.status == 0, "\(made)")
        let spec = try #require(ws.read("saved/churn/spec.toml"))
        #expect(spec.contains("python:3.12") && spec.contains("pandas==2.2.3") && spec.contains("Churn"))
        let again = await ws.kiln("new", "churn", "--base", "python:3.12")
        #expect(again.status == 1)
        #expect(again.stderr.contains("saved/churn"))
    }

    @Test func statusPrintsEveryCopy() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml", in: .published, state: .published, build: 1)
        try ws.built("ml", in: .draft, build: 2)
        let result = await ws.kiln("status", "ml")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("# draft/ml") && result.stdout.contains("# published/ml"))
        #expect(result.stdout.contains("state = \"ready\"") && result.stdout.contains("state = \"published\""))
    }

    @Test func statusWithoutAStatusSaysWhatToDo() async throws {
        let ws = try await CLIWorkspace()
        try ws.spec("saved/fresh")
        let alone = await ws.kiln("status", "fresh")
        #expect(alone.status == 0)
        #expect(alone.stdout.contains("no status yet: start `kiln serve`"))
        try ws.holdDaemonLock()
        let served = await ws.kiln("status", "fresh")
        #expect(served.stdout.contains("waiting for the daemon"))
    }

    @Test func activatePrintsTheLineAndRefusesWhatIsNotBuilt() async throws {
        let ws = try await CLIWorkspace()
        let status = try ws.built("ml")
        let line = await ws.kiln("activate", "ml", "--shell", "bash")
        #expect(line.status == 0, "\(line)")
        let environment = try #require(status.environment)
        #expect(line.stdout.contains("VIRTUAL_ENV='\(environment)'; export VIRTUAL_ENV\n"), "\(line)")
        #expect(line.stdout.contains("PATH='\(environment)/bin':\"$PATH\"; export PATH\n"), "\(line)")
        #expect(!line.stdout.contains("bin/activate"), "\(line)")

        let hash = try ws.spec("saved/raw")
        try ws.status("saved/raw", Status(stage: .saved, state: .building, specSHA256: hash, build: 1, updated: Date()))
        let refused = await ws.kiln("activate", "raw")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("saved/raw is building"))

        let wrongStage = await ws.kiln("activate", "ml", "--stage", "published")
        #expect(wrongStage.status == 1)
    }

    @Test func runRunsInsideTheEnvironmentWithTheCommandsExitCode() async throws {
        let ws = try await CLIWorkspace()
        let status = try ws.built("ml")
        let printed = await ws.kiln("run", "ml", "--", "python", "-c", "import os; print(os.environ['VIRTUAL_ENV'])")
        #expect(printed.status == 0, "\(printed)")
        #expect(printed.stdout == (status.environment ?? "?") + "\n")
        let failing = await ws.kiln("run", "ml", "--", "python", "-c", "raise SystemExit(7)")
        #expect(failing.status == 7)
        let missing = await ws.kiln("run", "ml", "--", "no-such-program-\(UUID().uuidString.prefix(4))")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot run"))
    }

    @Test func runRefusesAFailedBuild() async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/broken")
        try ws.status(
            "saved/broken",
            Status(
                stage: .saved,
                state: .failed,
                specSHA256: hash,
                build: 3,
                updated: Date(),
                message: "no matching distribution"
            )
        )
        let result = await ws.kiln("run", "broken", "--", "python", "-c", "print(1)")
        #expect(result.status == 1)
        #expect(result.stderr.contains("saved/broken failed to build"))
    }

    @Test func buildWritesARequestAndRefusesInvalidAndMissing() async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/retry")
        try ws.status("saved/retry", Status(stage: .saved, state: .failed, specSHA256: hash, build: 1, updated: Date()))
        let asked = await ws.kiln("build", "retry")
        #expect(asked.status == 0, "\(asked)")
        #expect(ws.exists(".kiln/requests/retry"))

        try ws.status(
            "saved/retry",
            Status(stage: .saved, state: .invalid, specSHA256: hash, updated: Date(), message: "bad key")
        )
        let invalid = await ws.kiln("build", "retry")
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("bad key"))

        try ws.built("done")
        let notSaved = await ws.kiln("build", "done")
        #expect(notSaved.status == 1)
        #expect(notSaved.stderr.contains("not in saved/"))
    }

    @Test func submitApproveAndReject() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml")
        let submitted = await ws.kiln("submit", "ml")
        #expect(submitted.status == 0, "\(submitted)")
        #expect(ws.exists("pending/ml") && !ws.exists("draft/ml"))

        // The daemon's part, done by hand: the submission is checked.
        var status = try #require(ws.status("pending/ml"))
        status.stage = .pending
        status.state = .awaitingApproval
        try ws.status("pending/ml", status)
        let rejected = await ws.kiln("reject", "ml", "--reason", "pin numpy too")
        #expect(rejected.status == 0, "\(rejected)")
        #expect(ws.read("draft/ml/review") == "pin numpy too\n")

        status.stage = .draft
        status.state = .rejected
        try ws.status("draft/ml", status)
        #expect(await ws.kiln("submit", "ml").status == 0)
        status.stage = .pending
        status.state = .awaitingApproval
        try ws.status("pending/ml", status)
        let approved = await ws.kiln("approve", "ml", "--note", "fine")
        #expect(approved.status == 0, "\(approved)")
        #expect(ws.exists("published/ml/spec.toml"))
        #expect(ws.read("published/ml/review") == "fine\n")
    }

    @Test func approveNestsInsideAPublishedVersionAsMvWould() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml", in: .published, state: .published, build: 1)
        try ws.built("ml", in: .pending, state: .awaitingApproval, build: 2)
        let approved = await ws.kiln("approve", "ml")
        #expect(approved.status == 0, "\(approved)")
        #expect(ws.exists("published/ml/ml/spec.toml"))
    }

    @Test func refusals() async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/raw")
        try ws.status("saved/raw", Status(stage: .saved, state: .building, specSHA256: hash, build: 1, updated: Date()))
        let notDraft = await ws.kiln("submit", "raw")
        #expect(notDraft.status == 1)
        #expect(notDraft.stderr.contains("not in draft/") && notDraft.stderr.contains("saved/raw is building"))

        try ws.built("ml")
        let notPending = await ws.kiln("approve", "ml")
        #expect(notPending.status == 1)

        // A draft whose spec was edited no longer matches its build.
        try ws.spec("draft/ml", libraries: ["numpy==2.0.0"])
        let edited = await ws.kiln("submit", "ml")
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("does not match its build"))

        try ws.built("both")
        try ws.built("both", in: .pending, state: .awaitingApproval)
        let taken = await ws.kiln("submit", "both")
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("pending/both already exists"))

        try ws.built("edited", in: .pending, state: .awaitingApproval)
        try ws.spec("pending/edited", libraries: ["numpy==2.0.0"])
        let unchecked = await ws.kiln("approve", "edited")
        #expect(unchecked.status == 1)
        #expect(unchecked.stderr.contains("cannot approve 'edited' yet"))
    }
}
