/// What is on disk for one name, in the words of protocol section 4 (`docs/protocol.md`). `Reconciler` first
/// classifies the copies of a name into situations, then decides each one with a function of its own.
///
/// Classification never looks at more than the copies and the context, and each case names the rule it comes from.
public enum Situation: Sendable, Equatable {
    /// Rule 5 (approve), after a crash: a replacement of the published version left a directory in `.kiln/tmp/`.
    case replacementInterrupted(InterruptedReplacement)
    /// Rule 1 (save) and rule 2 (build or retry): a copy in `saved/`.
    case saved(EnvironmentCopy)
    /// Rules 1, 4 and 6 at rest: a built copy in `draft/` or `pending/` whose spec still matches its build.
    case built(EnvironmentCopy)
    /// Rule 3: a draft or pending spec was edited, so it no longer matches its build.
    case builtSpecEdited(EnvironmentCopy)
    /// † Rule 3: a draft's spec was edited, but it builds exactly what its build holds (only `full_name`,
    /// `description` or comments changed): it stays on the same build.
    case builtSpecRetitled(EnvironmentCopy)
    /// A built copy whose environment is gone from the store (removed by hand): it must be built again.
    case buildLost(EnvironmentCopy)
    /// † Rule 2: `kiln build --from-lock` for a draft: it goes back to saved/, lock and all, to be built from the lock.
    case lockRebuildRequested(EnvironmentCopy)
    /// Rule 4: `draft/<name>` moved to `pending/`, built and unchanged.
    case submitted(EnvironmentCopy)
    /// Rule 5: `pending/<name>` moved to `published/`, where no version was.
    case approved(EnvironmentCopy)
    /// Rule 5: `pending/<name>` moved into an existing `published/<name>/` (what plain `mv` does).
    case approvedOverPublished(EnvironmentCopy)
    /// † Rule 5: `kiln rollback` asks for an archived version to be the published one again. `published` is the
    /// version it would replace.
    case rollbackRequested(RollbackRequest, published: EnvironmentCopy?)
    /// Rule 6: `pending/<name>` moved back to `draft/`.
    case rejected(EnvironmentCopy)
    /// Rules 4 to 6 with a spec edited on the way: the move cannot be accepted for a spec that was not built.
    case movedAfterEdit(EnvironmentCopy, from: Stage)
    /// Rule 7: a move the protocol does not allow.
    case movedIllegally(EnvironmentCopy, from: Stage)
    /// Rule 7: a directory copied in from outside Kiln into a stage other than saved/ (or one whose status does not
    /// fit its folder).
    case copiedIn(EnvironmentCopy)
    /// Rule 8: the spec of `published/<name>` was edited (or removed).
    case publishedSpecEdited(EnvironmentCopy, versionInProgress: Bool)
    /// Rule 9: a second copy in progress; `keeper` is the one that keeps the name.
    case duplicate(EnvironmentCopy, keeper: CopyLocation)
    /// Rule 10: every copy of the name is gone.
    case removed
    /// Rule 2: a `kiln build` request for a name with nothing in saved/ to build.
    case requestWithoutSave
    /// † Notebooks: the published version can run a Jupyter kernel, and the workspace's kernelspec for it is missing
    /// or out of date (another build, another full name); these are the bytes it should have.
    case kernelspecOutdated([UInt8])
    /// † Notebooks: the workspace keeps a kernelspec for a name whose published version is gone, or cannot run one.
    case kernelspecOrphaned

