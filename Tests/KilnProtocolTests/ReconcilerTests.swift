import Foundation
import Testing

@testable import KilnProtocol

@Suite("the reconcile decision (protocol section 4)")
struct ReconcilerTests {
    @Test func aValidSaveIsQueuedOnce() {
        var ws = FakeWorkspace()
        ws.put(.saved)
        ws.settle()
        #expect(ws.orders.count == 1)
        #expect(ws.orders.first?.build == 1)
        #expect(ws.at(.saved)?.status?.state == .queued)
        // Looking again while it builds changes nothing.
        #expect(ws.decide().isEmpty)
    }

    @Test func aGoodBuildMovesToDraftAsReadyWithALock() {
        var ws = FakeWorkspace()
        ws.put(.saved)
        ws.settle()
        ws.activeBuild = nil
        ws.registerBuild()
        ws.settle()
        #expect(ws.at(.saved) == nil)
        let status = ws.at(.draft)?.status
        #expect(status?.stage == .draft)
        #expect(status?.state == .ready)
        #expect(status?.python == ws.built.values.first?.python)
        #expect(ws.locks.contains(CopyLocation(.saved, ws.name)))
    }

    @Test func aFailedBuildStaysInSavedAndIsNotRetriedUntilAsked() {
        var ws = FakeWorkspace()
        ws.put(.saved)
        ws.settle()
        let hash = ws.orders[0].specSHA256
        ws.activeBuild = nil
        ws.failure = BuildFailure(specSHA256: hash, build: 1, message: "no solution")
        ws.settle()
        #expect(ws.at(.saved)?.status?.state == .failed)
        #expect(ws.at(.saved)?.status?.message == "no solution")
        ws.failure = nil  // the daemon restarted: the status alone must keep it failed
        #expect(ws.decide().isEmpty)
        ws.requested = true
        ws.settle()
        #expect(ws.orders.count == 2)
        #expect(ws.orders[1].build == 2)
        #expect(!ws.requested)
    }

    @Test func anInvalidSpecIsNeverBuiltAndSaysWhere() {
        var ws = FakeWorkspace()
        ws.put(.saved, spec: "base = \"python:3.11\"\nlibaries = []\n")
        ws.settle()
        #expect(ws.orders.isEmpty)
        #expect(ws.at(.saved)?.status?.state == .invalid)
        #expect(ws.at(.saved)?.status?.message.contains("saved/churn/spec.toml, line 2") == true)
    }

    @Test func savingAgainWhileBuildingCancelsAndStartsAnew() {
        var ws = FakeWorkspace()
        ws.put(.saved)
        ws.settle()
        ws.copies[CopyLocation(.saved, ws.name)]!.spec = .contents(Array(FakeWorkspace.edited.utf8))
        ws.settle()
        #expect(ws.cancels == 1)
        #expect(ws.orders.count == 2)
        #expect(ws.orders[1].specSHA256 == SHA256Hex.of(Array(FakeWorkspace.edited.utf8)))
    }

