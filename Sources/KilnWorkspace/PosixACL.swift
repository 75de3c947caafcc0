import CLinuxFiles

#if canImport(Glibc)
import Glibc
#endif

/// A POSIX access control list as Linux keeps it, in the `system.posix_acl_access` and `system.posix_acl_default`
/// extended attributes. Read and written here directly (the kernel's format is small and stable) so Kiln needs no
/// libacl: a workspace's stage folders carry a default ACL that gives the daemon's user and the admins' group write
/// on every environment directory people make in them, whatever their umask.
public struct PosixACL: Equatable, Sendable {
    /// One entry: whom it is about and what it grants (bits 4 read, 2 write, 1 search).
    public struct Entry: Equatable, Sendable {
        public enum Tag: UInt16, Sendable {
            case userObject = 0x01
            case user = 0x02
            case groupObject = 0x04
            case group = 0x08
            case mask = 0x10
            case other = 0x20
        }
        public var tag: Tag
        public var permissions: UInt16
        /// The uid or gid, for `user` and `group`.
        public var id: UInt32

        public init(_ tag: Tag, _ permissions: UInt16, id: UInt32 = Entry.undefinedID) {
            self.tag = tag
            self.permissions = permissions
            self.id = id
        }

        public static let undefinedID = UInt32.max
    }

    public var entries: [Entry]

    public init(_ entries: [Entry]) {
        // The kernel wants them ordered by tag, then id.
        self.entries = entries.sorted { ($0.tag.rawValue, $0.id) < ($1.tag.rawValue, $1.id) }
    }

    public static let accessAttribute = "system.posix_acl_access"
    public static let defaultAttribute = "system.posix_acl_default"
    private static let version: UInt32 = 2

    /// The entry with `tag` (and `id`, for named entries).
    public func entry(_ tag: Entry.Tag, id: UInt32 = Entry.undefinedID) -> Entry? {
        entries.first { $0.tag == tag && (tag != .user && tag != .group || $0.id == id) }
    }

    /// The ACL with the named entry for `id` set to `permissions` (added or replaced).
    public func setting(_ tag: Entry.Tag, _ id: UInt32, _ permissions: UInt16) -> PosixACL {
        PosixACL(entries.filter { !($0.tag == tag && $0.id == id) } + [Entry(tag, permissions, id: id)])
    }

    /// The kernel's bytes: a little-endian version, then 8 bytes an entry.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        append(PosixACL.version)
        for entry in entries {
            append(entry.tag.rawValue)
            append(entry.permissions)
            append(entry.id)
        }
        return out
    }

    /// Parses the kernel's bytes; nil for anything else.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 4, (bytes.count - 4) % 8 == 0 else { return nil }
        func read<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            bytes[offset..<offset + MemoryLayout<T>.size].reversed().reduce(0) { $0 << 8 | T($1) }
        }
        guard read(UInt32.self, at: 0) == PosixACL.version else { return nil }
        var entries: [Entry] = []
        for offset in stride(from: 4, to: bytes.count, by: 8) {
            guard let tag = Entry.Tag(rawValue: read(UInt16.self, at: offset)) else { return nil }
            entries.append(Entry(tag, read(UInt16.self, at: offset + 2), id: read(UInt32.self, at: offset + 4)))
        }
        self.entries = entries
    }

    /// The ACL of `path` (`isDefault`: the one new entries inherit); nil when it has none, or it cannot be read.
    /// Symbolic links are not followed.
    public static func read(_ path: String, isDefault: Bool = false) -> PosixACL? {
        let name = isDefault ? defaultAttribute : accessAttribute
        var buffer = [UInt8](repeating: 0, count: 1024)
        let size = buffer.withUnsafeMutableBytes { kiln_get_xattr(path, name, $0.baseAddress, UInt($0.count)) }
        guard size > 0 else { return nil }
        return PosixACL(bytes: Array(buffer.prefix(size)))
    }

    /// Sets the ACL of a directory or file (`isDefault`: the one new entries inherit, directories only).
    public func write(to path: String, isDefault: Bool = false) throws(FileError) {
        let name = isDefault ? PosixACL.defaultAttribute : PosixACL.accessAttribute
        let data = bytes
        let result = data.withUnsafeBytes { kiln_set_xattr(path, name, $0.baseAddress, UInt($0.count)) }
        guard result == 0 else { throw FileError("set the access control list of", path) }
    }
}