    /// Classifies every copy of `name`. Arrivals by a move come first and alone: each is one step, and the next look
    /// sees the result.
    public static func classify(name: String, copies all: [EnvironmentCopy], context: ReconcileContext) -> [Situation] {
        if var replacement = context.interruptedReplacement {
            if let rollback = context.rollbackRequest, replacement.specSHA256 == rollback.specSHA256 {
                replacement.incoming = true
            }
            return [.replacementInterrupted(replacement)]
        }
        // A directory that is a symbolic link is never followed, so nothing can be written inside it; it is left be.
        let present = all.filter { !$0.isSymlink }
        if present.isEmpty {
            var situations: [Situation] = context.wasKnown || context.activeBuild != nil ? [.removed] : []
            if context.kernelspec != nil { situations.append(.kernelspecOrphaned) }
            if let rollback = context.rollbackRequest {
                situations.append(.rollbackRequested(rollback, published: nil))
            }
            return situations
        }
        // Rule 7's stuck copies (left where they are, since their way back was taken) are tried again at every look,
        // beside the rest of the name. Taken for arrivals, they would come first and alone at every look, and the
        // name's other copies (a build that finished meanwhile) would never be decided again.
        if let arrival = present.first(where: {
            (isArrival($0) || isForeignPublished($0, context: context)) && !isStuck($0)
        }) {
            return [classifyArrival(arrival, context: context)]
        }
        // A rollback changes the published version: decided alone, once no move is waiting.
        if let rollback = context.rollbackRequest {
            return [
                .rollbackRequested(rollback, published: present.first { $0.location == CopyLocation(.published, name) })
            ]
        }
        var situations: [Situation] = present.filter(isStuck).map { classifyArrival($0, context: context) }
        let copies = present.filter { !isStuck($0) }
        let inProgress = copies.filter { $0.location.stage.isInProgress }
        // The copy settled furthest along keeps the name; a copy in saved/ loses to a built one. A copy whose status
        // names a build this workspace does not have (copied in from another workspace, status and all) is built
        // nowhere here: it must not take the name from one that is (rule 7 sends it to saved/).
        let settledBuilt = inProgress.filter {
            $0.isSettled && $0.location.stage != .saved && context.build(namedBy: $0.status) != nil
        }
        let keeper = settledBuilt.max { $0.location.stage < $1.location.stage } ?? inProgress.first
        if let keeper {
            for other in inProgress where other.location != keeper.location {
                situations.append(.duplicate(other, keeper: keeper.location))
            }
            situations.append(classifyInProgress(keeper, context: context))
        }
        if let published = copies.first(where: { $0.location == CopyLocation(.published, name) }),
            let approved = published.status?.specSHA256, published.specSHA256 != approved
        {
            situations.append(.publishedSpecEdited(published, versionInProgress: keeper != nil))
        }
        // A draft asked to be rebuilt from its lock keeps the request: it is answered once the copy is in saved/.
        let rebuildingDraft = context.buildRequest == .fromLock && keeper?.location.stage == .draft
        if context.buildRequested, keeper?.location.stage != .saved, !rebuildingDraft {
            situations.append(.requestWithoutSave)
        }
        if let kernel = classifyKernelspec(name: name, copies: copies, context: context) {
            situations.append(kernel)
        }
        return situations
    }

    /// The workspace's kernelspec follows the published version: written for a settled one whose build has
    /// ipykernel, removed otherwise. While an edited published spec waits to be restored (rule 8) it is left as it is.
    static func classifyKernelspec(name: String, copies: [EnvironmentCopy], context: ReconcileContext) -> Situation? {
        var wanted: [UInt8]?
        if let published = copies.first(where: { $0.location == CopyLocation(.published, name) }),
            let status = published.status, let hash = status.specSHA256
        {
            guard published.specSHA256 == hash else { return nil }
            if published.isSettled, status.state == .published, context.publishedHasIPykernel,
                let built = context.build(namedBy: status), case .contents(let bytes) = published.spec
            {
                wanted = KernelSpec.published(
                    name: name,
                    fullName: KernelSpec.fullName(ofSpec: bytes),
                    specSHA256: hash,
                    built: built,
                    build: status.build
                ).rendered()
            }
        }
        switch (wanted, context.kernelspec) {
        case (let wanted?, let kept) where kept != wanted: return .kernelspecOutdated(wanted)
        case (nil, .some): return .kernelspecOrphaned
        default: return nil
        }
    }

