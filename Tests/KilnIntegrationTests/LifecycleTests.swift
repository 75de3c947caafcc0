import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// The protocol's section 4, end to end: a real `kiln serve`, real uv builds from local wheels, plain file operations.
@Suite("kiln serve: the life of an environment", .serialized)
struct LifecycleTests {
    @Test func saveBuildSubmitApprove() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/report", reportSpec)

        let ready = try await ws.waitForStatus("draft/report") { $0.state == .ready }
        #expect(!ws.exists("saved/report"))
        #expect(ready.stage == .draft)
        #expect(ready.build == 1)
        #expect(ready.specSHA256 == SHA256Hex.of(Array(reportSpec.utf8)))
        #expect(ready.message.contains("2 distributions"))
        // The built interpreter is real and has the libraries.
        let python = try #require(ready.python)
        let ran = TestWorkspace.run(
            python,
            ["-c", "import kiln_demo_report, sys; print(kiln_demo_report.greet(), sys.version_info[:2])"]
        )
        #expect(ran.output.contains("hello from kiln-demo-report 2.1.0 (3, 11)"), "\(ran.output)")
        // The lock pins every distribution, with hashes.
        let lock = try String(contentsOfFile: ws.path("draft/report/requirements.lock"), encoding: .utf8)
        #expect(lock.contains("kiln-demo-greet==1.1.0"), "the newest greet that satisfies >=1.0")
        #expect(lock.contains("kiln-demo-report==2.1.0"))
        #expect(lock.components(separatedBy: "--hash=sha256:").count == 3)
        let log = try String(contentsOfFile: ws.path("draft/report/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("Installed 2 packages"))
        // Step timings are rounded and follow the steps' order, even for the two that run at once.
        let timings = log.split(separator: "\n").filter { $0.hasPrefix("kiln: step ") && $0.contains(" took ") }
        #expect(
            timings.map { $0.split(separator: " ")[2] } == ["create", "resolve", "install", "verify"],
            "\(timings)"
        )
        #expect(timings.allSatisfy { $0.wholeMatch(of: /kiln: step \w+ took \d+\.\d\d s/) != nil }, "\(timings)")
        // The spec is exactly what was saved.
        #expect(try String(contentsOfFile: ws.path("draft/report/spec.toml"), encoding: .utf8) == reportSpec)

        try ws.mv("draft/report", "pending/report")
        try await ws.waitForState("pending/report", .awaitingApproval)
        try ws.mv("pending/report", "published/report")
        let published = try await ws.waitForState("published/report", .published)
        #expect(published.python == ready.python)

        let history = ws.kilnCommand("history", "report")
        #expect(history.status == 0)
        for word in ["[queued]", "[building]", "[ready]", "[awaiting-approval]", "[published]"] {
            #expect(history.output.contains(word), "history lacks \(word): \(history.output)")
        }
        #expect(ws.stop() == 0)
    }

    @Test func withoutUVItBuildsWithVenvAndPipAndSaysSo() async throws {
        let ws = try TestWorkspace()
        // An empty KILN_UV means "no uv on this host".
        try ws.start(environment: ["KILN_UV": ""])
        try ws.save("saved/report", reportSpec)
        let ready = try await ws.waitForState("draft/report", .ready)
        let log = try String(contentsOfFile: ws.path("draft/report/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("uv was not found on this host; falling back to python -m venv and pip"))
        #expect(log.contains("-m pip install"))
        let lock = try String(contentsOfFile: ws.path("draft/report/requirements.lock"), encoding: .utf8)
        #expect(lock.contains("kiln-demo-report==2.1.0"), "\(lock)")
        #expect(lock.components(separatedBy: "--hash=sha256:").count == 3, "\(lock)")
        let ran = TestWorkspace.run(ready.python!, ["-c", "import kiln_demo_report as r; print(r.greet())"])
        #expect(ran.output.contains("hello from kiln-demo-report 2.1.0"))
    }

    @Test func rejectionCarriesTheReviewNote() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/report", reportSpec)
        try await ws.waitForState("draft/report", .ready)
        try ws.mv("draft/report", "pending/report")
        try await ws.waitForState("pending/report", .awaitingApproval)
        try "Pin kiln-demo-greet explicitly, please.\n".write(
            toFile: ws.path("pending/report/review"),
            atomically: true,
            encoding: .utf8
        )
        try ws.mv("pending/report", "draft/report")
        let rejected = try await ws.waitForState("draft/report", .rejected)
        #expect(rejected.message == "Pin kiln-demo-greet explicitly, please.")
        // A rejected draft can be submitted again as it is.
        try ws.mv("draft/report", "pending/report")
        try await ws.waitForState("pending/report", .awaitingApproval)
    }

    @Test func anInvalidSpecIsReportedNeverRewrittenAndFixedBySavingAgain() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        let bad = "base = \"python:3.11\"\nlibaries = [\"kiln-demo-greet==1.0.0\"]\n"
        try ws.save("saved/typo", bad)
        let invalid = try await ws.waitForState("saved/typo", .invalid)
        #expect(
            invalid.message
                == "saved/typo/spec.toml, line 2: unknown key 'libaries'; did you mean 'libraries'? (known keys: name, full_name, base, libraries, description)"
        )
        #expect(try String(contentsOfFile: ws.path("saved/typo/spec.toml"), encoding: .utf8) == bad)
        #expect(!ws.exists("saved/typo/logs"))

