import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Who may do what in a team's workspace, held by the file system alone: the daemon's service user owns the stage
/// folders and `.kiln/`; the users' group may write `saved/`, `draft/` and `pending/`; only the admins' group may
/// write `published/`. A default ACL on every stage folder gives the daemon's user and the admins' group write on
/// each environment directory people make there (renaming a directory into another folder needs write on the
/// directory itself), whatever their umask; the users' group gets only read, so nobody moves another person's
/// environment. `saved/` and `draft/` are sticky (only an entry's owner and the daemon rename it); `pending/` is not,
/// since admins move other people's submissions out of it.
public struct WorkspacePermissions: Sendable {
    public var users: Account
    public var admins: Account
    public var daemon: Account

    /// A user or a group: its id and its name.
    public struct Account: Sendable, Equatable {
        public var id: UInt32
        public var name: String

        public init(id: UInt32, name: String) {
            self.id = id
            self.name = name
        }
    }

    public init(users: Account, admins: Account, daemon: Account) {
        self.users = users
        self.admins = admins
        self.daemon = daemon
    }

    /// A user or group that is not on this host, with what to do.
    public struct Missing: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Looks the three up by name; refuses any this host does not know, saying how to create it.
    public static func named(users: String, admins: String, daemon: String) throws(Missing) -> WorkspacePermissions {
        guard let adminsID = groupID(admins) else {
            throw Missing(
                description:
                    "there is no group '\(admins)' on this host for --admins: create it (`groupadd \(admins)`) "
                    + "and add the admins to it (`usermod -aG \(admins) NAME`), or name an existing group"
            )
        }
        guard let usersID = groupID(users) else {
            throw Missing(
                description: "there is no group '\(users)' on this host for --users (the group whose members use the "
                    + "workspace): create it (`groupadd \(users)`) and add the people to it, or name an existing group"
            )
        }
        guard let daemonID = userID(daemon) else {
            throw Missing(
                description: "there is no user '\(daemon)' on this host for --daemon-user (the user `kiln serve` runs "
                    + "as): create it (`useradd --system --user-group --home-dir /nonexistent --shell "
                    + "/usr/sbin/nologin \(daemon)`), or name an existing user"
            )
        }
        return WorkspacePermissions(
            users: Account(id: usersID, name: users),
            admins: Account(id: adminsID, name: admins),
            daemon: Account(id: daemonID, name: daemon)
        )
    }

    /// What a workspace's folders say: the daemon's user owns `.kiln/`, `published/`'s group is the admins',
    /// `saved/`'s the users'. Nil when a folder is missing.
    public static func current(of layout: WorkspaceLayout) -> WorkspacePermissions? {
        var kiln = stat()
        var published = stat()
        var saved = stat()
        guard stat(layout.root + "/.kiln", &kiln) == 0, stat(layout.folder(.published), &published) == 0,
            stat(layout.folder(.saved), &saved) == 0
        else { return nil }
        return WorkspacePermissions(
            users: Account(id: saved.st_gid, name: groupName(saved.st_gid)),
            admins: Account(id: published.st_gid, name: groupName(published.st_gid)),
            daemon: Account(id: kiln.st_uid, name: FileOwner.userName(kiln.st_uid))
        )
    }

    /// The command that sets everything right again, run as root.
    public func fixCommand(_ layout: WorkspaceLayout) -> String {
        "sudo kiln init \(layout.root) --admins \(admins.name) --users \(users.name) --daemon-user \(daemon.name)"
    }

    // MARK: applying

    /// Sets owners, modes and ACLs on the stage folders, `.kiln/`, `workspace.toml` and every environment directory
    /// (named ACL entries only: their owners stay). Deletes nothing. Needs root, to change owners.
    public func apply(to layout: WorkspaceLayout) throws(FileError) {
        for stage in Stage.allCases {
            let folder = layout.folder(stage)
            let group = stage == .published ? admins.id : users.id
            let mode: mode_t = stage == .saved || stage == .draft ? 0o3775 : 0o2775
            try own(folder, uid: daemon.id, gid: group)
            guard chmod(folder, mode) == 0 else { throw FileError("change the mode of", folder) }
            try stageAccess.write(to: folder)
            try stageDefault.write(to: folder, isDefault: true)
            for name in WorkspaceFiles.list(folder) where !name.hasPrefix(".") {
                let directory = folder + "/" + name
                guard WorkspaceFiles.kind(directory) == .directory else { continue }
                try openToDaemon(directory)
            }
        }
        let kiln = layout.root + "/.kiln"
        try ownTree(kiln)
        guard chmod(kiln, 0o755) == 0 else { throw FileError("change the mode of", kiln) }
        // `kiln build` and `kiln rollback` write request files here as the person who asks.
        try own(layout.requests, uid: daemon.id, gid: users.id)
        guard chmod(layout.requests, 0o3775) == 0 else { throw FileError("change the mode of", layout.requests) }
        if WorkspaceFiles.kind(layout.settingsFile) == .file {
            guard lchown(layout.settingsFile, UInt32.max, admins.id) == 0, chmod(layout.settingsFile, 0o664) == 0
            else { throw FileError("change the owner of", layout.settingsFile) }
        }
    }

