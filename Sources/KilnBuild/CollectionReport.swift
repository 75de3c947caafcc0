import Foundation
import KilnProtocol
import KilnWorkspace

/// What a collection removed (or, in a dry run, would remove), and how much: the lines `kiln gc` prints and the
/// daemon logs.
public struct CollectionReport: Sendable {
    public struct Item: Sendable {
        public var entry: CollectionEntry
        /// Relative to the workspace.
        public var path: String
        public var reason: CollectionPlan.Reason
        /// Its disk, each file once however many hard links it has.
        public var bytes: Int64
        /// Why it was not removed after all; nil when it was (or would be).
        public var skipped: String?
        /// Whether that was a failure (a file that could not be removed), not something in use.
        public var failed = false
    }

    public struct Cache: Sendable {
        public var path: String
        public var before: Int64
        public var after: Int64
        /// What stopped or failed the prune; nil when it ran.
        public var note: String?
    }

    public var dryRun: Bool
    public var keep: Duration
    public var items: [Item] = []
    public var waiting: [(CollectionPlan.Waiting, String)] = []
    /// Everything removed together, each file once.
    public var bytes: Int64 = 0
    /// Of `bytes`, what no hard link outside the removed things holds on to.
    public var freed: Int64 = 0
    public var cache: Cache?
    public var notes: [String] = []

    public var removed: [Item] { items.filter { $0.skipped == nil } }
    /// Things that could not be removed: the lines say what and why.
    public var failures: [Item] { items.filter(\.failed) }

    /// One line per thing removed (or not, and why), one per thing waiting for `keep`, the cache and the total.
    public var lines: [String] {
        let verb = dryRun ? "would remove" : "removed"
        var lines: [String] = []
        for item in items {
            let what =
                "\(item.path)  \(DiskUsage.text(item.bytes))  (\(CollectionReport.describe(item.entry.kind, item.reason)))"
            lines.append(item.skipped.map { "not removed \(what): \($0)" } ?? "\(verb) \(what)")
        }
        for (waiting, path) in waiting {
            lines.append(
                "keeping \(path) until \(TOMLText.dateTime(waiting.until)) (\(waiting.entry.kind.rawValue), nothing refers to it)"
            )
        }
        if let cache {
            var line = "uv cache \(cache.path): \(DiskUsage.text(cache.before))"
            if let note = cache.note {
                line += "; \(note)"
            } else {
                line += ", pruned \(DiskUsage.text(max(0, cache.before - cache.after)))"
            }
            lines.append(line)
        }
        lines += notes
        let count = removed.count
        if count == 0 {
            lines.append("total: nothing to \(dryRun ? "remove" : "collect")")
        } else {
            var total = "total: \(verb) \(count) \(count == 1 ? "folder" : "folders"), \(DiskUsage.text(bytes))"
            if freed < bytes {
                total +=
                    " (\(DiskUsage.text(freed)) of it \(dryRun ? "would be " : "")freed; the rest are files also linked from what stays, such as uv's cache)"
            }
            lines.append(total)
        }
        return lines
    }

    static func describe(_ kind: CollectionEntry.Kind, _ reason: CollectionPlan.Reason) -> String {
        let what: String =
            switch kind {
            case .environment: "built environment"
            case .python: "copy of a base interpreter"
            case .scratch: "build scratch"
            case .leftover: "left by an interrupted collection"
            case .tool: "copy of kiln or uv for Slurm jobs"
            }
        switch reason {
        case .unreferenced(let since?): return "\(what), nothing refers to it since \(TOMLText.dateTime(since))"
        case .unreferenced(nil): return "\(what), nothing refers to it"
        case .interrupted: return kind == .scratch ? "\(what) of an interrupted build" : "\(what), never finished"
        case .leftover: return what
        }
    }
}
