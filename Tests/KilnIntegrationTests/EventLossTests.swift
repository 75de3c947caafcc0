import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 10, event loss, with the real daemon: an inotify queue overflow, running out of watches, directories filled
/// before their watch exists, a directory moved out of the workspace and back, and the workspace root replaced.
/// Each ends with a correct workspace, a log line saying what happened, and at most one full rescan per loss.
@Suite("kiln serve: event loss", .serialized)
struct EventLossTests {
    /// A light spec: one wheel, no dependencies. Every environment with it shares one build in the store.
    static let greetSpec = """
        base = "python:3.11"
        libraries = ["kiln-demo-greet==1.0.0"]
        """

    /// What the daemon logs when it begins a full look at every environment (at debug level).
    static let fullLook = "looking at every environment"

    /// Lines of the daemon's log past byte `offset` containing `text`.
    static func count(_ text: String, in ws: TestWorkspace, after offset: Int) -> Int {
        ws.daemonOutput.utf8.dropFirst(offset).split(separator: UInt8(ascii: "\n")).filter {
            String(decoding: $0, as: UTF8.self).contains(text)
        }.count
    }

    static func logSize(_ ws: TestWorkspace) -> Int { ws.daemonOutput.utf8.count }

    // MARK: overflow

    @Test func eachOverflowedQueueLeadsToOneRescanThatFindsWhatWasDoneMeanwhile() async throws {
        let ws = try TestWorkspace()
        defer { ws.stop() }
        try ws.save("saved/busy", EventLossTests.greetSpec)
        try ws.start()
        try await ws.waitForState("draft/busy", .ready)
        try await ws.waitForLog("watching")
        let pid = try #require(ws.daemonPID)
        let queueLimit = try #require(
            Int(
                (try String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        let files = queueLimit  // one IN_CREATE and one IN_DELETE each: twice the queue's length
        let rounds = 3
        for round in 1...rounds {
            let before = EventLossTests.logSize(ws)
            // Stopped, the daemon reads nothing: the kernel queues events until its limit, then drops them and
            // queues one IN_Q_OVERFLOW. Files created and removed in a watched environment directory are no reason
            // to look, so the overflow alone can make the daemon look.
            kill(pid, SIGSTOP)
            var resumed = false
            defer { if !resumed { kill(pid, SIGCONT) } }
            let flood = TestWorkspace.run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import os,sys\nd=sys.argv[1]\nfor i in range(int(sys.argv[2])):\n p=os.path.join(d,'junk%d'%i)\n"
                        + " open(p,'w').close()\n os.remove(p)\n",
                    ws.path("draft/busy"), "\(files)",
                ]
            )
            try #require(flood.status == 0, "\(flood.output)")
            // A save, and the removal of the previous round's environment, whose events come after the overflow:
            // lost, and only the rescan can find them.
            try ws.save("saved/late\(round)", EventLossTests.greetSpec)
            if round > 1 {
                try FileManager.default.removeItem(atPath: ws.path("draft/late\(round - 1)"))
            }
            kill(pid, SIGCONT)
            resumed = true

            try await ws.waitForLog("the inotify event queue overflowed", after: before)
            try await ws.waitForState("draft/late\(round)", .ready)
            if round > 1 {
                let gone = "late\(round - 1)"
                #expect(
                    await TestWorkspace.waitUntil(timeout: .seconds(10)) {
                        Journal(layout: ws.layout).entries().last { $0.name == gone }?.state == "removed"
                    }
                )
            }
            // Settled: a storm would show as more looks in the seconds after.
            try await Task.sleep(for: .seconds(2))
            #expect(EventLossTests.count("the inotify event queue overflowed", in: ws, after: before) == 1)
            #expect(EventLossTests.count("rescanning the workspace", in: ws, after: before) == 1)
            #expect(EventLossTests.count(EventLossTests.fullLook, in: ws, after: before) == 1)
        }
        try await ws.waitForState("draft/busy", .ready)
        #expect(!FileManager.default.fileExists(atPath: ws.path("draft/busy/junk0")))
        #expect(ws.daemonIsRunning)
        print(
            "overflow: \(rounds) overflows recovered, \(2 * files) events generated each against a queue of "
                + "\(queueLimit); \(EventLossTests.count(EventLossTests.fullLook, in: ws, after: 0)) full looks in all "
                + "(the first look included)"
        )
    }

    // MARK: out of watches

    /// Runs the daemon in a user namespace of its own whose inotify watch limit is `limit`
    /// (`/proc/sys/user/max_inotify_watches`, Linux 5.11+): the host's sysctls, which other tests share, stay as
    /// they are.
    static func limitedWatches(_ limit: Int) -> [String] {
        [
            "/usr/bin/unshare", "--user", "--map-root-user", "/bin/sh", "-c",
            "echo \(limit) > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\"",
        ]
    }

    @Test func runningOutOfWatchesIsSaidOnceAndRescansFindWhatEventsCannot() async throws {
        let ws = try TestWorkspace(rescan: "2s")
        defer { ws.stop() }
        let names = (1...25).map { "e\($0)" }
        for name in names {
            // Invalid on purpose: no build needed to see that the daemon looked.
            try ws.save("saved/\(name)", "base = 3\n")
        }
        try ws.start(wrapper: EventLossTests.limitedWatches(20))
        try await ws.waitForLog("watching")
        for name in names {
            try await ws.waitForState("saved/\(name)", .invalid)
        }
        try await ws.waitForLog("run out of inotify watches")
        let warning = try #require(
            ws.daemonOutput.split(separator: "\n").first { $0.contains("run out of inotify watches") }
        )
        #expect(warning.contains("sudo sysctl fs.inotify.max_user_watches="), "\(warning)")
        #expect(warning.contains("this user namespace allows only 20"), "\(warning)")
        #expect(warning.contains("a full rescan every 2s"), "\(warning)")
        // The first directory refused is named: a save there shows no event.
        let prefix = "Cannot watch \(ws.root)/saved/"
        let refused = try #require(
            warning.range(of: prefix).map { warning[$0.upperBound...].prefix { $0 != " " && $0 != ":" } },
            "\(warning)"
        )
        let unwatched = String(refused)
        #expect(names.contains(unwatched))

        let before = EventLossTests.logSize(ws)
        let saved = ContinuousClock.now
        try ws.save("saved/\(unwatched)", EventLossTests.greetSpec)
        try await ws.waitForLog("\(unwatched): saved/\(unwatched) [queued]", after: before)
        let found = ContinuousClock.now - saved
        try await ws.waitForState("draft/\(unwatched)", .ready)
        // Found by a periodic rescan: within one period (2 s), its one-second tick and the settle time.
        #expect(found < .seconds(4), "found after \(found)")

        // A directory made now cannot be watched either: it is looked at, its later saves are found by rescans, and
        // the limit is not reported again.
        let lateStart = EventLossTests.logSize(ws)
        try FileManager.default.createDirectory(atPath: ws.path("saved/later"), withIntermediateDirectories: false)
        try await Task.sleep(for: .milliseconds(300))
        try ws.save("saved/later", EventLossTests.greetSpec)
        try await ws.waitForState("draft/later", .ready)
        #expect(EventLossTests.count("run out of inotify watches", in: ws, after: 0) == 1)
        // Rescans at the period, not a storm: about three in six seconds.
        let window = EventLossTests.logSize(ws)
        try await Task.sleep(for: .seconds(6))
        let looks = EventLossTests.count(EventLossTests.fullLook, in: ws, after: window)
        #expect((2...4).contains(looks), "\(looks) full looks in 6 s at a 2 s period")
        #expect(EventLossTests.count("run out of inotify watches", in: ws, after: lateStart) == 0)
        #expect(ws.daemonIsRunning)
        print("out of watches: \(looks) full rescans in 6 s at a 2 s period; unwatched save found after \(found)")
    }

    /// `rescan_interval = "0s"` (inotify only) cannot stand once events are missing: the period becomes 30 s.
    @Test func outOfWatchesWithoutARescanIntervalRescansEveryThirtySeconds() async throws {
        let ws = try TestWorkspace(rescan: "0s")
        defer { ws.stop() }
        let names = (1...25).map { "n\($0)" }
        for name in names {
            try ws.save("saved/\(name)", "base = 3\n")
        }
        try ws.start(wrapper: EventLossTests.limitedWatches(20))
        try await ws.waitForLog("watching")
        let watching = ContinuousClock.now
        try await ws.waitForLog("run out of inotify watches")
        let warning = try #require(
            ws.daemonOutput.split(separator: "\n").first { $0.contains("run out of inotify watches") }
        )
        #expect(warning.contains("a full rescan every 30s"), "\(warning)")
        let prefix = "Cannot watch \(ws.root)/saved/"
        let refused = try #require(
            warning.range(of: prefix).map { warning[$0.upperBound...].prefix { $0 != " " && $0 != ":" } },
            "\(warning)"
        )
        let unwatched = String(refused)
        let first = try await ws.waitForState("saved/\(unwatched)", .invalid)
        try ws.save("saved/\(unwatched)", "base = 4\n")
        try await ws.waitForStatus("saved/\(unwatched)", timeout: .seconds(45)) {
            $0.specSHA256 != first.specSHA256
        }
        let found = ContinuousClock.now - watching
        // No event: only the rescan 30 s after the first look finds it, not sooner and not much later.
        #expect(found > .seconds(25) && found < .seconds(36), "found \(found) after the first look")
        #expect(ws.daemonIsRunning)
        print("out of watches, rescan_interval 0s: the save found \(found) after the first look")
    }

    // MARK: directories filled before their watch exists

    @Test func directoriesMadeAndFilledAtOnceAreAllSeen() async throws {
        let ws = try TestWorkspace()
        defer { ws.stop() }
        try ws.start()
        try await ws.waitForLog("watching")
        // A finished environment elsewhere, with a nested folder, to be copied in whole.
        let template = ws.root + ".template"
        defer { try? FileManager.default.removeItem(atPath: template) }
        try FileManager.default.createDirectory(atPath: template + "/notes/deeper", withIntermediateDirectories: true)
        try EventLossTests.greetSpec.write(toFile: template + "/spec.toml", atomically: false, encoding: .utf8)
        try "kept\n".write(toFile: template + "/notes/deeper/readme.txt", atomically: false, encoding: .utf8)
        let before = EventLossTests.logSize(ws)

        var names: [String] = []
        for i in 0..<12 {
            // mkdir and write spec.toml at once: the file is there before the directory's watch.
            let name = "made\(i)"
            try FileManager.default.createDirectory(
                atPath: ws.path("saved/\(name)"),
                withIntermediateDirectories: false
            )
            _ = FileManager.default.createFile(
                atPath: ws.path("saved/\(name)/spec.toml"),
                contents: Data(EventLossTests.greetSpec.utf8)
            )
            names.append(name)
        }
        for i in 0..<6 {
            let name = "copied\(i)"
            let copy = TestWorkspace.run("/bin/cp", ["-r", template, ws.path("saved/\(name)")])
            try #require(copy.status == 0, "\(copy.output)")
            names.append(name)
        }
        // A nested tree made in one call, its spec written at once.
        try FileManager.default.createDirectory(
            atPath: ws.path("saved/nested/a/b/c"),
            withIntermediateDirectories: true
        )
        _ = FileManager.default.createFile(
            atPath: ws.path("saved/nested/spec.toml"),
            contents: Data(EventLossTests.greetSpec.utf8)
        )
        names.append("nested")

        for name in names {
            try await ws.waitForState("draft/\(name)", .ready)
        }
        #expect(FileManager.default.fileExists(atPath: ws.path("draft/copied0/notes/deeper/readme.txt")))
        #expect(FileManager.default.fileExists(atPath: ws.path("draft/nested/a/b/c")))
        // Each directory's own look, once its watch is in place, sees what was written before: no full rescan.
        #expect(EventLossTests.count(EventLossTests.fullLook, in: ws, after: before) == 0)
        #expect(EventLossTests.count("rescanning the workspace", in: ws, after: before) == 0)
        print("filled before watched: \(names.count) directories, 0 full rescans")
    }

    // MARK: moved out and back

    @Test func aDirectoryMovedOutAndBackIsTheSameEnvironmentAgain() async throws {
        let ws = try TestWorkspace()
        defer { ws.stop() }
        let elsewhere = ws.root + ".elsewhere"
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        try ws.save("saved/roam", EventLossTests.greetSpec)
        try ws.start()
        try await ws.waitForState("draft/roam", .ready)
        let before = EventLossTests.logSize(ws)

        func journalLast() -> JournalEntry? { Journal(layout: ws.layout).entries().last { $0.name == "roam" } }

        // Out and back within the watch's grace, then out for longer than it, each time to where it was.
        for away in [Duration.milliseconds(300), .seconds(3)] {
            #expect(rename(ws.path("draft/roam"), elsewhere + "/roam") == 0)
            try await Task.sleep(for: away)
            #expect(rename(elsewhere + "/roam", ws.path("draft/roam")) == 0)
            try await Task.sleep(for: .seconds(1))
            let status = try await ws.waitForState("draft/roam", .ready)
            #expect(status.stage == .draft)
            try #require(
                await TestWorkspace.waitUntil(timeout: .seconds(10)) { journalLast()?.to == "draft/roam" },
                "journal: \(String(describing: journalLast()))"
            )
        }
        // Then out, and back into another stage: saved/ (a draft put back as a save).
        #expect(rename(ws.path("draft/roam"), elsewhere + "/roam") == 0)
        try await Task.sleep(for: .seconds(1))
        #expect(rename(elsewhere + "/roam", ws.path("saved/roam")) == 0)
        let back = try await ws.waitForState("draft/roam", .ready)
        #expect(!ws.exists("saved/roam"))
        // After that, a change inside is seen: the directory is watched again (an edited draft is built again).
        try ws.save("draft/roam", EventLossTests.greetSpec.replacingOccurrences(of: "1.0.0", with: "1.1.0"))
        try await ws.waitForStatus("draft/roam") { $0.state == .ready && $0.specSHA256 != back.specSHA256 }
        let last = try #require(journalLast())
        #expect(last.to == "draft/roam" && last.state == "ready", "\(last)")
        let returns = Journal(layout: ws.layout).entries().filter {
            $0.name == "roam" && $0.message.hasPrefix("the directory came back")
        }
        #expect(
            returns.map(\.to) == ["draft/roam", "draft/roam", "saved/roam"],
            "\(returns.map { "\($0.to) \($0.state) \($0.message)" })"
        )
        let listed = ws.kilnCommand("list")
        #expect(listed.output.components(separatedBy: "roam").count - 1 >= 1, "\(listed.output)")
        #expect(EventLossTests.count("rescanning the workspace", in: ws, after: before) == 0)
        #expect(ws.daemonIsRunning)
    }

    // MARK: the workspace root replaced

    @Test func aRootMovedAwayStopsTheDaemonAndDeletesNothing() async throws {
        let ws = try TestWorkspace()
        let old = ws.root + ".old"
        defer {
            ws.stop()
            try? FileManager.default.removeItem(atPath: old)
        }
        try ws.save("saved/keep", EventLossTests.greetSpec)
        try ws.start()
        try await ws.waitForState("draft/keep", .ready)
        try await ws.waitForLog("watching")
        let store = ws.storeEntries
        #expect(rename(ws.root, old) == 0)
        try FileManager.default.createDirectory(atPath: ws.root, withIntermediateDirectories: false)

        try await ws.waitForLog("the workspace root \(ws.root) was ")
        #expect(await TestWorkspace.waitUntil(timeout: .seconds(15)) { !EventLossTests.alive(ws) })
        let code = ws.stop()
        #expect(code == 3, "exit \(String(describing: code))")
        // Nothing of the user's deleted, in either tree: the old one whole, the new one as made.
        let oldLayout = WorkspaceLayout(root: old)
        #expect(FileManager.default.fileExists(atPath: old + "/draft/keep/spec.toml"))
        #expect(WorkspaceFiles.list(oldLayout.environments).filter { !$0.hasPrefix(".") }.sorted() == store)
        #expect(WorkspaceFiles.list(ws.root).isEmpty, "\(WorkspaceFiles.list(ws.root))")

        // Made a workspace, the path is served again by a new daemon (the systemd unit's restart).
        let made = TestWorkspace.run(TestWorkspace.kiln, ["init", ws.root])
        try #require(made.status == 0, "\(made.output)")
        try String(contentsOfFile: old + "/workspace.toml", encoding: .utf8).write(
            toFile: ws.layout.settingsFile,
            atomically: true,
            encoding: .utf8
        )
        try ws.save("saved/fresh", EventLossTests.greetSpec)
        try ws.start()
        try await ws.waitForState("draft/fresh", .ready)
    }

    @Test func anotherWorkspaceMovedIntoThePathStopsTheDaemonAndIsServedAfterARestart() async throws {
        let ws = try TestWorkspace()
        let other = try TestWorkspace()
        let old = ws.root + ".old"
        defer {
            ws.stop()
            try? FileManager.default.removeItem(atPath: old)
        }
        try ws.save("saved/mine", EventLossTests.greetSpec)
        try other.save("saved/theirs", "base = 3\n")
        try ws.start()
        try await ws.waitForState("draft/mine", .ready)
        try await ws.waitForLog("watching")
        let before = EventLossTests.logSize(ws)
        #expect(rename(ws.root, old) == 0)
        #expect(rename(other.root, ws.root) == 0)

        try await ws.waitForLog("the workspace root \(ws.root) was ", after: before)
        #expect(await TestWorkspace.waitUntil(timeout: .seconds(15)) { !EventLossTests.alive(ws) })
        let code = ws.stop()
        #expect(code == 3, "exit \(String(describing: code))")
        // The stopping daemon acted on neither tree: the other workspace's save was never looked at.
        #expect(!FileManager.default.fileExists(atPath: ws.path("saved/theirs/status")))
        #expect(FileManager.default.fileExists(atPath: old + "/draft/mine/spec.toml"))

        try ws.start()
        try await ws.waitForState("saved/theirs", .invalid)
        #expect(!ws.exists("draft/mine"))
    }

    /// Whether the daemon process still runs (a zombie, exited but not yet collected, does not).
    static func alive(_ ws: TestWorkspace) -> Bool {
        guard let pid = ws.daemonPID else { return false }
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = state.lastIndex(of: ")") else { return false }
        return state[state.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }
}