    /// A stage folder's own ACL: its owner (the daemon's user) and the admins' group write it; the users' group too
    /// (for `published/` the owning group is the admins').
    var stageAccess: PosixACL {
        PosixACL([
            .init(.userObject, 7), .init(.user, 7, id: daemon.id), .init(.groupObject, 7),
            .init(.group, 7, id: admins.id), .init(.mask, 7), .init(.other, 5),
        ])
    }

    /// What each new environment directory inherits: its owner, the daemon's user and the admins write it; the
    /// users' group and others read it.
    var stageDefault: PosixACL {
        PosixACL([
            .init(.userObject, 7), .init(.user, 7, id: daemon.id), .init(.groupObject, 5),
            .init(.group, 7, id: admins.id), .init(.mask, 7), .init(.other, 5),
        ])
    }

    /// Gives the daemon's user and the admins' group write on an environment directory, keeping what its ACL or
    /// mode gives anyone else; the files the daemon writes in it become the daemon's.
    private func openToDaemon(_ directory: String) throws(FileError) {
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw FileError("read", directory) }
        let mode = UInt16(info.st_mode & 0o777)
        var acl =
            PosixACL.read(directory)
            ?? PosixACL([.init(.userObject, mode >> 6), .init(.groupObject, (mode >> 3) & 7), .init(.other, mode & 7)])
        acl = acl.setting(.user, daemon.id, 7).setting(.group, admins.id, 7)
        acl.entries.removeAll { $0.tag == .mask }
        acl = PosixACL(acl.entries + [.init(.mask, 7)])
        try acl.write(to: directory)
        for name in ["status", "logs", "requirements.lock", "changes", "spec.toml.edited"] {
            let path = directory + "/" + name
            if WorkspaceFiles.kind(path) != .missing { try ownTree(path) }
        }
    }

    private func own(_ path: String, uid: UInt32, gid: UInt32) throws(FileError) {
        guard lchown(path, uid, gid) == 0 else { throw FileError("change the owner of", path) }
    }

    /// Makes the daemon's user the owner of `path` and everything under it (symbolic links themselves, not what
    /// they point at).
    private func ownTree(_ path: String) throws(FileError) {
        guard lchown(path, daemon.id, UInt32.max) == 0 else { throw FileError("change the owner of", path) }
        guard WorkspaceFiles.kind(path) == .directory else { return }
        for name in WorkspaceFiles.list(path) { try ownTree(path + "/" + name) }
    }

    // MARK: checking

    /// Why the daemon's user cannot create, remove and rename entries in `directory` (an environment directory, a
    /// stage folder or one in `.kiln/`), with the command that fixes it; nil when it can.
    public func daemonCannotWrite(_ directory: String, in layout: WorkspaceLayout) -> String? {
        guard !FileOwner.mayWrite(directory, uid: daemon.id) else { return nil }
        var info = stat()
        guard lstat(directory, &info) == 0 else { return nil }
        let owner = FileOwner.userName(info.st_uid)
        let mode = String(info.st_mode & 0o7777, radix: 8)
        let acl = PosixACL.read(directory)
        let described =
            "the daemon's user \(daemon.name) cannot write \(directory) (owner \(owner), mode \(mode)"
            + (acl == nil ? ", no ACL)" : ", ACL mask \(PosixACL.letters(acl?.entry(.mask)?.permissions ?? 0)))")
        let stageFolders = Stage.allCases.map { layout.folder($0) }
        let parent = directory.lastIndex(of: "/").map { String(directory[..<$0]) } ?? ""
        guard stageFolders.contains(parent) else {
            return described + ", so it cannot do its work there; fix: `\(fixCommand(layout))`"
        }
        // An environment directory: its owner can fix it without root.
        let named = acl?.entry(.user, id: daemon.id).map { $0.permissions & 3 == 3 } ?? false
        let ownerFix =
            named
            ? "`chmod g+rwx \(directory)` (a copy such as `cp -r` cut the ACL's mask)"
            : "`setfacl -m u:\(daemon.name):rwx,g:\(admins.name):rwx \(directory)` (it was made or moved in "
                + "without the stage folder's ACL)"
        return described
            + ", so it can neither write its status nor move it; its owner \(owner) can fix that with \(ownerFix), "
            + "and the daemon looks again at once; or, as root: `\(fixCommand(layout))`"
    }

    // MARK: names

    public static func groupID(_ name: String) -> gid_t? {
        var entry = group()
        var found: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &found) == 0, found != nil else { return nil }
        return entry.gr_gid
    }

    public static func userID(_ name: String) -> uid_t? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &found) == 0, found != nil else { return nil }
        return entry.pw_uid
    }

    /// The group's name, or "gid N" for one the group database does not know.
    public static func groupName(_ gid: gid_t) -> String {
        var entry = group()
        var found: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.gr_name
        else { return "gid \(gid)" }
        return String(cString: name)
    }
}

extension PosixACL {
    /// `rwx`, `r-x`, ... for permission bits.
    public static func letters(_ permissions: UInt16) -> String {
        (permissions & 4 != 0 ? "r" : "-") + (permissions & 2 != 0 ? "w" : "-") + (permissions & 1 != 0 ? "x" : "-")
    }
}
