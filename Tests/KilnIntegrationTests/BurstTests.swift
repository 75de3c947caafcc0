import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Many saves at once, as when a class of students all save the course's spec in the same minute: every name
/// reaches `ready`, none is lost, none is built twice, and the daemon's memory stays bounded.
///
/// The size is `KILN_BURST_SIZE` (60 by default, for CI; scripts/long-tests.sh runs 1,000). The names share a handful
/// of distinct specs, round robin, so the store builds each distinct spec once and the other names find it there:
/// the realistic case, and what keeps 1,000 saves to minutes.
@Suite("kiln serve: a burst of saves", .serialized)
struct BurstTests {
    static let size = ProcessInfo.processInfo.environment["KILN_BURST_SIZE"].flatMap(Int.init) ?? 60

    /// Distinct specs, each from the test wheels: one library, another version of it, one with a dependency.
    static let specs = [
        "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n",
        "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n",
        "base = \"python:3.11\"\nlibraries = [\"kiln-demo-report==2.1.0\"]\n",
    ]

    /// The daemon's peak resident memory may not exceed this. Measured with the debug build the tests run (after a
    /// burst, VmHWM): 38.9 MB after 60 saves, 44.7 MB after 1,000, so about 38.5 MB of base and 6 KB per name (its
    /// status, settle task, queue entry and journal line). The bound is twice a rounded-up model of that, 2 × (40 MB
    /// + 8 KB per name): room for another machine's allocator and libraries, while a leak of about 50 KB a save, or
    /// a copy of every spec kept per name, fails the long run.
    static func memoryBoundKB(names: Int) -> Int { 2 * (40 * 1024 + 8 * names) }

    @Test func aBurstOfSavesAllReachReadyEachBuiltOnce() async throws {
        let ws = try TestWorkspace(settings: "concurrency = 2")
        try ws.start()
        try await burst(ws, executor: "local")
    }

    /// † The same burst with builds as Slurm jobs, on a real one-node cluster: one job per distinct spec, every one
    /// completed, and the names that share a spec wait for its job rather than submitting their own.
    @Test func aBurstOfSavesThroughSlurmRunsOneJobPerDistinctSpec() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try TestWorkspace(
            settings: "executor = \"slurm\"\nconcurrency = 2\n[slurm]\npartition = \"debug\"\n",
            keepPythons: true
        )
        try ws.start(environment: cluster.environment)
        try await burst(ws, executor: "slurm")
        let jobs = cluster.jobs().filter { $0.name.hasPrefix("kiln-burst-") }
        #expect(jobs.count == min(Self.size, Self.specs.count), "\(jobs)")
        #expect(jobs.allSatisfy { $0.state == "COMPLETED" }, "\(jobs)")
    }

    /// Saves `size` names at once, round robin over `specs`, and checks that every one reaches `ready`, each
    /// distinct spec is built once, and the daemon's memory stays bounded.
    func burst(_ ws: TestWorkspace, executor: String) async throws {
        let n = Self.size
        try await ws.waitForLog("watching", timeout: .seconds(60))
        let names = (0..<n).map { String(format: "burst-%04d", $0) }
        let started = ContinuousClock.now
        for (i, name) in names.enumerated() { try ws.save("saved/\(name)", Self.specs[i % Self.specs.count]) }

        // Every name arrives in draft/ as ready; waiting on the files, not the log, as a person would.
        let timeout = Duration.seconds(120 + n / 2)
        let deadline = ContinuousClock.now + timeout
        var ready: Set<String> = []
        while ready.count < n, ContinuousClock.now < deadline {
            for name in names where !ready.contains(name) && ws.status("draft/\(name)")?.state == .ready {
                ready.insert(name)
            }
            try #require(ws.daemonIsRunning, "the daemon stopped: \(ws.daemonOutputForReport)")
            if ready.count < n { try await Task.sleep(for: .milliseconds(200)) }
        }
        let took = ContinuousClock.now - started
        let missing = names.filter { !ready.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(n) not ready after \(timeout): \(missing.prefix(5))")
        let leftInSaved = WorkspaceFiles.list(ws.layout.folder(.saved)).filter { !$0.hasPrefix(".") }
        #expect(leftInSaved.isEmpty, "left in saved/: \(leftInSaved.prefix(5))")

        // Built once: one store entry per distinct spec, one `building` per distinct spec in the journal, and
        // every name journalled `ready` exactly once.
        let distinct = min(n, Self.specs.count)
        #expect(ws.storeEntries.count == distinct, "\(ws.storeEntries)")
        let entries = Journal(layout: ws.layout).entries()
        let building = entries.filter { $0.state == "building" }
        #expect(building.count == distinct, "\(building.count) builds journalled: \(building.map(\.name).prefix(10))")
        var readyCount: [String: Int] = [:]
        for entry in entries where entry.state == "ready" { readyCount[entry.name, default: 0] += 1 }
        let notOnce = names.filter { readyCount[$0] != 1 }
        #expect(notOnce.isEmpty, "not journalled ready exactly once: \(notOnce.prefix(5).map { ($0, readyCount[$0]) })")
        // Each environment names a build in the store, shared by the names of its spec.
        let environments = Set(names.compactMap { ws.status("draft/\($0)")?.environment })
        #expect(environments.count == distinct, "\(environments)")

        let pid = try #require(ws.daemonPID)
        let hwm = try #require(Self.peakMemoryKB(pid: pid), "no VmHWM for the daemon")
        let bound = Self.memoryBoundKB(names: n)
        #expect(hwm < bound, "the daemon's VmHWM is \(hwm) KB, over \(bound) KB after \(n) saves")
        // The long run's figures, for its report.
        print(
            "burst (\(executor)): \(n) saves, \(distinct) distinct specs: all ready in \(took); daemon VmHWM \(hwm) KB"
        )
    }

    /// The peak resident set of `pid` (`VmHWM` in /proc/PID/status), in KB.
    static func peakMemoryKB(pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return line?.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}
