import Foundation
import Testing

@testable import KilnProtocol

/// Golden tests: for every transition of protocol section 4 (`docs/protocol.md`), what is on disk for one name, and
/// the exact list of actions one call of `Reconciler.decide` returns for it. A change to any decision, message or
/// journal entry shows up here as a diff.
@Suite("every transition of protocol section 4, as exact actions")
struct TransitionTableTests {
    @Test(arguments: TransitionTableTests.rows)
    func decides(_ row: Row) {
        let actions = Reconciler.decide(name: Golden.name, copies: row.copies, context: row.context)
        #expect(actions == row.expected, "rule \(row.rule): \(row.title)")
    }

    @Test(arguments: TransitionTableTests.rows)
    func decidesTheSameForTheSameInputs(_ row: Row) {
        let first = Reconciler.decide(name: Golden.name, copies: row.copies, context: row.context)
        let again = Reconciler.decide(name: Golden.name, copies: row.copies, context: row.context)
        #expect(first == again)
    }

    /// The clock comes in the context, and only there: a later `now` changes the times, nothing else.
    @Test(arguments: TransitionTableTests.rows)
    func timeOnlyMovesTheTimestamps(_ row: Row) {
        var later = row.context
        later.now = Golden.now.addingTimeInterval(3600)
        let actions = Reconciler.decide(name: Golden.name, copies: row.copies, context: later)
        #expect(actions.map(Golden.withoutTime) == row.expected.map(Golden.withoutTime))
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: Int
        var title: String
        var copies: [EnvironmentCopy]
        var context: ReconcileContext
        var expected: [Action]
        var testDescription: String { "rule \(rule): \(title)" }
    }

