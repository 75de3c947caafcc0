import Foundation
import Testing

@testable import KilnProtocol

/// A workspace in memory: applies the reconciler's actions the way the daemon does on disk, so a test can run the
/// decide-act loop to its end and look at the result.
struct FakeWorkspace {
    var copies: [CopyLocation: EnvironmentCopy] = [:]
    var settings = WorkspaceSettings()
    var activeBuild: ActiveBuild?
    /// What `.kiln/tmp/<name>` holds: a replacement of the published version under way.
    var scratch: EnvironmentCopy?
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    var orders: [BuildOrder] = []
    var cancels = 0
    var failure: BuildFailure?
    var built: [String: BuiltEnvironment] = [:]
    var specsByHash: [String: [UInt8]] = [:]
    var requested = false
    var wasKnown = false
    var recordedRemoved = false
    var journal: [JournalEntry] = []
    var locks: Set<CopyLocation> = []
    var archived: [EnvironmentCopy] = []
    /// The folder name of each of `archived`, in the same order.
    var archivedLabels: [String] = []
    /// A `kiln rollback` request: the archived version's label, and whether its owner may write published/.
    var rollback: (version: String, mayPublish: Bool)?
    var editedBeside: [UInt8]?
    /// The spec each archive label held when it was archived: what a rollback request names.
    var rollbackSpecs: [String: String] = [:]
    /// `.kiln/specs/`: the hashes of approved specs kept.
    var keptSpecs: Set<String> = []
    /// `.kiln/jupyter/kernels/<name>/kernel.json`.
    var kernelspec: [UInt8]?
    /// Spec hashes whose build's lock pins ipykernel.
    var ipykernelBuilds: Set<String> = []
    /// `changes` files the daemon wrote beside submissions.
    var changes: [CopyLocation: [UInt8]] = [:]
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
        let key = storeKey(of: spec)
        let typical: [Stage: EnvironmentState] = [
            .saved: .building, .draft: .ready, .pending: .awaitingApproval, .published: .published,
        ]
        let s = state ?? typical[stage]!
        return Status(
            stage: stage,
            state: s,
            specSHA256: hash,
            build: 1,
            environment: "/ws/.kiln/envs/\(key)",
            python: "/ws/.kiln/envs/\(key)/bin/python",
            updated: Date(timeIntervalSince1970: 1_700_000_000),
            message: "built"
        )
    }

    /// The store key a build of `spec` has here: its `BuildInputs` key with this workspace's settings.
    func storeKey(of spec: String) -> String {
        let parsed = try? Spec.parse(
            .contents(Array(spec.utf8)),
            path: "spec.toml",
            directoryName: name,
            pythons: ["3.11", "3.12"]
        ).get()
        guard let parsed else { return SHA256Hex.of(Array(spec.utf8)) }
        return BuildInputs(spec: parsed, settings: settings, pythonVersion: nil).key
    }

    mutating func registerBuild(of spec: String = good) {
        let hash = SHA256Hex.of(Array(spec.utf8))
        let key = storeKey(of: spec)
        specsByHash[hash] = Array(spec.utf8)
        built[key] = BuiltEnvironment(
            key: key,
            path: "/ws/.kiln/envs/\(key)",
            python: "/ws/.kiln/envs/\(key)/bin/python",
            summary: "built in 1.0 s: 6 distributions"
        )
    }

    func decide() -> [Action] {
        var context = ReconcileContext(
            settings: settings,
            pythons: ["3.11", "3.12"],
            activeBuild: activeBuild,
            failure: failure,
            built: built,
            approvedSpec: approvedSpec,
            interruptedReplacement: scratch.map {
                InterruptedReplacement(
                    incoming: $0.status?.stage == .pending,
                    publishedExists: copies[CopyLocation(.published, name)] != nil,
                    specSHA256: $0.status?.specSHA256
                )
            },
            buildRequest: requested ? .resolve : nil,
            rollbackRequest: rollback.map { request in
                let target = archivedLabels.firstIndex(of: request.version).map { archived[$0] }
                return RollbackRequest(
                    version: request.version,
                    specSHA256: rollbackSpecs[request.version] ?? "",
                    requestedBy: "ada",
                    mayPublish: request.mayPublish,
                    target: target?.status
                )
            },
            wasKnown: wasKnown,
            kernelspec: kernelspec,
            publishedHasIPykernel: copies[CopyLocation(.published, name)]?.status.map {
                ipykernelBuilds.contains($0.specSHA256 ?? "")
                    && built[BuildInputs.key(ofEnvironment: $0.environment ?? "")] != nil
            } ?? false,
            now: now
        )
        context.recordedRemoved = recordedRemoved
        // As the daemon: the submission's files only for a name with a pending copy (no locks in this fake).
        let pending = CopyLocation(.pending, name)
        if copies[pending] != nil { context.submission = SubmissionFiles(changes: changes[pending]) }
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
            activeBuild = ActiveBuild(specSHA256: order.specSHA256, build: order.build, started: false)
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
        case .createEnvironment(let location, let spec):
            precondition(copies[location] == nil, "created over \(location)")
            copies[location] = EnvironmentCopy(location: location, spec: .contents(spec))
        case .writeSpec(let location, let bytes):
            copies[location]!.spec = .contents(bytes)
        case .keepEditBeside(_, let bytes):
            editedBeside = bytes
        case .moveToScratch(let location):
            precondition(scratch == nil, "the scratch place is taken")
            scratch = copies.removeValue(forKey: location)!
        case .swapScratchWithPublished(let name):
            let top = CopyLocation(.published, name)
            var incoming = scratch!
            incoming.location = top
            scratch = copies[top]!
            copies[top] = incoming
        case .moveScratchToPublished(let name):
            let top = CopyLocation(.published, name)
            precondition(copies[top] == nil, "a move would replace \(top)")
            var incoming = scratch!
            incoming.location = top
            copies[top] = incoming
            scratch = nil
        case .archiveScratch:
            if let old = scratch {
                archived.append(old)
                archivedLabels.append("v\(archivedLabels.count + 1)-\(old.specSHA256?.prefix(12) ?? "")")
                rollbackSpecs[archivedLabels.last!] = old.status?.specSHA256
            }
            scratch = nil
        case .moveArchivedToScratch(_, let version):
            precondition(scratch == nil, "the scratch place is taken")
            let index = archivedLabels.firstIndex(of: version)!
            scratch = archived.remove(at: index)
            archivedLabels.remove(at: index)
        case .consumeBuildRequest:
            requested = false
        case .consumeRollbackRequest:
            rollback = nil
        case .writeKernelspec(_, let bytes):
            kernelspec = bytes
        case .removeKernelspec:
            kernelspec = nil
        case .keepSpec(let bytes):
            keptSpecs.insert(SHA256Hex.of(bytes))
        case .writeChanges(let location, let bytes):
            precondition(copies[location] != nil, "changes written where no copy is: \(location)")
            changes[location] = bytes
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

    /// The approved bytes of the published copy, when its spec differs from them and the store has them.
    var approvedSpec: [UInt8]? {
        guard let published = copies[CopyLocation(.published, name)], let approved = published.status?.specSHA256,
            published.specSHA256 != approved,
            keptSpecs.contains(approved)
                || built[BuildInputs.key(ofEnvironment: published.status?.environment ?? "")] != nil
        else { return nil }
        return specsByHash[approved]
    }
}
