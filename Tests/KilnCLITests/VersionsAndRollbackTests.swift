import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln versions` and `kiln rollback` against workspaces written as the daemon leaves them: what they list, and what
/// they refuse before asking the daemon anything.
@Suite("kiln versions and kiln rollback", .serialized)
struct VersionsAndRollbackTests {
    /// `published/ml` (pandas 2.2.3) and one archived version (pandas 2.2.2, approved a day earlier, with a note).
    static func workspace() async throws -> (CLIWorkspace, label: String, archivedSpec: String) {
        let ws = try await CLIWorkspace()
        var published = try ws.built("ml", in: .published, state: .published)
        published.approved = Date(timeIntervalSince1970: 1_800_086_400)
        try ws.status("published/ml", published)
        try ws.write("published/ml/review", "second\n")
        let old = try ws.built("old", in: .published, state: .published, libraries: ["pandas==2.2.2"])
        let label = "2027-01-16T000000Z-" + (old.specSHA256 ?? "").prefix(12)
        try FileManager.default.createDirectory(atPath: ws.path(".kiln/archive/ml"), withIntermediateDirectories: true)
        try ws.move("published/old", ".kiln/archive/ml/\(label)")
        var archived = old
        archived.approved = Date(timeIntervalSince1970: 1_800_000_000)
        try ws.status(".kiln/archive/ml/\(label)", archived)
        try ws.write(".kiln/archive/ml/\(label)/review", "first cut\n")
        // The store's builds count once complete.
        for status in [published, archived] {
            try ws.write(
                (status.environment ?? "").dropFirst(ws.root.count + 1) + "/.kiln-build/complete",
                "built\n"
            )
        }
        return (ws, label, old.specSHA256 ?? "")
    }

    @Test func versionsListsThePublishedOneThenTheArchive() async throws {
        let (ws, label, archivedSpec) = try await Self.workspace()
        let listed = await ws.kiln("versions", "ml")
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(listed.stdout)")
        #expect(lines[0].hasPrefix("VERSION"))
        #expect(lines[1].hasPrefix("published") && lines[1].contains("2027-01-16T08:00:00Z"), "\(lines[1])")
        #expect(lines[1].hasSuffix("second"))
        #expect(lines[2].hasPrefix(label) && lines[2].contains(archivedSpec.prefix(12)), "\(lines[2])")
        #expect(lines[2].contains("2027-01-15T08:00:00Z") && lines[2].hasSuffix("first cut"), "\(lines[2])")

        let json = await ws.kiln("versions", "ml", "--json")
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        )
        #expect(rows.map { $0["version"] as? String } == ["published", label])
        #expect(rows[1]["spec_sha256"] as? String == archivedSpec)
        #expect(rows[1]["environment_exists"] as? Bool == true)
        #expect(rows[1]["note"] as? String == "first cut")

        let none = await ws.kiln("versions", "nothing")
        #expect(none.status == 1 && none.stderr.contains("has no published version"), "\(none)")
    }

    /// Without a daemon the request is written and stays; the command says so and exits 3.
    @Test func withoutADaemonTheRequestWaits() async throws {
        let (ws, label, archivedSpec) = try await Self.workspace()
        let asked = await ws.kiln("rollback", "ml", "--to", String(archivedSpec.prefix(6)))
        #expect(asked.status == 3, "\(asked)")
        #expect(asked.stderr.contains("no `kiln serve` holds"), "\(asked)")
        let request = try #require(ws.read(".kiln/requests/ml"))
        #expect(RollbackRequestFile.parse(request)?.version == label)
        #expect(RollbackRequestFile.parse(request)?.specSHA256 == archivedSpec)
        let again = await ws.kiln("rollback", "ml")
        #expect(again.status == 1 && again.stderr.contains("already waiting"), "\(again)")
        // A build request for the same name does not replace it.
        try ws.spec("saved/ml", libraries: ["pandas==2.2.4"])
        let build = await ws.kiln("build", "ml")
        #expect(build.status == 1 && build.stderr.contains("a rollback of 'ml' is waiting"), "\(build)")
        #expect(RollbackRequestFile.parse(ws.read(".kiln/requests/ml") ?? "") != nil)
    }

    @Test func refusalsSayWhatIsWrong() async throws {
        let (ws, label, _) = try await Self.workspace()
        let unknown = await ws.kiln("rollback", "ml", "--to", "nope")
        #expect(unknown.status == 1 && unknown.stderr.contains("the versions are: \(label)"), "\(unknown)")
        let nothing = await ws.kiln("rollback", "other")
        #expect(nothing.status == 1, "\(nothing)")
        // The archived version's build collected by hand: it cannot come back.
        let archived = try #require(ws.status(".kiln/archive/ml/\(label)")?.environment)
        try FileManager.default.removeItem(atPath: archived + "/.kiln-build/complete")
        let gone = await ws.kiln("rollback", "ml")
        #expect(gone.status == 1 && gone.stderr.contains("is gone from the store"), "\(gone)")
        #expect(!ws.exists(".kiln/requests/ml"))
    }

    /// Who may roll back is who may write published/: a member of the group that owns it (mode 0775), not another
    /// user. The daemon judges a request file's owner the same way (`FileOwner.mayWrite`).
    @Test func onlyThoseWhoMayWritePublishedMayRollBack() async throws {
        let (ws, _, _) = try await Self.workspace()
        let admin = try TestUser()
        let other = try TestUser()
        let group = "kilnadm" + UUID().uuidString.prefix(6).lowercased()
        defer {
            admin.remove()
            other.remove()
            _ = TestUser.run("/usr/sbin/groupdel", [group])
        }
        #expect(TestUser.run("/usr/sbin/groupadd", [group]).status == 0)
        #expect(TestUser.run("/usr/sbin/usermod", ["-aG", group, admin.name]).status == 0)
        #expect(TestUser.run("/usr/bin/chgrp", [group, ws.path("published")]).status == 0)
        #expect(chmod(ws.path("published"), 0o775) == 0)

        let refused = other.kiln(["rollback", "ml"], workspace: ws.root)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("you (\(other.name)) may not write"), "\(refused.output)")
        #expect(!ws.exists(".kiln/requests/ml"))

        let uid = { (name: String) -> uid_t in getpwnam(name)?.pointee.pw_uid ?? 0 }
        #expect(FileOwner.mayWrite(ws.path("published"), uid: uid(admin.name)))
        #expect(!FileOwner.mayWrite(ws.path("published"), uid: uid(other.name)))
        #expect(FileOwner.mayWrite(ws.path("published"), uid: 0))
    }
}
