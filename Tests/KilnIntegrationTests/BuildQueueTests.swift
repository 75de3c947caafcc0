import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The build queue as people see it on disk: how many builds run at once, one build for identical specs, and the
/// timeout that stops a build and everything it started.
@Suite("kiln serve: the build queue", .serialized)
struct BuildQueueTests {
    /// Two different specs, both there when the daemon starts so its first look queues them together. Statuses
    /// are sampled every 20 ms until both are ready: never more than `concurrency` is `building`. The journal, which
    /// records every start and end in order, gives the exact most at once: with one slot the second build started
    /// only after the first ended; with two they overlapped, which shows the contention was real.
    @Test(arguments: [1, 2])
    func buildsRunAtMostConcurrencyAtOnce(concurrency: Int) async throws {
        let ws = try TestWorkspace(settings: "concurrency = \(concurrency)")
        try ws.save("saved/one", reportSpec)
        try ws.save("saved/two", "base = \"python:3.12\"\nlibraries = [\"kiln-demo-report==2.1.0\"]\n")
        try ws.start()
        let names = ["one", "two"]
        var mostSampled = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let building = names.filter { ws.status("saved/\($0)")?.state == .building }.count
            mostSampled = max(mostSampled, building)
            if names.allSatisfy({ ws.status("draft/\($0)")?.state == .ready }) { break }
            try #require(ws.daemonIsRunning, "the daemon stopped: \(ws.daemonOutputForReport)")
            try await Task.sleep(for: .milliseconds(20))
        }
        for name in names { try await ws.waitForState("draft/\(name)", .ready) }
        #expect(mostSampled <= concurrency, "\(mostSampled) seen building at once with concurrency \(concurrency)")

        var building = Set<String>()
        var mostJournalled = 0
        for entry in Journal(layout: ws.layout).entries() {
            if entry.state == "building" { building.insert(entry.name) }
            if ["ready", "failed"].contains(entry.state) { building.remove(entry.name) }
            mostJournalled = max(mostJournalled, building.count)
        }
        #expect(mostJournalled == concurrency, "the journal shows \(mostJournalled) building at once")
    }

    @Test func twoNamesWithTheSameSpecShareOneBuild() async throws {
        let ws = try TestWorkspace(settings: "concurrency = 2")
        try ws.start()
        try ws.save("saved/first", reportSpec)
        try ws.save("saved/second", reportSpec)
        let first = try await ws.waitForState("draft/first", .ready)
        let second = try await ws.waitForState("draft/second", .ready)
        #expect(first.environment != nil)
        #expect(first.environment == second.environment)
        #expect(first.python == second.python)
        #expect(first.specSHA256 == second.specSHA256)
        #expect(ws.storeEntries.count == 1, "\(ws.storeEntries)")
        #expect(first.environment == ws.storeEntries.first.map(ws.layout.environment), "\(ws.storeEntries)")
        // The tools ran once, for one of the two; the other never ran one against the shared environment (which
        // could only fail, or clobber what the first name already uses).
        let logs = ["first", "second"].map {
            (try? String(contentsOfFile: ws.path("draft/\($0)/logs/build-1.log"), encoding: .utf8)) ?? ""
        }
        #expect(logs.filter { $0.contains("kiln: $ ") }.count == 1, "\(logs)")
        #expect(!logs.contains { $0.contains("failed") }, "\(logs)")
        // Both carry the lock of that one build.
        let locks = try ["first", "second"].map {
            try String(contentsOfFile: ws.path("draft/\($0)/requirements.lock"), encoding: .utf8)
        }
        #expect(locks[0] == locks[1])
    }

    /// A package whose build (its PEP 517 backend, run by uv to learn its metadata) sleeps for two minutes, under a
    /// five-second timeout: the build fails and says why, and nothing it started is left running. (With one second,
    /// a cold first build on a loaded machine could reach the timeout before the test saw any of its processes.)
    @Test func aBuildPastTheTimeoutFailsAndLeavesNoProcessBehind() async throws {
        let ws = try TestWorkspace(settings: "timeout = \"5s\"")
        defer {
            // A leak must not outlive the test: its processes sleep for two minutes.
            for line in ws.buildProcesses() {
                if let pid = Int32(line.prefix { $0 != ":" }) { kill(pid, SIGKILL) }
            }
        }
        try ws.start()
        let spec = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-slow==1.0.0\"]\n"
        try ws.save("saved/slow", spec)
        // While it builds, the tools are there to be seen: the check below is one that can fail.
        var seen: [String] = []
        #expect(
            await TestWorkspace.waitUntil(timeout: .seconds(60)) {
                seen = ws.buildProcesses()
                return !seen.isEmpty || ws.status("saved/slow")?.state == .failed
            }
        )
        #expect(!seen.isEmpty, "no build process was seen before the timeout")

        let failed = try await ws.waitForState("saved/slow", .failed)
        #expect(failed.message.contains("timeout"), "\(failed.message)")
        #expect(failed.build == 1)
        let log = try String(contentsOfFile: ws.path("saved/slow/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("timeout"), "\(log)")
        // The tools were stopped with their whole process group before the status was written; allow the
        // kernel a moment to finish off what the signal reached, but not the two minutes a leak would last.
        let gone = await TestWorkspace.waitUntil(timeout: .seconds(5)) { ws.buildProcesses().isEmpty }
        #expect(gone, "left running: \(ws.buildProcesses())")
        // Nothing registered, nothing half-built left in the store.
        #expect(ws.storeEntries.isEmpty, "left in the store: \(ws.storeEntries)")
        #expect(!ws.exists("draft/slow"))
        #expect(ws.daemonIsRunning)
    }
}
