import Foundation
import KilnProtocol
import KilnWorkspace

/// The protocol's promises about a workspace at rest, each checked on its own and reported in words: what was
/// found, where, and which rule it breaks. The expectations come from docs/protocol.md, not from the daemon's code.
struct ProtocolInvariants {
    let ws: TestWorkspace
    let runner: ActionRunner

    /// Section 3's table: the states each stage folder may hold († `invalid` in any).
    static let allowedStates: [Stage: Set<EnvironmentState>] = [
        .saved: [.saved, .queued, .building, .failed, .invalid],
        .draft: [.ready, .rejected, .invalid],
        .pending: [.awaitingApproval, .invalid],
        .published: [.published, .invalid],
    ]

    /// Every violation found, one message each.
    func violations() -> [String] {
        let journal = Journal(layout: ws.layout).entries()
        var found: [String] = []
        for name in UserAction.names {
            let copies = WorkspaceReader(layout: ws.layout).copies(of: name).filter { !$0.location.nested }
            found += onePerStage(name, copies)
            found += statusesAgree(copies)
            found += lastWriteKept(name)
            found += journalAccounts(name, copies, entries: journal.filter { $0.name == name })
        }
        return found
    }

    /// 1. Rule 9: at most one valid copy in progress (one published is a folder's worth); every other copy in
    /// progress is `invalid` and names the keeper, or is stuck (rule 7).
    func onePerStage(_ name: String, _ copies: [EnvironmentCopy]) -> [String] {
        let inProgress = copies.filter { $0.location.stage.isInProgress }
        guard inProgress.count > 1 else { return [] }
        var found: [String] = []
        let valid = inProgress.filter { $0.status?.state != .invalid }
        if valid.count > 1 {
            found.append(
                "invariant 1 (rule 9): \(name) has \(valid.count) valid copies in progress: "
                    + valid.map(describe).joined(separator: ", ")
            )
        }
        // Whoever does not name another copy (nor is stuck) claims the name: at most one may.
        let claimants = inProgress.filter { copy in
            guard let status = copy.status, status.state == .invalid else { return true }
            if WorkspaceQuiet.isStuck(status) { return false }
            return !inProgress.contains {
                $0.location != copy.location && status.message.contains("at \($0.location.description)")
            }
        }
        if claimants.count > 1 {
            found.append(
                "invariant 1 (rule 9): \(name) has \(inProgress.count) copies in progress and \(claimants.count) "
                    + "of them neither name the keeper nor are stuck: "
                    + claimants.map(describe).joined(separator: ", ")
            )
        }
        return found
    }

    /// 2. Section 3: every status names the folder it is in, with a state that folder may hold. A copy stuck by rule 7
    /// keeps the stage it came from, and says why.
    func statusesAgree(_ copies: [EnvironmentCopy]) -> [String] {
        copies.compactMap { copy in
            let folder = copy.location.stage
            guard let status = copy.status else {
                return "invariant 2 (section 3): \(copy.location) has no status"
            }
            if status.stage != folder && !WorkspaceQuiet.isStuck(status) {
                return "invariant 2 (section 3): \(describe(copy)) is in \(folder.rawValue)/ but its status says "
                    + "stage \(status.stage.rawValue)"
            }
            if !(Self.allowedStates[folder] ?? []).contains(status.state) {
                return "invariant 2 (section 3): \(describe(copy)): state \(status.state.rawValue) is not one "
                    + "\(folder.rawValue)/ may hold (\(Self.allowedStates[folder]!.map(\.rawValue).sorted()))"
            }
            return nil
        }
    }

    /// 3. No spec a person wrote disappears: the last bytes written for a name (unless the test removed the copy
    /// holding them) are in a stage folder's `spec.toml` or `spec.toml.edited`, an archived version, or
    /// `.kiln/specs/`.
    func lastWriteKept(_ name: String) -> [String] {
        guard let last = runner.lastWrite[name], !runner.lastWriteRemoved.contains(name) else { return [] }
        var places: [String] = []
        for stage in Stage.allCases {
            places += ["\(stage.rawValue)/\(name)", "\(stage.rawValue)/\(name)/\(name)"]
        }
        let archive = ws.layout.archive + "/" + name
        places += WorkspaceFiles.list(archive).map { ".kiln/archive/\(name)/\($0)" }
        let files = places.flatMap { [ws.path($0 + "/spec.toml"), ws.path($0 + "/spec.toml.edited")] }
        let kept = files + [ws.layout.keptSpec(SHA256Hex.of(last.bytes))]
        if kept.contains(where: { FileManager.default.contents(atPath: $0).map(Array.init) == last.bytes }) {
            return []
        }
        let text = String(decoding: last.bytes, as: UTF8.self).split(separator: "\n").first ?? ""
        return [
            "invariant 3 (no spec disappears): the last spec written for \(name) ('\(text)', into \(last.at)) is "
                + "nowhere: not in a stage folder, the archive or .kiln/specs/"
        ]
    }

    /// 4. Section 5: the journal accounts for every move. Each copy on disk has an entry that put it where it is,
    /// and the name's last entry says where the name is: one of its copies, or removed when none is left.
    func journalAccounts(_ name: String, _ copies: [EnvironmentCopy], entries: [JournalEntry]) -> [String] {
        var found: [String] = []
        let here = Set(copies.map(\.location.description))
        for copy in copies where !entries.contains(where: { $0.to == copy.location.description }) {
            found.append(
                "invariant 4 (section 5): \(describe(copy)) is on disk, but no journal entry has it arrive there "
                    + "(no entry with to = \"\(copy.location)\")"
            )
        }
        // With no entry at all, each copy on disk is reported above.
        guard let last = entries.last else { return found }
        if copies.isEmpty {
            if !last.to.isEmpty {
                found.append(
                    "invariant 4 (rule 10): no copy of \(name) is left, but its last journal entry puts it at "
                        + "\(last.to) (\(last.state): \(last.message)) instead of recording the removal"
                )
            }
        } else if !here.contains(last.to) && !(runner.removedLocations[name] ?? []).contains(last.to) {
            // A location the test removed while another copy of the name stayed is not recorded (rule 10 records
            // a name's removal once its last copy is gone): the last entry may still name it.
            found.append(
                "invariant 4 (section 5): the last journal entry of \(name) puts it at "
                    + "\(last.to.isEmpty ? "nowhere (removed)" : last.to) (\(last.state): \(last.message)), but it "
                    + "is at \(here.sorted().joined(separator: ", "))"
            )
        }
        return found
    }

    private func describe(_ copy: EnvironmentCopy) -> String {
        guard let status = copy.status else { return "\(copy.location) (no status)" }
        return "\(copy.location) (\(status.stage.rawValue), \(status.state.rawValue): \(status.message))"
    }
}