    @Test func anUnchangedSpecThatWasBuiltIsNotRebuilt() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.saved)
        ws.settle()
        #expect(ws.orders.isEmpty)
        #expect(ws.at(.draft)?.status?.state == .ready)
    }

    @Test func anInterruptedBuildIsQueuedAgainOnStart() {
        var ws = FakeWorkspace()
        var status = ws.builtStatus(.saved, state: .building)
        status.environment = nil
        ws.put(.saved, status: status)
        ws.settle()
        #expect(ws.orders.count == 1)
    }

    @Test func onSaveWaitRestsUntilAsked() {
        var ws = FakeWorkspace()
        ws.settings.onSave = .wait
        ws.put(.saved)
        ws.settle()
        #expect(ws.orders.isEmpty)
        #expect(ws.at(.saved)?.status?.state == .saved)
        ws.requested = true
        ws.settle()
        #expect(ws.orders.count == 1)
    }

    @Test func submitMarksAwaitingApproval() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.pending, status: ws.builtStatus(.draft))
        ws.settle()
        #expect(ws.at(.pending)?.status?.state == .awaitingApproval)
        #expect(ws.at(.pending)?.status?.stage == .pending)
    }

    @Test func approvalPublishes() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.published, status: ws.builtStatus(.pending))
        ws.settle()
        #expect(ws.at(.published)?.status?.state == .published)
        #expect(ws.journal.contains { $0.state == "published" })
    }

    @Test func approvalOverAPublishedVersionReplacesItAndArchivesTheOld() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.registerBuild(of: FakeWorkspace.edited)
        ws.put(.published, spec: FakeWorkspace.good, status: ws.builtStatus(.published))
        ws.put(
            .published,
            spec: FakeWorkspace.edited,
            status: ws.builtStatus(.pending, spec: FakeWorkspace.edited),
            nested: true
        )
        ws.settle()
        #expect(ws.copies.count == 1)
        #expect(ws.at(.published)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.edited.utf8)))
        #expect(ws.at(.published)?.status?.state == .published)
        #expect(ws.archived.count == 1)
    }

    /// A crash after any step of an approval over a published version: the next looks finish the replacement, and
    /// exactly one old version is archived.
    @Test(arguments: 0...5)
    func anApprovalOverAPublishedVersionSurvivesACrashAfterAnyStep(_ stepsDone: Int) {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.registerBuild(of: FakeWorkspace.edited)
        ws.put(.published, spec: FakeWorkspace.good, status: ws.builtStatus(.published))
        ws.put(
            .published,
            spec: FakeWorkspace.edited,
            status: ws.builtStatus(.pending, spec: FakeWorkspace.edited),
            nested: true
        )
        for action in ws.decide().prefix(stepsDone) { ws.apply(action) }
        ws.now += 60  // the daemon restarts later
        ws.settle()
        #expect(ws.scratch == nil)
        #expect(ws.copies.count == 1)
        #expect(ws.at(.published)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.edited.utf8)))
        #expect(ws.at(.published)?.status?.state == .published)
        #expect(ws.archived.count == 1)
        #expect(ws.archived.first?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.good.utf8)))
    }

    @Test func rejectionCarriesTheReviewNote() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.draft, status: ws.builtStatus(.pending), review: "pin numpy too")
        ws.settle()
        #expect(ws.at(.draft)?.status?.state == .rejected)
        #expect(ws.at(.draft)?.status?.message == "pin numpy too")
    }

    @Test(arguments: [
        (Stage.saved, Stage.published), (.draft, .published), (.saved, .pending), (.published, .draft),
        (.saved, .draft), (.published, .saved),
    ])
    func anyOtherMoveIsUndone(_ from: Stage, _ to: Stage) {
        var ws = FakeWorkspace()
        // (A saved copy whose spec is already built would rightly go on to draft/.)
        if from != .saved { ws.registerBuild() }
        var status = ws.builtStatus(from)
        if from == .saved { status.state = .queued }
        ws.put(to, status: status)
        ws.settle()
        #expect(ws.at(to) == nil, "left in \(to)")
        #expect(ws.at(from) != nil)
        #expect(ws.journal.first?.message.contains("is not a move Kiln allows") == true)
    }

    @Test(arguments: [Stage.draft, .pending, .published])
    func aCopyFromOutsideGoesToSaved(_ stage: Stage) {
        var ws = FakeWorkspace()
        ws.put(stage, status: nil)
        ws.settle()
        #expect(ws.at(stage) == nil)
        #expect(ws.at(.saved) != nil)
        #expect(ws.orders.count == 1)
        #expect(ws.journal.first?.message.contains("from outside") == true)
    }

    @Test(arguments: [Stage.draft, .pending])
    func editingABuiltCopySendsItBackToSaved(_ stage: Stage) {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(stage, spec: FakeWorkspace.edited, status: ws.builtStatus(stage))
        ws.settle()
        #expect(ws.at(stage) == nil)
        #expect(ws.orders.count == 1)
        if stage == .pending { #expect(ws.journal.first?.message.contains("withdrawn") == true) }
    }

    @Test func editingAPublishedSpecRestoresItAndKeepsTheEditAsTheNextVersion() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.published, spec: FakeWorkspace.edited, status: ws.builtStatus(.published))
        ws.settle()
        #expect(ws.at(.published)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.good.utf8)))
        #expect(ws.at(.saved)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.edited.utf8)))
        #expect(ws.orders.count == 1)
    }

    @Test func editingAPublishedSpecWithAVersionInProgressKeepsTheEditBesideIt() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.published, spec: FakeWorkspace.edited, status: ws.builtStatus(.published))
        ws.put(.draft, status: ws.builtStatus(.draft))
        ws.settle()
        #expect(ws.at(.published)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.good.utf8)))
        #expect(ws.editedBeside == Array(FakeWorkspace.edited.utf8))
    }

    @Test func aSecondCopyInProgressIsInvalidAndNamesTheOther() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.draft, status: ws.builtStatus(.draft))
        ws.put(.saved, spec: FakeWorkspace.edited)
        ws.settle()
        #expect(ws.at(.saved)?.status?.state == .invalid)
        #expect(ws.at(.saved)?.status?.message.contains("draft/churn") == true)
        #expect(ws.at(.draft)?.status?.state == .ready)
        #expect(ws.orders.isEmpty)
        // Once the other copy is gone, the saved one builds.
        ws.copies[CopyLocation(.draft, ws.name)] = nil
        ws.settle()
        #expect(ws.orders.count == 1)
    }

    @Test func publishedAndOneInProgressMayCoexist() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.published, status: ws.builtStatus(.published))
        ws.put(.saved, spec: FakeWorkspace.edited)
        ws.settle()
        #expect(ws.at(.saved)?.status?.state == .queued)
        #expect(ws.at(.published)?.status?.state == .published)
    }

    @Test func aRemovedEnvironmentIsRecordedAndItsBuildStopped() {
        var ws = FakeWorkspace()
        ws.wasKnown = true
        ws.activeBuild = ActiveBuild(specSHA256: "abc", build: 1, started: true)
        let actions = ws.decide()
        #expect(actions.contains(.cancelBuild(name: ws.name)))
        #expect(actions.contains { if case .record(let e) = $0 { e.state == "removed" } else { false } })
    }

    /// † Moved out of the workspace (its removal journalled) and back in: the journal records where it is again, once.
    @Test func aDirectoryThatCameBackIsRecordedOnce() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.draft, status: ws.builtStatus(.draft))
        ws.settle()
        #expect(ws.decide().isEmpty)
        ws.recordedRemoved = true
        let records = ws.decide().compactMap { if case .record(let entry) = $0 { entry } else { nil } }
        #expect(records.count == 1)
        #expect(records.first?.to == "draft/\(ws.name)" && records.first?.state == "ready")
        #expect(records.first?.message.hasPrefix("the directory came back") == true)
        // Gone again, and its removal recorded: a look at the name while it stays gone records nothing more.
        ws.copies.removeAll()
        ws.wasKnown = false  // as the daemon forgets a name with no copies
        #expect(ws.decide().isEmpty)
    }

    @Test func aMoveBackIntoAnOccupiedPlaceLeavesItAndSaysSo() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.draft, status: ws.builtStatus(.draft))
        var savedStatus = ws.builtStatus(.saved, state: .queued)
        savedStatus.specSHA256 = "x"
        ws.put(.saved, spec: FakeWorkspace.edited, status: savedStatus)
        // A second draft-stage copy dragged into published: its origin (draft) and saved are both taken.
        ws.put(.published, status: ws.builtStatus(.draft))
        ws.settle()
        #expect(ws.at(.published)?.status?.message.contains("cannot be moved back") == true)
    }

    /// † Notebooks: the workspace's kernelspec follows the published version through approval, replacement and
    /// removal, and the decide-act loop ends.
    @Test func theKernelspecFollowsThePublishedVersion() throws {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.ipykernelBuilds = [SHA256Hex.of(Array(FakeWorkspace.good.utf8))]
        ws.put(.published, status: ws.builtStatus(.pending))
        ws.settle()
        #expect(ws.at(.published)?.status?.state == .published)
        let first = try #require(ws.kernelspec)
        #expect(KernelSpec.origin(ofKernelJSON: first)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.good.utf8)))

        // A new version approved over it, with ipykernel too: the kernelspec now runs the new build.
        ws.registerBuild(of: FakeWorkspace.edited)
        ws.ipykernelBuilds.insert(SHA256Hex.of(Array(FakeWorkspace.edited.utf8)))
        ws.put(
            .published,
            spec: FakeWorkspace.edited,
            status: ws.builtStatus(.pending, spec: FakeWorkspace.edited),
            nested: true
        )
        ws.settle()
        let second = try #require(ws.kernelspec)
        #expect(KernelSpec.origin(ofKernelJSON: second)?.specSHA256 == SHA256Hex.of(Array(FakeWorkspace.edited.utf8)))

        // Removed: so is its kernelspec.
        ws.copies.removeAll()
        for action in ws.decide() { ws.apply(action) }
        #expect(ws.kernelspec == nil)
        ws.wasKnown = false  // as the daemon forgets a name with no copies
        #expect(ws.decide().isEmpty)
    }

    @Test func aPublishedBuildWithoutIPykernelGetsNoKernelspec() {
        var ws = FakeWorkspace()
        ws.registerBuild()
        ws.put(.published, status: ws.builtStatus(.pending))
        ws.settle()
        #expect(ws.at(.published)?.status?.state == .published)
        #expect(ws.kernelspec == nil)
    }
}
