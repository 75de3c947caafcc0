import Foundation

/// The one function that decides what to do about an environment name, from what is on disk (protocol section 4).
///
/// It does no I/O and reads no clock: it takes every copy of the name and the daemon's context, classifies them into
/// `Situation`s, and decides each with a function named after it. The daemon carries the actions out, reads the disk
/// again and asks again, until nothing is left to do. So a decision only has to move the name one step closer to a
/// consistent state, and a crash between two steps is just another state to decide from.
public enum Reconciler {
    public static func decide(name: String, copies: [EnvironmentCopy], context: ReconcileContext) -> [Action] {
        var decision = Decision(name: name, context: context, occupied: Set(copies.map(\.location)))
        decision.allCopies = copies
        for situation in Situation.classify(name: name, copies: copies, context: context) {
            decision.decide(situation)
        }
        decision.recordReturn(copies)
        return decision.actions
    }
}

/// The decisions, one function per situation. Each appends actions; `setStatus` and `record` keep the journal and
/// the statuses in step.
struct Decision {
    let name: String
    let context: ReconcileContext
    /// Every place a copy of the name is, links included: a move never goes there.
    let occupied: Set<CopyLocation>
    /// Every copy of the name: a submission's summary compares it with the published one.
    var allCopies: [EnvironmentCopy] = []
    var actions: [Action] = []

    mutating func decide(_ situation: Situation) {
        switch situation {
        case .replacementInterrupted(let replacement): finishReplacement(replacement)
        case .saved(let copy): save(copy)
        case .built(let copy): keepBuilt(copy)
        case .builtSpecEdited(let copy): builtSpecEdited(copy)
        case .builtSpecRetitled(let copy): keepRetitled(copy)
        case .buildLost(let copy):
            sendToSaved(copy, message: "its built environment is gone from the store, so it is built again in saved/")
        case .lockRebuildRequested(let copy):
            sendToSaved(
                copy,
                message: "`kiln build \(name) --from-lock`: moved to saved/ to be built from its requirements.lock"
            )
        case .submitted(let copy): submit(copy)
        case .approved(let copy): approve(copy)
        case .approvedOverPublished(let copy): approveOverPublished(copy)
        case .rollbackRequested(let request, let published): rollBack(to: request, replacing: published)
        case .rejected(let copy): reject(copy)
        case .movedAfterEdit(let copy, _):
            sendToSaved(
                copy,
                message:
                    "spec.toml changed after it was built, so the move was not accepted: it is built again in saved/"
            )
        case .movedIllegally(let copy, let origin): undoMove(copy, from: origin)
        case .copiedIn(let copy): undoMove(copy, from: nil)
        case .publishedSpecEdited(let copy, let versionInProgress):
            restorePublishedSpec(copy, versionInProgress: versionInProgress)
        case .duplicate(let copy, let keeper): refuseDuplicate(copy, keeper: keeper)
        case .removed: remove()
        case .requestWithoutSave: actions.append(.consumeBuildRequest(name: name))
        case .kernelspecOutdated(let bytes): actions.append(.writeKernelspec(name: name, bytes))
        case .kernelspecOrphaned: actions.append(.removeKernelspec(name: name))
        }
    }

    // MARK: rule 1, save; rule 2, build or retry

    mutating func save(_ copy: EnvironmentCopy) {
        let situation = SaveSituation.classify(copy, context: context)
        if context.activeBuild != nil, !situation.isBuilding {
            // Saved again (or made invalid) while another spec builds: that build is of a spec nobody wants any more.
            actions.append(.cancelBuild(name: name))
        }
        switch situation {
        case .badName(let problem):
            markInvalid(copy, "\(copy.location): the directory name is not valid: \(problem); rename the directory")
        case .invalid(let problem):
            markInvalid(copy, problem)
        case .lockRefused(let problem):
            setStatus(
                copy,
                Status(
                    stage: .saved,
                    state: .failed,
                    specSHA256: copy.specSHA256,
                    build: copy.status?.build,
                    updated: context.now,
                    message: problem
                )
            )
        case .building(let active):
            markBuilding(copy, active)
        case .alreadyBuilt(let done, let hash):
            moveBuiltToDraft(copy, done, hash: hash)
        case .failed(let failure):
            setStatus(
                copy,
                Status(
                    stage: .saved,
                    state: .failed,
                    specSHA256: failure.specSHA256,
                    build: failure.build,
                    updated: context.now,
                    message: failure.message
                )
            )
        case .failedEarlier:
            break
        case .restingUntilAsked(let hash):
            setStatus(
                copy,
                Status(
                    stage: .saved,
                    state: .saved,
                    specSHA256: hash,
                    build: copy.status?.build,
                    updated: context.now,
                    message: "valid; waiting for a build: run `kiln build \(name)`"
                )
            )
        case .needsBuild(let order):
            queueBuild(copy, order)
        }
        if context.buildRequested { actions.append(.consumeBuildRequest(name: name)) }
    }

