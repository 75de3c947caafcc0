import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln gc` and the daemon's daily collection on a workspace a real daemon built, with the test wheels.
@Suite("collection with a real daemon", .serialized)
struct CollectionTests {
    let v1 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
    let v2 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"

    @Test func gcKeepsPublishedDraftPendingAndTheRollbackTargetAndRemovesADeletedOne() async throws {
        let ws = try TestWorkspace(settings: "keep = \"0s\"")
        try ws.start()
        // greet: v1 published, then v2 approved over it (v1 now a rollback target in the archive).
        try await ws.publish("greet", v1)
        try ws.save("saved/greet", v2)
        try await ws.waitForState("draft/greet", .ready)
        try ws.mv("draft/greet", "pending/greet")
        try await ws.waitForState("pending/greet", .awaitingApproval)
        try ws.mv("pending/greet", "published/greet")
        try await ws.waitForStatus("published/greet") { $0.specSHA256 == SHA256Hex.of(v2) && $0.state == .published }
        // report: a draft; pending: submitted; gone: built, then deleted by its owner.
        try ws.save("saved/report", reportSpec)
        try ws.save("saved/pend", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet\"]\n")
        try ws.save("saved/gone", "base = \"python:3.11\"\nlibraries = []\n")
        try await ws.waitForState("draft/report", .ready)
        try await ws.waitForState("draft/pend", .ready)
        let goneStatus = try await ws.waitForState("draft/gone", .ready)
        try ws.mv("draft/pend", "pending/pend")
        try await ws.waitForState("pending/pend", .awaitingApproval)
        // rm -rf, as a person would: the daemon may still be writing into the folder.
        #expect(TestWorkspace.run("/bin/rm", ["-rf", ws.path("draft/gone")]).status == 0)
        try await ws.waitForLog("gone: → gone [removed]")

        let before = Set(WorkspaceFiles.list(ws.layout.environments))
        #expect(before.count == 5, "\(before)")
        let dry = ws.kilnCommand("gc", "--dry-run")
        #expect(dry.status == 0, "\(dry.output)")
        #expect(Set(WorkspaceFiles.list(ws.layout.environments)) == before)
        let gone = try #require(goneStatus.environment)
        let goneRelative = ".kiln/envs/" + (gone as NSString).lastPathComponent
        #expect(dry.output.contains("would remove \(goneRelative)  "), "\(dry.output)")

        let run = ws.kilnCommand("gc")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("removed \(goneRelative)  "), "\(run.output)")
        #expect(run.output.contains("total: removed 1 folder"), "\(run.output)")
        #expect(
            Set(WorkspaceFiles.list(ws.layout.environments))
                == before.subtracting([(gone as NSString).lastPathComponent])
        )
        // What stays still works, and the daemon did not notice anything to put right.
        for copy in ["published/greet", "draft/report", "pending/pend"] {
            let python = try #require(ws.status(copy)?.python)
            #expect(TestWorkspace.run(python, ["-c", "import kiln_demo_greet"]).status == 0, "\(copy)")
        }
        let archived = try #require(WorkspaceFiles.list(ws.path(".kiln/archive/greet")).first)
        let rollback = try #require(ws.status(".kiln/archive/greet/" + archived)?.environment)
        #expect(WorkspaceFiles.kind(rollback + "/.kiln-build/complete") == .file)
        #expect(ws.status("published/greet")?.state == .published)
        #expect(ws.status("draft/report")?.state == .ready)
        #expect(ws.stop() == 0)
    }

    @Test func aRunningBuildKeepsItsEnvironment() async throws {
        let ws = try TestWorkspace(settings: "keep = \"0s\"")
        defer {
            for line in ws.buildProcesses() {
                if let pid = Int32(line.prefix { $0 != ":" }) { kill(pid, SIGKILL) }
            }
        }
        try ws.start()
        let spec = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-slow==1.0.0\"]\n"
        try ws.save("saved/slow", spec)
        // The environment is being written (created, not registered) while the slow library builds; its folder is
        // the only one in the store.
        #expect(
            await TestWorkspace.waitUntil(timeout: .seconds(60)) {
                ws.storeEntries.count == 1
                    && WorkspaceFiles.kind(ws.layout.environment(ws.storeEntries[0]) + "/pyvenv.cfg") == .file
            }
        )
        let key = try #require(ws.storeEntries.first)
        #expect(FileLock.isHeld(ws.layout.buildLock(key)), "the build holds its lock")
        // Its scratch folder is there while it resolves, and moved into the environment after.
        let scratch = WorkspaceFiles.kind(ws.layout.building + "/" + key)
        let run = ws.kilnCommand("gc")
        #expect(run.status == 0, "\(run.output)")
        #expect(WorkspaceFiles.kind(ws.layout.environment(key) + "/pyvenv.cfg") == .file, "\(run.output)")
        if scratch == .directory {
            #expect(WorkspaceFiles.kind(ws.layout.building + "/" + key) != .missing, "\(run.output)")
        }
        #expect(ws.status("saved/slow")?.state == .building)
        // Stopped, the build lets go of its lock and its file.
        #expect(ws.stop() == 0)
        #expect(!FileLock.isHeld(ws.layout.buildLock(key)))
        #expect(WorkspaceFiles.kind(ws.layout.buildLock(key)) == .missing)
    }

    @Test func theDaemonCollectsOnItsOwnAndLogsIt() async throws {
        let ws = try TestWorkspace(settings: "keep = \"0s\"")
        try ws.start(environment: ["KILN_GC_DELAY": "0.5"])
        try await ws.publish("greet", v1)
        let kept = try #require(ws.status("published/greet")?.environment)
        // A build nothing refers to, and one a crash left unregistered.
        for key in ["stale", "interrupted"] {
            try FileManager.default.createDirectory(
                atPath: ws.layout.environment(key) + "/.kiln-build",
                withIntermediateDirectories: true
            )
        }
        try "built\n".write(
            toFile: ws.layout.environment("stale") + "/.kiln-build/complete",
            atomically: true,
            encoding: .utf8
        )
        // The first collection ran at start, when these were not there yet; the next one runs a day later, so a
        // restart (which starts a new log) shows the daily run: a little after start.
        #expect(ws.stop() == 0)
        try ws.start(environment: ["KILN_GC_DELAY": "0.5"])
        try await ws.waitForLog("collection: removed .kiln/envs/stale  ")
        try await ws.waitForLog("collection: total: removed 2 folders")
        #expect(WorkspaceFiles.kind(ws.layout.environment("stale")) == .missing)
        #expect(WorkspaceFiles.kind(ws.layout.environment("interrupted")) == .missing)
        #expect(WorkspaceFiles.kind(kept + "/.kiln-build/complete") == .file)
        #expect(ws.status("published/greet")?.state == .published)
        #expect(ws.stop() == 0)
    }
}
