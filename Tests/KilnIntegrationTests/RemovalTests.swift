import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `rm -rf` deletes what is inside a directory first. When it pauses after `spec.toml` for longer than the settle
/// time (a busy host, a network mount), the daemon must not take the half-removed directory for an edit: it waits
/// until the directory has been quiet for a second.
@Suite("kiln serve: a removal in progress is left to finish", .serialized)
struct RemovalTests {
    static let spec = "base = \"python:3.11\"\n"

    /// What `rm -rf` does, slowly: spec.toml first, a pause longer than the settle time, then the rest. Returns
    /// false when the pause itself ran so long (a starved test process) that the daemon was free to act: then
    /// nothing was checked, and the caller tries again.
    static func slowRemove(_ ws: TestWorkspace, _ location: String) async throws -> Bool {
        #expect(unlink(ws.path(location + "/spec.toml")) == 0)
        let start = ContinuousClock.now
        // A thread's sleep, woken by the kernel: a task's sleep waits for a free thread of the cooperative pool too,
        // which the other suites running beside this one can keep busy for longer than the daemon's quiet second.
        usleep(300_000)
        let stillInPlace = ws.exists(location)
        let noSpec = !ws.exists(location + "/spec.toml")
        let checked = ContinuousClock.now - start < .milliseconds(900)
        if checked {
            #expect(stillInPlace, "\(location) was moved away in the middle of its removal")
            #expect(noSpec, "a spec.toml was written back into \(location) mid-removal")
        }
        _ = TestWorkspace.run("/bin/rm", ["-rf", ws.path(location)])
        #expect(!ws.exists(location))
        return checked
    }

    @Test(arguments: ["draft", "published"])
    func aSlowRemovalIsNotTakenForAnEdit(stage: String) async throws {
        let ws = try TestWorkspace()
        try ws.start()
        var checked = false
        for attempt in 1...5 where !checked {
            let name = "gone\(attempt)"
            if stage == "draft" {
                try ws.save("saved/\(name)", Self.spec)
                try await ws.waitForState("draft/\(name)", .ready)
            } else {
                try await ws.publish(name, Self.spec)
            }
            checked = try await Self.slowRemove(ws, "\(stage)/\(name)")
            if checked {
                #expect(
                    await TestWorkspace.waitUntil(timeout: .seconds(30)) {
                        Journal(layout: ws.layout).entries(for: name).last?.state == "removed"
                    }
                )
                #expect(!ws.exists("saved/\(name)"))
            }
        }
        #expect(checked, "five pauses of 300 ms each took longer than 900 ms: the machine is too busy to tell")
    }

    /// Only spec.toml removed, and nothing else happening: after the quiet second the protocol applies as before
    /// (rule 8: the approved spec comes back).
    @Test func aPublishedSpecRemovedAloneIsRestored() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try await ws.publish("kept", Self.spec)
        #expect(unlink(ws.path("published/kept/spec.toml")) == 0)
        #expect(await TestWorkspace.waitUntil(timeout: .seconds(30)) { ws.exists("published/kept/spec.toml") })
        #expect(try String(contentsOfFile: ws.path("published/kept/spec.toml"), encoding: .utf8) == Self.spec)
    }
}
