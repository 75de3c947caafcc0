/// The file system a workspace is on, as the type number `statfs(2)` gives (`f_type`, from linux/magic.h), and
/// whether inotify on this host sees every change made to it.
///
/// On a local file system every write goes through this kernel, so inotify misses nothing but an overflow. On a
/// network or FUSE file system it sees only what this host's own mount does: another host's change, or a write
/// behind a bindfs view, makes no event. A type not listed here is taken for a network one, since trusting inotify
/// where it is blind leaves statuses false until the next rescan.
public struct FileSystemKind: Sendable, Equatable, CustomStringConvertible {
    /// The `f_type` number.
    public let magic: UInt32
    /// The file system's usual name, or nil when the type is not one Kiln knows.
    public let name: String?
    /// Whether every change reaches this host's inotify.
    public let isLocal: Bool

    public init(magic: UInt32) {
        self.magic = magic
        if let name = FileSystemKind.local[magic] {
            self.name = name
            isLocal = true
        } else {
            name = FileSystemKind.network[magic]
            isLocal = false
        }
    }

    /// `ext4`, `nfs`; `an unknown file system (type 0x…)` for one not listed.
    public var description: String {
        name ?? "an unknown file system (type 0x\(String(magic, radix: 16)))"
    }

    /// Local file systems: every change to them goes through this host's kernel. ext2, ext3 and ext4 share one
    /// number, and are called ext4 here.
    static let local: [UInt32: String] = [
        0xEF53: "ext4", 0x5846_5342: "xfs", 0x9123_683E: "btrfs", 0x0102_1994: "tmpfs", 0x2FC1_2FC1: "zfs",
        0xF2F5_2010: "f2fs", 0x794C_7630: "overlayfs", 0x8584_58F6: "ramfs", 0xCA45_1A4E: "bcachefs",
        0x5265_4973: "reiserfs", 0x3153_464A: "jfs", 0x3434: "nilfs2", 0x4D44: "vfat", 0x2011_BAB0: "exfat",
        0x5346_544E: "ntfs", 0x7371_7368: "squashfs",
    ]

    /// Network, cluster and FUSE file systems, named so that the log says which; any other type counts as these.
    static let network: [UInt32: String] = [
        0x6969: "nfs", 0xFF53_4D42: "cifs", 0xFE53_4D42: "smb2", 0x517B: "smbfs", 0x6573_5546: "fuse",
        0x0102_1997: "9p", 0x00C3_6400: "ceph", 0x0BD0_0BD0: "lustre", 0x4750_4653: "gpfs", 0x5346_414F: "afs",
        0x6B41_4653: "afs", 0x7375_7245: "coda", 0x2003_0528: "orangefs", 0x1983_0326: "beegfs",
        0x7461_636F: "ocfs2", 0x0116_1970: "gfs2", 0x786F_4256: "vboxsf", 0x564C: "ncpfs",
    ]
}
