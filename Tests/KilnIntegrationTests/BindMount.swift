import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A folder shown again through FUSE by bindfs, as a network mount would show it: renameat2's flags fail there
/// (EINVAL), and a write to the underlying folder makes no inotify event on the mount.
///
/// bindfs runs in the foreground (`-f`): a daemonising bindfs leaves a child that Foundation's `Process` never sees
/// exit. As root, `--no-allow-other` keeps it from needing `user_allow_other` in /etc/fuse.conf. `unmount()` runs
/// on every way out of a test (call it from `defer`), and `deinit` repeats it if a test threw before its `defer`.
final class BindMount: @unchecked Sendable {
    let source: String
    let mountPoint: String
    private let bindfs: Process
    private var mounted = true

    init(_ source: String) async throws {
        self.source = source
        mountPoint = source + ".mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        bindfs = Process()
        bindfs.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        bindfs.arguments = ["bindfs", "-f", "--no-allow-other", source, mountPoint]
        bindfs.standardOutput = FileHandle.nullDevice
        bindfs.standardError = FileHandle.nullDevice
        try bindfs.run()
        let mountPoint = self.mountPoint
        let bindfs = self.bindfs
        let up = await TestWorkspace.waitUntil(timeout: .seconds(10)) {
            !bindfs.isRunning || BindMount.isMounted(mountPoint)
        }
        guard up, bindfs.isRunning else {
            unmount()
            throw Failure("bindfs did not mount \(source) on \(mountPoint)")
        }
    }

    deinit { unmount() }

    static func isMounted(_ path: String) -> Bool {
        (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8))?.contains(" \(path) ") ?? false
    }

    /// Unmounts (lazily if something still holds the mount), stops bindfs and removes the mount point.
    func unmount() {
        guard mounted else { return }
        mounted = false
        if TestWorkspace.run("/usr/bin/env", ["fusermount3", "-u", mountPoint]).status != 0 {
            _ = TestWorkspace.run("/usr/bin/env", ["fusermount3", "-u", "-z", mountPoint])
        }
        if bindfs.isRunning {
            bindfs.terminate()
            bindfs.waitUntilExit()
        }
        // rmdir, not a recursive remove: should the unmount have failed, nothing is deleted through the mount.
        rmdir(mountPoint)
    }
}
