import Foundation

/// What one collection (`kiln gc`, or the daemon's daily run) does, decided from what is on disk and the time.
///
/// Age counts from when nothing last referred to a thing, not from when it was built: an environment used for a
/// month and dropped yesterday is kept for `keep` from yesterday. That time lives on disk (an `unreferenced-since`
/// marker the first collection that finds it unreferenced writes, and the first that finds it referenced again
/// removes), so a daemon restart loses nothing.
public struct CollectionPlan: Sendable, Equatable {
    /// Why something goes.
    public enum Reason: Sendable, Equatable {
        /// Nothing has referred to it since then (nil: `keep` is zero and it was never marked).
        case unreferenced(since: Date?)
        /// A build or an interpreter copy that never finished, and that nothing is working on.
        case interrupted
        /// An earlier collection unregistered it and stopped before deleting it.
        case leftover
    }

    public struct Removal: Sendable, Equatable {
        public var entry: CollectionEntry
        public var reason: Reason
    }

    /// Unreferenced, but not for `keep` yet: collected from `until` on, unless something refers to it before.
    public struct Waiting: Sendable, Equatable {
        public var entry: CollectionEntry
        public var until: Date
    }

    public var remove: [Removal] = []
    /// Write `unreferenced-since` = the collection's `now` on these.
    public var mark: [CollectionEntry] = []
    /// Referred to again (or in use by a build): remove their marker.
    public var unmark: [CollectionEntry] = []
    public var waiting: [Waiting] = []

    public init() {}

    /// - Parameters:
    ///   - entries: everything found in `.kiln/envs`, `.kiln/pythons`, `.kiln/building` and collection leftovers.
    ///   - referenced: the environment names that a copy's status, a rollback target, a replacement in progress or
    ///     another record of the workspace names.
    ///   - buildRunning: some build holds its lock. A build picks its python before its environment names it, so
    ///     no python is removed while one runs.
    ///   - keep: `[build] keep`; zero collects what is unreferenced at once.
    ///   - toolsInUse: † the copies in `.kiln/tools/` that a Slurm job's script names, or that are of the kiln and
    ///     uv this host would submit jobs with now.
    ///   - pythonsInUse: † the interpreter copies a Slurm job will build with (its `job.toml`): a job waiting for a
    ///     node holds no lock, and its environment does not exist yet.
    public static func decide(
        entries: [CollectionEntry],
        referenced: Set<String>,
        buildRunning: Bool,
        now: Date,
        keep: Duration,
        toolsInUse: Set<String> = [],
        pythonsInUse: Set<String> = []
    ) -> CollectionPlan {
        var plan = CollectionPlan()
        let keepSeconds = Double(keep.components.seconds) + Double(keep.components.attoseconds) / 1e18
        /// Referred to, or not: the marker follows, and an old enough one means removal.
        func age(_ entry: CollectionEntry, inUse: Bool) {
            if inUse {
                if entry.unreferencedSince != nil { plan.unmark.append(entry) }
                return
            }
            guard let since = entry.unreferencedSince else {
                if keepSeconds <= 0 {
                    plan.remove.append(Removal(entry: entry, reason: .unreferenced(since: nil)))
                } else {
                    plan.mark.append(entry)
                    plan.waiting.append(Waiting(entry: entry, until: now.addingTimeInterval(keepSeconds)))
                }
                return
            }
            let until = since.addingTimeInterval(keepSeconds)
            if now >= until {
                plan.remove.append(Removal(entry: entry, reason: .unreferenced(since: since)))
            } else {
                plan.waiting.append(Waiting(entry: entry, until: until))
            }
        }
        let sorted = entries.sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
        for entry in sorted {
            switch entry.kind {
            case .environment:
                if entry.locked {
                    // A build of this name is running: in use, whatever refers to it.
                    age(entry, inUse: true)
                } else if !entry.registered {
                    plan.remove.append(Removal(entry: entry, reason: .interrupted))
                } else {
                    age(entry, inUse: referenced.contains(entry.name))
                }
            case .scratch:
                if !entry.locked { plan.remove.append(Removal(entry: entry, reason: .interrupted)) }
            case .leftover:
                plan.remove.append(Removal(entry: entry, reason: .leftover))
            case .python, .tool:
                break
            }
        }
        // A python is in use while any environment that stays names it: one removed in this same collection no
        // longer counts, so its python starts aging now.
        let removed = Set(plan.remove.map(\.entry))
        var usedPythons = pythonsInUse
        for entry in entries where entry.kind == .environment && !removed.contains(entry) {
            usedPythons.formUnion(entry.pythons)
        }
        for entry in sorted where entry.kind == .python {
            let inUse = usedPythons.contains(entry.name)
            if buildRunning {
                // A build may be choosing this python right now: nothing is marked or removed, only unmarked.
                if inUse, entry.unreferencedSince != nil { plan.unmark.append(entry) }
                continue
            }
            if !entry.registered && !inUse {
                plan.remove.append(Removal(entry: entry, reason: .interrupted))
            } else {
                age(entry, inUse: inUse)
            }
        }
        // A copy of kiln or uv ages like a python: a job being submitted may be choosing it while a build runs.
        for entry in sorted where entry.kind == .tool {
            let inUse = toolsInUse.contains(entry.name)
            if buildRunning || inUse {
                if entry.unreferencedSince != nil { plan.unmark.append(entry) }
                continue
            }
            if entry.registered {
                age(entry, inUse: false)
            } else {
                plan.remove.append(Removal(entry: entry, reason: .interrupted))
            }
        }
        return plan
    }
}
