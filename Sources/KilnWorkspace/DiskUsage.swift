import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The disk a set of folders uses, each file counted once however many hard links it has: uv links installed files
/// from its cache, so adding up file sizes would count one file once per environment.
public struct DiskUsage: Sendable {
    struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    struct FileUse {
        var bytes: Int64
        /// Its hard links anywhere on the file system.
        var links: Int
        /// Its links seen in what was measured.
        var seen: Int
        var isDirectory: Bool
    }

    var files: [FileID: FileUse] = [:]

    public init() {}

    /// Measures everything under `path` (not following symbolic links); nothing if it is missing.
    public static func of(_ path: String) -> DiskUsage {
        var usage = DiskUsage()
        usage.walk(path)
        return usage
    }

    /// Blocks allocated, in bytes (st_blocks × 512), each file once.
    public var bytes: Int64 { files.values.reduce(0) { $0 + $1.bytes } }

    /// What removing all of it frees: only files with no hard link outside it.
    public var freed: Int64 {
        files.values.reduce(0) { $0 + ($1.isDirectory || $1.seen >= $1.links ? $1.bytes : 0) }
    }

    /// Both together, a file seen in both counted once, with the links seen in each.
    public func merging(_ other: DiskUsage) -> DiskUsage {
        var merged = self
        for (id, use) in other.files {
            if let mine = merged.files[id] {
                merged.files[id]?.seen = mine.seen + use.seen
            } else {
                merged.files[id] = use
            }
        }
        return merged
    }

    private mutating func walk(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        let isDirectory = st.st_mode & S_IFMT == S_IFDIR
        if let known = files[id] {
            files[id]?.seen = known.seen + 1
        } else {
            files[id] = FileUse(
                bytes: Int64(st.st_blocks) * 512,
                links: Int(st.st_nlink),
                seen: 1,
                isDirectory: isDirectory
            )
        }
        guard isDirectory else { return }
        for entry in WorkspaceFiles.list(path) { walk(path + "/" + entry) }
    }

    /// "412.3 MB": decimal units, as `du --si` and disk vendors count.
    public static func text(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
