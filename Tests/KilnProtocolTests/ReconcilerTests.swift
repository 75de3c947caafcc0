import Foundation
import Testing

@testable import KilnProtocol

/// A workspace in memory: applies the reconciler's actions the way the daemon does on disk, so a test can run the
/// decide-act loop to its end and look at the result.
private struct FakeWorkspace {
    var copies: [CopyLocation: EnvironmentCopy] = [:]
    var settings = WorkspaceSettings()
    var activeBuild: String?
    var orders: [BuildOrder] = []
    var cancels = 0
    var failure: BuildFailure?
    var built: [String: BuiltEnvironment] = [:]
    var specsByHash: [String: [UInt8]] = [:]
    var requested = false
    var wasKnown = false
    var journal: [JournalEntry] = []
    var locks: Set<CopyLocation> = []
    var archived: [EnvironmentCopy] = []
    var editedBeside: [UInt8]?
    let name = "churn"

    static let good = "base = \"python:3.11\"\nlibraries = [\"pandas==2.2.3\"]\n"
    static let edited = "base = \"python:3.11\"\nlibraries = [\"pandas==2.2.2\"]\n"

    mutating func put(
        _ stage: Stage,
        spec: String = good,
        status: Status? = nil,
        review: String? = nil,
        nested: Bool = false
    ) {
        let location = CopyLocation(stage, name, nested: nested)
        copies[location] = EnvironmentCopy(
            location: location,
            spec: .contents(Array(spec.utf8)),
            status: status,
            review: review
        )
        specsByHash[SHA256Hex.of(Array(spec.utf8))] = Array(spec.utf8)
        wasKnown = true
    }

    /// A status as the daemon would have left it after a good build of `spec` in `stage`.
    func builtStatus(_ stage: Stage, spec: String = good, state: EnvironmentState? = nil) -> Status {
        let hash = SHA256Hex.of(Array(spec.utf8))
        let typical: [Stage: EnvironmentState] = [
            .saved: .building, .draft: .ready, .pending: .awaitingApproval, .published: .published,
        ]
        let s = state ?? typical[stage]!
        return Status(
            stage: stage,
            state: s,
            specSHA256: hash,
            build: 1,
            environment: "/ws/.kiln/envs/\(hash)",
            python: "/ws/.kiln/envs/\(hash)/bin/python",
            message: "built"
        )
    }

    mutating func registerBuild(of spec: String = good) {
        let hash = SHA256Hex.of(Array(spec.utf8))
        specsByHash[hash] = Array(spec.utf8)
        built[hash] = BuiltEnvironment(
            specSHA256: hash,
            path: "/ws/.kiln/envs/\(hash)",
            python: "/ws/.kiln/envs/\(hash)/bin/python",
            summary: "built in 1.0 s: 6 distributions"
        )
    }

    func decide() -> [Action] {
        let context = ReconcileContext(
            settings: settings,
            pythons: ["3.11", "3.12"],
            activeBuild: activeBuild,
            failure: failure,
            built: built,
            buildRequested: requested,
            wasKnown: wasKnown,
            now: Date(timeIntervalSince1970: 1_800_000_000)
        )
        let ordered = copies.values.sorted {
            ($0.location.stage, $0.location.nested ? 1 : 0) < ($1.location.stage, $1.location.nested ? 1 : 0)
        }
        return Reconciler.decide(name: name, copies: ordered, context: context)
    }

    mutating func apply(_ action: Action) {
        switch action {
        case .writeStatus(let location, let status):
            precondition(copies[location] != nil, "status written where no copy is: \(location)")
            copies[location]!.status = status
        case .queueBuild(let order):
            activeBuild = order.specSHA256
            orders.append(order)
        case .cancelBuild:
            activeBuild = nil
            cancels += 1
        case .move(let from, let to):
            precondition(copies[to] == nil, "a move would replace \(to)")
            var copy = copies.removeValue(forKey: from)!
            copy.location = to
            copies[to] = copy
        case .installLock(let location, _):
            locks.insert(location)
        case .replacePublished(let name):
            let top = CopyLocation(.published, name)
            archived.append(copies[top]!)
            var incoming = copies.removeValue(forKey: CopyLocation(.published, name, nested: true))!
            incoming.location = top
            copies[top] = incoming
        case .restorePublishedSpec(let name, let approved, let keep):
            let top = CopyLocation(.published, name)
            let edit = copies[top]!.spec
            if keep == .saved {
                let saved = CopyLocation(.saved, name)
                copies[saved] = EnvironmentCopy(location: saved, spec: edit)
            } else if case .contents(let bytes) = edit {
                editedBeside = bytes
            }
            copies[top]!.spec = .contents(specsByHash[approved.specSHA256]!)
        case .consumeBuildRequest:
            requested = false
        case .record(let entry):
            journal.append(entry)
        }
    }

    /// Decide and act until nothing is left to do; returns how many rounds had actions.
    @discardableResult
    mutating func settle() -> Int {
        for round in 0..<8 {
            let actions = decide()
            if actions.isEmpty { return round }
            for a in actions { apply(a) }
        }
        Issue.record("no fixed point after 8 rounds: \(decide())")
        return 8
    }

    func at(_ stage: Stage) -> EnvironmentCopy? { copies[CopyLocation(stage, name)] }
}

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
        (.saved, .draft),
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
        ws.activeBuild = "abc"
        let actions = ws.decide()
        #expect(actions.contains(.cancelBuild(name: ws.name)))
        #expect(actions.contains { if case .record(let e) = $0 { e.state == "removed" } else { false } })
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
}
