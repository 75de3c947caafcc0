import Foundation

/// The one function that decides what to do about an environment name, from what is on disk (protocol section 4).
///
/// It does no I/O: it takes every copy of the name and the daemon's context, and returns actions. The daemon carries
/// them out, reads the disk again and asks again, until nothing is left to do. So a decision only has to move the
/// name one step closer to a consistent state, and a crash between two steps is just another state to decide from.
public enum Reconciler {
    public static func decide(name: String, copies: [EnvironmentCopy], context: ReconcileContext) -> [Action] {
        var decision = Decision(name: name, context: context)
        decision.run(copies)
        return decision.actions
    }
}

private struct Decision {
    let name: String
    let context: ReconcileContext
    var actions: [Action] = []

    init(name: String, context: ReconcileContext) {
        self.name = name
        self.context = context
    }

    mutating func run(_ all: [EnvironmentCopy]) {
        // A directory that is a symbolic link is never followed, so nothing can be written inside it; it is left be.
        let copies = all.filter { !$0.isSymlink }
        if copies.isEmpty {
            if context.activeBuild != nil { actions.append(.cancelBuild(name: name)) }
            if context.wasKnown {
                record(from: "", to: "", state: "removed", spec: nil, message: "the directory was removed")
            }
            return
        }
        // Arrivals first, one at a time: a copy whose status names another folder got there by a move.
        if let arrival = copies.first(where: { !$0.isSettled && $0.location.stage != .saved }) {
            arrive(arrival, among: copies)
            return
        }
        let inProgress = copies.filter { $0.location.stage.isInProgress }
        var keeper = inProgress.first
        if inProgress.count > 1 {
            let legitimate = inProgress.filter { $0.isSettled && $0.location.stage != .saved }
            keeper = legitimate.max { $0.location.stage < $1.location.stage } ?? inProgress.first
            for other in inProgress where other.location != keeper!.location {
                refuseDuplicate(other, keeper: keeper!)
            }
        }
        if let keeper {
            switch keeper.location.stage {
            case .saved: saved(keeper)
            case .draft, .pending: built(keeper)
            case .published: break
            }
        }
        if let published = copies.first(where: { $0.location == CopyLocation(.published, name) }) {
            self.published(published, inProgress: keeper)
        }
        if context.buildRequested
            && !actions.contains(where: { if case .consumeBuildRequest = $0 { true } else { false } })
        {
            actions.append(.consumeBuildRequest(name: name))
        }
    }

    // MARK: saved

    mutating func saved(_ copy: EnvironmentCopy) {
        let location = copy.location
        // A status carried in from another folder says nothing about this save, except how many builds there were.
        let previous = copy.status?.stage == .saved ? copy.status : nil
        let lastBuild = copy.status?.build ?? 0
        if let problem = EnvironmentName.problem(with: name) {
            markInvalid(copy, "\(location): the directory name is not valid: \(problem); rename the directory")
            return
        }
        let parsed = Spec.parse(
            copy.spec,
            path: location.description + "/spec.toml",
            directoryName: name,
            pythons: context.pythons
        )
        guard case .success(let spec) = parsed, case .contents(let bytes) = copy.spec, let hash = copy.specSHA256 else {
            let problem = if case .failure(let p) = parsed { p.description } else { "spec.toml cannot be read" }
            markInvalid(copy, problem)
            return
        }
        if let active = context.activeBuild {
            if active == hash { return }
            // Saved again while it builds: that build is of a spec nobody wants any more.
            actions.append(.cancelBuild(name: name))
        }
        if let done = context.built[hash] {
            actions.append(.installLock(location, from: done))
            let reused = previous?.specSHA256 != hash || previous?.state != .building
            let message =
                reused && previous?.state != .queued
                ? "already built from the same spec: \(done.summary)" : done.summary
            setStatus(
                copy,
                Status(
                    stage: .draft,
                    state: .ready,
                    specSHA256: hash,
                    build: copy.status?.build,
                    environment: done.path,
                    python: done.python,
                    message: message
                ),
                to: CopyLocation(.draft, name)
            )
            actions.append(.move(from: location, to: CopyLocation(.draft, name)))
            return
        }
        if let failure = context.failure, failure.specSHA256 == hash, !context.buildRequested {
            setStatus(
                copy,
                Status(stage: .saved, state: .failed, specSHA256: hash, build: failure.build, message: failure.message)
            )
            return
        }
        let sameSpec = previous?.specSHA256 == hash
        if sameSpec, previous?.state == .failed, !context.buildRequested { return }
        let interrupted = sameSpec && (previous?.state == .queued || previous?.state == .building)
        if context.settings.onSave == .wait && !context.buildRequested && !interrupted {
            setStatus(
                copy,
                Status(
                    stage: .saved,
                    state: .saved,
                    specSHA256: hash,
                    build: copy.status?.build,
                    message: "valid; waiting for a build: run `kiln build \(name)`"
                )
            )
            return
        }
        let build = lastBuild + 1
        // The status first: the queue may start the build at once and write `building` over it.
        setStatus(
            copy,
            Status(
                stage: .saved,
                state: .queued,
                specSHA256: hash,
                build: build,
                message: "waiting for a build slot; the log will be logs/build-\(build).log"
            )
        )
        actions.append(
            .queueBuild(BuildOrder(name: name, specSHA256: hash, build: build, spec: spec, specBytes: bytes))
        )
        if context.buildRequested { actions.append(.consumeBuildRequest(name: name)) }
    }

