import CLinuxFiles
import KilnProtocol

/// Asks the kernel which file system a path is on, for the daemon's choice of rescan period (``RescanChoice``).
/// Through C, since Swift's Glibc module does not bring in `<sys/vfs.h>`.
public enum FileSystemProbe {
    /// The file system `path` is on, or the reason `statfs(2)` gave for not saying.
    public static func kind(of path: String) -> Result<FileSystemKind, FileError> {
        var magic: UInt32 = 0
        guard kiln_file_system_type(path, &magic) == 0 else {
            return .failure(FileError("ask the file system type of", path))
        }
        return .success(FileSystemKind(magic: magic))
    }
}
