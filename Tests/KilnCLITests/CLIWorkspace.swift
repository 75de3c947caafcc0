import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What one run of `kiln` left behind.
struct KilnResult: CustomStringConvertible {
    var status: Int32
    /// The process died of a signal (a crash), rather than exiting.
    var crashed: Bool
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\(crashed ? " (signal)" : "")\nstdout: \(stdout)\nstderr: \(stderr)" }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A temporary workspace with no daemon: each test writes on disk what the daemon would have
/// written (specs, statuses, logs, built environments) and runs `kiln` against it.
final class CLIWorkspace: @unchecked Sendable {
    let root: String
    let layout: WorkspaceLayout
    private var lockDescriptor: Int32 = -1

    /// The `kiln` executable built beside this test bundle, or `KILN_BIN`.
    static let kiln: String = {
        if let explicit = ProcessInfo.processInfo.environment["KILN_BIN"] { return explicit }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kiln")
            .path
    }()

    init() async throws {
        root = NSTemporaryDirectory() + "kiln-cli-\(UUID().uuidString.prefix(8))"
        layout = WorkspaceLayout(root: root)
        // What `kiln init` makes, made here without a process (CommandTests runs `kiln init` itself).
        for folder in ["saved", "draft", "pending", "published", ".kiln/requests"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: running kiln

    /// `kiln SUBCOMMAND --workspace ROOT ARGUMENTS...`
    func kiln(_ subcommand: String, _ arguments: String...) async -> KilnResult {
        await CLIWorkspace.run([subcommand, "--workspace", root] + arguments)
    }

    /// Starts `kiln SUBCOMMAND --workspace ROOT ARGUMENTS...` and returns at once.
    func start(_ subcommand: String, _ arguments: String...) throws -> RunningKiln {
        try RunningKiln([subcommand, "--workspace", root] + arguments)
    }

    /// Runs kiln to its end, with any arguments. It waits by polling, never blocking a thread of the shared pool
    /// (the tests run in parallel, and a blocked pool would stall the timing of every other test).
    static func run(_ arguments: [String], directory: String? = nil) async -> KilnResult {
        do {
            let running = try RunningKiln(arguments, directory: directory)
            return try await running.finish(timeout: .seconds(30))
        } catch {
            return KilnResult(status: -1, crashed: false, stdout: "", stderr: "\(error)")
        }
    }

    // MARK: what the daemon and people write

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes beside and renames, as the daemon and most editors do.
    func write(_ relative: String, _ text: String) throws { try write(relative, bytes: Array(text.utf8)) }

    func write(_ relative: String, bytes: [UInt8]) throws {
        let target = path(relative)
        let directory = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temp = directory + "/.write-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temp, contents: Data(bytes)) else {
            throw Failure("cannot write \(temp)")
        }
        guard rename(temp, target) == 0 else { throw Failure("cannot rename over \(target): \(errno)") }
    }

    /// Appends to a file (a build log growing).
    func append(_ relative: String, _ text: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path(relative)) else {
            try write(relative, text)
            return
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
    }

    func read(_ relative: String) -> String? { try? String(contentsOfFile: path(relative), encoding: .utf8) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// rename(2), as `mv` within one file system.
    func move(_ from: String, _ to: String) throws {
        guard rename(path(from), path(to)) == 0 else { throw Failure("cannot move \(from) to \(to): \(errno)") }
    }

    /// Writes `<stage>/<name>/spec.toml`; returns its SHA-256, as statuses name it.
    @discardableResult
    func spec(
        _ location: String,
        base: String = "python:3.11",
        libraries: [String] = ["pandas==2.2.3"],
        fullName: String? = nil,
        description: String? = nil
    ) throws -> String {
        var text = ""
        if let fullName { text += "full_name = \"\(fullName)\"\n" }
        text += "base = \"\(base)\"\n"
        text += "libraries = [\(libraries.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        if let description { text += "description = \"\(description)\"\n" }
        try write(location + "/spec.toml", text)
        return SHA256Hex.of(Array(text.utf8))
    }

    /// Writes a status file as the daemon does.
    func status(_ location: String, _ status: Status) throws { try write(location + "/status", status.rendered()) }

    func status(_ location: String) -> Status? { read(location + "/status").flatMap(Status.init(parsing:)) }

    /// A built environment, as far as `kiln activate` and `kiln run` look: `bin/python` (a real interpreter) and
    /// `bin/activate` (which Kiln no longer sources) in `.kiln/envs/<hash>/`, and a spec and a `ready` (or given) status that name it.
    @discardableResult
    func built(
        _ name: String,
        in stage: Stage = .draft,
        state: EnvironmentState = .ready,
        build: Int = 1,
        fullName: String? = nil,
        libraries: [String] = ["pandas==2.2.3"]
    ) throws -> Status {
        let location = "\(stage.rawValue)/\(name)"
        let hash = try spec(location, libraries: libraries, fullName: fullName)
        let environment = layout.environment(hash)
        try FileManager.default.createDirectory(atPath: environment + "/bin", withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: environment + "/bin/python") {
            try FileManager.default.createSymbolicLink(
                atPath: environment + "/bin/python",
                withDestinationPath: "/usr/bin/python3"
            )
        }
        try "# activate\n".write(toFile: environment + "/bin/activate", atomically: true, encoding: .utf8)
        try write(location + "/logs/build-\(build).log", "building \(name)\nbuilt\n")
        let status = Status(
            stage: stage,
            state: state,
            specSHA256: hash,
            build: build,
            environment: environment,
            python: environment + "/bin/python",
            updated: Date(),
            message: "built in 0.1 s: 1 distribution"
        )
        try self.status(location, status)
        return status
    }

    /// Holds `.kiln/daemon.lock` as a running `kiln serve` does.
    func holdDaemonLock() throws {
        let fd = open(layout.daemonLock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw Failure("cannot lock \(layout.daemonLock)") }
        lockDescriptor = fd
    }

    /// Lets the lock go, as a daemon that stops does.
    func releaseDaemonLock() {
        if lockDescriptor >= 0 { close(lockDescriptor) }
        lockDescriptor = -1
    }
}

/// A `kiln` process running in the background, its output going to files a test can read while it runs.
final class RunningKiln: @unchecked Sendable {
    let process = Process()
    private let stdoutPath: String
    private let stderrPath: String