    /// A build of exactly this spec is queued or running: once it runs, the status says so, and what it is doing
    /// (its phase and counts). The daemon decides how often to ask (a progress change is a reason to look again);
    /// an unchanged progress writes nothing.
    mutating func markBuilding(_ copy: EnvironmentCopy, _ active: ActiveBuild) {
        guard active.started else { return }
        var status =
            copy.status
            ?? Status(stage: .saved, state: .building, specSHA256: active.specSHA256, updated: context.now)
        let starting = status.state != .building || status.build != active.build
        status.stage = .saved
        status.state = .building
        status.specSHA256 = active.specSHA256
        status.build = active.build
        status.environment = nil
        status.python = nil
        status.phase = active.progress?.phase
        status.slurmJob = active.slurmJob?.id
        let follow = "follow it with `tail -f logs/build-\(active.build).log` or `kiln logs \(name) --follow`"
        let doing: String =
            switch (active.progress, active.slurmJob) {
            case (nil, let job?) where job.waiting:
                "waiting for a node in Slurm job \(job.id) (pending\(job.reason.map { ": " + $0 } ?? ""))"
            case (let progress, let job?): "\(progress?.summary ?? "building") in Slurm job \(job.id)"
            case (let progress, nil): progress?.summary ?? "building"
            }
        status.message = "\(doing); \(follow)"
        // The journal records the start; a phase is not a transition.
        setStatus(copy, status, journalMessage: starting ? "build \(active.build) started" : nil)
    }

    mutating func moveBuiltToDraft(_ copy: EnvironmentCopy, _ done: BuiltEnvironment, hash: String) {
        let previous = copy.status?.stage == .saved ? copy.status : nil
        // Built by this save's own build, or found in the store from an earlier one.
        let ownBuild = previous?.specSHA256 == hash && (previous?.state == .building || previous?.state == .queued)
        let draft = CopyLocation(.draft, name)
        // A copy left invalid in draft/ (rule 7 or 9) holds the place: a move there would fail at every look.
        if occupied.contains(draft) {
            markInvalid(
                copy,
                "built, but another copy of '\(name)' is in progress at \(draft): remove it, and this one moves to "
                    + "draft/ as ready"
            )
            return
        }
        actions.append(.installLock(copy.location, from: done))
        setStatus(
            copy,
            Status(
                stage: .draft,
                state: .ready,
                specSHA256: hash,
                build: copy.status?.build,
                environment: done.path,
                python: done.python,
                updated: context.now,
                message: ownBuild
                    ? done.summary : "already built from the same inputs (base, libraries, sources): \(done.summary)"
            ),
            to: draft
        )
        actions.append(.move(from: copy.location, to: draft))
    }

    mutating func queueBuild(_ copy: EnvironmentCopy, _ order: BuildOrder) {
        // The status first: the queue may start the build at once.
        setStatus(
            copy,
            Status(
                stage: .saved,
                state: .queued,
                specSHA256: order.specSHA256,
                build: order.build,
                updated: context.now,
                message: "waiting for a build slot; the log will be logs/build-\(order.build).log"
            )
        )
        actions.append(.queueBuild(order))
    }

    /// An invalid saved copy is never built (`save` has stopped a build of an earlier save).
    mutating func markInvalid(_ copy: EnvironmentCopy, _ message: String) {
        setStatus(
            copy,
            Status(
                stage: .saved,
                state: .invalid,
                specSHA256: copy.specSHA256,
                build: copy.status?.build,
                updated: context.now,
                message: message
            )
        )
    }

