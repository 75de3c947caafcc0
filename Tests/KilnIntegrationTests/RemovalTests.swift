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

    /// What `rm -rf` does, slowly: spec.toml first, a pause, then the rest.
    static func slowRemove(_ ws: TestWorkspace, _ location: String) async throws {
        #expect(unlink(ws.path(location + "/spec.toml")) == 0)
        try await Task.sleep(for: .milliseconds(600))
        #expect(ws.exists(location), "\(location) was moved away in the middle of its removal")
        #expect(!ws.exists(location + "/spec.toml"), "a spec.toml was written back into \(location) mid-removal")
        let removed = TestWorkspace.run("/bin/rm", ["-rf", ws.path(location)])
        #expect(removed.status == 0, "\(removed.output)")
    }

    @Test(arguments: ["draft", "published"])
    func aSlowRemovalIsNotTakenForAnEdit(stage: String) async throws {
        let ws = try TestWorkspace()
        try ws.start()
        if stage == "draft" {
            try ws.save("saved/gone", Self.spec)
            try await ws.waitForState("draft/gone", .ready)
        } else {
            try await ws.publish("gone", Self.spec)
        }
        try await Self.slowRemove(ws, "\(stage)/gone")
        #expect(
            await TestWorkspace.waitUntil(timeout: .seconds(30)) {
                Journal(layout: ws.layout).entries(for: "gone").last?.state == "removed"
            }
        )
        #expect(!ws.exists("saved/gone") && !ws.exists("\(stage)/gone"))
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
