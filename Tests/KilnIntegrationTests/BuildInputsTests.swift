import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// Issue 8's rules about what a build is made from, with a real daemon and real uv builds from the test wheels:
/// the store is keyed by build inputs, the workspace's policy holds, and `--from-lock` installs a lock as it is.
@Suite("kiln serve: build inputs, policy and locks", .serialized)
struct BuildInputsTests {
    @Test func editingOnlyTheDescriptionOfADraftKeepsItReadyOnTheSameBuild() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/report", reportSpec)
        let ready = try await ws.waitForState("draft/report", .ready)
        let edited =
            reportSpec.replacingOccurrences(of: "Report tools", with: "Report tools, renamed")
            + "\ndescription = \"what the team uses for reports\"\n# a comment\n"
        try ws.save("draft/report", edited)
        let after = try await ws.waitForStatus("draft/report") {
            $0.specSHA256 == SHA256Hex.of(Array(edited.utf8))
        }
        #expect(after.state == .ready)
        #expect(after.environment == ready.environment)
        #expect(after.build == ready.build)
        #expect(after.message.contains("still ready on the same build"), "\(after.message)")
        #expect(!ws.exists("draft/report/logs/build-2.log"), "a name-only edit ran a build")
        #expect(!ws.exists("saved/report"))
        #expect(ws.storeEntries.count == 1)

