import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

extension Doctor {
    /// Who may publish, and whether the daemon's user (the owner of `.kiln/`) can write every folder it must: the
    /// stage folders, `.kiln/` and the folders in it, and every environment directory (it writes their status and
    /// moves them, which needs write on the directory itself).
    static func permissionFindings(_ layout: WorkspaceLayout) -> [Finding] {
        guard let permissions = WorkspacePermissions.current(of: layout) else { return [] }
        var findings: [Finding] = []
        let published = layout.folder(.published)
        var info = stat()
        if stat(published, &info) == 0 {
            let mode = String(info.st_mode & 0o7777, radix: 8)
            let groupWrites =
                PosixACL.read(published)?.entry(.mask).map { $0.permissions & 2 != 0 }
                ?? (info.st_mode & S_IWGRP != 0)
            if info.st_mode & S_IWOTH != 0 {
                findings.append(
                    Finding(
                        isMissing: true,
                        text: "anyone may publish: \(published) is mode \(mode), so every user can write it and "
                            + "approve with `mv`; fix: `chmod o-w \(published)`"
                            + (permissions.daemon.id == 0
                                ? "" : ", or set everything: `\(permissions.fixCommand(layout))`")
                    )
                )
            } else if info.st_gid != 0, info.st_gid == permissions.users.id, groupWrites,
                // A user's private group (named as the user) is one person's workspace, not a team's.
                permissions.users.name != FileOwner.userName(info.st_uid)
            {
                findings.append(
                    Finding(
                        isMissing: true,
                        text: "every member of \(permissions.users.name), the group that uses the workspace, may "
                            + "publish: \(published) has that group, with write; fix: "
                            + "`sudo kiln init \(layout.root) --admins GROUP` with your admins' group"
                    )
                )
            } else {
                let owner = FileOwner.userName(info.st_uid)
                let who = groupWrites ? "group \(permissions.admins.name) and its owner \(owner)" : owner
                findings.append(Finding(isMissing: false, text: "only \(who) may publish (\(published), mode \(mode))"))
            }
        }
        guard permissions.daemon.id != 0 else {
            findings.append(
                Finding(
                    isMissing: false,
                    text: ".kiln/ belongs to root, so a daemon runs as root and may write everything; for a team, "
                        + "`sudo kiln init \(layout.root) --admins GROUP` gives it a service user of its own"
                )
            )
            return findings
        }
        var folders = Stage.allCases.map { layout.folder($0) } + [layout.root + "/.kiln"]
        folders += WorkspaceFiles.list(layout.root + "/.kiln").map { layout.root + "/.kiln/" + $0 }.filter {
            WorkspaceFiles.kind($0) == .directory
        }
        var environments = 0
        for stage in Stage.allCases {
            for name in WorkspaceFiles.list(layout.folder(stage)) where !name.hasPrefix(".") {
                let directory = layout.folder(stage) + "/" + name
                guard WorkspaceFiles.kind(directory) == .directory else { continue }
                folders.append(directory)
                environments += 1
            }
        }
        let refusals = folders.compactMap { permissions.daemonCannotWrite($0, in: layout) }
        findings += refusals.map { Finding(isMissing: true, text: $0) }
        if refusals.isEmpty {
            findings.append(
                Finding(
                    isMissing: false,
                    text: "the daemon's user \(permissions.daemon.name) (the owner of .kiln/) can write the stage "
                        + "folders, .kiln/ and \(counted(environments, "environment directory", "environment directories"))"
                )
            )
        }
        return findings
    }
}