    // MARK: rule 3, edit a draft or pending spec; built copies at rest

    mutating func builtSpecEdited(_ copy: EnvironmentCopy) {
        let why =
            copy.location.stage == .pending
            ? "spec.toml was edited while pending: the submission is withdrawn and the new spec is built in saved/"
            : "spec.toml was edited in \(copy.location.stage.rawValue)/: it no longer matches its build, so it is "
                + "built again in saved/"
        sendToSaved(copy, message: why)
    }

    /// † A draft whose edit changed no build input stays on its build: the status now names the edited spec.
    mutating func keepRetitled(_ copy: EnvironmentCopy) {
        guard var status = copy.status, let hash = copy.specSHA256 else { return }
        status.specSHA256 = hash
        status.message =
            "spec.toml was edited, but nothing it builds from changed (only its name, description or comments): "
            + "still \(status.state.rawValue) on the same build"
        setStatus(copy, status)
    }

    /// A settled draft or pending copy: its status keeps pointing at its build in the store.
    /// A pending copy's summary follows the published version (written only when it differs).
    mutating func keepBuilt(_ copy: EnvironmentCopy) {
        guard var status = copy.status, let done = context.build(namedBy: status) else { return }
        status.environment = done.path
        status.python = done.python
        if copy.location.stage == .pending, context.submission != nil { status.message = review(copy) }
        setStatus(copy, status)
    }

    // MARK: rule 4, submit; rule 5, approve; rule 6, reject

    mutating func submit(_ copy: EnvironmentCopy) {
        guard var submitted = copy.status else { return }
        submitted.stage = .pending
        submitted.state = .awaitingApproval
        submitted.message = review(copy)
        setStatus(copy, submitted)
    }

    /// † The summary of a submission for its status message, after writing the whole diff beside it if that changed.
    mutating func review(_ copy: EnvironmentCopy) -> String {
        let review = SubmissionReview(name: name, copy: copy, copies: allCopies, context: context)
        if review.changes != context.submission?.changes {
            actions.append(.writeChanges(copy.location, review.changes))
        }
        return review.message
    }

    mutating func approve(_ copy: EnvironmentCopy) {
        keepApprovedSpec(copy)
        setStatus(copy, approvedStatus(copy, message: "approved" + (copy.review.map { ": \($0)" } ?? "")))
    }

    /// The new version takes `published/<name>` in one swap, through the scratch folder, and the old one goes to the
    /// archive. Each step leaves something `finishReplacement` can complete after a crash.
    mutating func approveOverPublished(_ copy: EnvironmentCopy) {
        let published = CopyLocation(.published, name)
        keepApprovedSpec(copy)
        actions.append(.moveToScratch(copy.location))
        actions.append(.swapScratchWithPublished(name: name))
        actions.append(.archiveScratch(name: name, at: context.now))
        let message =
            "approved; it replaced the previous published version, which is kept in .kiln/archive/\(name)/"
        actions.append(.writeStatus(published, approvedStatus(copy, message: message)))
        record(
            from: origin(of: copy).description,
            to: published.description,
            state: .published,
            spec: copy.specSHA256,
            message: message
        )
    }

    /// The approved bytes are kept apart from the build, which specs with other names or descriptions may share: an
    /// edit of the published spec is undone to exactly these (rule 8).
    mutating func keepApprovedSpec(_ copy: EnvironmentCopy) {
        if case .contents(let bytes) = copy.spec { actions.append(.keepSpec(bytes)) }
    }

    func approvedStatus(_ copy: EnvironmentCopy, message: String) -> Status {
        Status(
            stage: .published,
            state: .published,
            specSHA256: copy.specSHA256,
            build: copy.status?.build,
            environment: copy.status?.environment,
            python: copy.status?.python,
            approved: context.now,
            updated: context.now,
            message: message
        )
    }

    /// Rule 5 after a crash: finish what `approveOverPublished` started.
    mutating func finishReplacement(_ replacement: InterruptedReplacement) {
        switch (replacement.incoming, replacement.publishedExists) {
        case (true, true):
            actions.append(.swapScratchWithPublished(name: name))
            actions.append(.archiveScratch(name: name, at: context.now))
        case (true, false):
            actions.append(.moveScratchToPublished(name: name))
        case (false, _):
            actions.append(.archiveScratch(name: name, at: context.now))
        }
    }

