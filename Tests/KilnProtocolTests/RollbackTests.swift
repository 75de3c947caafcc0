import Foundation
import Testing

@testable import KilnProtocol

/// † `kiln rollback` (rule 5): an archived version becomes the published one again, in the swap an approval makes.
@Suite("rollback of the published version (rule 5)")
struct RollbackTests {
    static let goodHash = SHA256Hex.of(Array(FakeWorkspace.good.utf8))
    static let editedHash = SHA256Hex.of(Array(FakeWorkspace.edited.utf8))

    /// `good` was published on day 1, then `edited` approved over it on day 2: `good` is in the archive.
    static func twoApprovals() -> FakeWorkspace {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.registerBuild(of: FakeWorkspace.edited)
        var first = ws.builtStatus(.published)
        first.approved = Date(timeIntervalSince1970: 1_700_000_000)
        ws.put(.published, spec: FakeWorkspace.good, status: first, review: "first cut")
        ws.put(
            .published,
            spec: FakeWorkspace.edited,
            status: ws.builtStatus(.pending, spec: FakeWorkspace.edited),
            nested: true
        )
        ws.settle()
        return ws
    }

    @Test func theArchivedVersionIsPublishedAgainAndTheCurrentOneArchived() throws {
        var ws = Self.twoApprovals()
        let label = try #require(ws.archivedLabels.first)
        let journalBefore = ws.journal.count
        ws.now += 3600
        ws.rollback = (label, true)
        ws.settle()
        let published = try #require(ws.at(.published))
        #expect(published.specSHA256 == Self.goodHash)
        #expect(published.status?.state == .published)
        #expect(published.status?.specSHA256 == Self.goodHash)
        // The version keeps its own approval date; the status says who rolled back, and to what.
        #expect(published.status?.approved == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(published.status?.message.hasPrefix("rolled back by ada to the version approved 2023-11-14") == true)
        #expect(ws.archived.map(\.specSHA256) == [Self.editedHash])
        #expect(ws.rollback == nil)
        let entry = try #require(ws.journal.dropFirst(journalBefore).first)
        #expect(entry.from == ".kiln/archive/churn/\(label)")
        #expect(entry.to == "published/churn")
        #expect(entry.spec == Self.goodHash)
    }

    @Test func twoRollbacksInARowComeBack() throws {
        var ws = Self.twoApprovals()
        ws.rollback = (try #require(ws.archivedLabels.last), true)
        ws.settle()
        #expect(ws.at(.published)?.specSHA256 == Self.goodHash)
        ws.rollback = (try #require(ws.archivedLabels.last), true)
        ws.settle()
        #expect(ws.at(.published)?.specSHA256 == Self.editedHash)
        #expect(ws.archived.map(\.specSHA256) == [Self.goodHash])
        #expect(ws.copies.count == 1)
    }

    /// A crash after any step: the next looks finish the rollback, with exactly one version archived, and answer
    /// the request.
    @Test(arguments: 0...6)
    func aRollbackSurvivesACrashAfterAnyStep(_ stepsDone: Int) throws {
        var ws = Self.twoApprovals()
        ws.rollback = (try #require(ws.archivedLabels.first), true)
        for action in ws.decide().prefix(stepsDone) { ws.apply(action) }
        ws.now += 60
        ws.settle()
        #expect(ws.scratch == nil)
        #expect(ws.rollback == nil)
        #expect(ws.at(.published)?.specSHA256 == Self.goodHash)
        #expect(ws.at(.published)?.status?.specSHA256 == Self.goodHash)
        #expect(ws.at(.published)?.status?.message.hasPrefix("rolled back") == true)
        #expect(ws.archived.map(\.specSHA256) == [Self.editedHash])
    }

    @Test func someoneWhoMayNotWritePublishedIsRefusedAndNothingMoves() throws {
        var ws = Self.twoApprovals()
        let before = ws.at(.published)
        ws.rollback = (try #require(ws.archivedLabels.first), false)
        ws.settle()
        #expect(ws.at(.published) == before)
        #expect(ws.archived.count == 1)
        #expect(ws.rollback == nil)
        let refusal = try #require(ws.journal.last)
        #expect(refusal.message.contains("refused: ada may not write published/"))
    }

    @Test func aTargetWhoseBuildIsGoneIsRefused() throws {
        var ws = Self.twoApprovals()
        ws.built[ws.storeKey(of: FakeWorkspace.good)] = nil
        ws.rollback = (try #require(ws.archivedLabels.first), true)
        ws.settle()
        #expect(ws.at(.published)?.specSHA256 == Self.editedHash)
        #expect(ws.journal.last?.message.contains("is gone from .kiln/envs/") == true)
    }

    @Test func aVersionThatIsNotInTheArchiveIsRefused() {
        var ws = Self.twoApprovals()
        ws.rollback = ("2020-01-01T000000Z-000000000000", true)
        ws.settle()
        #expect(ws.at(.published)?.specSHA256 == Self.editedHash)
        #expect(ws.journal.last?.message.contains("does not exist") == true)
        #expect(ws.rollback == nil)
    }

    @Test func withNoPublishedVersionTheRequestIsAnsweredWithAReason() throws {
        var ws = Self.twoApprovals()
        ws.copies.removeAll()
        ws.wasKnown = false  // its removal was recorded already
        ws.rollback = (try #require(ws.archivedLabels.first), true)
        ws.settle()
        #expect(ws.archived.count == 1)
        #expect(ws.journal.last?.message.contains("there is no published version") == true)
        #expect(ws.rollback == nil)
    }
}
