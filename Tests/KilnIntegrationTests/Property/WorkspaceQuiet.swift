import Foundation
import KilnProtocol
import KilnWorkspace

/// Waiting until the daemon has answered everything: the invariants are about a workspace at rest, not one whose
/// folders and statuses disagree for the 100 ms after a move.
enum WorkspaceQuiet {
    /// How long nothing may change (the journal, any status) before the workspace counts as quiet: well above the
    /// test workspace's 50 ms settle time and a build's start.
    static let stillFor: Duration = .milliseconds(1500)

    /// How long a workspace may stay unsettled with nothing changing before the daemon counts as stuck: far longer
    /// than any build of the test's specs (under a second) or a look.
    static let stalledFor: Duration = .seconds(20)

    /// Waits until nothing is unsettled and nothing has changed for `stillFor`; returns what was still not quiet
    /// when `timeout` ran out, or when the workspace stayed unsettled and unchanged for `stalledFor` (empty when it
    /// became quiet).
    static func wait(_ ws: TestWorkspace, timeout: Duration) async -> [String] {
        let deadline = ContinuousClock.now + timeout
        var last: (fingerprint: String, since: ContinuousClock.Instant)?
        var problems: [String] = []
        while ContinuousClock.now < deadline {
            problems = unsettled(ws)
            let fingerprint = self.fingerprint(ws)
            if let last, last.fingerprint == fingerprint {
                let still = ContinuousClock.now - last.since
                if problems.isEmpty && still >= stillFor { return [] }
                if !problems.isEmpty && still >= stalledFor {
                    return problems.map { "\($0) (nothing changed for \(stalledFor))" }
                }
            } else {
                last = (fingerprint, ContinuousClock.now)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return problems.isEmpty ? ["the journal or a status kept changing for \(timeout)"] : problems
    }

    /// What is visibly not at rest now: a copy without a status, a status naming another folder (unless the copy is
    /// stuck, rule 7), a build queued or running, a nested published version, a replacement in `.kiln/tmp/`.
    static func unsettled(_ ws: TestWorkspace) -> [String] {
        var problems: [String] = []
        for name in UserAction.names {
            for copy in WorkspaceReader(layout: ws.layout).copies(of: name) {
                let at = copy.location.description
                guard let status = copy.status else {
                    problems.append("\(at) has no status")
                    continue
                }
                if copy.location.nested { problems.append("\(at) is still nested in published/\(name)") }
                if status.stage != copy.location.stage && !isStuck(status) {
                    problems.append("\(at): its status names stage \(status.stage.rawValue) (\(status.message))")
                }
                if status.state == .queued || status.state == .building {
                    problems.append("\(at) is \(status.state.rawValue) (\(status.message))")
                }
            }
        }
        for entry in WorkspaceFiles.list(ws.layout.scratch) where !entry.hasPrefix(".") {
            problems.append(".kiln/tmp/\(entry) is a replacement not finished")
        }
        return problems
    }

    /// Rule 7's stuck copy: the way back was taken, so it was left where it is, `invalid`, naming both places.
    static func isStuck(_ status: Status) -> Bool {
        status.state == .invalid && status.message.contains("cannot be moved back")
    }

    /// Everything the daemon writes that the invariants read: the journal's size and every status.
    static func fingerprint(_ ws: TestWorkspace) -> String {
        var parts = ["\(WorkspaceFiles.readText(ws.layout.journal)?.utf8.count ?? 0)"]
        for stage in Stage.allCases {
            for name in UserAction.names {
                for location in [CopyLocation(stage, name), CopyLocation(stage, name, nested: true)] {
                    parts.append(WorkspaceFiles.readText(ws.layout.status(location)) ?? "-")
                }
            }
        }
        return parts.joined(separator: "\u{0}")
    }
}