    /// † `kiln rollback`: the archived version takes `published/<name>` in the same swap an approval over a published
    /// version makes, and the version it replaces goes to the archive. Refused, with the reason in the journal, when
    /// the one who asked may not write `published/`, when the published version is not settled, or when the target
    /// is gone or cannot be used.
    mutating func rollBack(to request: RollbackRequest, replacing published: EnvironmentCopy?) {
        defer { actions.append(.consumeRollbackRequest(name: name)) }
        let location = CopyLocation(.published, name)
        let archived = ".kiln/archive/\(name)/\(request.version)"
        let refusal: String? =
            if published == nil {
                "there is no published version of '\(name)' to replace"
            } else if !request.mayPublish {
                "\(request.requestedBy) may not write published/, and only those who may (the workspace's admins) "
                    + "roll back"
            } else if published?.specSHA256 == request.specSHA256 {
                nil
            } else if published?.isSettled != true || published?.status?.state != .published
                || published?.specSHA256 != published?.status?.specSHA256
            {
                "published/\(name) is changing (its spec or status does not match its approval); try again once the "
                    + "daemon has settled it"
            } else if request.target == nil {
                "\(archived) does not exist (or has no status); `kiln versions \(name)` lists the archived versions"
            } else if request.target?.specSHA256 != request.specSHA256 {
                "\(archived) holds another spec than the one asked for; `kiln versions \(name)` lists the versions"
            } else if context.build(namedBy: request.target) == nil {
                "the built environment of \(archived) is gone from .kiln/envs/; it cannot be published again"
            } else {
                nil
            }
        guard let published, var current = published.status, refusal == nil else {
            record(
                from: location.description,
                to: location.description,
                state: published?.status?.state ?? .published,
                spec: published?.specSHA256,
                message: "rollback to \(archived) refused: \(refusal ?? "there is no published version")"
            )
            return
        }
        let approvedOn = request.target?.approved.map { " approved \(TOMLText.dateTime($0))" } ?? ""
        let message =
            "rolled back by \(request.requestedBy) to the version\(approvedOn) (spec \(request.specSHA256.prefix(12))); "
            + "the version it replaced is kept in .kiln/archive/\(name)/ (`kiln versions \(name)`)"
        if published.specSHA256 == request.specSHA256 {
            // The swap happened (a crash came before the status, or the version was published already).
            guard !current.message.hasPrefix("rolled back") else { return }
            current.message = message
            setStatus(published, current, journalMessage: message)
            return
        }
        guard var restored = request.target, let built = context.build(namedBy: restored) else { return }
        restored.stage = .published
        restored.state = .published
        restored.environment = built.path
        restored.python = built.python
        restored.phase = nil
        restored.slurmJob = nil
        restored.updated = context.now
        restored.message = message
        actions.append(.moveArchivedToScratch(name: name, version: request.version))
        actions.append(.swapScratchWithPublished(name: name))
        actions.append(.archiveScratch(name: name, at: context.now))
        actions.append(.writeStatus(location, restored))
        record(from: archived, to: location.description, state: .published, spec: request.specSHA256, message: message)
    }

    mutating func reject(_ copy: EnvironmentCopy) {
        guard var rejected = copy.status else { return }
        rejected.stage = .draft
        rejected.state = .rejected
        rejected.message = copy.review ?? "rejected by an admin (no review note)"
        setStatus(copy, rejected)
    }

    // MARK: rule 7, any other move

