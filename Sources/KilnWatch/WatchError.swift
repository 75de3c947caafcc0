#if canImport(Glibc)
import Glibc
#endif

/// Why watching could not start or continue, in words a person running the daemon can act on:
/// what failed, on which path, and what to do.
public struct WatchError: Error, CustomStringConvertible {
    /// The whole message, ready to log or print.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

extension WatchError {
    static func alreadyStarted() -> WatchError {
        WatchError("This WorkspaceWatcher was already started; create a new one to watch again.")
    }

    static func anotherWatcherRunning() -> WatchError {
        WatchError(
            "Another WorkspaceWatcher is running in this process; libinotifytools keeps global state, "
                + "so only one can run at a time. Stop the other one first."
        )
    }

    static func invalidConfiguration(_ problem: String) -> WatchError {
        WatchError("Invalid watch configuration: \(problem)")
    }

    /// `inotify_init` failed (through `inotifytools_initialize`).
    static func initialisation(root: String, errno code: Int32) -> WatchError {
        switch code {
        case EMFILE:
            let limit = kernelSetting("fs/inotify/max_user_instances")
            return WatchError(
                "Cannot start watching \(root): too many inotify instances (\(errnoName(code))). "
                    + "Either this user has reached fs.inotify.max_user_instances (now \(limit)); raise it with "
                    + "`sudo sysctl fs.inotify.max_user_instances=1024` and persist it in /etc/sysctl.d/; "
                    + "or the process ran out of file descriptors (raise LimitNOFILE / ulimit -n)."
            )
        case ENFILE:
            return WatchError(
                "Cannot start watching \(root): the system-wide limit on open files is reached (ENFILE). "
                    + "Raise fs.file-max or close files elsewhere, then restart."
            )
        case ENOMEM:
            return WatchError("Cannot start watching \(root): out of kernel memory (ENOMEM). Free memory and restart.")
        default:
            return WatchError("Cannot start watching \(root): inotify could not be initialised (\(errnoName(code))).")
        }
    }

    /// `inotify_add_watch` failed on `path`.
    static func addWatch(path: String, errno code: Int32) -> WatchError {
        switch code {
        case ENOSPC:
            return WatchError("Cannot watch \(path): " + watchLimitAdvice())
        case EACCES:
            return WatchError(
                "Cannot watch \(path): permission denied (EACCES). Give the daemon's user read access to it."
            )
        case ENOENT:
            return WatchError("Cannot watch \(path): it does not exist (ENOENT). Create it, or fix the workspace path.")
        case ENOTDIR:
            return WatchError(
                "Cannot watch \(path): it is not a directory (ENOTDIR); a symbolic link counts as not a directory, "
                    + "since Kiln never follows links. Replace it with a real directory."
            )
        case ENOMEM:
            return WatchError("Cannot watch \(path): out of kernel memory (ENOMEM).")
        default:
            return WatchError("Cannot watch \(path): inotify_add_watch failed (\(errnoName(code))).")
        }
    }

    /// Environment directories left unwatched for lack of watches (ENOSPC) or of kernel memory for them (ENOMEM):
    /// `path` is the first refused, `unwatched` how many were refused in that walk.
    static func watchesExhausted(path: String, errno code: Int32, unwatched: Int) -> String {
        let more = unwatched > 1 ? " and \(unwatched - 1) more environment directories" : ""
        guard code == ENOSPC else {
            return "Cannot watch \(path)\(more): out of kernel memory for inotify watches (\(errnoName(code)))."
        }
        return "Cannot watch \(path)\(more): " + watchLimitAdvice()
    }

    /// What ENOSPC from `inotify_add_watch` means and how to raise the limit. The limit in force is the lowest of
    /// the user namespaces' (`/proc/sys/user/max_inotify_watches`, shown when lower than the sysctl, as in a
    /// container) and `fs.inotify.max_user_watches`, which is the one to raise on a host.
    static func watchLimitAdvice() -> String {
        let limit = kernelSetting("fs/inotify/max_user_watches")
        let namespace = kernelSetting("user/max_inotify_watches")
        let inNamespace =
            if let own = Int(namespace), let host = Int(limit), own < host {
                "; this user namespace allows only \(own) (/proc/sys/user/max_inotify_watches)"
            } else {
                ""
            }
        return "this user has run out of inotify watches (ENOSPC; fs.inotify.max_user_watches is \(limit)"
            + "\(inNamespace)). Raise it with `sudo sysctl fs.inotify.max_user_watches=524288` and persist it with "
            + "`echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/90-kiln.conf`."
    }

    static func descriptorNotFound() -> WatchError {
        WatchError(
            "Cannot start watching: the inotify descriptor libinotifytools opened could not be identified in "
                + "/proc/self/fd. Check that /proc is mounted, and that nothing else in this process uses "
                + "libinotifytools."
        )
    }

    static func descriptorTooHigh(_ fd: Int32) -> WatchError {
        WatchError(
            "Cannot start watching: libinotifytools got descriptor \(fd), at or above FD_SETSIZE (1024), "
                + "which its select() cannot handle. Start the watcher before opening many files."
        )
    }

    static func readFailed(errno code: Int32) -> WatchError {
        WatchError("Reading inotify events failed (\(errnoName(code))); the watcher has stopped. Restart the daemon.")
    }
}

/// `ENOSPC (No space left on device)`: the symbolic name is what people search for, the text what they read.
func errnoName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        EACCES: "EACCES", EBADF: "EBADF", EFAULT: "EFAULT", EINVAL: "EINVAL", ENAMETOOLONG: "ENAMETOOLONG",
        ENOENT: "ENOENT", ENOMEM: "ENOMEM", ENOSPC: "ENOSPC", ENOTDIR: "ENOTDIR", EMFILE: "EMFILE",
        ENFILE: "ENFILE", ELOOP: "ELOOP", EIO: "EIO",
    ]
    let text = String(cString: strerror(code))
    return "\(names[code] ?? "errno \(code)"): \(text)"
}

/// Reads `/proc/sys/<name>` so a limit message can show the current value.
private func kernelSetting(_ name: String) -> String {
    guard let file = fopen("/proc/sys/\(name)", "r") else { return "unknown" }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 32)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "unknown" }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let text = String(decoding: bytes, as: UTF8.self)
    return text.trimmingWhitespace()
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        return String(scalars)
    }
}
