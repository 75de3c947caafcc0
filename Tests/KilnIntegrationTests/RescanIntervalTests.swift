import Foundation
import Testing

/// `rescan_interval = "auto"` on the real daemon: it asks statfs which file system it serves, says what it chose,
/// and rescans with that period.
@Suite("kiln serve: rescan_interval auto", .serialized)
struct RescanIntervalTests {
    /// `stat -f -c %t` spellings of the local file systems a test machine's temp folder may be on.
    static let local = [
        "ef53": "ext4", "1021994": "tmpfs", "58465342": "xfs", "9123683e": "btrfs", "794c7630": "overlayfs",
    ]

    @Test func onALocalDiskInotifyIsTrustedAndTheRescanIsRare() async throws {
        let ws = try TestWorkspace(rescan: "auto")
        defer { ws.stop() }
        // The premise, asked of another program than the daemon: the temp folder is on a local file system.
        let type = TestWorkspace.run("/usr/bin/env", ["stat", "-f", "-c", "%t", ws.root])
        let name = try #require(
            RescanIntervalTests.local[type.output.trimmingCharacters(in: .whitespacesAndNewlines)],
            "the temp folder is on file system type \(type.output), not a local one these tests know"
        )
        try ws.start()
        try await ws.waitForLog("workspace on \(name): inotify trusted, safety rescan every 10m")
    }

    @Test func aWorkspaceWithoutTheKeyGetsAuto() async throws {
        let ws = try TestWorkspace()
        defer { ws.stop() }
        try ws.editSettings { $0.replacingOccurrences(of: "rescan_interval = \"0s\"", with: "") }
        try ws.start()
        try await ws.waitForLog(": inotify trusted, safety rescan every 10m")
    }

    @Test func anExplicitDurationWins() async throws {
        let ws = try TestWorkspace(rescan: "45s")
        defer { ws.stop() }
        try ws.start()
        try await ws.waitForLog(": rescan_interval = \"45s\", rescan every 45s")
    }

    @Test func onAFUSEMountTheRescanRunsEveryThirtySecondsAndFindsWhatInotifyCannot() async throws {
        let ws = try TestWorkspace(rescan: "auto")
        let mount = try await BindMount(ws.root)
        defer {
            ws.stop()
            mount.unmount()
        }
        try ws.start(servingPath: mount.mountPoint)
        try await ws.waitForLog(
            "workspace on fuse: a network or FUSE file system, where inotify misses other hosts' changes, rescan every 30s"
        )
        try await ws.waitForLog("watching")
        // Written behind the mount's back, after the first look: no event reaches the daemon, so only the periodic
        // rescan, 30 s after the first look, can find it.
        let written = ContinuousClock.now
        try ws.save("saved/remote", "base = 3\n")
        try await ws.waitForState("saved/remote", .invalid)
        // Found by the rescan 30 s after the first look, not sooner (no event) and not much later.
        let found = ContinuousClock.now - written
        #expect(found > .seconds(20) && found < .seconds(40), "found after \(found)")
    }

    @Test func doctorSaysWhatADaemonOnThisHostWouldChoose() async throws {
        let ws = try TestWorkspace(rescan: "auto")
        let mount = try await BindMount(ws.root)
        defer { mount.unmount() }
        let local = TestWorkspace.run(TestWorkspace.kiln, ["doctor", "--workspace", ws.root])
        #expect(local.output.contains(": inotify trusted, safety rescan every 10m"), "\(local.output)")
        let fuse = TestWorkspace.run(TestWorkspace.kiln, ["doctor", "--workspace", mount.mountPoint])
        #expect(
            fuse.output.contains("would say: workspace on fuse: a network or FUSE file system"),
            "\(fuse.output)"
        )
        #expect(fuse.output.contains("rescan every 30s"), "\(fuse.output)")
    }
}
