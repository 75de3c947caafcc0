import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A failed file operation: what was tried, on which path, and the system's reason.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Errno

    /// `errno` defaults to the calling thread's current value: build the error right after the failed call.
    public init(_ operation: String, _ path: String, errno: Errno = Errno(rawValue: Glibc.errno)) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "cannot \(operation) \(path): \(errno.description)" }
}
