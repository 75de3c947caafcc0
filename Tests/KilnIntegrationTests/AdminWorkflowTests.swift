import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The admin's half of the workflow with the real daemon: updating a published version with plain `mv` (and the
/// GNU refusal that comes first), listing versions, and rolling back and forth.
@Suite("admins: update, versions and rollback with the real daemon", .serialized)
struct AdminWorkflowTests {
    static let v1 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
    static let v2 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"

    /// What the published interpreter says its greet module's version is: what a user of the name gets.
    static func greetVersion(_ ws: TestWorkspace) throws -> String {
        let python = try #require(ws.status("published/greet")?.python)
        let run = TestWorkspace.run(python, ["-c", "import kiln_demo_greet; print(kiln_demo_greet.__version__)"])
        #expect(run.status == 0, "\(run.output)")
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// v1 published with a note, then v2 approved over it the way an admin does it by hand.
    static func publishTwoVersions(_ ws: TestWorkspace) async throws {
        try ws.save("saved/greet", v1)
        try await ws.waitForState("draft/greet", .ready)
        try ws.mv("draft/greet", "pending/greet")
        try await ws.waitForState("pending/greet", .awaitingApproval)
        try "first cut\n".write(toFile: ws.path("pending/greet/review"), atomically: true, encoding: .utf8)
        try ws.mv("pending/greet", "published/greet")
        try await ws.waitForState("published/greet", .published)

        try ws.save("saved/greet", v2)
        try await ws.waitForState("draft/greet", .ready)
        try ws.mv("draft/greet", "pending/greet")
        try await ws.waitForState("pending/greet", .awaitingApproval)
        // GNU mv into the folder refuses: published/greet exists and is not empty. Nothing moves.
        let refused = TestWorkspace.run("/bin/mv", [ws.path("pending/greet"), ws.path("published/")])
        #expect(refused.status != 0)
        #expect(refused.output.contains("Directory not empty"), "\(refused.output)")
        #expect(ws.status("pending/greet")?.state == .awaitingApproval)
        #expect(!ws.exists("published/greet/greet"))
        // The plain move for an update names the target: it nests, and the daemon swaps it in.
        try ws.mv("pending/greet", "published/greet")
        try await ws.waitForStatus("published/greet") {
            $0.specSHA256 == SHA256Hex.of(Array(v2.utf8)) && $0.state == .published
        }
    }

    @Test func twoRollbacksInARowAndBack() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try await Self.publishTwoVersions(ws)
        #expect(try Self.greetVersion(ws) == "1.1.0")

        let versions = ws.kilnCommand("versions", "greet")
        #expect(versions.status == 0, "\(versions.output)")
        let lines = versions.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(versions.output)")
        #expect(lines[1].hasPrefix("published") && lines[1].contains(SHA256Hex.of(Array(Self.v2.utf8)).prefix(12)))
        #expect(lines[2].contains(SHA256Hex.of(Array(Self.v1.utf8)).prefix(12)) && lines[2].contains("first cut"))

        let back = ws.kilnCommand("rollback", "greet")
        #expect(back.status == 0, "\(back.output)")
        #expect(back.output.contains("rolled back 'greet'"), "\(back.output)")
        #expect(ws.status("published/greet")?.specSHA256 == SHA256Hex.of(Array(Self.v1.utf8)))
        #expect(try String(contentsOfFile: ws.path("published/greet/spec.toml"), encoding: .utf8) == Self.v1)
        #expect(try Self.greetVersion(ws) == "1.0.0")

        // The version it replaced is the one the next rollback brings back, by its spec hash this time.
        let forth = ws.kilnCommand("rollback", "greet", "--to", String(SHA256Hex.of(Array(Self.v2.utf8)).prefix(8)))
        #expect(forth.status == 0, "\(forth.output)")
        #expect(try Self.greetVersion(ws) == "1.1.0")
        #expect(try String(contentsOfFile: ws.path("published/greet/spec.toml"), encoding: .utf8) == Self.v2)
        let archived = try FileManager.default.contentsOfDirectory(atPath: ws.path(".kiln/archive/greet"))
        #expect(archived.count == 1, "\(archived)")

        let journal = Journal(layout: ws.layout).entries(for: "greet").filter { $0.message.hasPrefix("rolled back") }
        #expect(journal.count == 2)
        #expect(journal.allSatisfy { $0.from.hasPrefix(".kiln/archive/greet/") && $0.to == "published/greet" })
        // Nothing is left half moved.
        #expect(WorkspaceFiles.list(ws.layout.scratch).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(!ws.exists(".kiln/requests/greet"))
    }

    /// The daemon holds a request to who wrote it: a user who may not write published/ is refused, and the
    /// journal says why.
    @Test func aRequestFromSomeoneWhoMayNotPublishIsRefused() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try await Self.publishTwoVersions(ws)
        let label = try #require(ArchivedVersions(layout: ws.layout, name: "greet").all().first?.label)
        let request = ws.layout.request("greet")
        try RollbackRequestFile.rendered(
            version: label,
            specSHA256: SHA256Hex.of(Array(Self.v1.utf8)),
            requested: Date(),
            by: "root"
        ).write(toFile: request + ".tmp", atomically: false, encoding: .utf8)
        #expect(chown(request + ".tmp", 65534, 65534) == 0)  // nobody
        #expect(rename(request + ".tmp", request) == 0)
        #expect(await TestWorkspace.waitUntil { !ws.exists(".kiln/requests/greet") })
        #expect(ws.status("published/greet")?.specSHA256 == SHA256Hex.of(Array(Self.v2.utf8)))
        let refusal = Journal(layout: ws.layout).entries(for: "greet").last
        #expect(
            refusal?.message.contains("refused: nobody may not write published/") == true,
            "\(String(describing: refusal))"
        )
    }
}