    /// Not a move the protocol allows: undo it, to where it came from, or to saved/ if it came from outside.
    mutating func undoMove(_ copy: EnvironmentCopy, from origin: Stage?) {
        let here = copy.location
        let why =
            if let origin {
                "\(origin.rawValue)/ → \(here.stage.rawValue)/ is not a move Kiln allows (draft/ → pending/ submits, "
                    + "pending/ → published/ approves, pending/ → draft/ rejects, and builds move saved/ → draft/)"
            } else {
                "it arrived in \(here.stage.rawValue)/ from outside Kiln; new environments enter through saved/"
            }
        var candidates: [CopyLocation] = []
        if let origin { candidates.append(CopyLocation(origin, name)) }
        if origin != .saved { candidates.append(CopyLocation(.saved, name)) }
        guard let target = candidates.first(where: { !occupied.contains($0) }) else {
            leaveStuck(copy, why: why, taken: candidates)
            return
        }
        let unchanged = copy.status?.specSHA256 != nil && copy.status?.specSHA256 == copy.specSHA256
        let back: Status
        if let status = copy.status, target.stage == origin, unchanged || target.stage == .saved {
            back = Status(
                stage: target.stage,
                state: status.state,
                specSHA256: status.specSHA256,
                build: status.build,
                environment: status.environment,
                python: status.python,
                approved: status.approved,
                updated: context.now,
                message: "moved back: \(why)"
            )
        } else {
            back = Status(
                stage: .saved,
                state: .saved,
                specSHA256: copy.specSHA256,
                build: copy.status?.build,
                updated: context.now,
                message: "moved to saved/: \(why)"
            )
        }
        actions.append(.move(from: here, to: target))
        actions.append(.writeStatus(target, back))
        record(
            from: here.description,
            to: target.description,
            state: back.state,
            spec: copy.specSHA256,
            message: back.message
        )
    }

    /// Nowhere free to put it back: leave it, and say so where its owner will look.
    mutating func leaveStuck(_ copy: EnvironmentCopy, why: String, taken: [CopyLocation]) {
        // Invalid whatever it was: a state its status names for another folder says nothing true about this one.
        var stuck = copy.status ?? Status(stage: copy.location.stage, state: .invalid, updated: context.now)
        stuck.state = .invalid
        stuck.phase = nil
        stuck.slurmJob = nil
        stuck.message =
            "\(why); it cannot be moved back because \(taken.map(\.description).joined(separator: " and ")) "
            + "are taken: move or remove one copy"
        guard copy.status.map({ !$0.sameApartFromTime(stuck) }) ?? true else { return }
        stuck.updated = context.now
        actions.append(.writeStatus(copy.location, stuck))
        // Rule 7 journals what it does with a move it does not allow, this outcome included: the copy stays here.
        record(
            from: copy.location.description,
            to: copy.location.description,
            state: stuck.state,
            spec: copy.specSHA256,
            message: stuck.message
        )
    }

    // MARK: rule 8, edit a published spec

    /// What was approved stays published: the approved spec comes back, and the edit is kept, as the next version in
    /// saved/ when none is in progress, else beside the published spec as `spec.toml.edited`.
    mutating func restorePublishedSpec(_ copy: EnvironmentCopy, versionInProgress: Bool) {
        guard var status = copy.status else { return }
        guard let approved = context.approvedSpec else {
            status.message =
                "spec.toml was edited, but the approved spec is no longer in the store to restore it; put the "
                + "approved spec back by hand, and save edits in saved/\(name)"
            setStatus(copy, status)
            return
        }
        let kept: String
        switch copy.spec {
        case .contents(let edit) where !versionInProgress:
            actions.append(.createEnvironment(CopyLocation(.saved, name), spec: edit))
            kept = "the edit was moved to saved/\(name), where it is built as the next version"
        case .contents(let edit):
            actions.append(.keepEditBeside(copy.location, edit))
            kept =
                "the edit was kept as published/\(name)/spec.toml.edited, since another version is already in progress"
        case .missing:
            kept = "spec.toml had been removed"
        case .symlink, .notRegularFile, .tooLarge, .unreadable:
            status.message =
                "spec.toml was replaced by something Kiln cannot read (\(copy.spec)); move it away, and the "
                + "approved spec is restored"
            setStatus(copy, status)
            return
        }
        actions.append(.writeSpec(copy.location, approved))
        status.message = "a published spec cannot change: the approved spec was restored; " + kept
        setStatus(copy, status, journalMessage: status.message)
    }

    // MARK: rule 9, two copies of one name

