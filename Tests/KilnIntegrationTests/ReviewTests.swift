import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// † Review, end to end: a real `kiln serve` sums a submission up in its status and writes the whole diff beside it
/// (`pending/<name>/changes`), `kiln diff` prints the same, and the summary follows the published version while the
/// submission waits.
@Suite("kiln serve: a submission's summary and kiln diff", .serialized)
struct ReviewTests {
    /// A library the update drops, beside the shared test wheels.
    static let wheels: String = {
        let dir = NSTemporaryDirectory() + "kiln-test-review-wheels-\(getpid())"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/make_wheels.py"
        ).path
        let result = TestWorkspace.run("/usr/bin/env", ["python3", script, dir, "kiln-diff-old==1.0.0"])
        precondition(result.status == 0, "make_wheels.py failed: \(result.output)")
        return dir
    }()

    @Test func anUpdateThatAddsRemovesAndUpgradesIsSummedUpAndShown() async throws {
        let ws = try TestWorkspace(extraLinks: [ReviewTests.wheels])
        try ws.start()
        let v1 = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\", \"kiln-diff-old\"]\n"
        let v2 =
            "full_name = \"Greetings\"\nbase = \"python:3.11\"\n"
            + "libraries = [\"kiln-demo-greet==1.1.0\", \"kiln-demo-report==2.1.0\"]\n"
        try await ws.publish("greet", v1)
        let published = try #require(ws.status("published/greet"))
        let approved = try #require(published.approved)

        // The update: written and renamed as an editor saves, submitted with plain mv into pending/.
        try ws.save("saved/greet", v2)
        try await ws.waitForState("draft/greet", .ready)
        try ws.mv("draft/greet", "pending/")
        let day = ReviewedVersion.day(approved)
        let awaiting = try await ws.waitForStatus("pending/greet") {
            $0.state == .awaitingApproval && $0.message.hasPrefix("awaiting approval: ")
        }
        #expect(
            awaiting.message
                == "awaiting approval: 1 added, 1 removed, 1 upgraded, against the published version of \(day); "
                + "the whole diff is in pending/greet/changes; an admin approves it with "
                + "`mv pending/greet published/greet` or `kiln approve greet`"
        )
        let v1Hash = SHA256Hex.of(Array(v1.utf8)).prefix(12)
        let v2Hash = SHA256Hex.of(Array(v2.utf8)).prefix(12)
        let changes = try String(contentsOfFile: ws.path("pending/greet/changes"), encoding: .utf8)
        #expect(
            changes == """
                greet: published (approved \(day), spec \(v1Hash)) -> pending (spec \(v2Hash))

                spec: 4 changes
                  full_name                 added: "Greetings"
                  library kiln-demo-greet   kiln-demo-greet==1.0.0 -> kiln-demo-greet==1.1.0
                  library kiln-demo-report  added: kiln-demo-report==2.1.0
                  library kiln-diff-old     removed: kiln-diff-old

                distributions: 1 added, 1 removed, 1 upgraded (2 pinned)
                  added       kiln-demo-report  2.1.0
                  removed     kiln-diff-old     1.0.0
                  upgraded    kiln-demo-greet   1.0.0 -> 1.1.0

                """
        )
        // kiln diff shows exactly what the daemon wrote, and kiln list the summary.
        let diff = ws.kilnCommand("diff", "greet")
        #expect(diff.status == 0, "\(diff.output)")
        #expect(diff.output == changes)
        let list = ws.kilnCommand("list")
        #expect(list.output.contains("1 added, 1 removed, 1 upgraded"), "\(list.output)")

        // The published version goes away while the submission waits: the summary and the diff follow.
        try FileManager.default.removeItem(atPath: ws.path("published/greet"))
        let alone = try await ws.waitForStatus("pending/greet") { $0.message.contains("a new environment") }
        #expect(alone.message.hasPrefix("awaiting approval: a new environment of 2 distributions; "))
        #expect(alone.state == .awaitingApproval)
        let refreshed = try String(contentsOfFile: ws.path("pending/greet/changes"), encoding: .utf8)
        #expect(refreshed.hasPrefix("greet: nothing published -> pending (spec \(v2Hash))\n"), "\(refreshed)")
        #expect(refreshed.contains("distributions: 2 added (2 pinned)"), "\(refreshed)")

        // Approved, the new version carries the diff it was approved with.
        try ws.mv("pending/greet", "published/greet")
        try await ws.waitForState("published/greet", .published)
        #expect(ws.exists("published/greet/changes"))
        #expect(ws.stop() == 0)
    }
}