    static let rows: [Row] = {
        typealias G = Golden
        let name = G.name
        let saved = CopyLocation(.saved, name)
        let draft = CopyLocation(.draft, name)
        let pending = CopyLocation(.pending, name)
        let published = CopyLocation(.published, name)
        let nested = CopyLocation(.published, name, nested: true)
        let order1 = G.order(build: 1)
        let order2 = G.order(build: 2)
        let editedOrder = G.order(build: 2, edited: true)
        let queued1 = G.status(.saved, .queued, build: 1, "waiting for a build slot; the log will be logs/build-1.log")
        let building1 = G.status(
            .saved,
            .building,
            build: 1,
            "building; follow it with `tail -f logs/build-1.log` or `kiln logs churn --follow`"
        )
        let ready = G.builtStatus(.draft, .ready, "built in 1.0 s: 6 distributions")
        let awaiting = G.builtStatus(
            .pending,
            .awaitingApproval,
            "submitted; an admin approves it by moving it to published/, or rejects it back to draft/"
        )
        let publishedStatus = G.builtStatus(.published, .published, "approved")
        let illegal =
            "is not a move Kiln allows (draft/ → pending/ submits, pending/ → published/ approves, pending/ → draft/ "
            + "rejects, and builds move saved/ → draft/)"

        return [
            // Rule 1: save.
            Row(
                rule: 1,
                title: "a valid new save is queued",
                copies: [G.copy(saved)],
                context: G.context(),
                expected: [
                    .writeStatus(saved, queued1),
                    G.record(saved, saved, .queued, G.goodHash, queued1.message),
                    .queueBuild(order1),
                ]
            ),
            Row(
                rule: 1,
                title: "a queued build not started yet: nothing to do",
                copies: [G.copy(saved, status: queued1)],
                context: G.context(active: ActiveBuild(specSHA256: G.goodHash, build: 1, started: false)),
                expected: []
            ),
            Row(
                rule: 1,
                title: "its build started: the status says building",
                copies: [G.copy(saved, status: queued1)],
                context: G.context(active: ActiveBuild(specSHA256: G.goodHash, build: 1, started: true)),
                expected: [
                    .writeStatus(saved, building1),
                    G.record(saved, saved, .building, G.goodHash, "build 1 started"),
                ]
            ),
            Row(
                rule: 1,
                title: "saved again while it builds: that build stops and a new one is queued",
                copies: [G.copy(saved, spec: G.edited, status: building1)],
                context: G.context(active: ActiveBuild(specSHA256: G.goodHash, build: 1, started: true)),
                expected: [
                    .cancelBuild(name: name),
                    .writeStatus(
                        saved,
                        G.status(
                            .saved,
                            .queued,
                            hash: G.editedHash,
                            build: 2,
                            "waiting for a build slot; the log will be logs/build-2.log"
                        )
                    ),
                    G.record(
                        saved,
                        saved,
                        .queued,
                        G.editedHash,
                        "waiting for a build slot; the log will be logs/build-2.log"
                    ),
                    .queueBuild(editedOrder),
                ]
            ),
            Row(
                rule: 1,
                title: "a good build: the lock, then ready in draft/",
                copies: [G.copy(saved, status: building1)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: [
                    .installLock(saved, from: G.goodBuild),
                    .writeStatus(saved, ready),
                    G.record(saved, draft, .ready, G.goodHash, ready.message),
                    .move(from: saved, to: draft),
                ]
            ),
            Row(
                rule: 1,
                title: "a spec built before is not rebuilt",
                copies: [G.copy(saved)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    var status = ready
                    status.build = nil
                    status.message =
                        "already built from the same inputs (base, libraries, sources): built in 1.0 s: 6 distributions"
                    return [
                        .installLock(saved, from: G.goodBuild),
                        .writeStatus(saved, status),
                        G.record(saved, draft, .ready, G.goodHash, status.message),
                        .move(from: saved, to: draft),
                    ]
                }()
            ),
            Row(
                rule: 1,
                title: "a queued build whose spec another name has built meanwhile is dropped: ready at once",
                copies: [G.copy(saved, status: queued1)],
                context: G.context(
                    active: ActiveBuild(specSHA256: G.goodHash, build: 1, started: false),
                    built: [G.goodKey: G.goodBuild]
                ),
                expected: {
                    var status = ready
                    status.message = "built in 1.0 s: 6 distributions"
                    return [
                        .cancelBuild(name: name),
                        .installLock(saved, from: G.goodBuild),
                        .writeStatus(saved, status),
                        G.record(saved, draft, .ready, G.goodHash, status.message),
                        .move(from: saved, to: draft),
                    ]
                }()
            ),
            Row(
                rule: 1,
                title: "a failed build stays in saved/, saying why",
                copies: [G.copy(saved, status: building1)],
                context: G.context(failure: BuildFailure(specSHA256: G.goodHash, build: 1, message: "no solution")),
                expected: [
                    .writeStatus(saved, G.status(.saved, .failed, build: 1, "no solution")),
                    G.record(saved, saved, .failed, G.goodHash, "no solution"),
                ]
            ),
            Row(
                rule: 1,
                title: "a failed build is not retried by itself",
                copies: [G.copy(saved, status: G.status(.saved, .failed, build: 1, "no solution"))],
                context: G.context(),
                expected: []
            ),
            Row(
                rule: 1,
                title: "an invalid spec is never built; the message says where",
                copies: [G.copy(saved, spec: Array("base = \"python:3.11\"\nlibaries = []\n".utf8))],
                context: G.context(),
                expected: {
                    let bytes = Array("base = \"python:3.11\"\nlibaries = []\n".utf8)
                    let hash = SHA256Hex.of(bytes)
                    let copy = G.copy(saved, spec: bytes)
                    guard
                        case .failure(let problem) = Spec.parse(
                            copy.spec,
                            path: "saved/churn/spec.toml",
                            directoryName: name,
                            pythons: G.pythons
                        )
                    else { return [] }
                    let status = G.status(.saved, .invalid, hash: hash, build: nil, problem.description)
                    return [.writeStatus(saved, status), G.record(saved, saved, .invalid, hash, status.message)]
                }()
            ),
            Row(
                rule: 1,
                title: "on_save = \"wait\": a valid save rests until asked",
                copies: [G.copy(saved)],
                context: G.context(onSave: .wait),
                expected: {
                    let status = G.status(
                        .saved,
                        .saved,
                        build: nil,
                        "valid; waiting for a build: run `kiln build churn`"
                    )
                    return [.writeStatus(saved, status), G.record(saved, saved, .saved, G.goodHash, status.message)]
                }()
            ),
            // Rule 2: build or retry.
            Row(
                rule: 2,
                title: "kiln build retries a failed build, and the request is answered",
                copies: [G.copy(saved, status: G.status(.saved, .failed, build: 1, "no solution"))],
                context: G.context(requested: true),
                expected: [
                    .writeStatus(
                        saved,
                        G.status(
                            .saved,
                            .queued,
                            build: 2,
                            "waiting for a build slot; the log will be logs/build-2.log"
                        )
                    ),
                    G.record(
                        saved,
                        saved,
                        .queued,
                        G.goodHash,
                        "waiting for a build slot; the log will be logs/build-2.log"
                    ),
                    .queueBuild(order2),
                    .consumeBuildRequest(name: name),
                ]
            ),
            Row(
                rule: 2,
                title: "a request with nothing in saved/ to build is answered",
                copies: [G.copy(draft, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild], requested: true),
                expected: [.consumeBuildRequest(name: name)]
            ),
            // Rule 3: edit a draft or a pending spec.
            Row(
                rule: 3,
                title: "an edited draft goes back to saved/",
                copies: [G.copy(draft, spec: G.edited, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    let message =
                        "spec.toml was edited in draft/: it no longer matches its build, so it is built again in saved/"
                    return [
                        .move(from: draft, to: saved),
                        .writeStatus(saved, G.status(.saved, .queued, hash: G.editedHash, build: 1, message)),
                        G.record(draft, saved, .queued, G.editedHash, message),
                    ]
                }()
            ),
            Row(
                rule: 3,
                title: "an edit in pending/ withdraws the submission",
                copies: [G.copy(pending, spec: G.edited, status: awaiting)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    let message =
                        "spec.toml was edited while pending: the submission is withdrawn and the new spec is built in "
                        + "saved/"
                    return [
                        .move(from: pending, to: saved),
                        .writeStatus(saved, G.status(.saved, .queued, hash: G.editedHash, build: 1, message)),
                        G.record(pending, saved, .queued, G.editedHash, message),
                    ]
                }()
            ),
            // Rule 4: submit.
            Row(
                rule: 4,
                title: "draft/ → pending/ of a new name: awaiting approval, with what it would publish",
                copies: [G.copy(pending, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild], submission: SubmissionFiles(lock: G.lock)),
                expected: [
                    .writeChanges(pending, G.newChanges),
                    .writeStatus(pending, G.awaitingNew),
                    G.record(draft, pending, .awaitingApproval, G.goodHash, G.awaitingNew.message),
                ]
            ),
            Row(
                rule: 4,
                title: "draft/ → pending/ over a published version: the summary against it, the whole diff beside",
                copies: [G.copy(pending, status: ready), G.publishedEdited],
                context: G.context(built: [G.goodKey: G.goodBuild], submission: G.updateFiles()),
                expected: [
                    .writeChanges(pending, G.updateChanges),
                    .writeStatus(pending, G.awaitingUpdate),
                    G.record(draft, pending, .awaitingApproval, G.goodHash, G.awaitingUpdate.message),
                ]
            ),
            Row(
                rule: 4,
                title: "a submission whose summary and changes are up to date: nothing to do",
                copies: [G.copy(pending, status: G.awaitingUpdate), G.publishedEdited],
                context: G.context(
                    built: [G.goodKey: G.goodBuild],
                    submission: G.updateFiles(changes: G.updateChanges)
                ),
                expected: []
            ),
            Row(
                rule: 4,
                title: "the published version changed while a submission waits: its summary and changes follow",
                copies: [G.copy(pending, status: G.awaitingUpdate), G.publishedRolledBack],
                context: G.context(
                    built: [G.goodKey: G.goodBuild],
                    submission: SubmissionFiles(lock: G.newLock, publishedLock: G.newLock, changes: G.updateChanges)
                ),
                expected: [
                    .writeChanges(pending, G.rolledBackChanges),
                    .writeStatus(pending, G.awaitingRolledBack),
                ]
            ),
            // † Rule 3: an edit that changes no build input.
            Row(
                rule: 3,
                title: "a draft whose description was edited stays ready on the same build",
                copies: [G.copy(draft, spec: G.retitled, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    var status = ready
                    status.specSHA256 = G.retitledHash
                    status.message =
                        "spec.toml was edited, but nothing it builds from changed (only its name, description or "
                        + "comments): still ready on the same build"
                    return [
                        .writeStatus(draft, status),
                        G.record(draft, draft, .ready, G.retitledHash, status.message),
                    ]
                }()
            ),
            Row(
                rule: 3,
                title: "a pending spec whose description was edited is withdrawn all the same",
                copies: [G.copy(pending, spec: G.retitled, status: awaiting)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    let message =
                        "spec.toml was edited while pending: the submission is withdrawn and the new spec is built in "
                        + "saved/"
                    return [
                        .move(from: pending, to: saved),
                        .writeStatus(
                            saved,
                            Status(
                                stage: .saved,
                                state: .queued,
                                specSHA256: G.retitledHash,
                                build: 1,
                                updated: G.now,
                                message: message
                            )
                        ),
                        G.record(pending, saved, .queued, G.retitledHash, message),
                    ]
                }()
            ),
            Row(
                rule: 1,
                title: "a save whose build inputs are in the store is ready at once, under its own spec hash",
                copies: [G.copy(saved, spec: G.retitled)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    var status = G.builtStatus(
                        .draft,
                        .ready,
                        "already built from the same inputs (base, libraries, sources): built in 1.0 s: 6 distributions",
                        G.retitledHash
                    )
                    status.build = nil
                    return [
                        .installLock(saved, from: G.goodBuild),
                        .writeStatus(saved, status),
                        G.record(saved, draft, .ready, G.retitledHash, status.message),
                        .move(from: saved, to: draft),
                    ]
                }()
            ),
            // † Policy.
            Row(
                rule: 1,
                title: "a library [policy] blocks is invalid, naming the library and the rule",
                copies: [G.copy(saved)],
                context: G.context(blocked: ["pandas"]),
                expected: {
                    let message =
                        "saved/churn/spec.toml, line 2: 'pandas==2.2.3': 'pandas' is in [policy] blocked of "
                        + "workspace.toml; remove it, or ask an admin"
                    let status = Status(
                        stage: .saved,
                        state: .invalid,
                        specSHA256: G.goodHash,
                        updated: G.now,
                        message: message
                    )
                    return [.writeStatus(saved, status), G.record(saved, saved, .invalid, G.goodHash, message)]
                }()
            ),
            // † Rule 2 with --from-lock.
            Row(
                rule: 2,
                title: "kiln build --from-lock queues a build that installs the saved lock",
                copies: [G.copy(saved, status: G.status(.saved, .failed, build: 1, "failed"))],
                context: G.context(requested: true, fromLock: G.lock),
                expected: G.queuedFromLock(build: 2) + [.consumeBuildRequest(name: name)]
            ),
            Row(
                rule: 2,
                title: "kiln build --from-lock while the spec's resolving build runs: that build gives way",
                copies: [G.copy(saved, status: building1)],
                context: {
                    var context = G.context(requested: true, fromLock: G.lock)
                    context.activeBuild = ActiveBuild(specSHA256: G.goodHash, build: 1, started: true)
                    return context
                }(),
                expected: [.cancelBuild(name: name)] + G.queuedFromLock(build: 2) + [.consumeBuildRequest(name: name)]
            ),
            Row(
                rule: 2,
                title: "kiln build --from-lock of a draft: back to saved/, the request kept for it",
                copies: [G.copy(draft, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild], requested: true, fromLock: .some(nil)),
                expected: {
                    let message =
                        "`kiln build churn --from-lock`: moved to saved/ to be built from its requirements.lock"
                    return [
                        .move(from: draft, to: saved),
                        .writeStatus(
                            saved,
                            Status(
                                stage: .saved,
                                state: .queued,
                                specSHA256: G.goodHash,
                                build: 1,
                                updated: G.now,
                                message: message
                            )
                        ),
                        G.record(draft, saved, .queued, G.goodHash, message),
                    ]
                }()
            ),
            Row(
                rule: 2,
                title: "kiln build --from-lock without a lock fails, saying what to do",
                copies: [G.copy(saved, status: G.status(.saved, .failed, build: 1, "failed"))],
                context: G.context(requested: true, fromLock: .some(nil)),
                expected: {
                    let message =
                        "`kiln build churn --from-lock` found no saved/churn/requirements.lock to install: put the "
                        + "lock there, or run `kiln build churn` to resolve the spec anew"
                    return [
                        .writeStatus(saved, G.status(.saved, .failed, build: 1, message)),
                        .consumeBuildRequest(name: name),
                    ]
                }()
            ),
            // Rule 5: approve.
            Row(
                rule: 5,
                title: "pending/ → published/: published",
                copies: [G.copy(published, status: awaiting)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: [
                    .keepSpec(G.good),
                    .writeStatus(published, publishedStatus),
                    G.record(pending, published, .published, G.goodHash, "approved"),
                ]
            ),
            Row(
                rule: 5,
                title: "approved over a published version: swapped in, the old one archived",
                copies: [
                    G.copy(published, status: publishedStatus),
                    G.copy(
                        nested,
                        spec: G.edited,
                        status: G.builtStatus(.pending, .awaitingApproval, "", G.editedHash)
                    ),
                ],
                context: G.context(built: [G.goodKey: G.goodBuild, G.editedKey: G.editedBuild]),
                expected: {
                    let message =
                        "approved; it replaced the previous published version, which is kept in .kiln/archive/churn/"
                    return [
                        .keepSpec(G.edited),
                        .moveToScratch(nested),
                        .swapScratchWithPublished(name: name),
                        .archiveScratch(name: name, at: G.now),
                        .writeStatus(published, G.builtStatus(.published, .published, message, G.editedHash)),
                        G.record(pending, published, .published, G.editedHash, message),
                    ]
                }()
            ),
            Row(
                rule: 5,
                title: "a replacement interrupted after the first step is finished",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(replacement: InterruptedReplacement(incoming: true, publishedExists: true)),
                expected: [.swapScratchWithPublished(name: name), .archiveScratch(name: name, at: G.now)]
            ),
            Row(
                rule: 5,
                title: "a replacement interrupted with no published version: the new one moves in",
                copies: [],
                context: G.context(replacement: InterruptedReplacement(incoming: true, publishedExists: false)),
                expected: [.moveScratchToPublished(name: name)]
            ),
            Row(
                rule: 5,
                title: "a replacement interrupted after the swap: the old version goes to the archive",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(replacement: InterruptedReplacement(incoming: false, publishedExists: true)),
                expected: [.archiveScratch(name: name, at: G.now)]
            ),
            // † Rule 5: kiln rollback.
            Row(
                rule: 5,
                title: "a rollback swaps the archived version in and archives the published one",
                copies: [
                    G.copy(published, spec: G.edited, status: G.builtStatus(.published, .published, "", G.editedHash))
                ],
                context: G.context(
                    built: [G.goodKey: G.goodBuild, G.editedKey: G.editedBuild],
                    rollback: G.rollback(mayPublish: true)
                ),
                expected: {
                    let message =
                        "rolled back by ada to the version approved 2027-01-15T08:00:00Z (spec \(G.goodHash.prefix(12))); "
                        + "the version it replaced is kept in .kiln/archive/churn/ (`kiln versions churn`)"
                    return [
                        .moveArchivedToScratch(name: name, version: G.archiveLabel),
                        .swapScratchWithPublished(name: name),
                        .archiveScratch(name: name, at: G.now),
                        .writeStatus(published, G.builtStatus(.published, .published, message)),
                        .record(
                            JournalEntry(
                                time: G.now,
                                name: name,
                                from: ".kiln/archive/churn/\(G.archiveLabel)",
                                to: published.description,
                                state: "published",
                                spec: G.goodHash,
                                message: message
                            )
                        ),
                        .consumeRollbackRequest(name: name),
                    ]
                }()
            ),
            Row(
                rule: 5,
                title: "a rollback asked for by someone who may not write published/ is refused",
                copies: [
                    G.copy(published, spec: G.edited, status: G.builtStatus(.published, .published, "", G.editedHash))
                ],
                context: G.context(
                    built: [G.goodKey: G.goodBuild, G.editedKey: G.editedBuild],
                    rollback: G.rollback(mayPublish: false)
                ),
                expected: [
                    G.record(
                        published,
                        published,
                        .published,
                        G.editedHash,
                        "rollback to .kiln/archive/churn/\(G.archiveLabel) refused: ada may not write published/, and "
                            + "only those who may (the workspace's admins) roll back"
                    ),
                    .consumeRollbackRequest(name: name),
                ]
            ),
            Row(
                rule: 5,
                title: "a rollback interrupted after its first step: the archived version is on its way in",
                copies: [
                    G.copy(published, spec: G.edited, status: G.builtStatus(.published, .published, "", G.editedHash))
                ],
                context: G.context(
                    replacement: InterruptedReplacement(incoming: false, publishedExists: true, specSHA256: G.goodHash),
                    rollback: G.rollback(mayPublish: true)
                ),
                expected: [.swapScratchWithPublished(name: name), .archiveScratch(name: name, at: G.now)]
            ),
            // † Notebooks: the workspace's kernelspec follows the published version.
            Row(
                rule: 5,
                title: "published, with ipykernel in its build: its kernelspec is written",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(built: [G.goodKey: G.goodBuild], ipykernel: true),
                expected: [.writeKernelspec(name: name, G.kernel(G.goodBuild))]
            ),
            Row(
                rule: 5,
                title: "published, its kernelspec up to date: nothing to do",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(
                    built: [G.goodKey: G.goodBuild],
                    ipykernel: true,
                    kernelspec: G.kernel(G.goodBuild)
                ),
                expected: []
            ),
            Row(
                rule: 5,
                title: "published without ipykernel in its build: no kernelspec",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: []
            ),
            Row(
                rule: 5,
                title: "published without ipykernel in its build: a kernelspec left from before is removed",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(built: [G.goodKey: G.goodBuild], kernelspec: G.kernel(G.goodBuild)),
                expected: [.removeKernelspec(name: name)]
            ),
            Row(
                rule: 5,
                title: "a new version replaced the published one: its kernelspec is updated to the new build",
                copies: [
                    G.copy(
                        published,
                        spec: G.edited,
                        status: G.builtStatus(.published, .published, "approved", G.editedHash)
                    )
                ],
                context: G.context(
                    built: [G.editedKey: G.editedBuild],
                    ipykernel: true,
                    kernelspec: G.kernel(G.goodBuild)
                ),
                expected: [.writeKernelspec(name: name, G.kernel(G.editedBuild))]
            ),
            Row(
                rule: 5,
                title: "a published version whose build is gone from the store: its kernelspec is removed",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(ipykernel: true, kernelspec: G.kernel(G.goodBuild)),
                expected: [.removeKernelspec(name: name)]
            ),
            Row(
                rule: 8,
                title: "an edited published spec: the kernelspec waits until the approved spec is restored",
                copies: [G.copy(published, spec: G.edited, status: publishedStatus)],
                context: G.context(
                    built: [G.goodKey: G.goodBuild],
                    approvedSpec: G.good,
                    ipykernel: true,
                    kernelspec: nil
                ),
                expected: {
                    var status = publishedStatus
                    status.message =
                        "a published spec cannot change: the approved spec was restored; the edit was moved to "
                        + "saved/churn, where it is built as the next version"
                    return [
                        .createEnvironment(saved, spec: G.edited),
                        .writeSpec(published, G.good),
                        .writeStatus(published, status),
                        G.record(published, published, .published, G.goodHash, status.message),
                    ]
                }()
            ),
            Row(
                rule: 10,
                title: "a published environment removed: recorded, and its kernelspec removed",
                copies: [],
                context: G.context(kernelspec: G.kernel(G.goodBuild)),
                expected: [
                    .record(
                        JournalEntry(
                            time: G.now,
                            name: name,
                            from: "",
                            to: "",
                            state: "removed",
                            spec: nil,
                            message: "the directory was removed"
                        )
                    ),
                    .removeKernelspec(name: name),
                ]
            ),
            Row(
                rule: 10,
                title: "a kernelspec for a name that never existed here is removed",
                copies: [],
                context: G.context(known: false, kernelspec: G.kernel(G.goodBuild)),
                expected: [.removeKernelspec(name: name)]
            ),
            // Rule 6: reject.
            Row(
                rule: 6,
                title: "pending/ → draft/ with a review note: rejected, the note its message",
                copies: [G.copy(draft, status: awaiting, review: "pin numpy too")],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: [
                    .writeStatus(draft, G.builtStatus(.draft, .rejected, "pin numpy too")),
                    G.record(pending, draft, .rejected, G.goodHash, "pin numpy too"),
                ]
            ),
            // Rule 7: any other move.
            Row(
                rule: 7,
                title: "draft/ → published/ is moved back",
                copies: [G.copy(published, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    var back = ready
                    back.message = "moved back: draft/ → published/ " + illegal
                    return [
                        .move(from: published, to: draft),
                        .writeStatus(draft, back),
                        G.record(published, draft, .ready, G.goodHash, back.message),
                    ]
                }()
            ),
            Row(
                rule: 7,
                title: "published/ → saved/ is moved back: nobody unpublishes by mv",
                copies: [G.copy(saved, status: publishedStatus)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    var back = publishedStatus
                    back.message = "moved back: published/ → saved/ " + illegal
                    return [
                        .move(from: saved, to: published),
                        .writeStatus(published, back),
                        G.record(saved, published, .published, G.goodHash, back.message),
                    ]
                }()
            ),
            Row(
                rule: 7,
                title: "a folder copied in from outside goes to saved/",
                copies: [G.copy(pending)],
                context: G.context(),
                expected: {
                    let message =
                        "moved to saved/: it arrived in pending/ from outside Kiln; new environments enter through saved/"
                    return [
                        .move(from: pending, to: saved),
                        .writeStatus(saved, G.status(.saved, .saved, build: nil, message)),
                        G.record(pending, saved, .saved, G.goodHash, message),
                    ]
                }()
            ),
            Row(
                rule: 7,
                title: "a folder copied in with a status naming a build this workspace lacks is not an approval",
                copies: [G.copy(published, status: awaiting)],
                context: G.context(),
                expected: {
                    let message =
                        "moved to saved/: it arrived in published/ from outside Kiln; new environments enter through "
                        + "saved/"
                    return [
                        .move(from: published, to: saved),
                        .writeStatus(saved, G.status(.saved, .saved, build: 1, message)),
                        G.record(published, saved, .saved, G.goodHash, message),
                    ]
                }()
            ),
            Row(
                rule: 7,
                title: "a published folder from another workspace, status and all, never approved here: to saved/",
                copies: [G.copy(published, status: publishedStatus)],
                context: {
                    var context = G.context()
                    context.publishedApprovedHere = false
                    return context
                }(),
                expected: {
                    let message =
                        "moved to saved/: it arrived in published/ from outside Kiln; new environments enter through "
                        + "saved/"
                    return [
                        .move(from: published, to: saved),
                        .writeStatus(saved, G.status(.saved, .saved, build: 1, message)),
                        G.record(published, saved, .saved, G.goodHash, message),
                    ]
                }()
            ),
            Row(
                rule: 7,
                title: "a published version approved here whose build was removed by hand stays published",
                copies: [G.copy(published, status: publishedStatus)],
                context: G.context(),
                expected: []
            ),
            Row(
                rule: 7,
                title: "a move whose way back is taken: left where it is, invalid, and journaled",
                copies: [
                    G.copy(saved, spec: G.edited, status: G.status(.saved, .queued, hash: G.editedHash, build: 1, "")),
                    G.copy(draft, status: ready),
                    G.copy(published, status: ready),
                ],
                context: G.context(
                    active: ActiveBuild(specSHA256: G.editedHash, build: 1, started: false),
                    built: [G.goodKey: G.goodBuild]
                ),
                expected: {
                    var stuck = ready
                    stuck.state = .invalid
                    stuck.message =
                        "draft/ → published/ \(illegal); it cannot be moved back because draft/churn and saved/churn "
                        + "are taken: move or remove one copy"
                    return [
                        .writeStatus(published, stuck),
                        G.record(published, published, .invalid, G.goodHash, stuck.message),
                    ]
                }()
            ),
            Row(
                rule: 7,
                title: "a copy left stuck does not hold up the rest of its name: a finished build still moves on",
                copies: [
                    G.copy(saved, status: building1),
                    G.copy(
                        published,
                        spec: G.edited,
                        status: G.status(
                            .saved,
                            .invalid,
                            hash: G.editedHash,
                            build: 1,
                            "saved/ → published/ \(illegal); it cannot be moved back because saved/churn are taken: "
                                + "move or remove one copy"
                        )
                    ),
                ],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: [
                    .installLock(saved, from: G.goodBuild),
                    .writeStatus(saved, ready),
                    G.record(saved, draft, .ready, G.goodHash, ready.message),
                    .move(from: saved, to: draft),
                ]
            ),
            Row(
                rule: 3,
                title: "an edited pending copy whose saved/ another copy holds is left where it is, not moved in vain",
                copies: [
                    G.copy(
                        saved,
                        spec: G.edited,
                        status: G.status(.saved, .invalid, hash: G.editedHash, build: nil, "")
                    ),
                    G.copy(pending, spec: G.edited, status: ready),
                ],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    var stuck = ready
                    stuck.state = .invalid
                    stuck.message =
                        "spec.toml changed after it was built, so the move was not accepted: it is built again in "
                        + "saved/; it cannot be moved back because saved/churn are taken: move or remove one copy"
                    return [
                        .writeStatus(pending, stuck),
                        G.record(pending, pending, .invalid, G.editedHash, stuck.message),
                    ]
                }()
            ),
            Row(
                rule: 9,
                title: "a build done while an invalid copy holds draft/: it waits in saved/, naming that copy",
                copies: [
                    G.copy(saved, status: building1),
                    G.copy(draft, spec: G.edited, status: G.status(.draft, .invalid, hash: G.editedHash, build: 1, "")),
                ],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    let message =
                        "built, but another copy of 'churn' is in progress at draft/churn: remove it, and this one "
                        + "moves to draft/ as ready"
                    let waiting = G.status(.saved, .invalid, build: 1, message)
                    let retry =
                        "it arrived in draft/ from outside Kiln; new environments enter through saved/; it "
                        + "cannot be moved back because saved/churn are taken: move or remove one copy"
                    var stuck = G.status(.draft, .invalid, hash: G.editedHash, build: 1, retry)
                    stuck.stage = .draft
                    return [
                        .writeStatus(draft, stuck),
                        G.record(draft, draft, .invalid, G.editedHash, retry),
                        .writeStatus(saved, waiting),
                        G.record(saved, saved, .invalid, G.goodHash, message),
                    ]
                }()
            ),
            // Rule 8: edit a published spec.
            Row(
                rule: 8,
                title: "an edited published spec is restored; the edit becomes the next version in saved/",
                copies: [G.copy(published, spec: G.edited, status: publishedStatus)],
                context: G.context(built: [G.goodKey: G.goodBuild], approvedSpec: G.good),
                expected: {
                    var status = publishedStatus
                    status.message =
                        "a published spec cannot change: the approved spec was restored; the edit was moved to "
                        + "saved/churn, where it is built as the next version"
                    return [
                        .createEnvironment(saved, spec: G.edited),
                        .writeSpec(published, G.good),
                        .writeStatus(published, status),
                        G.record(published, published, .published, G.goodHash, status.message),
                    ]
                }()
            ),
            Row(
                rule: 8,
                title: "with another version in progress, the edit is kept beside the published spec",
                copies: [G.copy(draft, status: ready), G.copy(published, spec: G.edited, status: publishedStatus)],
                context: G.context(built: [G.goodKey: G.goodBuild], approvedSpec: G.good),
                expected: {
                    var status = publishedStatus
                    status.message =
                        "a published spec cannot change: the approved spec was restored; the edit was kept as "
                        + "published/churn/spec.toml.edited, since another version is already in progress"
                    return [
                        .keepEditBeside(published, G.edited),
                        .writeSpec(published, G.good),
                        .writeStatus(published, status),
                        G.record(published, published, .published, G.goodHash, status.message),
                    ]
                }()
            ),
            // Rule 9: two copies of one name.
            Row(
                rule: 9,
                title: "a second copy in progress is invalid, naming the other",
                copies: [G.copy(saved, spec: G.edited), G.copy(draft, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    let message =
                        "another copy of 'churn' is in progress at draft/churn; a name may have one version in "
                        + "progress: remove this copy, or rename its directory to make it a new environment"
                    return [
                        .writeStatus(saved, G.status(.saved, .invalid, hash: G.editedHash, build: nil, message)),
                        G.record(saved, saved, .invalid, G.editedHash, message),
                    ]
                }()
            ),
            Row(
                rule: 9,
                title: "a copy from another workspace, status and all, does not take the name from a built draft",
                copies: [
                    G.copy(saved, spec: G.edited),
                    G.copy(draft, status: ready),
                    G.copy(
                        pending,
                        status: Status(
                            stage: .pending,
                            state: .awaitingApproval,
                            specSHA256: G.goodHash,
                            build: 1,
                            environment: "/elsewhere/.kiln/envs/" + String(repeating: "e", count: 64),
                            python: "/elsewhere/.kiln/envs/" + String(repeating: "e", count: 64) + "/bin/python",
                            updated: G.earlier,
                            message: "from another workspace"
                        )
                    ),
                ],
                context: G.context(built: [G.goodKey: G.goodBuild]),
                expected: {
                    let message =
                        "another copy of 'churn' is in progress at draft/churn; a name may have one version in "
                        + "progress: remove this copy, or rename its directory to make it a new environment"
                    return [
                        .writeStatus(saved, G.status(.saved, .invalid, hash: G.editedHash, build: nil, message)),
                        G.record(saved, saved, .invalid, G.editedHash, message),
                        .writeStatus(pending, G.status(.pending, .invalid, build: 1, message)),
                        G.record(pending, pending, .invalid, G.goodHash, message),
                    ]
                }()
            ),
            // Rule 10: delete.
            Row(
                rule: 10,
                title: "a removed environment is recorded, and its build stopped",
                copies: [],
                context: G.context(active: ActiveBuild(specSHA256: G.goodHash, build: 1, started: true), known: true),
                expected: [
                    .cancelBuild(name: name),
                    .record(
                        JournalEntry(
                            time: G.now,
                            name: name,
                            from: "",
                            to: "",
                            state: "removed",
                            spec: nil,
                            message: "the directory was removed"
                        )
                    ),
                ]
            ),
            Row(
                rule: 10,
                title: "† gone at start, though the journal last saw it: recorded as removed while the daemon was down",
                copies: [],
                context: G.context(journalOnly: true),
                expected: [
                    .record(
                        JournalEntry(
                            time: G.now,
                            name: name,
                            from: "",
                            to: "",
                            state: "removed",
                            spec: nil,
                            message: "the directory was removed while the daemon was not running (noticed at start)"
                        )
                    )
                ]
            ),
            Row(
                rule: 10,
                title: "† removed while the daemon was down, its kernelspec left: recorded, and the kernelspec removed",
                copies: [],
                context: G.context(journalOnly: true, kernelspec: G.kernel(G.goodBuild)),
                expected: [
                    .record(
                        JournalEntry(
                            time: G.now,
                            name: name,
                            from: "",
                            to: "",
                            state: "removed",
                            spec: nil,
                            message: "the directory was removed while the daemon was not running (noticed at start)"
                        )
                    ),
                    .removeKernelspec(name: name),
                ]
            ),
            Row(
                rule: 10,
                title: "† known from the journal only, and still in its stage folder: nothing changes",
                copies: [G.copy(draft, status: ready)],
                context: G.context(built: [G.goodKey: G.goodBuild], journalOnly: true),
                expected: []
            ),
        ]
    }()
}

/// The fixed inputs of the golden table.
enum Golden {
    static let name = "churn"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let earlier = Date(timeIntervalSince1970: 1_700_000_000)
    static let pythons: Set<String> = ["3.11", "3.12"]
    static let good = Array("base = \"python:3.11\"\nlibraries = [\"pandas==2.2.3\"]\n".utf8)
    static let edited = Array("base = \"python:3.11\"\nlibraries = [\"pandas==2.2.2\"]\n".utf8)
    static let retitled = Array(
        "base = \"python:3.11\"\nlibraries = [\"pandas==2.2.3\"]\ndescription = \"churn models\"\n".utf8
    )
    static let retitledHash = SHA256Hex.of(retitled)
    static let lock = Array(("pandas==2.2.3 \\\n    --hash=sha256:" + String(repeating: "0", count: 64) + "\n").utf8)
    static let goodHash = SHA256Hex.of(good)
    static let editedHash = SHA256Hex.of(edited)
    static let goodSpec = parse(good)
    static let editedSpec = parse(edited)
    static let goodKey = BuildInputs(spec: goodSpec, settings: WorkspaceSettings(), pythonVersion: nil).key
    static let editedKey = BuildInputs(spec: editedSpec, settings: WorkspaceSettings(), pythonVersion: nil).key
    static let goodBuild = built(goodKey)
    static let editedBuild = built(editedKey)

    /// A saved copy queued to install `lock` as it is (`kiln build --from-lock`): its status, journal and order.
    static func queuedFromLock(build: Int) -> [Action] {
        var order = order(build: build)
        order.lock = lock
        order.inputs.lockSHA256 = SHA256Hex.of(lock)
        let saved = CopyLocation(.saved, name)
        let queued = status(
            .saved,
            .queued,
            build: build,
            "waiting for a build slot; the log will be logs/build-\(build).log"
        )
        return [
            .writeStatus(saved, queued),
            record(saved, saved, .queued, goodHash, queued.message),
            .queueBuild(order),
        ]
    }

    static func order(build: Int, edited: Bool = false) -> BuildOrder {
        let spec = edited ? editedSpec : goodSpec
        return BuildOrder(
            name: name,
            specSHA256: edited ? editedHash : goodHash,
            build: build,
            spec: spec,
            specBytes: edited ? Golden.edited : good,
            inputs: BuildInputs(spec: spec, settings: WorkspaceSettings(), pythonVersion: nil)
        )
    }

    static func parse(_ bytes: [UInt8]) -> Spec {
        guard
            case .success(let spec) = Spec.parse(
                .contents(bytes),
                path: "spec.toml",
                directoryName: name,
                pythons: pythons
            )
        else { preconditionFailure("the golden specs are valid") }
        return spec
    }

    static func built(_ key: String) -> BuiltEnvironment {
        BuiltEnvironment(
            key: key,
            path: "/ws/.kiln/envs/\(key)",
            python: "/ws/.kiln/envs/\(key)/bin/python",
            summary: "built in 1.0 s: 6 distributions"
        )
    }

    static func copy(
        _ location: CopyLocation,
        spec: [UInt8] = good,
        status: Status? = nil,
        review: String? = nil
    ) -> EnvironmentCopy {
        EnvironmentCopy(location: location, spec: .contents(spec), status: status, review: review)
    }

    /// A status as a decision writes it: at `now`.
    static func status(
        _ stage: Stage,
        _ state: EnvironmentState,
        hash: String = goodHash,
        build: Int?,
        _ message: String
    ) -> Status {
        Status(stage: stage, state: state, specSHA256: hash, build: build, updated: now, message: message)
    }

    /// A built copy's status, pointing at its build in the store.
    static func builtStatus(
        _ stage: Stage,
        _ state: EnvironmentState,
        _ message: String,
        _ hash: String = goodHash
    ) -> Status {
        let env = hash == editedHash ? editedBuild : goodBuild
        return Status(
            stage: stage,
            state: state,
            specSHA256: hash,
            build: 1,
            environment: env.path,
            python: env.python,
            approved: state == .published ? now : nil,
            updated: now,
            message: message
        )
    }

    static func context(
        active: ActiveBuild? = nil,
        failure: BuildFailure? = nil,
        built: [String: BuiltEnvironment] = [:],
        approvedSpec: [UInt8]? = nil,
        replacement: InterruptedReplacement? = nil,
        requested: Bool = false,
        known: Bool = true,
        journalOnly: Bool = false,
        onSave: WorkspaceSettings.OnSave = .build,
        ipykernel: Bool = false,
        kernelspec: [UInt8]? = nil,
        blocked: [String] = [],
        fromLock: [UInt8]?? = .none,
        rollback: RollbackRequest? = nil,
        submission: SubmissionFiles? = nil
    ) -> ReconcileContext {
        var settings = WorkspaceSettings()
        settings.onSave = onSave
        settings.policy.blocked = blocked
        var context = ReconcileContext(
            settings: settings,
            pythons: pythons,
            activeBuild: active,
            failure: failure,
            built: built,
            approvedSpec: approvedSpec,
            interruptedReplacement: replacement,
            buildRequest: requested ? (fromLock == .none ? .resolve : .fromLock) : nil,
            rollbackRequest: rollback,
            savedLock: fromLock ?? nil,
            acquaintance: journalOnly ? .journalOnly : known ? .seenOnDisk : nil,
            kernelspec: kernelspec,
            publishedHasIPykernel: ipykernel,
            now: now
        )
        context.submission = submission
        return context
    }

    static let archiveLabel = "2027-01-14T080000Z-" + goodHash.prefix(12)

    /// `kiln rollback churn` to the golden spec's version, kept in the archive.
    static func rollback(mayPublish: Bool) -> RollbackRequest {
        RollbackRequest(
            version: archiveLabel,
            specSHA256: goodHash,
            requestedBy: "ada",
            mayPublish: mayPublish,
            target: builtStatus(.published, .published, "approved")
        )
    }

    /// The workspace's kernelspec for the golden published copy (whose spec has no full name), built as `built`.
    static func kernel(_ built: BuiltEnvironment) -> [UInt8] {
        KernelSpec.published(
            name: name,
            fullName: nil,
            specSHA256: built.key == editedKey ? editedHash : goodHash,
            built: built,
            build: 1
        ).rendered()
    }

    static func record(
        _ from: CopyLocation,
        _ to: CopyLocation,
        _ state: EnvironmentState,
        _ spec: String?,
        _ message: String
    ) -> Action {
        .record(
            JournalEntry(
                time: now,
                name: name,
                from: from.description,
                to: to.description,
                state: state.rawValue,
                spec: spec,
                message: message
            )
        )
    }

    /// The action with every time in it set to one fixed instant.
    static func withoutTime(_ action: Action) -> Action {
        switch action {
        case .writeStatus(let location, var status):
            status.updated = earlier
            if status.approved != nil { status.approved = earlier }
            return .writeStatus(location, status)
        case .record(var entry):
            entry.time = earlier
            return .record(entry)
        case .archiveScratch(let name, _):
            return .archiveScratch(name: name, at: earlier)
        default:
            return action
        }
    }

    // MARK: submissions (rule 4): the summary and `changes`

    /// A lock as uv writes one: pins with hash lines, and comments on where each came from.
    static func lockText(_ pins: [(String, String)]) -> [UInt8] {
        var out = "# This file was autogenerated by uv via the following command:\n#    uv pip compile\n"
        for (name, version) in pins {
            out +=
                "\(name)==\(version) \\\n    --hash=sha256:" + String(repeating: "1", count: 64) + "\n    # via -r in\n"
        }
        return Array(out.utf8)
    }

    static let oldLock = lockText([("numpy", "1.26.4"), ("pandas", "2.2.2"), ("pytz", "2024.1"), ("six", "1.16.0")])
    static let newLock = lockText([("NumPy", "2.1.0"), ("pandas", "2.2.3"), ("pytz", "2023.4"), ("tzdata", "2024.2")])
    static let tail =
        "the whole diff is in pending/churn/changes; an admin approves it with `mv pending/churn published/churn` or "
        + "`kiln approve churn`"

    static let newChanges = Array(
        """
        churn: nothing published -> pending (spec \(goodHash.prefix(12)))

        spec: 2 changes
          base            added: python:3.11
          library pandas  added: pandas==2.2.3

        distributions: 1 added (1 pinned)
          added       pandas  2.2.3

        """.utf8
    )
    static let awaitingNew = builtStatus(
        .pending,
        .awaitingApproval,
        "awaiting approval: a new environment of 1 distribution; " + tail
    )

    /// The published version the update replaces: the edited spec (pandas 2.2.2), approved at `earlier`.
    static let publishedEdited: EnvironmentCopy = {
        var status = builtStatus(.published, .published, "approved", editedHash)
        status.approved = earlier
        return copy(CopyLocation(.published, name), spec: edited, status: status)
    }()

    static func updateFiles(changes: [UInt8]? = nil) -> SubmissionFiles {
        SubmissionFiles(lock: newLock, publishedLock: oldLock, changes: changes)
    }

    static let updateChanges = Array(
        """
        churn: published (approved 2023-11-14, spec \(editedHash.prefix(12))) -> pending (spec \(goodHash.prefix(12)))

        spec: 1 change
          library pandas  pandas==2.2.2 -> pandas==2.2.3

        distributions: 1 added, 1 removed, 2 upgraded, 1 downgraded (4 pinned)
          added       tzdata  2024.2
          removed     six     1.16.0
          upgraded    numpy   1.26.4 -> 2.1.0
          upgraded    pandas  2.2.2 -> 2.2.3
          downgraded  pytz    2024.1 -> 2023.4

        """.utf8
    )
    static let awaitingUpdate = builtStatus(
        .pending,
        .awaitingApproval,
        "awaiting approval: 1 added, 1 removed, 2 upgraded, 1 downgraded, against the published version of "
            + "2023-11-14; " + tail
    )

    /// A rollback while the update waits: the published version is now one with the update's own spec and lock,
    /// approved on 2025-06-15 (a status without `approved`, from before the field: its `updated` counts).
    static let publishedRolledBack: EnvironmentCopy = {
        var status = builtStatus(.published, .published, "approved")
        status.approved = nil
        status.updated = Date(timeIntervalSince1970: 1_750_000_000)
        return copy(CopyLocation(.published, name), status: status)
    }()

    static let rolledBackChanges = Array(
        """
        churn: published (approved 2025-06-15, spec \(goodHash.prefix(12))) -> pending (spec \(goodHash.prefix(12)))

        spec: no change

        distributions: no change in distributions (4 pinned)

        """.utf8
    )
    static let awaitingRolledBack = builtStatus(
        .pending,
        .awaitingApproval,
        "awaiting approval: no change in distributions, against the published version of 2025-06-15; " + tail
    )
}