    /// An invalid saved copy is never built: a build of an earlier save stops too.
    mutating func markInvalid(_ copy: EnvironmentCopy, _ message: String) {
        if context.activeBuild != nil { actions.append(.cancelBuild(name: name)) }
        setStatus(
            copy,
            Status(
                stage: .saved,
                state: .invalid,
                specSHA256: copy.specSHA256,
                build: copy.status?.build,
                message: message
            )
        )
    }

    // MARK: draft and pending

    mutating func built(_ copy: EnvironmentCopy) {
        guard let status = copy.status, let hash = status.specSHA256 else { return }
        let where_ = copy.location.stage.rawValue
        if copy.specSHA256 != hash {
            let why =
                copy.location.stage == .pending
                ? "spec.toml was edited while pending: the submission is withdrawn and the new spec is built in saved/"
                : "spec.toml was edited in \(where_)/: it no longer matches its build, so it is built again in saved/"
            sendToSaved(copy, message: why)
            return
        }
        guard let done = context.built[hash] else {
            sendToSaved(copy, message: "its built environment is gone from the store, so it is built again in saved/")
            return
        }
        if status.environment != done.path || status.python != done.python {
            var fixed = status
            fixed.environment = done.path
            fixed.python = done.python
            setStatus(copy, fixed)
        }
    }

    // MARK: published

    mutating func published(_ copy: EnvironmentCopy, inProgress: EnvironmentCopy?) {
        guard copy.isSettled, let status = copy.status, let approved = status.specSHA256 else { return }
        if copy.specSHA256 == approved { return }
        guard let done = context.built[approved] else {
            setStatus(
                copy,
                Status(
                    stage: .published,
                    state: .published,
                    specSHA256: approved,
                    build: status.build,
                    environment: status.environment,
                    python: status.python,
                    message: "spec.toml was edited, but the approved spec is no longer in the store to restore it; "
                        + "put the approved spec back by hand, and save edits in saved/\(name)"
                )
            )
            return
        }
        let destination: EditDestination = inProgress == nil ? .saved : .besidePublished
        actions.append(.restorePublishedSpec(name: name, approved: done, keepEdit: destination))
        let kept =
            destination == .saved
            ? "the edit was moved to saved/\(name), where it is built as the next version"
            : "the edit was kept as published/\(name)/spec.toml.edited, since another version is already in progress"
        var restored = status
        restored.message = "a published spec cannot change: the approved spec was restored; " + kept
        setStatus(copy, restored)
    }

    // MARK: arrivals by a move

