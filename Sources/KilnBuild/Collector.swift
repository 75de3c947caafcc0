import Foundation
import KilnProtocol
import KilnWorkspace
import Subprocess
import SystemPackage

/// One collection: `kiln gc`, and the daemon's daily run. Surveys `.kiln/`, asks `CollectionPlan` what goes, and
/// carries it out (unless `dryRun`), then prunes uv's cache with uv's own command. Blocking file work throughout:
/// callers run it off Swift's cooperative pool.
public struct Collector: Sendable {
    public let layout: WorkspaceLayout
    /// The `uv` binary that prunes `.kiln/cache/uv`, or nil when the host has none.
    public let uv: String?

    public init(layout: WorkspaceLayout, uv: String?) {
        self.layout = layout
        self.uv = uv
    }

    /// Another collection holds the workspace's collection lock.
    public struct Busy: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "another collection (kiln gc, or the daemon's daily run) is running: it holds \(path); try again once "
                + "it ends"
        }
    }

    /// Runs on the caller's actor (`isolation`), so a daemon that calls it from an actor on a thread of its own
    /// keeps this file work there. Stops between two removals once its task is cancelled.
    public func run(
        keep: Duration,
        dryRun: Bool,
        now: Date,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> CollectionReport {
        guard let held = try FileLock.tryAcquire(layout.collectionLock) else { throw Busy(path: layout.collectionLock) }
        defer { held.release() }
        let survey = CollectionSurvey(layout: layout)
        let removal = CollectionRemoval(survey: survey)
        let entries = survey.entries()
        let plan = CollectionPlan.decide(
            entries: entries,
            referenced: survey.references(),
            buildRunning: survey.buildRunning(),
            now: now,
            keep: keep,
            toolsInUse: survey.toolsNamedByJobs().union(JobTools(layout: layout).current(uv: uv)),
            pythonsInUse: survey.pythonsNamedByJobs()
        )
        var report = CollectionReport(dryRun: dryRun, keep: keep)
        report.waiting = plan.waiting.map { ($0, relative(survey.path($0.entry))) }
        if !dryRun {
            for entry in plan.mark {
                do { try removal.mark(entry, at: now) } catch {
                    report.notes.append("cannot mark \(entry.name): \(error)")
                }
            }
            for entry in plan.unmark {
                do { try removal.unmark(entry) } catch { report.notes.append("cannot unmark \(entry.name): \(error)") }
            }
        }
        // A copy may have come to refer to an environment while this collection looked: look once more, just before.
        let stillReferenced = plan.remove.isEmpty ? [] : survey.references()
        var total = DiskUsage()
        for planned in plan.remove where !Task.isCancelled {
            let entry = planned.entry
            let path = survey.path(entry)
            if entry.kind == .environment, stillReferenced.contains(entry.name) {
                report.items.append(
                    .init(
                        entry: entry,
                        path: relative(path),
                        reason: planned.reason,
                        bytes: 0,
                        skipped: "a copy refers to it now"
                    )
                )
                continue
            }
            let usage = DiskUsage.of(path)
            var item = CollectionReport.Item(
                entry: entry,
                path: relative(path),
                reason: planned.reason,
                bytes: usage.bytes
            )
            if !dryRun {
                do {
                    try removal.remove(entry)
                } catch {
                    item.skipped = error.description
                    if case .failed = error { item.failed = true }
                }
            }
            if item.skipped == nil { total = total.merging(usage) }
            report.items.append(item)
        }
        report.bytes = total.bytes
        report.freed = total.freed
        if !dryRun { removal.removeStaleLocks() }
        if !Task.isCancelled {
            report.cache = await pruneCache(dryRun: dryRun, buildRunning: survey.buildRunning())
        }
        return report
    }

    /// `uv cache prune` on the workspace's own cache, which removes what no uv version can use any more; never
    /// while a build runs, as the build may be filling the cache.
    private func pruneCache(
        dryRun: Bool,
        buildRunning: Bool,
        isolation: isolated (any Actor)? = #isolation
    ) async -> CollectionReport.Cache? {
        let cache = layout.kiln + "/cache/uv"
        guard WorkspaceFiles.kind(cache) == .directory else { return nil }
        let before = DiskUsage.of(cache).bytes
        var result = CollectionReport.Cache(path: relative(cache), before: before, after: before)
        if dryRun {
            result.note = "uv cache prune would run on it"
            return result
        }
        if buildRunning {
            result.note = "not pruned: a build is running"
            return result
        }
        guard let uv else {
            result.note = "not pruned: uv is not on this host"
            return result
        }
        do {
            let run = try await Subprocess.run(
                .path(FilePath(uv)),
                arguments: ["cache", "prune", "--cache-dir", cache, "--quiet"],
                environment: .inherit.updating(["NO_COLOR": "1"]),
                output: .discarded,
                error: .string(limit: 64 * 1024)
            )
            if !run.terminationStatus.isSuccess {
                let said = run.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
                result.note =
                    "uv cache prune ended with \(run.terminationStatus)"
                    + (said.isEmpty ? "" : ": " + String(said.suffix(300)))
            }
        } catch {
            result.note = "cannot run \(uv): \(error)"
        }
        result.after = DiskUsage.of(cache).bytes
        return result
    }

    private func relative(_ path: String) -> String {
        path.hasPrefix(layout.root + "/") ? String(path.dropFirst(layout.root.count + 1)) : path
    }
}
