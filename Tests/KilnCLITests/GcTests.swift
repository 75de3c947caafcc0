import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln gc` on hand-made `.kiln/` trees: what it keeps, what it removes, its markers, its sizes and its output.
@Suite("kiln gc")
struct GcTests {
    /// A store entry as a build leaves it: `pyvenv.cfg`, a file of `bytes`, and (when `registered`) the marker.
    @discardableResult
    func store(
        _ ws: CLIWorkspace,
        _ key: String,
        registered: Bool = true,
        python: String? = nil,
        bytes: Int = 4096
    )
        throws -> String
    {
        let env = ws.layout.environment(key)
        try ws.write(".kiln/envs/\(key)/lib/data.bin", bytes: Array(repeating: 7, count: bytes))
        let home = python.map { ws.layout.pythons + "/" + $0 + "/bin" } ?? "/usr/bin"
        try ws.write(".kiln/envs/\(key)/pyvenv.cfg", "home = \(home)\nversion = 3.11.9\n")
        if registered { try ws.write(".kiln/envs/\(key)/.kiln-build/complete", "built in 0.1 s: 1 distribution\n") }
        return env
    }

    /// A status naming the build `key`, as the daemon writes it.
    func status(
        _ ws: CLIWorkspace,
        _ directory: String,
        _ stage: Stage,
        _ state: EnvironmentState,
        _ key: String
    )
        throws
    {
        let env = ws.layout.environment(key)
        try ws.write(
            directory + "/status",
            Status(
                stage: stage,
                state: state,
                specSHA256: String(repeating: "0", count: 64),
                build: 1,
                environment: env,
                python: env + "/bin/python",
                updated: Date(),
                message: "built"
            ).rendered()
        )
    }

    func settings(_ ws: CLIWorkspace, keep: String) throws {
        try ws.write("workspace.toml", "[build]\nkeep = \"\(keep)\"\n")
    }

    func exists(_ ws: CLIWorkspace, _ relative: String) -> Bool { WorkspaceFiles.kind(ws.path(relative)) != .missing }

    @Test func keepsWhatIsReferencedOrInUseAndRemovesTheRest() async throws {
        let ws = try await CLIWorkspace()
        try settings(ws, keep: "0s")
        for key in ["pub", "dra", "pen", "sav", "old", "rep", "nest", "unused", "interrupted", "running", "reused"] {
            try store(ws, key, registered: key != "interrupted" && key != "running")
        }
        try status(ws, "published/a", .published, .published, "pub")
        try status(ws, "draft/b", .draft, .ready, "dra")
        try status(ws, "pending/c", .pending, .awaitingApproval, "pen")
        try status(ws, "saved/d", .draft, .ready, "sav")  // just moved back: still refers to its build
        try status(ws, "published/e/e", .pending, .awaitingApproval, "nest")  // an approval not yet swapped in
        try status(ws, ".kiln/archive/a/2026-01-01T000000Z-000000000000", .published, .published, "old")
        try status(ws, ".kiln/tmp/f", .pending, .awaitingApproval, "rep")  // a replacement a crash interrupted
        try ws.write(".kiln/building/scratch-left/requirements.in", "x\n")
        // Running builds hold their lock: one writing its environment, one about to reuse a finished one.
        let running = try #require(try FileLock.tryAcquire(ws.layout.buildLock("running")))
        let reused = try #require(try FileLock.tryAcquire(ws.layout.buildLock("reused")))
        try ws.write(".kiln/building/running/requirements.in", "x\n")

        let dry = await ws.kiln("gc", "--dry-run")
        #expect(dry.status == 0, "\(dry)")
        for gone in [".kiln/envs/unused", ".kiln/envs/interrupted", ".kiln/building/scratch-left"] {
            #expect(dry.stdout.contains("would remove \(gone)  "), "\(dry)")
            #expect(exists(ws, gone), "--dry-run removed \(gone)")
        }
        #expect(dry.stdout.contains("total: would remove 3 folders"), "\(dry)")

        let real = await ws.kiln("gc")
        #expect(real.status == 0, "\(real)")
        for kept in ["pub", "dra", "pen", "sav", "old", "rep", "nest", "running", "reused"] {
            #expect(exists(ws, ".kiln/envs/\(kept)"), "gc removed .kiln/envs/\(kept), which is in use: \(real)")
        }
        #expect(exists(ws, ".kiln/building/running"))
        for gone in [".kiln/envs/unused", ".kiln/envs/interrupted", ".kiln/building/scratch-left"] {
            #expect(!exists(ws, gone), "\(real)")
            #expect(real.stdout.contains("removed \(gone)  "), "\(real)")
        }
        #expect(real.stdout.contains("(built environment, nothing refers to it)"), "\(real)")
        #expect(real.stdout.contains("(built environment, never finished)"), "\(real)")
        #expect(real.stdout.contains("total: removed 3 folders"), "\(real)")
        // Nothing is left half-deleted in .kiln/tmp, and the build locks are still held by their builds.
        #expect(WorkspaceFiles.list(ws.layout.scratch).filter { $0.hasPrefix(".gc-") }.isEmpty)
        #expect(FileLock.isHeld(ws.layout.buildLock("running")))
        running.release()
        reused.release()

        // The builds ended: without their locks the unreferenced one goes, and nothing else.
        let after = await ws.kiln("gc")
        #expect(after.status == 0, "\(after)")
        #expect(!exists(ws, ".kiln/envs/running"), "an unfinished build nobody works on is collected: \(after)")
        #expect(!exists(ws, ".kiln/envs/reused"), "\(after)")
        #expect(exists(ws, ".kiln/envs/pub"))
        let again = await ws.kiln("gc")
        #expect(again.stdout.contains("total: nothing to collect"), "\(again)")
    }

    @Test func unreferencedTimeIsKeptOnDiskAndCountsFromWhenNothingReferredToIt() async throws {
        let ws = try await CLIWorkspace()
        try settings(ws, keep: "14d")
        try store(ws, "dropped")
        try store(ws, "again")
        try status(ws, "published/a", .published, .published, "again")
        let marker = ".kiln/envs/dropped/.kiln-build/unreferenced-since"

        // The first collection to find it unreferenced marks it, and keeps it.
        let first = await ws.kiln("gc")
        #expect(first.status == 0, "\(first)")
        #expect(exists(ws, ".kiln/envs/dropped"))
        #expect(exists(ws, marker))
        #expect(first.stdout.contains("keeping .kiln/envs/dropped until "), "\(first)")
        #expect(first.stdout.contains("total: nothing to collect"), "\(first)")

        // Thirteen days on, still kept; fifteen days on, gone.
        let thirteen = TOMLText.dateTime(Date().addingTimeInterval(-13 * 86400))
        try ws.write(marker, thirteen + "\n")
        #expect((await ws.kiln("gc")).status == 0)
        #expect(exists(ws, ".kiln/envs/dropped"))
        #expect(ws.read(marker) == thirteen + "\n", "a later collection does not move the mark")
        let fifteen = TOMLText.dateTime(Date().addingTimeInterval(-15 * 86400))
        try ws.write(marker, fifteen + "\n")
        let late = await ws.kiln("gc")
        #expect(!exists(ws, ".kiln/envs/dropped"), "\(late)")
        #expect(late.stdout.contains("nothing refers to it since \(fifteen)"), "\(late)")

        // Marked long ago, but referred to again: unmarked and kept.
        try ws.write(".kiln/envs/again/.kiln-build/unreferenced-since", fifteen + "\n")
        let back = await ws.kiln("gc")
        #expect(back.status == 0, "\(back)")
        #expect(exists(ws, ".kiln/envs/again"))
        #expect(!exists(ws, ".kiln/envs/again/.kiln-build/unreferenced-since"))
    }

    @Test func dryRunWritesNoMarker() async throws {
        let ws = try await CLIWorkspace()
        try store(ws, "dropped")
        let dry = await ws.kiln("gc", "--dry-run")
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stdout.contains("keeping .kiln/envs/dropped until "), "\(dry)")
        #expect(!exists(ws, ".kiln/envs/dropped/.kiln-build/unreferenced-since"))
    }

    @Test func pythonCopiesGoWhenTheirLastEnvironmentDoes() async throws {
        let ws = try await CLIWorkspace()
        try settings(ws, keep: "0s")
        for name in ["python3.11-aaaaaaaaaaaa", "python3.12-bbbbbbbbbbbb"] {
            try ws.write(".kiln/pythons/\(name)/complete", "version = \"3.11.9\"\n")
            try ws.write(".kiln/pythons/\(name)/bin/python3.11", "binary\n")
        }
        try store(ws, "used", python: "python3.11-aaaaaaaaaaaa")
        try store(ws, "dropped", python: "python3.12-bbbbbbbbbbbb")
        try status(ws, "published/a", .published, .published, "used")
        let run = await ws.kiln("gc")
        #expect(run.status == 0, "\(run)")
        #expect(exists(ws, ".kiln/pythons/python3.11-aaaaaaaaaaaa"))
        #expect(!exists(ws, ".kiln/pythons/python3.12-bbbbbbbbbbbb"), "\(run)")
        #expect(!exists(ws, ".kiln/envs/dropped"))
        #expect(run.stdout.contains("removed .kiln/pythons/python3.12-bbbbbbbbbbbb  "), "\(run)")

        // While a build runs, no python goes: it may be choosing one.
        try store(ws, "dropped2", python: "python3.11-aaaaaaaaaaaa")
        try ws.write("published/a/status", "stage = \"published\"\nstate = \"published\"\n")
        try FileManager.default.createDirectory(atPath: ws.layout.building, withIntermediateDirectories: true)
        let lock = try #require(try FileLock.tryAcquire(ws.layout.buildLock("other")))
        let during = await ws.kiln("gc")
        #expect(exists(ws, ".kiln/pythons/python3.11-aaaaaaaaaaaa"), "\(during)")
        lock.release()
        let later = await ws.kiln("gc")
        #expect(!exists(ws, ".kiln/pythons/python3.11-aaaaaaaaaaaa"), "\(later)")
    }

    /// † Copies of kiln and uv for Slurm jobs (`.kiln/tools/`): kept while a job's script names one, or while it is
    /// of the kiln that runs the collection; aged and removed like the rest otherwise. A job's interpreter copy is
    /// kept too, though no environment names it yet.
    @Test func toolCopiesGoWhenNoJobNamesThem() async throws {
        let ws = try await CLIWorkspace()
        try settings(ws, keep: "0s")
        for name in ["kiln-00000000000000aa", "uv-00000000000000bb", "kiln-00000000000000cc"] {
            try ws.write(".kiln/tools/\(name)/complete", "copied from somewhere\n")
        }
        // A job waiting for a node names the first two.
        try ws.write(
            ".kiln/jobs/churn.3/job.sh",
            "#!/bin/sh\nexec /lib64/ld-linux-x86-64.so.2 --library-path '\(ws.root)/.kiln/tools/kiln-00000000000000aa/lib' "
                + "'\(ws.root)/.kiln/tools/kiln-00000000000000aa/kiln' build-job --uv "
                + "'\(ws.root)/.kiln/tools/uv-00000000000000bb/uv' '\(ws.root)/.kiln/jobs/churn.3'\n"
        )
        // ... and builds with an interpreter copy no environment names yet.
        try ws.write(".kiln/pythons/python3.11-aaaaaaaaaaaa/complete", "version = \"3.11.9\"\n")
        try ws.write(
            ".kiln/jobs/churn.3/job.toml",
            BuildJobRecord(
                name: "churn",
                build: 3,
                specSHA256: String(repeating: "0", count: 64),
                key: String(repeating: "1", count: 64),
                python: "3.11.9",
                interpreter: ws.layout.pythons + "/python3.11-aaaaaaaaaaaa/bin/python3.11",
                jobName: "kiln-churn-3-0",
                fromLock: false
            ).rendered()
        )
        let run = await ws.kiln("gc")
        #expect(run.status == 0, "\(run)")
        #expect(exists(ws, ".kiln/pythons/python3.11-aaaaaaaaaaaa"), "\(run)")
        #expect(exists(ws, ".kiln/tools/kiln-00000000000000aa"))
        #expect(exists(ws, ".kiln/tools/uv-00000000000000bb"))
        #expect(!exists(ws, ".kiln/tools/kiln-00000000000000cc"), "\(run)")
        #expect(run.stdout.contains("removed .kiln/tools/kiln-00000000000000cc  "), "\(run)")
        #expect(run.stdout.contains("copy of kiln or uv for Slurm jobs"), "\(run)")
        // The job ended: its folder is gone, and so are its copies.
        try FileManager.default.removeItem(atPath: ws.layout.jobs)
        let after = await ws.kiln("gc")
        #expect(!exists(ws, ".kiln/tools/kiln-00000000000000aa"), "\(after)")
        #expect(!exists(ws, ".kiln/tools/uv-00000000000000bb"), "\(after)")
        #expect(!exists(ws, ".kiln/pythons/python3.11-aaaaaaaaaaaa"), "\(after)")
    }

    @Test func sizesCountHardLinksOnce() async throws {
        let ws = try await CLIWorkspace()
        try settings(ws, keep: "0s")
        // 2 MB of data, linked twice inside the environment and once from outside it (as uv links from its cache).
        let env = try store(ws, "linked", bytes: 2_000_000)
        #expect(link(env + "/lib/data.bin", env + "/lib/again.bin") == 0)
        #expect(link(env + "/lib/data.bin", ws.path("outside.bin")) == 0)
        let usage = DiskUsage.of(env)
        var st = stat()
        #expect(lstat(env + "/lib/data.bin", &st) == 0)
        let data = Int64(st.st_blocks) * 512
        #expect(usage.bytes >= data && usage.bytes < data + 64 * 1024, "the linked file counted once: \(usage.bytes)")
        #expect(usage.freed == usage.bytes - data, "the file linked from outside is not freed")

        let run = await ws.kiln("gc")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("removed .kiln/envs/linked  2.0 MB  "), "\(run)")
        #expect(run.stdout.contains("total: removed 1 folder, 2.0 MB ("), "\(run)")
        #expect(run.stdout.contains("of it freed; the rest are files also linked from what stays"), "\(run)")
        #expect(exists(ws, "outside.bin"))
    }

    @Test func oneCollectionAtATime() async throws {
        let ws = try await CLIWorkspace()
        try store(ws, "dropped")
        let held = try #require(try FileLock.tryAcquire(ws.layout.collectionLock))
        let refused = await ws.kiln("gc")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("another collection"), "\(refused)")
        held.release()
        #expect((await ws.kiln("gc")).status == 0)
    }

    @Test func aBadKeepIsAWorkspaceProblem() async throws {
        let ws = try await CLIWorkspace()
        try settings(ws, keep: "two weeks")
        let run = await ws.kiln("gc")
        #expect(run.status == 3, "\(run)")
        #expect(run.stderr.contains("'keep' must be a duration"), "\(run)")
    }
}
