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
        let pid = try #require(ws.daemonPID)
        // The look goes through names in order: once the first has a status, it is under way. A thread of its own
        // sends SIGTERM then, so a busy test runner cannot delay the signal until the look is over.
        let first = ws.path("saved/\(names[0])/status")
        let signalled = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            Thread {
                let deadline = ContinuousClock.now + .seconds(90)
                while access(first, F_OK) != 0 && ContinuousClock.now < deadline { usleep(2_000) }
                done.resume(returning: access(first, F_OK) == 0 && kill(pid, SIGTERM) == 0)
            }.start()
        }
        try #require(signalled, "the first look never began; daemon log:\n\(ws.daemonOutput.suffix(3000))")
        // Signal 0 sends nothing: this only waits for the exit the SIGTERM above began.
        #expect(ws.stop(signal: 0) == 0)
        let looked = names.filter { ws.exists("saved/\($0)/status") }.count
        #expect(looked < count, "the whole look ran before the daemon stopped")
        #expect(ws.daemonOutput.contains("stopped looking: shutting down"))
        #expect(!ws.daemonOutput.contains("started"), "a build started during shutdown")
        // The lock is free for the next daemon.
        let lock = TestWorkspace.run("/usr/bin/flock", ["--nonblock", ws.layout.daemonLock, "/bin/true"])
        #expect(lock.status == 0, "the workspace lock is still held: \(lock.output)")
    }
}
