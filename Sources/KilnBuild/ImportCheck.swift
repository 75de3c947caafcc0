import Foundation
import Subprocess
import SystemPackage

/// The check that makes `ready` mean usable (protocol rule 1): every top-level module of every library the spec
/// names is imported in the built environment, each in a fresh interpreter with a time limit. uv installing a
/// library does not prove it imports: pandas 1.5.3 installs beside numpy 2 and then fails on `import pandas`.
struct ImportCheck: Sendable {
    /// One import that takes longer is stopped and fails the build: long enough for a large library on a busy
    /// host, short enough that a module waiting for something (a licence server, a device) is noticed.
    static let defaultTimeLimit: Duration = .seconds(60)

    /// The built environment's interpreter.
    var python: String
    var timeLimit: Duration = ImportCheck.defaultTimeLimit
    /// Imports at once. The check is on the build's critical path, and each import is one busy process.
    var width = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Imports the modules of `libraries` (normalised distribution names, in the spec's order), except those in
    /// `skipping`, writing a line per module to `log`. Returns the first failure in the spec's order, or nil when
    /// everything imported. Throws `ImportCheckError` when the interpreter cannot list its distributions, and
    /// `CancellationError` when cancelled (every import it started is stopped first).
    ///
    /// `imported` hears how many of the modules have been imported so far, and how many there are, for progress.
    func run(
        _ libraries: [String],
        skipping: [String] = [],
        log: @escaping @Sendable (String) -> Void,
        imported: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> ImportFailure? {
        let skipped = Set(skipping)
        for name in libraries where skipped.contains(name) {
            log("\(name): not imported, as [build] skip_import_check says")
        }
        let checked = libraries.filter { !skipped.contains($0) }
        if checked.isEmpty {
            log("no library to import")
            return nil
        }
        let distributions: [TopLevelModules]
        let started = ContinuousClock.now
        switch try await topLevelModules(checked) {
        case .unsupported(let why):
            log("import check skipped: \(why)")
            return nil
        case .found(let list): distributions = list
        }
        let count = checked.count == 1 ? "1 library" : "\(checked.count) libraries"
        log("modules of \(count) read from their metadata in \(BuildLog.seconds(ContinuousClock.now - started))")
        var imports: [(TopLevelModules, String)] = []
        for distribution in distributions {
            guard let version = distribution.version else {
                log("\(distribution.name): not installed (a marker that excludes this host?): nothing to import")
                continue
            }
            let modules = distribution.modules.filter(TopLevelModules.isModuleName)
            if modules.isEmpty {
                log("\(distribution.name) \(version): no importable module (only scripts or data, or a metapackage)")
            }
            imports += modules.map { (distribution, $0) }
        }
        return try await importAll(imports, log: log, imported: imported)
    }

    /// One run of the environment's interpreter, in isolated mode, lists the distributions' modules.
    func topLevelModules(_ names: [String]) async throws -> TopLevelModules.Answer {
        let result = try await Subprocess.run(
            .path(FilePath(python)),
            arguments: Arguments(["-I", "-c", TopLevelModules.script] + names),
            output: .string(limit: 4 << 20),
            error: .string(limit: 1 << 20)
        )
        try Task.checkCancellation()
        let output = result.standardOutput
        guard result.terminationStatus.isSuccess, let answer = TopLevelModules.decode(output) else {
            let said = result.standardError.split(whereSeparator: \.isNewline).last.map(String.init)
            throw ImportCheckError(
                description: "the environment's python could not list the installed distributions' modules "
                    + "(\(result.terminationStatus)\(said.map { ": " + $0 } ?? ""))"
            )
        }
        return answer
    }

    /// Runs the imports, `width` at a time, and stops as soon as the first failure in order is certain: a failure
    /// whose earlier imports have all succeeded.
    private func importAll(
        _ imports: [(TopLevelModules, String)],
        log: @escaping @Sendable (String) -> Void,
        imported: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> ImportFailure? {
        imported(0, imports.count)
        let failure = await withTaskGroup(of: (Int, ImportFailure?)?.self) { group in
            var results: [ImportFailure??] = Array(repeating: nil, count: imports.count)
            var next = 0
            func start() {
                guard next < imports.count else { return }
                let (index, (distribution, module)) = (next, imports[next])
                next += 1
                group.addTask {
                    guard let version = distribution.version,
                        let outcome = await self.attempt(module, of: distribution.name, version: version, log: log)
                    else { return nil }
                    return (index, outcome)
                }
            }
            for _ in 0..<width { start() }
            var done = 0
            while let finished = await group.next() {
                guard let (index, outcome) = finished else { continue }
                results[index] = .some(outcome)
                done += 1
                imported(done, imports.count)
                for result in results {
                    guard let decided = result else { break }
                    if let failure = decided {
                        group.cancelAll()
                        return Optional(failure)
                    }
                }
                start()
            }
            return nil
        }
        try Task.checkCancellation()
        return failure
    }

    /// Imports one module in a fresh interpreter. Returns `.some(nil)` when it imported, `.some(failure)` when not,
    /// and nil when cancelled.
    private func attempt(
        _ module: String,
        of distribution: String,
        version: String,
        log: @escaping @Sendable (String) -> Void
    ) async -> ImportFailure?? {
        let started = ContinuousClock.now
        let ended = await withTaskGroup(of: Ending?.self) { group in
            group.addTask { await self.importModule(module) }
            group.addTask {
                try? await Task.sleep(for: self.timeLimit)
                return Task.isCancelled ? nil : .timedOut
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let took = BuildLog.seconds(ContinuousClock.now - started)
        let what = "import \(module) (\(distribution) \(version))"
        switch ended {
        case nil:
            return nil
        case .imported:
            log("\(what): ok, \(took)")
            return .some(nil)
        case .timedOut:
            log("\(what): stopped after \(took), longer than the limit of \(ImportFailure.seconds(timeLimit))")
            return ImportFailure(
                distribution: distribution,
                version: version,
                module: module,
                kind: .timedOut(timeLimit),
                hint: "if it waits for something this host lacks, add \"\(distribution)\" to [build] "
                    + "skip_import_check in workspace.toml"
            )
        case .failed(let output, let ending):
            let tail = output.split(whereSeparator: \.isNewline).suffix(40)
            log("\(what): failed after \(took), \(ending):\n" + tail.map { "    " + $0 }.joined(separator: "\n"))
            return ImportFailure(
                distribution: distribution,
                version: version,
                module: module,
                output: output,
                ending: ending
            )
        }
    }

    private enum Ending: Sendable {
        case imported
        case failed(output: String, ending: String)
        case timedOut
    }

    /// `python -I -c "import MODULE"` in its own session, so a timeout or a cancel stops it and everything it
    /// started. Its output (standard output and error together) is kept to the last 64 KiB: enough for a traceback,
    /// whatever a module prints first.
    private func importModule(_ module: String) async -> Ending? {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(3))]
        let keep = 64 << 10
        do {
            let result = try await Subprocess.run(
                .path(FilePath(python)),
                arguments: ["-I", "-c", "import " + module],
                platformOptions: options,
                input: .none,
                output: .sequence,
                error: .combinedWithOutput
            ) { execution in
                var tail: [UInt8] = []
                for try await buffer in execution.standardOutput {
                    buffer.withUnsafeBytes { tail.append(contentsOf: $0) }
                    if tail.count > 2 * keep { tail.removeFirst(tail.count - keep) }
                }
                return tail.suffix(keep)
            }
            if Task.isCancelled { return nil }
            if result.terminationStatus.isSuccess { return .imported }
            let ending =
                switch result.terminationStatus {
                case .exited(let code): "exit code \(code)"
                case .signaled(let signal): "signal \(signal)"
                }
            return .failed(output: String(decoding: result.closureResult, as: UTF8.self), ending: ending)
        } catch {
            if Task.isCancelled { return nil }
            return .failed(output: "could not run \(python): \(error)", ending: "not started")
        }
    }
}