    /// † A published copy whose status names a build this workspace lacks, of a spec never approved here: a folder
    /// copied in from another workspace, status and all. Its status agrees with its folder, yet nobody approved it.
    static func isForeignPublished(_ copy: EnvironmentCopy, context: ReconcileContext) -> Bool {
        guard copy.location == CopyLocation(.published, copy.location.name), let status = copy.status,
            status.stage == .published, status.state.isBuilt
        else { return false }
        return context.build(namedBy: status) == nil && !context.publishedApprovedHere
    }

    /// A copy marked invalid outside saved/ (rule 7's copy left where it is, its status still naming the folder it
    /// came from; rule 9's loser in draft/ or pending/), or one whose status names another folder. Its way to saved/
    /// is tried again at every look.
    static func isStuck(_ copy: EnvironmentCopy) -> Bool {
        guard !copy.isSymlink, let status = copy.status, status.state == .invalid else { return false }
        return status.stage != copy.location.stage || copy.location.stage != .saved || copy.location.nested
    }

    /// A copy that got where it is by a move the daemon has not yet accepted: one whose status names another folder
    /// (or none) outside saved/, or a published version dragged back into saved/ (which would unpublish it).
    /// Other copies in saved/ are saves, whatever their status says.
    static func isArrival(_ copy: EnvironmentCopy) -> Bool {
        if copy.location.stage == .saved { return copy.status?.stage == .published }
        return !copy.isSettled
    }

    static func classifyInProgress(_ copy: EnvironmentCopy, context: ReconcileContext) -> Situation {
        guard copy.location.stage != .saved, let status = copy.status, let approved = status.specSHA256 else {
            return .saved(copy)
        }
        if context.buildRequest == .fromLock, copy.location.stage == .draft { return .lockRebuildRequested(copy) }
        let build = context.build(namedBy: status)
        if copy.specSHA256 != approved {
            if copy.location.stage == .draft, let build, rebuildsTo(copy, build.key, context: context) {
                return .builtSpecRetitled(copy)
            }
            return .builtSpecEdited(copy)
        }
        if build == nil { return .buildLost(copy) }
        return .built(copy)
    }

    /// The copy's spec, valid and allowed, would build exactly what `key` holds: only its name, description or
    /// comments changed.
    static func rebuildsTo(_ copy: EnvironmentCopy, _ key: String, context: ReconcileContext) -> Bool {
        guard let spec = copy.parsedSpec(pythons: context.pythons),
            context.settings.policy.violation(in: spec.libraries) == nil
        else { return false }
        return context.inputs(for: spec).key == key
    }

    /// A copy whose status names another folder (or no folder) got where it is by a move (protocol 4.4 to 4.7).
    static func classifyArrival(_ copy: EnvironmentCopy, context: ReconcileContext) -> Situation {
        let here = copy.location
        guard let status = copy.status, status.stage != here.stage || here.nested else { return .copiedIn(copy) }
        // A status that names a build this workspace does not have came with a folder copied in from elsewhere.
        if status.state.isBuilt, context.build(namedBy: status) == nil { return .copiedIn(copy) }
        let origin = status.stage
        let unchanged = status.specSHA256 != nil && status.specSHA256 == copy.specSHA256
        switch (origin, here.stage) {
        case (.pending, .published) where status.state == .awaitingApproval && unchanged:
            return here.nested ? .approvedOverPublished(copy) : .approved(copy)
        case (.draft, .pending) where (status.state == .ready || status.state == .rejected) && unchanged:
            return .submitted(copy)
        case (.pending, .draft) where status.state == .awaitingApproval && unchanged:
            return .rejected(copy)
        case (.draft, .pending), (.pending, .draft), (.pending, .published):
            return unchanged || here.nested ? .movedIllegally(copy, from: origin) : .movedAfterEdit(copy, from: origin)
        default:
            return .movedIllegally(copy, from: origin)
        }
    }
}