        try ws.save("saved/typo", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("draft/typo", .ready)
        #expect(ws.daemonIsRunning)
    }

    @Test func anUnsatisfiableSpecFailsAndStaysInSaved() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/nope", "base = \"python:3.12\"\nlibraries = [\"kiln-demo-greet==9.9\"]\n")
        let failed = try await ws.waitForState("saved/nope", .failed)
        #expect(failed.message.contains("failed at 'resolve'"), "\(failed.message)")
        #expect(failed.message.contains("kiln-demo-greet"), "\(failed.message)")
        #expect(failed.message.contains("logs/build-1.log"))
        #expect(ws.exists("saved/nope/logs/build-1.log"))
        #expect(!ws.exists("draft/nope"))
        // `kiln build` retries without an edit; the answer is the same, in a new log.
        #expect(ws.kilnCommand("build", "nope").status == 0)
        try await ws.waitForStatus("saved/nope") { $0.state == .failed && $0.build == 2 }
        #expect(ws.exists("saved/nope/logs/build-2.log"))
    }

    @Test func editingADraftRebuildsItFromSaved() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/greet", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("draft/greet", .ready)
        let edited = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"
        try ws.save("draft/greet", edited)
        let rebuilt = try await ws.waitForStatus("draft/greet") { $0.state == .ready && $0.build == 2 }
        #expect(rebuilt.specSHA256 == SHA256Hex.of(Array(edited.utf8)))
        let ran = TestWorkspace.run(rebuilt.python!, ["-c", "import kiln_demo_greet as g; print(g.__version__)"])
        #expect(ran.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1.1.0")
    }

    @Test func approvalOverAPublishedVersionReplacesItAndKeepsTheOld() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        let v1 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
        let v2 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"
        try await ws.publish("greet", v1)

        try ws.save("saved/greet", v2)
        try await ws.waitForState("draft/greet", .ready)
        try ws.mv("draft/greet", "pending/greet")
        try await ws.waitForState("pending/greet", .awaitingApproval)
        // What an admin types: plain mv onto the published folder, which nests it inside the published version.
        try ws.mv("pending/greet", "published/greet")
        // (For a moment after the swap, the new copy still carries its pending status.)
        let replaced = try await ws.waitForStatus("published/greet") {
            $0.specSHA256 == SHA256Hex.of(Array(v2.utf8)) && $0.state == .published
        }
        #expect(replaced.message.contains("replaced the previous published version"))
        #expect(!ws.exists("published/greet/greet"))
        #expect(try String(contentsOfFile: ws.path("published/greet/spec.toml"), encoding: .utf8) == v2)
        let archived = try FileManager.default.contentsOfDirectory(atPath: ws.path(".kiln/archive/greet"))
        #expect(archived.count == 1)
        #expect(
            try String(contentsOfFile: ws.path(".kiln/archive/greet/\(archived[0])/spec.toml"), encoding: .utf8) == v1
        )
    }

    @Test func aMoveTheProtocolDoesNotAllowIsUndone() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/greet", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("draft/greet", .ready)
        try ws.mv("draft/greet", "published/greet")
        let back = try await ws.waitForStatus("draft/greet") { $0.message.contains("not a move Kiln allows") }
        #expect(back.state == .ready)
        #expect(!ws.exists("published/greet"))

        // A folder copied in from elsewhere goes to saved/ and is built there.
        try FileManager.default.createDirectory(
            atPath: NSTemporaryDirectory() + "outside-\(getpid())",
            withIntermediateDirectories: true
        )
        let outside = NSTemporaryDirectory() + "outside-\(getpid())/other"
        try? FileManager.default.removeItem(atPath: outside)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "base = \"python:3.12\"\n".write(toFile: outside + "/spec.toml", atomically: true, encoding: .utf8)
        #expect(TestWorkspace.run("/bin/cp", ["-r", outside, ws.path("pending/other")]).status == 0)
        try await ws.waitForState("draft/other", .ready)
        #expect(!ws.exists("pending/other"))
    }

    @Test func editingAPublishedSpecKeepsThePublishedOneAndBuildsTheEdit() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        let v1 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
        try await ws.publish("greet", v1)

        let v2 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"
        try ws.save("published/greet", v2)
        try await ws.waitForState("draft/greet", .ready)
        #expect(try String(contentsOfFile: ws.path("published/greet/spec.toml"), encoding: .utf8) == v1)
        #expect(try String(contentsOfFile: ws.path("draft/greet/spec.toml"), encoding: .utf8) == v2)
        #expect(ws.status("published/greet")?.message.contains("restored") == true)
    }

    @Test func aSecondCopyInProgressIsInvalid() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/greet", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("draft/greet", .ready)
        #expect(TestWorkspace.run("/bin/cp", ["-r", ws.path("draft/greet"), ws.path("saved/greet")]).status == 0)
        let dup = try await ws.waitForState("saved/greet", .invalid)
        #expect(dup.message.contains("draft/greet"))
        #expect(ws.status("draft/greet")?.state == .ready)
    }
}