    mutating func refuseDuplicate(_ copy: EnvironmentCopy, keeper: CopyLocation) {
        let message =
            "another copy of '\(name)' is in progress at \(keeper); a name may have one version in "
            + "progress: remove this copy, or rename its directory to make it a new environment"
        if context.activeBuild != nil && copy.location.stage == .saved {
            actions.append(.cancelBuild(name: name))
        }
        setStatus(
            copy,
            Status(
                stage: copy.location.stage,
                state: .invalid,
                specSHA256: copy.specSHA256,
                build: copy.status?.build,
                updated: context.now,
                message: message
            )
        )
    }

    // MARK: rule 10, delete

    mutating func remove() {
        if context.activeBuild != nil { actions.append(.cancelBuild(name: name)) }
        if context.wasKnown {
            actions.append(
                .record(
                    JournalEntry(
                        time: context.now,
                        name: name,
                        from: "",
                        to: "",
                        state: "removed",
                        spec: nil,
                        message: context.acquaintance == .journalOnly
                            ? "the directory was removed while the daemon was not running (noticed at start)"
                            : "the directory was removed"
                    )
                )
            )
        }
    }

    // MARK: helpers

    /// † A name last journalled as removed has a copy again, and nothing else in this decision says so: the journal
    /// records where it is and what its status says, or `kiln history` would end with a removal of a living name.
    mutating func recordReturn(_ copies: [EnvironmentCopy]) {
        guard context.recordedRemoved,
            !actions.contains(where: { if case .record = $0 { true } else { false } }),
            let copy = copies.first(where: { !$0.isSymlink && $0.status != nil }),
            let status = copy.status
        else { return }
        record(
            from: "",
            to: copy.location.description,
            state: status.state,
            spec: status.specSHA256,
            message: "the directory came back into the workspace: \(status.message)"
        )
    }

    /// Moves a draft or pending copy back to saved/ to be built again.
    mutating func sendToSaved(_ copy: EnvironmentCopy, message: String) {
        let target = CopyLocation(.saved, name)
        // Another copy holds saved/: the move would fail at every look, and this copy's status would stay untrue.
        guard !occupied.contains(target) else {
            leaveStuck(copy, why: message, taken: [target])
            return
        }
        let status = Status(
            stage: .saved,
            state: .queued,
            specSHA256: copy.specSHA256,
            build: copy.status?.build,
            updated: context.now,
            message: message
        )
        actions.append(.move(from: copy.location, to: target))
        actions.append(.writeStatus(target, status))
        record(
            from: copy.location.description,
            to: target.description,
            state: .queued,
            spec: copy.specSHA256,
            message: message
        )
    }

    /// Writes a status if it says something new, and records a transition if the stage, state or spec changed.
    /// `destination` is where the copy will be once the actions after this one ran.
    mutating func setStatus(
        _ copy: EnvironmentCopy,
        _ status: Status,
        to destination: CopyLocation? = nil,
        journalMessage: String? = nil
    ) {
        var status = status
        status.updated = context.now
        // Only a running build has a phase and a Slurm job: whatever a status becomes next, its build is over.
        if status.state != .building {
            status.phase = nil
            status.slurmJob = nil
        }
        let old = copy.status
        if let old, old.sameApartFromTime(status) { return }
        actions.append(.writeStatus(copy.location, status))
        if old?.state != status.state || old?.stage != status.stage || old?.specSHA256 != status.specSHA256
            || old?.build != status.build || journalMessage != nil
        {
            record(
                from: origin(of: copy).description,
                to: (destination ?? copy.location).description,
                state: status.state,
                spec: status.specSHA256,
                message: journalMessage ?? status.message
            )
        }
    }

    /// Where a copy came from: the folder its status names when a person's move brought it here (a submission, an
    /// approval, a rejection: the journal shows `draft/x → pending/x`), else where it is.
    func origin(of copy: EnvironmentCopy) -> CopyLocation {
        guard let stage = copy.status?.stage, stage != copy.location.stage || copy.location.nested else {
            return copy.location
        }
        return CopyLocation(stage, name)
    }

    mutating func record(from: String, to: String, state: EnvironmentState, spec: String?, message: String) {
        actions.append(
            .record(
                JournalEntry(
                    time: context.now,
                    name: name,
                    from: from,
                    to: to,
                    state: state.rawValue,
                    spec: spec,
                    message: message
                )
            )
        )
    }
}
