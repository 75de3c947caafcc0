import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// Permissions with real users: `kiln init --admins` on a workspace, a real daemon running as its own service user,
/// and people who act as themselves with `runuser`. Root ignores modes, so every check here acts as an ordinary
/// user.
@Suite("permissions with real users and a service user", .serialized)
struct PermissionTests {
    /// A team: the users' group, the admins' group, the daemon's service user, two people and an admin.
    struct Team {
        let accounts = TestAccounts()
        let users: String
        let admins: String
        let daemon: String
        let ada: String
        let bob: String
        let carol: String

        init() throws {
            users = try accounts.group("use")
            admins = try accounts.group("adm")
            daemon = try accounts.user("svc", system: true)
            ada = try accounts.user("ada", groups: [users])
            bob = try accounts.user("bob", groups: [users])
            carol = try accounts.user("carol", groups: [users, admins])
        }
    }

    /// A uv the service user can run: root's home, where pyenv keeps it, is closed to other users.
    static func readableUV(in folder: String) throws -> String {
        let found = TestWorkspace.run("/usr/bin/env", ["python3", "-c", "import uv; print(uv.find_uv_bin())"])
        let source = found.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard found.status == 0, !source.isEmpty else { throw Failure("no uv to copy: \(found.output)") }
        let copy = folder + "/uv"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o755)
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }

    /// A workspace set up for `team`, served by a daemon running as the team's service user, on the system's Python
    /// (which every user can run).
    static func serve(_ team: Team, tools: String) throws -> TestWorkspace {
        let ws = try TestWorkspace(settings: "[python]\n\"3.11\" = \"/usr/bin/python3.11\"")
        let made = TestWorkspace.run(
            TestWorkspace.kiln,
            ["init", ws.root, "--admins", team.admins, "--users", team.users, "--daemon-user", team.daemon]
        )
        #expect(made.status == 0, "\(made.output)")
        try ws.start(asUser: team.daemon, environment: ["KILN_UV": try readableUV(in: tools)])
        return ws
    }

    @Test func onlyAdminsPublishAndTheServiceUserMakesEveryMove() async throws {
        let team = try Team()
        let tools = NSTemporaryDirectory() + "kiln-perm-tools-\(team.accounts.suffix)"
        defer { try? FileManager.default.removeItem(atPath: tools) }
        let ws = try PermissionTests.serve(team, tools: tools)
        var refused = 0
        /// A move that must fail with the system's own refusal and change nothing.
        func refusedMove(_ user: String, _ from: String, _ to: String, says refusal: String) {
            let moved = TestAccounts.run(as: user, in: ws.root, "mv \(from) \(to)")
            #expect(moved.status != 0, "\(user): mv \(from) \(to) was allowed")
            #expect(moved.output.contains(refusal), "\(user): mv \(from) \(to): \(moved.output)")
            #expect(ws.exists(from) && !ws.exists(to), "\(user): mv \(from) \(to) changed something")
            refused += 1
        }

        // ada saves by write-and-rename, as editors do; the daemon, as its own user, builds it into draft/.
        let saved = TestAccounts.run(
            as: team.ada,
            in: ws.root,
            "mkdir saved/alpha && printf '%s' '\(reportSpec)' > saved/alpha/.spec.toml.swp "
                + "&& mv saved/alpha/.spec.toml.swp saved/alpha/spec.toml"
        )
        #expect(saved.status == 0, "\(saved.output)")
        try await ws.waitForState("draft/alpha", .ready)
        #expect(FileManager.default.fileExists(atPath: ws.path("draft/alpha/requirements.lock")))
        // Written by the daemon as its own user; the directory stays its owner's.
        func owner(_ relative: String) -> String? { FileOwner.uid(of: ws.path(relative)).map(FileOwner.userName) }
        #expect(owner("draft/alpha/status") == team.daemon && owner("draft/alpha") == team.ada)
        #expect(owner(".kiln/envs/" + (ws.storeEntries.first ?? "?")) == team.daemon)

        // bob copies a folder in with `cp -r`: the copy keeps its mode 755, which cuts the stage folder's ACL
        // mask, so the daemon's user cannot write it. The daemon says so, with the fix; doctor names it too.
        let source = tools + "/beta"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try "full_name = \"Beta\"\nbase = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
            .write(toFile: source + "/spec.toml", atomically: false, encoding: .utf8)
        chmod(source, 0o755)
        let copied = TestAccounts.run(as: team.bob, in: ws.root, "cp -r \(source) saved/beta")
        #expect(copied.status == 0, "\(copied.output)")
        try await ws.waitForLog("the daemon's user \(team.daemon) cannot write \(ws.path("saved/beta"))")
        #expect(ws.daemonOutput.contains("chmod g+rwx \(ws.path("saved/beta"))"), "\(ws.daemonOutputForReport)")
        let doctor = TestAccounts.kiln(as: team.bob, ["doctor", "--workspace", ws.root])
        #expect(doctor.status == 1, "\(doctor.output)")
        #expect(
            doctor.output.contains("missing: the daemon's user \(team.daemon) cannot write \(ws.path("saved/beta"))")
                && doctor.output.contains("its owner \(team.bob) can fix that with `chmod g+rwx"),
            "\(doctor.output)"
        )
        // The fix the messages give, by the copy's owner: the daemon sees the mode change and builds it.
        let fixed = TestAccounts.run(as: team.bob, in: ws.root, "chmod g+rwx saved/beta")
        #expect(fixed.status == 0, "\(fixed.output)")
        try await ws.waitForState("draft/beta", .ready)
        #expect(owner("draft/beta/status") == team.daemon && owner("draft/beta") == team.bob)

        // A folder bob made elsewhere with mode 700 and moved in keeps its mode and has no ACL: the daemon's user
        // can neither read nor write it. The daemon names the fix (the ACL entries), bob runs it, and it is built.
        let outside = "/tmp/ktgamma\(team.accounts.suffix)"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let movedIn = TestAccounts.run(
            as: team.bob,
            in: "/tmp",
            "mkdir -m 700 \(outside) && cp \(ws.path("draft/beta/spec.toml")) \(outside)/spec.toml && mv \(outside) \(ws.path("saved/gamma"))"
        )
        #expect(movedIn.status == 0, "\(movedIn.output)")
        let setfacl = "setfacl -m u:\(team.daemon):rwx,g:\(team.admins):rwx \(ws.path("saved/gamma"))"
        try await ws.waitForLog("its owner \(team.bob) can fix that with `\(setfacl)`")
        let granted = TestAccounts.run(as: team.bob, in: ws.root, setfacl)
        #expect(granted.status == 0, "\(granted.output)")
        try await ws.waitForState("draft/gamma", .ready)

        // Only the owner moves a draft; the sticky draft/ folder refuses anyone else.
        refusedMove(team.bob, "draft/alpha", "pending/alpha", says: "Operation not permitted")
        let submitted = TestAccounts.run(as: team.ada, in: ws.root, "mv draft/alpha pending/alpha")
        #expect(submitted.status == 0, "\(submitted.output)")
        try await ws.waitForState("pending/alpha", .awaitingApproval)

        // Nobody but an admin publishes, the owner included; nor moves a submission out.
        refusedMove(team.bob, "pending/alpha", "published/alpha", says: "Permission denied")
        refusedMove(team.ada, "pending/alpha", "published/alpha", says: "Permission denied")
        refusedMove(team.bob, "pending/alpha", "draft/alpha", says: "Permission denied")
        let approve = TestAccounts.kiln(as: team.bob, ["approve", "alpha", "--note", "fine", "--workspace", ws.root])
        #expect(approve.status == 1, "\(approve.output)")
        #expect(
            approve.output.contains("only members of the admins' group \(team.admins) may approve 'alpha'"),
            "\(approve.output)"
        )
        #expect(!ws.exists("pending/alpha/review") && ws.status("pending/alpha")?.state == .awaitingApproval)
        let reject = TestAccounts.kiln(as: team.ada, ["reject", "alpha", "--reason", "no", "--workspace", ws.root])
        #expect(reject.status == 1 && reject.output.contains("only members of the admins' group"), "\(reject.output)")
        for (user, path) in [(team.bob, ".kiln/x"), (team.bob, "published/x"), (team.ada, "pending/alpha/status")] {
            let wrote = TestAccounts.run(as: user, in: ws.root, "touch \(path)")
            #expect(wrote.status != 0 && wrote.output.contains("Permission denied"), "\(user) touch \(path)")
        }

        // The admin publishes with plain mv; the daemon, as its own user, marks it.
        let published = TestAccounts.run(as: team.carol, in: ws.root, "mv pending/alpha published/alpha")
        #expect(published.status == 0, "\(published.output)")
        try await ws.waitForState("published/alpha", .published)

        // A second version over the published one: the nested move, then the daemon's swap and archive, all made
        // by the service user.
        let edited = TestAccounts.run(
            as: team.ada,
            in: ws.root,
            "mkdir saved/alpha && printf '%s\\n' '\(reportSpec)' 'description = \"v2\"' > saved/alpha/.s "
                + "&& mv saved/alpha/.s saved/alpha/spec.toml"
        )
        #expect(edited.status == 0, "\(edited.output)")
        try await ws.waitForState("draft/alpha", .ready)
        #expect(TestAccounts.run(as: team.ada, in: ws.root, "mv draft/alpha pending/alpha").status == 0)
        try await ws.waitForState("pending/alpha", .awaitingApproval)
        let approved = TestAccounts.kiln(as: team.carol, ["approve", "alpha", "--workspace", ws.root])
        #expect(approved.status == 0, "\(approved.output)")
        try await ws.waitForStatus("published/alpha") { $0.state == .published && $0.message.contains("archive") }
        #expect(!ws.exists("published/alpha/alpha"))
        #expect(!WorkspaceFiles.list(ws.path(".kiln/archive/alpha")).isEmpty)

        // A healthy workspace: doctor finds nothing wrong with its permissions.
        let healthy = TestAccounts.kiln(as: team.bob, ["doctor", "--workspace", ws.root])
        #expect(
            healthy.output.contains("ok: only group \(team.admins) and its owner \(team.daemon) may publish"),
            "\(healthy.output)"
        )
        #expect(healthy.output.contains("ok: the daemon's user \(team.daemon)"), "\(healthy.output)")
        #expect(!healthy.output.contains("missing:"), "\(healthy.output)")

        // `chmod 777 published`: anyone may publish, and doctor says so with the fix.
        chmod(ws.path("published"), 0o2777)
        let open = TestAccounts.kiln(as: team.bob, ["doctor", "--workspace", ws.root])
        #expect(open.status == 1, "\(open.output)")
        #expect(
            open.output.contains("missing: anyone may publish: \(ws.path("published")) is mode 2777")
                && open.output.contains("fix: `chmod o-w \(ws.path("published"))`"),
            "\(open.output)"
        )
        // The premise: the mode really lets a non-admin publish.
        let sneaked = TestAccounts.run(as: team.bob, in: ws.root, "mkdir published/sneak")
        #expect(sneaked.status == 0, "\(sneaked.output)")
        _ = TestAccounts.run(as: team.bob, in: ws.root, "rmdir published/sneak")
        #expect(TestWorkspace.run("/bin/chmod", ["o-w", ws.path("published")]).status == 0)
        #expect(TestAccounts.kiln(as: team.bob, ["doctor", "--workspace", ws.root]).status == 0)

        // The daemon's user cannot write .kiln/ any more: doctor names it, with the command that sets it right.
        chmod(ws.path(".kiln"), 0o555)
        let stuck = TestAccounts.kiln(as: team.bob, ["doctor", "--workspace", ws.root])
        chmod(ws.path(".kiln"), 0o755)
        #expect(
            stuck.output.contains("missing: the daemon's user \(team.daemon) cannot write \(ws.path(".kiln"))")
                && stuck.output.contains(
                    "fix: `sudo kiln init \(ws.root) --admins \(team.admins) --users \(team.users) --daemon-user "
                        + "\(team.daemon)`"
                ),
            "\(stuck.output)"
        )
        ws.stop()
        print(
            "permissions: \(team.accounts.users.count) users, \(team.accounts.groups.count) groups, \(refused) moves refused"
        )
    }

    @Test func initRefusesAnUnknownGroupOrUserAndFixesModesAgain() throws {
        let team = try Team()
        let root = NSTemporaryDirectory() + "kiln-perm-init-\(team.accounts.suffix)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let unknown = TestWorkspace.run(
            TestWorkspace.kiln,
            ["init", root, "--admins", "kt-nobody-\(team.accounts.suffix)"]
        )
        #expect(unknown.status == 1, "\(unknown.output)")
        #expect(unknown.output.contains("there is no group 'kt-nobody-\(team.accounts.suffix)'"), "\(unknown.output)")
        #expect(!FileManager.default.fileExists(atPath: root), "a refused init made the workspace")
        let noUser = TestWorkspace.run(
            TestWorkspace.kiln,
            [
                "init", root, "--admins", team.admins, "--users", team.users, "--daemon-user",
                "kt-none-\(team.accounts.suffix)",
            ]
        )
        #expect(noUser.status == 1 && noUser.output.contains("useradd --system"), "\(noUser.output)")

        let arguments = ["init", root, "--admins", team.admins, "--users", team.users, "--daemon-user", team.daemon]
        #expect(TestWorkspace.run(TestWorkspace.kiln, arguments).status == 0)
        // Someone loosens published/ and takes .kiln/; a second init sets both right and keeps every file.
        try "keep".write(toFile: root + "/published/note", atomically: false, encoding: .utf8)
        chmod(root + "/published", 0o777)
        chown(root + "/.kiln", 0, 0)
        let again = TestWorkspace.run(TestWorkspace.kiln, arguments)
        #expect(again.status == 0, "\(again.output)")
        #expect(FileManager.default.fileExists(atPath: root + "/published/note"))
        var published = stat()
        var kiln = stat()
        #expect(stat(root + "/published", &published) == 0 && stat(root + "/.kiln", &kiln) == 0)
        #expect(published.st_mode & 0o7777 == 0o2775)
        #expect(FileOwner.userName(published.st_uid) == team.daemon && FileOwner.userName(kiln.st_uid) == team.daemon)
        #expect(WorkspacePermissions.groupName(published.st_gid) == team.admins)
        let wrote = TestAccounts.run(as: team.bob, in: root, "mkdir published/x")
        #expect(wrote.status != 0 && wrote.output.contains("Permission denied"), "\(wrote.output)")
        let saved = TestAccounts.run(as: team.bob, in: root, "mkdir saved/x && mkdir pending/y")
        #expect(saved.status == 0, "\(saved.output)")
        let asBob = TestAccounts.kiln(as: team.bob, arguments)
        #expect(asBob.status == 1 && asBob.output.contains("needs root"), "\(asBob.output)")
    }

    /// Kiln writes ACLs as the kernel's bytes, without libacl: what it writes is what `setfacl` would, and what
    /// `getfacl` prints back.
    @Test func aclBytesAgreeWithSetfacl() throws {
        let folder = NSTemporaryDirectory() + "kiln-acl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/b", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let set = TestWorkspace.run(
            "/usr/bin/env",
            ["setfacl", "-d", "-m", "u::rwx,u:nobody:rwx,g::r-x,g:nogroup:rwx,m::rwx,o::r-x", folder + "/a"]
        )
        #expect(set.status == 0, "\(set.output)")
        let nobody = try #require(WorkspacePermissions.userID("nobody"))
        let nogroup = try #require(WorkspacePermissions.groupID("nogroup"))
        let mine = PosixACL([
            .init(.userObject, 7), .init(.user, 7, id: nobody), .init(.groupObject, 5), .init(.group, 7, id: nogroup),
            .init(.mask, 7), .init(.other, 5),
        ])
        #expect(PosixACL.read(folder + "/a", isDefault: true) == mine)
        try mine.write(to: folder + "/b", isDefault: true)
        let printed = TestWorkspace.run("/usr/bin/env", ["getfacl", "-cp", "-d", folder + "/b"])
        #expect(
            printed.output.split(separator: "\n").map(String.init)
                == ["user::rwx", "user:nobody:rwx", "group::r-x", "group:nogroup:rwx", "mask::rwx", "other::r-x"],
            "\(printed.output)"
        )
        #expect(PosixACL(bytes: mine.bytes) == mine && PosixACL(bytes: [1, 2, 3]) == nil)
    }
}
