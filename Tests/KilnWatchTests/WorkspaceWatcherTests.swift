import Foundation
import Testing

@testable import KilnWatch

#if canImport(Glibc)
import Glibc
#endif

/// A real watcher on real temporary workspaces. Serialized: libinotifytools allows one watcher per process.
@Suite(.serialized)
struct WorkspaceWatcherTests {
    private func startWatching(
        _ workspace: TestWorkspace,
        stages: [String] = TestWorkspace.allStages
    ) async throws -> (WorkspaceWatcher, HintRecorder) {
        let watcher = WorkspaceWatcher(configuration: workspace.configuration(stages: stages))
        let recorder = HintRecorder(watcher)
        try await watcher.start()
        return (watcher, recorder)
    }

    @Test func specSavedByWriteAndRenameGivesAnEnvironmentHint() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("saved/foo")
        try workspace.write("saved/foo/spec.toml")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }

        try workspace.writeAndRename("saved/foo/spec.toml", temporaryName: ".spec.toml.tmp")

        #expect(await recorder.waitFor(.environment(stage: "saved", name: "foo")))
    }

    @Test func specWrittenInPlaceGivesAnEnvironmentHint() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("saved/foo")
        try workspace.write("saved/foo/spec.toml")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }

        try workspace.write("saved/foo/spec.toml", "python = \"3.12\"\n")

        #expect(await recorder.waitFor(.environment(stage: "saved", name: "foo")))
    }

    @Test func newDirectoryWithAnImmediateWriteGivesAHintAndIsWatched() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let before = watcher.watchCount

        try workspace.makeDirectory("saved/new")
        try workspace.write("saved/new/spec.toml")

        #expect(await recorder.waitFor(.environment(stage: "saved", name: "new")))
        #expect(await HintRecorder.poll { watcher.watchCount == before + 1 })
        // The watch is in place: a later save inside is seen through it.
        let seen = recorder.hints.count
        try workspace.write("saved/new/spec.toml", "y = 2\n")
        #expect(await recorder.waitForNew(after: seen) { $0 == .environment(stage: "saved", name: "new") })
    }

    @Test func manyNewDirectoriesEachGetAHint() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let names = (0..<100).map { "env-\($0)" }

        for name in names {
            try workspace.makeDirectory("draft/\(name)")
            try workspace.write("draft/\(name)/spec.toml")
        }

        let expected = Set(names.map { WatchHint.environment(stage: "draft", name: $0) })
        #expect(await recorder.waitUntil { expected.isSubset(of: Set($0)) })
        #expect(await HintRecorder.poll { watcher.watchCount >= names.count })
    }

    @Test func moveBetweenStagesHintsBothAndKeepsWatchingUnderTheNewName() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("saved/foo")
        try workspace.write("saved/foo/spec.toml")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let before = watcher.watchCount

        try workspace.move("saved/foo", to: "draft/foo")

        #expect(
            await recorder.waitUntil {
                $0.contains(.environment(stage: "saved", name: "foo"))
                    && $0.contains(.environment(stage: "draft", name: "foo"))
            }
        )
        let seen = recorder.hints.count
        try workspace.write("draft/foo/spec.toml", "z = 3\n")
        #expect(await recorder.waitForNew(after: seen) { $0 == .environment(stage: "draft", name: "foo") })
        #expect(!recorder.hints.dropFirst(seen).contains(.environment(stage: "saved", name: "foo")))
        // The moved directory kept its descriptor: no second watch.
        #expect(watcher.watchCount == before)
    }

    @Test func nestedMoveIntoAnExistingEnvironmentHintsIt() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("pending/foo")
        try workspace.write("pending/foo/spec.toml")
        try workspace.makeDirectory("published/foo")
        try workspace.write("published/foo/spec.toml")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }

        // What `mv pending/foo published/foo` does when published/foo exists.
        try workspace.move("pending/foo", to: "published/foo/foo")

        #expect(
            await recorder.waitUntil {
                $0.contains(.environment(stage: "published", name: "foo"))
                    && $0.contains(.environment(stage: "pending", name: "foo"))
            }
        )
    }

    @Test func statusLogsAndEditorDroppingsGiveNoHint() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("saved/foo")
        try workspace.write("saved/foo/spec.toml")
        try workspace.makeDirectory("saved/marker")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }

        try workspace.writeAndRename("saved/foo/status", temporaryName: ".status.tmp-Ab12Cd")
        try workspace.writeAndRename("saved/foo/status", temporaryName: ".status.tmp-Ef34Gh")
        try workspace.makeDirectory("saved/foo/logs")
        try workspace.write("saved/foo/logs/build-1.log", "Resolved 3 packages\n")
        try workspace.write("saved/foo/requirements.lock")
        for dropping in ["4913", "spec.toml~", "#spec.toml#", ".spec.toml.swp"] {
            try workspace.write("saved/foo/\(dropping)")
        }
        try workspace.removeItem("saved/foo/4913")
        #expect(symlink("user@host.1234", workspace.path("saved/foo/.#spec.toml")) == 0)
        // Events are delivered in order: had any of the above produced a hint, it would come first.
        try workspace.write("saved/marker/spec.toml")

        #expect(await recorder.waitFor(.environment(stage: "saved", name: "marker")))
        #expect(recorder.hints.first == .environment(stage: "saved", name: "marker"))
        #expect(!recorder.hints.contains(.environment(stage: "saved", name: "foo")))
    }

    @Test func recursiveRemovalGivesAHintAndDropsTheWatch() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("saved/gone/logs")
        try workspace.write("saved/gone/spec.toml")
        try workspace.write("saved/gone/logs/build-1.log")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let before = watcher.watchCount

        try workspace.removeItem("saved/gone")

        #expect(await recorder.waitFor(.environment(stage: "saved", name: "gone")))
        #expect(await HintRecorder.poll { watcher.watchCount == before - 1 })
    }

    @Test func directoryMovedOutOfTheWorkspaceLosesItsWatch() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("saved/foo")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let before = watcher.watchCount

        // The root's own entries other than stages are not watched, so this is outside as far as watching goes.
        try workspace.move("saved/foo", to: "attic-foo")

        #expect(await recorder.waitFor(.environment(stage: "saved", name: "foo")))
        #expect(await HintRecorder.poll(timeout: .seconds(6)) { watcher.watchCount == before - 1 })
    }

    @Test func symlinkedEnvironmentGetsAHintButNoWatch() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("elsewhere")
        try workspace.makeDirectory("saved/marker")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let before = watcher.watchCount

        #expect(symlink(workspace.path("elsewhere"), workspace.path("saved/link")) == 0)
        #expect(await recorder.waitFor(.environment(stage: "saved", name: "link")))
        #expect(watcher.watchCount == before)

        let seen = recorder.hints.count
        try workspace.write("saved/link/spec.toml")
        try workspace.write("saved/marker/spec.toml")
        #expect(await recorder.waitForNew(after: seen) { $0 == .environment(stage: "saved", name: "marker") })
        #expect(recorder.hints.dropFirst(seen).first == .environment(stage: "saved", name: "marker"))
    }

    @Test func requestFilesGiveRequestHints() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }

        try workspace.write(".kiln/requests/foo", "build\n")
        #expect(await recorder.waitFor(.request(name: "foo")))

        try workspace.writeAndRename(".kiln/requests/bar", temporaryName: ".bar.tmp")
        #expect(await recorder.waitFor(.request(name: "bar")))
    }

    @Test func stageFolderCreatedAfterStartGivesARescanAndIsWatched() async throws {
        let workspace = try TestWorkspace(stages: ["saved"])
        defer { workspace.remove() }
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }

        try workspace.makeDirectory("draft")
        #expect(await recorder.waitUntil { $0.contains(where: \.isRescan) })

        try workspace.makeDirectory("draft/x")
        try workspace.write("draft/x/spec.toml")
        #expect(await recorder.waitFor(.environment(stage: "draft", name: "x")))
    }

    @Test func stageFolderRemovedGivesARescanAndDropsItsWatches() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.makeDirectory("draft/a")
        try workspace.makeDirectory("draft/b")
        let (watcher, recorder) = try await startWatching(workspace)
        defer { watcher.stop() }
        let before = watcher.watchCount

        try workspace.removeItem("draft")

        #expect(await recorder.waitUntil { $0.contains(where: \.isRescan) })
        #expect(await HintRecorder.poll { watcher.watchCount == before - 3 })
        // The stage's dropped watch and the root's IN_DELETE make one rescan: anything after them in the
        // queue, such as this marker, is only handled once the walk is done.
        try workspace.makeDirectory("saved/marker")
        #expect(await recorder.waitFor(.environment(stage: "saved", name: "marker")))
        #expect(recorder.hints.filter(\.isRescan).count == 1)
    }

    @Test func stopFinishesTheStreamAndFreesTheLibraryPromptly() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (watcher, recorder) = try await startWatching(workspace)

        watcher.stop()
        #expect(await HintRecorder.poll { recorder.isFinished })

        // The wake-up pipe interrupts the blocked read, so the next watcher does not wait a whole second.
        let clock = ContinuousClock()
        let next = WorkspaceWatcher(configuration: workspace.configuration())
        let started = clock.now
        try await next.start()
        let elapsed = clock.now - started
        next.stop()
        #expect(elapsed < .milliseconds(500))
    }

    @Test func startFailsWithAnExplanationWhenTheRequestsFolderIsMissing() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        try workspace.removeItem(".kiln/requests")
        let watcher = WorkspaceWatcher(configuration: workspace.configuration())

        let error = await #expect(throws: WatchError.self) { try await watcher.start() }
        #expect(error?.description.contains(workspace.path(".kiln/requests")) == true)
        #expect(error?.description.contains("ENOENT") == true)
    }

    @Test func startCanBeCalledOnlyOnce() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (watcher, _) = try await startWatching(workspace)
        defer { watcher.stop() }

        await #expect(throws: WatchError.self) { try await watcher.start() }
        #expect(watcher.watchCount == 1 + 4 + 2)  // root, stages, .kiln and requests
    }

    @Test func libraryDescriptorIsCloseOnExec() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (watcher, _) = try await startWatching(workspace)
        defer { watcher.stop() }

        let inotifyDescriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap {
            name -> Int32? in
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")
            return link == "anon_inode:inotify" ? Int32(name) : nil
        }
        #expect(!inotifyDescriptors.isEmpty)
        for fd in inotifyDescriptors {
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        }
    }
}