    mutating func arrive(_ copy: EnvironmentCopy, among copies: [EnvironmentCopy]) {
        let here = copy.location
        let origin = copy.status?.stage
        let hash = copy.specSHA256
        let unchanged = copy.status?.specSHA256 != nil && copy.status?.specSHA256 == hash
        let state = copy.status?.state

        switch (origin, here.stage) {
        case (.pending?, .published) where state == .awaitingApproval && unchanged:
            if here.nested { actions.append(.replacePublished(name: name)) }
            let target = CopyLocation(.published, name)
            setStatus(
                copy,
                Status(
                    stage: .published,
                    state: .published,
                    specSHA256: hash,
                    build: copy.status?.build,
                    environment: copy.status?.environment,
                    python: copy.status?.python,
                    message: here.nested
                        ? "approved; it replaced the previous published version, which is kept in .kiln/archive/\(name)/"
                        : "approved" + (copy.review.map { ": \($0)" } ?? "")
                ),
                at: target
            )
            return
        case (.draft?, .pending) where (state == .ready || state == .rejected) && unchanged:
            var submitted = copy.status!
            submitted.stage = .pending
            submitted.state = .awaitingApproval
            submitted.message =
                "submitted; an admin approves it by moving it to published/, or rejects it back to draft/"
            setStatus(copy, submitted)
            return
        case (.pending?, .draft) where state == .awaitingApproval && unchanged:
            var rejected = copy.status!
            rejected.stage = .draft
            rejected.state = .rejected
            rejected.message = copy.review ?? "rejected by an admin (no review note)"
            setStatus(copy, rejected)
            return
        case (.draft?, .pending), (.pending?, .draft), (.pending?, .published):
            if !unchanged, !here.nested {
                sendToSaved(
                    copy,
                    message:
                        "spec.toml changed after it was built, so the move was not accepted: it is built again in saved/"
                )
                return
            }
        default:
            break
        }
        // Not a move the protocol allows: undo it, to where it came from, or to saved/ if it came from outside.
        let occupied = Set(copies.map(\.location))
        var candidates: [CopyLocation] = []
        if let origin { candidates.append(CopyLocation(origin, name)) }
        candidates.append(CopyLocation(.saved, name))
        let why: String
        if let origin {
            why =
                "\(origin.rawValue)/ → \(here.stage.rawValue)/ is not a move Kiln allows (draft/ → pending/ submits, "
                + "pending/ → published/ approves, pending/ → draft/ rejects, and builds move saved/ → draft/)"
        } else {
            why = "it arrived in \(here.stage.rawValue)/ from outside Kiln; new environments enter through saved/"
        }
        guard let target = candidates.first(where: { !occupied.contains($0) || $0 == here }), target != here else {
            // Nowhere free to put it back: leave it, and say so where its owner will look.
            var stuck = copy.status ?? Status(stage: here.stage, state: .invalid)
            if stuck.stage != .saved || copy.status == nil {
                stuck.state = .invalid
            }
            stuck.message =
                "\(why); it cannot be moved back because \(candidates.map(\.description).joined(separator: " and ")) "
                + "are taken: move or remove one copy"
            if copy.status.map({ !$0.sameApartFromTime(stuck) }) ?? true {
                actions.append(.writeStatus(here, stuck))
            }
            return
        }
        let back: Status
        if let status = copy.status, target.stage == origin, unchanged || target.stage == .saved {
            back = Status(
                stage: target.stage,
                state: status.state,
                specSHA256: status.specSHA256,
                build: status.build,
                environment: status.environment,
                python: status.python,
                message: "moved back: \(why)"
            )
        } else {
            back = Status(
                stage: .saved,
                state: .saved,
                specSHA256: hash,
                build: copy.status?.build,
                message: "moved to saved/: \(why)"
            )
        }
        actions.append(.move(from: here, to: target))
        actions.append(.writeStatus(target, back))
        record(
            from: here.description,
            to: target.description,
            state: back.state.rawValue,
            spec: hash,
            message: back.message
        )
    }

    // MARK: helpers

    /// Moves a draft or pending copy back to saved/ to be built again.
    mutating func sendToSaved(_ copy: EnvironmentCopy, message: String) {
        let target = CopyLocation(.saved, name)
        actions.append(.move(from: copy.location, to: target))
        let status = Status(
            stage: .saved,
            state: .queued,
            specSHA256: copy.specSHA256,
            build: copy.status?.build,
            message: message
        )
        actions.append(.writeStatus(target, status))
        record(
            from: copy.location.description,
            to: target.description,
            state: status.state.rawValue,
            spec: copy.specSHA256,
            message: message
        )
    }

    mutating func refuseDuplicate(_ copy: EnvironmentCopy, keeper: EnvironmentCopy) {
        let message =
            "another copy of '\(name)' is in progress at \(keeper.location); a name may have one version in "
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
                message: message
            )
        )
    }

    /// Writes a status if it says something new, and records a transition if the stage or state changed.
    /// `to` is where the copy will be once the actions after this one ran; `at` is where it is now if the status
    /// must be written to another place (an approval over an existing version).
    mutating func setStatus(
        _ copy: EnvironmentCopy,
        _ status: Status,
        to destination: CopyLocation? = nil,
        at: CopyLocation? = nil
    ) {
        var status = status
        status.updated = context.now
        if let old = copy.status, old.sameApartFromTime(status) { return }
        let writeAt = at ?? copy.location
        if at != nil {
            actions.append(.writeStatus(writeAt, status))
        } else {
            actions.append(.writeStatus(copy.location, status))
        }
        let old = copy.status
        if old?.state != status.state || old?.stage != status.stage || old?.specSHA256 != status.specSHA256
            || copy.location.nested
        {
            let from = copy.location.description
            let to = (destination ?? writeAt).description
            record(from: from, to: to, state: status.state.rawValue, spec: status.specSHA256, message: status.message)
        }
    }

    mutating func record(from: String, to: String, state: String, spec: String?, message: String) {
        actions.append(
            .record(
                JournalEntry(
                    time: context.now,
                    name: name,
                    from: from,
                    to: to,
                    state: state,
                    spec: spec,
                    message: message
                )
            )
        )
    }
}