    init(_ arguments: [String], directory: String? = nil, environment extra: [String: String] = [:]) throws {
        let base = NSTemporaryDirectory() + "kiln-cli-out-\(UUID().uuidString.prefix(8))"
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: stdoutPath), let err = FileHandle(forWritingAtPath: stderrPath)
        else { throw Failure("cannot create \(base).out/.err") }
        process.executableURL = URL(fileURLWithPath: CLIWorkspace.kiln)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Neither the host's workspace nor a terminal may leak in.
        var environment = ProcessInfo.processInfo.environment
        environment["KILN_WORKSPACE"] = nil
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try? out.close()
        try? err.close()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    /// Valid once the process has ended.
    var result: KilnResult {
        KilnResult(
            status: process.terminationStatus,
            crashed: process.terminationReason == .uncaughtSignal,
            stdout: stdout,
            stderr: stderr
        )
    }

    /// Waits until standard output holds `text`; false if the time runs out or the process ends without it.
    func waitForOutput(_ text: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stdout.contains(text) { return true }
            if !isRunning { return stdout.contains(text) }
            try await Task.sleep(for: .milliseconds(20))
        }
        // A test task kept off the CPU past its deadline (a busy 2-core machine) looks once more.
        return stdout.contains(text)
    }

    /// Waits for the end; kills it and records an issue if it does not come.
    func finish(
        timeout: Duration = .seconds(60),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws
        -> KilnResult
    {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("kiln did not end; stdout: \(stdout)\nstderr: \(stderr)", sourceLocation: sourceLocation)
                throw Failure("timed out")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return result
    }
}
