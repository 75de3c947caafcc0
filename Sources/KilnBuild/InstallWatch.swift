import Foundation
import KilnProtocol
import KilnWorkspace
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Tells, while `uv pip sync` runs, whether it is still downloading or already installing, and how many
/// distributions are in: uv without a terminal prints nothing per package, so the watch reads what it leaves.
/// Downloading lasts until uv says it has prepared everything ("Prepared N packages", or "Installed" when the
/// cache had it all) or the first distribution appears; installed is the number of `*.dist-info` folders in the
/// environment's site-packages. It looks every 250 ms, on a thread of its own: a listing on a network mount may
/// block, and must not hold up Swift's cooperative pool.
final class InstallWatch: Sendable {
    private let environment: String
    private let total: Int
    private let logPath: String
    private let logOffset: Int
    private let reporter: BuildProgressReporter
    /// Open while the tool runs; a report is passed on only under this lock, so none comes after `close()`.
    private let open = Mutex(true)
    private let prepared = Atomic<Bool>(false)

    static let interval: useconds_t = 250_000

    private init(environment: String, total: Int, log: BuildLog, reporter: BuildProgressReporter) {
        self.environment = environment
        self.total = total
        logPath = log.path
        logOffset = log.size
        self.reporter = reporter
    }

    /// Runs `body` (the install) under a watch, and reports the count it left.
    static func around(
        environment: String,
        total: Int,
        log: BuildLog,
        reporter: BuildProgressReporter,
        _ body: () async throws -> Void
    ) async throws {
        let watch = InstallWatch(environment: environment, total: total, log: log, reporter: reporter)
        reporter.report(BuildProgress(.downloading, total: total))
        let thread = Thread { [watch] in
            while watch.look() { usleep(InstallWatch.interval) }
        }
        thread.name = "kiln-install-watch"
        thread.start()
        defer { watch.close() }
        try await body()
        watch.close()
        let installed = watch.installed()
        reporter.report(BuildProgress(.installing, done: installed, total: total))
        log.say("installed \(installed) of \(total) distribution\(total == 1 ? "" : "s")")
    }

    /// One look; false once closed.
    private func look() -> Bool {
        if !prepared.load(ordering: .relaxed), uvSaysPrepared() { prepared.store(true, ordering: .relaxed) }
        let installed = installed()
        let progress =
            prepared.load(ordering: .relaxed) || installed > 0
            ? BuildProgress(.installing, done: installed, total: total) : BuildProgress(.downloading, total: total)
        return open.withLock { open in
            if open { reporter.report(progress) }
            return open
        }
    }

    private func close() { open.withLock { $0 = false } }

    /// The distributions in the environment so far: one `*.dist-info` folder each, in `lib/pythonX.Y/site-packages`.
    private func installed() -> Int {
        let lib = environment + "/lib"
        return WorkspaceFiles.list(lib).filter { $0.hasPrefix("python") }.reduce(0) { sum, version in
            let site = lib + "/" + version + "/site-packages"
            return sum + WorkspaceFiles.list(site).filter { $0.hasSuffix(".dist-info") }.count
        }
    }

    /// uv's summary lines, in what it wrote to the log since the install began.
    private func uvSaysPrepared() -> Bool {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return false }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(logOffset))) != nil, let data = try? handle.readToEnd() else {
            return false
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").contains {
            $0.hasPrefix("Prepared ") || $0.hasPrefix("Installed ")
        }
    }
}
