import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A failed file operation: what was tried, on which path, and the system's reason.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Errno
    /// For a move, where it came from: a refused move may lack write on either side.
    public var source: String?

    /// `errno` defaults to the calling thread's current value: build the error right after the failed call.
    public init(_ operation: String, _ path: String, errno: Errno = Errno(rawValue: Glibc.errno)) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// Whether the file system refused it for want of permission.
    public var isPermissionDenied: Bool { errno == .permissionDenied || errno == .notPermitted }

    /// The directories whose permissions this operation needed: the path's folder, the path itself (a directory
    /// moved to another folder needs write on itself), and for a move the source and its folder.
    public var directoriesInvolved: [String] {
        func parent(_ path: String) -> String { path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "." }
        return ([source].compactMap { $0 }.flatMap { [$0, parent($0)] }) + [path, parent(path)]
    }

    public var description: String { "cannot \(operation) \(path): \(errno.description)" }
}
