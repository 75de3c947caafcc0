import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("kiln serve: shutting down")
struct ShutdownTests {
    /// The first look at a large workspace is disk work on the daemon's own thread; a SIGTERM that arrives during it
    /// stops it between two names, and the daemon exits cleanly with the lock released, without starting a build.
    @Test func sigtermDuringTheFirstLookStopsIt() async throws {
        let ws = try TestWorkspace()
        let count = 1000
        let names = (0..<count).map { String(format: "env%05d", $0) }
        let spec = Array("base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n".utf8)
        for name in names {
            // Valid saves: the first look queues each one, writing its status with an fsync.
            let directory = ws.path("saved/\(name)")
            guard mkdir(directory, 0o755) == 0 else { throw Failure("mkdir \(directory): \(errno)") }
            try WorkspaceFiles.writeAtomically(directory + "/spec.toml", spec)
        }
        try ws.start()
        // The look goes through names in order: once the first has a status, it is under way.
        try await ws.waitForStatus("saved/\(names[0])") { _ in true }
        #expect(ws.stop() == 0)
        let looked = names.filter { ws.exists("saved/\($0)/status") }.count
        #expect(looked < count, "the whole look ran before the daemon stopped")
        #expect(ws.daemonOutput.contains("stopped looking: shutting down"))
        #expect(!ws.daemonOutput.contains("started"), "a build started during shutdown")
        // The lock is free for the next daemon.
        let lock = TestWorkspace.run("/usr/bin/flock", ["--nonblock", ws.layout.daemonLock, "/bin/true"])
        #expect(lock.status == 0, "the workspace lock is still held: \(lock.output)")
    }
}