        // A library change is a new build, as before.
        try ws.save("draft/report", edited.replacingOccurrences(of: "report==2.1.0", with: "report>=2"))
        let rebuilt = try await ws.waitForStatus("draft/report") { $0.state == .ready && $0.build == 2 }
        #expect(rebuilt.environment != ready.environment)
        #expect(ws.stop() == 0)
    }

    @Test func aSecondNameWithAnotherDescriptionSharesTheBuild() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/first", reportSpec)
        let first = try await ws.waitForState("draft/first", .ready)
        try ws.save("saved/second", reportSpec.replacingOccurrences(of: "Report tools", with: "Other title"))
        let second = try await ws.waitForState("draft/second", .ready)
        #expect(second.environment == first.environment)
        #expect(second.message.hasPrefix("already built"), "\(second.message)")
        #expect(!ws.exists("draft/second/logs/build-1.log"))
        let inputs = try String(
            contentsOfFile: try #require(first.environment) + "/.kiln-build/inputs.toml",
            encoding: .utf8
        )
        #expect(inputs.contains("libraries = [\"kiln-demo-report==2.1.0\"]"), "\(inputs)")
        #expect(ws.stop() == 0)
    }

    /// Two specs with different inputs that resolve to the same lock: the second build installs, but does not import
    /// again what the first imported from the same files on the same Python.
    @Test func aLockThatImportedBeforeIsNotImportedAgain() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/exact", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n")
        let exact = try await ws.waitForState("draft/exact", .ready)
        try ws.save("saved/range", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet>=1.1\"]\n")
        let range = try await ws.waitForState("draft/range", .ready)
        #expect(range.environment != exact.environment)
        let first = try String(contentsOfFile: ws.path("draft/exact/logs/build-1.log"), encoding: .utf8)
        let second = try String(contentsOfFile: ws.path("draft/range/logs/build-1.log"), encoding: .utf8)
        #expect(first.contains("import kiln_demo_greet"), "\(first)")
        #expect(second.contains("imported every library before (build 1 of 'exact'"), "\(second)")
        #expect(!second.contains("import kiln_demo_greet"), "\(second)")
        // The environment still works: it holds the files the first one was checked with.
        let ran = TestWorkspace.run(try #require(range.python), ["-c", "import kiln_demo_greet"])
        #expect(ran.status == 0, "\(ran.output)")
        #expect(ws.stop() == 0)
    }

    @Test func blockedAndUnlistedLibrariesAreInvalidNamingTheRule() async throws {
        let ws = try TestWorkspace(
            settings: "[policy]\nallowed = [\"kiln-demo-report\"]\nblocked = [\"kiln-demo-slow\"]"
        )
        try ws.start()
        try ws.save("saved/blocked", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-slow==1.0.0\"]\n")
        let blocked = try await ws.waitForState("saved/blocked", .invalid)
        #expect(blocked.message.contains("'kiln-demo-slow' is in [policy] blocked"), "\(blocked.message)")
        #expect(blocked.message.contains("line 2"), "\(blocked.message)")
        try ws.save("saved/unlisted", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet\"]\n")
        let unlisted = try await ws.waitForState("saved/unlisted", .invalid)
        #expect(unlisted.message.contains("not in [policy] allowed"), "\(unlisted.message)")
        // An allowed library's dependencies are not limited: report needs greet, which is not listed.
        try ws.save("saved/report", reportSpec)
        let ready = try await ws.waitForState("draft/report", .ready)
        let lock = try String(contentsOfFile: ws.path("draft/report/requirements.lock"), encoding: .utf8)
        #expect(lock.contains("kiln-demo-greet=="), "\(lock)")
        #expect(ready.state == .ready)
        #expect(ws.stop() == 0)
    }

    @Test func requiredLibrariesGoIntoEveryBuild() async throws {
        let ws = try TestWorkspace(settings: "[policy]\nrequired = [\"kiln-demo-greet==1.0.0\"]")
        try ws.start()
        try ws.save("saved/bare", "base = \"python:3.11\"\n")
        let ready = try await ws.waitForState("draft/bare", .ready)
        let ran = TestWorkspace.run(
            try #require(ready.python),
            ["-c", "import kiln_demo_greet; print(kiln_demo_greet.greet())"]
        )
        #expect(ran.output.contains("hello from kiln-demo-greet 1.0.0"), "\(ran.output)")
        #expect(ws.stop() == 0)
    }

    @Test func directURLsAreRefusedUnlessAllowedAndFileURLsAlways() async throws {
        let wheel = TestWorkspace.wheels + "/kiln_demo_greet-1.0.0-py3-none-any.whl"
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save(
            "saved/url",
            "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet @ https://example.invalid/g.whl\"]\n"
        )
        let url = try await ws.waitForState("saved/url", .invalid)
        #expect(url.message.contains("direct_urls"), "\(url.message)")
        try ws.save("saved/file", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet @ file://\(wheel)\"]\n")
        let file = try await ws.waitForState("saved/file", .invalid)
        #expect(file.message.contains("file: URL"), "\(file.message)")
        #expect(ws.stop() == 0)

        let allowing = try TestWorkspace(settings: "[policy]\ndirect_urls = true")
        try allowing.start()
        try allowing.save("saved/file", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet @ file://\(wheel)\"]\n")
        let still = try await allowing.waitForState("saved/file", .invalid)
        #expect(still.message.contains("file: URL"), "\(still.message)")
        #expect(allowing.stop() == 0)
    }

    /// The lock pins greet 1.0.0 where resolving picks 1.1.0: what gets installed shows which one was used.
    @Test func fromLockInstallsExactlyTheLock() async throws {
        let ws = try TestWorkspace(settings: "on_save = \"wait\"")
        try ws.start()
        try ws.save("saved/resolved", reportSpec)
        try ws.save("saved/older", reportSpec.replacingOccurrences(of: "Report tools", with: "Older"))
        try await ws.waitForState("saved/resolved", .saved)
        try await ws.waitForState("saved/older", .saved)
        try lock(ws, "saved/older", greet: "1.0.0")
        #expect(ws.kilnCommand("build", "resolved").status == 0)
        let asked = ws.kilnCommand("build", "older", "--from-lock")
        #expect(asked.status == 0, "\(asked.output)")
        let resolved = try await ws.waitForState("draft/resolved", .ready)
        let older = try await ws.waitForState("draft/older", .ready)
        #expect(older.environment != resolved.environment)
        for (status, version) in [(resolved, "1.1.0"), (older, "1.0.0")] {
            let ran = TestWorkspace.run(
                try #require(status.python),
                ["-c", "import kiln_demo_greet; print(kiln_demo_greet.greet())"]
            )
            #expect(ran.output.contains("hello from kiln-demo-greet \(version)"), "\(ran.output)")
        }
        let inputs = try String(
            contentsOfFile: try #require(older.environment) + "/.kiln-build/inputs.toml",
            encoding: .utf8
        )
        #expect(inputs.contains("lock_sha256"), "\(inputs)")
        let log = try String(contentsOfFile: ws.path("draft/older/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("nothing is resolved"), "\(log)")
        #expect(ws.stop() == 0)
    }

    /// With `on_save = "build"` a new spec is resolved and built at once; `--from-lock` on the draft that came of it
    /// sends it back to saved/ and builds it from the lock put beside it.
    @Test func fromLockRebuildsADraft() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try await ws.waitForLog("watching")
        try ws.save("saved/pinned", reportSpec)
        let resolved = try await ws.waitForState("draft/pinned", .ready)
        try lock(ws, "draft/pinned", greet: "1.0.0")
        let asked = ws.kilnCommand("build", "pinned", "--from-lock", "--wait")
        #expect(asked.status == 0, "\(asked.output)")
        let rebuilt = try #require(ws.status("draft/pinned"))
        #expect(rebuilt.state == .ready && rebuilt.build == 2, "\(rebuilt)")
        #expect(rebuilt.environment != resolved.environment)
        let ran = TestWorkspace.run(
            try #require(rebuilt.python),
            ["-c", "import kiln_demo_greet; print(kiln_demo_greet.greet())"]
        )
        #expect(ran.output.contains("hello from kiln-demo-greet 1.0.0"), "\(ran.output)")
        #expect(!ws.exists(".kiln/requests/pinned"))
        #expect(ws.stop() == 0)
    }

    @Test func aLockThatDoesNotMeetTheSpecFails() async throws {
        let ws = try TestWorkspace(settings: "on_save = \"wait\"")
        try ws.start()
        let spec = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-report==2.1.0\", \"kiln-demo-greet>=1.1\"]\n"
        try ws.save("saved/strict", spec)
        try await ws.waitForState("saved/strict", .saved)
        try lock(ws, "saved/strict", greet: "1.0.0")
        let asked = ws.kilnCommand("build", "strict", "--from-lock")
        #expect(asked.status == 0, "\(asked.output)")
        let failed = try await ws.waitForState("saved/strict", .failed)
        #expect(failed.message.contains("check the lock meets the spec"), "\(failed.message)")
        // A lock with an option line is refused before anything runs.
        try "--index-url https://evil.invalid/simple\n".write(
            toFile: ws.path("saved/strict/requirements.lock"),
            atomically: true,
            encoding: .utf8
        )
        let refused = ws.kilnCommand("build", "strict", "--from-lock")
        #expect(refused.status != 0)
        #expect(refused.output.contains("not a pinned requirement"), "\(refused.output)")
        #expect(ws.stop() == 0)
    }

    /// Writes a lock for report 2.1.0 and greet `greet` into `directory`, hashed as the wheels are.
    private func lock(_ ws: TestWorkspace, _ directory: String, greet: String) throws {
        func hash(_ file: String) throws -> String {
            SHA256Hex.of(Array(try Data(contentsOf: URL(fileURLWithPath: TestWorkspace.wheels + "/" + file))))
        }
        let text = """
            kiln-demo-greet==\(greet) \\
                --hash=sha256:\(try hash("kiln_demo_greet-\(greet)-py3-none-any.whl"))
            kiln-demo-report==2.1.0 \\
                --hash=sha256:\(try hash("kiln_demo_report-2.1.0-py3-none-any.whl"))

            """
        try text.write(toFile: ws.path(directory + "/requirements.lock"), atomically: true, encoding: .utf8)
    }
}
