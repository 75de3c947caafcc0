import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// The daemon serving a FUSE mount (bindfs over the temp workspace), where a network mount's two differences show:
/// renameat2's flags are refused, so moves and the approval's swap take their fallbacks; and a change made behind
/// the mount (to the underlying folder) makes no event, so only the periodic rescan finds it.
@Suite("kiln serve: on a FUSE mount", .serialized)
struct MountTests {
    @Test func submitAndApproveOverAPublishedVersionWithoutRenameat2() async throws {
        // Inotify only: every change here is made through the mount, so events must carry the whole lifecycle.
        let ws = try TestWorkspace(rescan: "0s")
        let mount = try await BindMount(ws.root)
        defer {
            ws.stop()
            mount.unmount()
        }
        let via = mount.mountPoint

        // The premise: this mount refuses an atomic swap, so the daemon's fallbacks are what run below.
        let a = ws.path(".kiln/probe-a", via: via)
        let b = ws.path(".kiln/probe-b", via: via)
        try FileManager.default.createDirectory(atPath: a, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: b, withIntermediateDirectories: true)
        #expect {
            try WorkspaceFiles.exchange(a, b)
        } throws: { error in
            (error as? FileError).map(WorkspaceFiles.exchangeIsUnsupported) ?? false
        }
        try FileManager.default.removeItem(atPath: a)
        try FileManager.default.removeItem(atPath: b)

        try ws.start(servingPath: via)
        let v1 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
        let v2 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"
        // saved/ -> draft/ is the daemon's own move (mkdir, then rename over it); the rest are a person's mv.
        try ws.save("saved/greet", v1, via: via)
        let ready = try await ws.waitForState("draft/greet", .ready)
        #expect(ready.environment?.hasPrefix(via + "/") == true)
        #expect(!ws.exists("saved/greet"))
        try ws.mv("draft/greet", "pending/", via: via)
        try await ws.waitForState("pending/greet", .awaitingApproval)
        try ws.mv("pending/greet", "published/", via: via)
        try await ws.waitForState("published/greet", .published)

        try ws.save("saved/greet", v2, via: via)
        try await ws.waitForStatus("draft/greet") { $0.state == .ready && $0.specSHA256 == SHA256Hex.of(v2) }
        try ws.mv("draft/greet", "pending/", via: via)
        try await ws.waitForState("pending/greet", .awaitingApproval)
        // What an admin types to approve over a published version: the new one lands inside the old one.
        try ws.mv("pending/greet", "published/greet/", via: via)
        let replaced = try await ws.waitForStatus("published/greet") {
            $0.state == .published && $0.specSHA256 == SHA256Hex.of(v2)
        }
        #expect(replaced.message.contains("replaced the previous published version"), "\(replaced.message)")
        #expect(!ws.exists("published/greet/greet"))
        #expect(!ws.exists("pending/greet"))
        #expect(try String(contentsOfFile: ws.path("published/greet/spec.toml"), encoding: .utf8) == v2)
        // The swap could not be atomic here: the daemon said so and replaced in two steps.
        #expect(ws.daemonOutput.contains("cannot swap directories atomically"), "\(ws.daemonOutput.suffix(2000))")
        let archived = try FileManager.default.contentsOfDirectory(atPath: ws.path(".kiln/archive/greet"))
        #expect(archived.count == 1, "\(archived)")
        if let old = archived.first {
            #expect(try String(contentsOfFile: ws.path(".kiln/archive/greet/\(old)/spec.toml"), encoding: .utf8) == v1)
        }
        #expect(ws.stop() == 0)
    }

    @Test func changesMadeBehindInotifysBackAreFoundByTheRescan() async throws {
        // A write to the underlying folder makes no event on the mount, exactly like a change made from another
        // host of a network mount: only the rescan (every second here) can find it.
        let ws = try TestWorkspace(rescan: "1s")
        let mount = try await BindMount(ws.root)
        defer {
            ws.stop()
            mount.unmount()
        }
        try ws.start(servingPath: mount.mountPoint)
        // Answered (through the mount, by an event or the first look) means the first look has listed the names:
        // whatever is written after this is found by a rescan or not at all.
        try ws.save("saved/probe", "base = 3\n", via: mount.mountPoint)
        try await ws.waitForState("saved/probe", .invalid)

        // Written to the underlying folder: invisible to inotify on the mount.
        try ws.save("saved/remote", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        let ready = try await ws.waitForState("draft/remote", .ready)
        #expect(ready.environment?.hasPrefix(mount.mountPoint + "/") == true)

        // Edited in place behind the mount's back, once a rescan has found both names settled and skipped them as
        // unchanged: the next rescan must see the file changed, not skip it.
        try await ws.waitForLog("unchanged=2", after: ws.daemonOutput.utf8.count)
        let edited = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"
        let handle = try #require(FileHandle(forWritingAtPath: ws.path("draft/remote/spec.toml")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(edited.utf8))
        try handle.close()
        let rebuilt = try await ws.waitForStatus("draft/remote") { $0.state == .ready && $0.build == 2 }
        #expect(rebuilt.specSHA256 == SHA256Hex.of(edited))
    }
}

extension SHA256Hex {
    static func of(_ text: String) -> String { of(Array(text.utf8)) }
}
