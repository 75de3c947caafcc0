import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A temporary workspace with a real `kiln serve` on it, driven the way people drive one: files written by
/// write-and-rename, directories moved with rename(2) or `mv`, statuses read back from disk.
final class TestWorkspace: @unchecked Sendable {
    let root: String
    let layout: WorkspaceLayout
    private var daemon: Process?
    let daemonLog: String

    /// Fixtures/make_wheels.py, for a test that needs wheels of its own.
    static let makeWheels = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/make_wheels.py"
    ).path

    /// Tiny wheels made once per test run by Fixtures/make_wheels.py, so no build needs an index.
    static let wheels: String = {
        let dir = NSTemporaryDirectory() + "kiln-test-wheels-\(getpid())"
        let script = makeWheels
        let result = TestWorkspace.run(
            "/usr/bin/env",
            [
                "python3", script, dir, "kiln-demo-greet==1.0.0", "kiln-demo-greet==1.1.0",
                "kiln-demo-report==2.1.0:kiln-demo-greet>=1.0",
                // Installs, but its import fails as pandas 1.5.3's does under numpy 2: the import check's case.
                "--raise", brokenImportError, "kiln-demo-broken==1.0.0",
                // Its import takes 4 s: a build that is still running when a test acts on it (Slurm's tests).
                "--import-sleep", "4", "kiln-demo-sleepy==1.0.0",
                // Its import takes 10 minutes: a build that runs until a test stops it, however slow the machine.
                "--import-sleep", "600", "kiln-demo-drowsy==1.0.0",
                // A source distribution whose build outlasts any test: the build timeout's case.
                "--slow-build", "kiln-demo-slow==1.0.0",
            ]
        )
        precondition(result.status == 0, "make_wheels.py failed: \(result.output)")
        return dir
    }()

    /// The `kiln` executable built beside this test bundle.
    static let kiln: String = {
        if let explicit = ProcessInfo.processInfo.environment["KILN_BIN"] { return explicit }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kiln")
            .path
    }()

    /// `keepPythons` is off unless a test is about it: a copy of the base interpreter (about 160 MB) for every
    /// temporary workspace would cost each test seconds.
    init(
        settings extra: String = "",
        rescan: String = "0s",
        extraLinks: [String] = [],
        keepPythons: Bool = false
    ) throws {
        root = NSTemporaryDirectory() + "kiln-it-\(UUID().uuidString.prefix(8))"
        layout = WorkspaceLayout(root: root)
        daemonLog = root + ".daemon.log"
        let made = TestWorkspace.run(TestWorkspace.kiln, ["init", root])
        guard made.status == 0 else { throw Failure("kiln init failed: \(made.output)") }
        try """
        [daemon]
        settle = "50ms"
        rescan_interval = "\(rescan)"
        [build]
        find_links = [\(([TestWorkspace.wheels] + extraLinks).map { "\"\($0)\"" }.joined(separator: ", "))]
        no_index = true
        keep_pythons = \(keepPythons)
        \(extra)
        """.write(toFile: layout.settingsFile, atomically: true, encoding: .utf8)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: daemonLog)
    }

    // MARK: the daemon

    /// `wrapper` runs the daemon's command line inside another program (which must exec it, keeping its pid).
    /// `arguments` follow `kiln serve ROOT --log-level debug` (`--http 127.0.0.1:0`).
    func start(
        servingPath: String? = nil,
        environment: [String: String] = [:],
        wrapper: [String] = [],
        arguments: [String] = []
    ) throws {
        let p = Process()
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let command =
            wrapper + [TestWorkspace.kiln, "serve", servingPath ?? root, "--log-level", "debug"] + arguments
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        _ = FileManager.default.createFile(atPath: daemonLog, contents: nil)
        let log = FileHandle(forWritingAtPath: daemonLog)!
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        daemon = p
    }

    /// Starts the daemon as `user` (`runuser -u USER -- kiln serve ...`), a service account with no access to root's
    /// home: `environment` passes what it needs (`KILN_UV`, a uv it can run).
    func start(asUser user: String, environment: [String: String] = [:]) throws {
        try start(
            wrapper: ["/usr/sbin/runuser", "-u", user, "--", "/usr/bin/env"]
                + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        )
    }

    /// SIGTERM, then wait for the daemon to exit; returns its exit status.
    /// Foundation's `waitUntilExit` was seen to spin forever on a daemon that exited at once, leaving it a zombie,
    /// so the exit is collected with waitpid here. Returns the exit code, or the signal that ended it; nil if it had
    /// not exited 60 s after the signal, when it is killed, collected, and `stuckReport` says what it was doing.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32? {
        guard let p = daemon else { return nil }
        daemon = nil
        let pid = p.processIdentifier
        kill(pid, signal)
        var status: Int32 = 0
        for _ in 0..<6000 {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f }
            if reaped == -1 {
                // Foundation collected it first: its own record is then complete.
                p.waitUntilExit()
                return p.terminationStatus
            }
            usleep(10_000)
        }
        stuckReport = Self.processReport(pid)
        kill(pid, SIGKILL)
        // Collected before returning (for up to 30 s more), so a daemon started next does not meet its lock.
        for _ in 0..<3000 where waitpid(pid, &status, WNOHANG) == 0 { usleep(10_000) }
        return nil
    }

    /// What a daemon that did not exit in time was doing (its state, kernel wait channel and each thread's).
    private(set) var stuckReport = ""

    private static func processReport(_ pid: pid_t) -> String {
        func read(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                ?? "(unreadable)"
        }
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return
            (["process \(pid): \(read("/proc/\(pid)/stat"))"]
            + threads.sorted().map { "thread \($0): wchan \(read("/proc/\(pid)/task/\($0)/wchan"))" }
            + ["stack: \(read("/proc/\(pid)/stack"))"]).joined(separator: "\n")
    }

    /// The daemon's process id, while it runs.
    var daemonPID: pid_t? { daemon?.processIdentifier }

    var daemonIsRunning: Bool { daemon.map { kill($0.processIdentifier, 0) == 0 && $0.isRunning } ?? false }
    var daemonOutput: String { (try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? "" }

    /// The part of the daemon's log a failure report needs: its crash report from the crashing thread on, if it
    /// crashed (the tail alone shows only the other threads), else the last lines.
    var daemonOutputForReport: String {
        let output = daemonOutput
        if let crash = output.range(of: "*** Program crashed") {
            return String(output[crash.lowerBound...].prefix(6000))
        }
        // Each line cut to 400 characters: one long line (ServiceGroup's list of services) would fill the report.
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map { $0.prefix(400) }
        return String(lines.joined(separator: "\n").suffix(3000))
    }

    /// Rewrites `workspace.toml` the way an editor saving atomically would.
    func editSettings(_ transform: (String) -> String) throws {
        let text = try String(contentsOfFile: layout.settingsFile, encoding: .utf8)
        try transform(text).write(toFile: layout.settingsFile, atomically: true, encoding: .utf8)
    }

    /// Processes working for this workspace's builds, as "pid: command line": any process other than the daemon
    /// (and this test) whose command line, environment or working folder names `<served>/.kiln/`. Build tools run
    /// with the store or the cache in their arguments, with `UV_CACHE_DIR`/`PIP_CACHE_DIR` inside `.kiln/`, or
    /// in `.kiln/building/`, and whatever they start inherits that environment. The daemon's own command line
    /// names only the workspace root.
    func buildProcesses(served: String? = nil) -> [String] {
        let marker = (served ?? root) + "/.kiln/"
        let skip: Set<Int32> = [getpid(), daemon?.processIdentifier ?? -1]
        var found: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), !skip.contains(pid) else { continue }
            let cmdline = TestWorkspace.procText("/proc/\(entry)/cmdline")
            let mentions =
                cmdline.contains(marker) || TestWorkspace.procText("/proc/\(entry)/environ").contains(marker)
                || ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd")).map {
                    ($0 + "/").hasPrefix(marker)
                } ?? false)
            if mentions { found.append("\(pid): \(cmdline)") }
        }
        return found
    }

    private static func procText(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
    static func waitUntil(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Waits until the daemon's log holds `count` lines containing `text` past byte `offset` (a size of
    /// `daemonOutput` taken earlier). The log is the daemon's only account of what it did not write to disk, such
    /// as a rescan that found nothing to do.
    func waitForLog(
        _ text: String,
        count: Int = 1,
        after offset: Int = 0,
        timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let seen = await TestWorkspace.waitUntil(timeout: timeout) {
            daemonOutput.utf8.dropFirst(offset).split(separator: UInt8(ascii: "\n")).filter {
                String(decoding: $0, as: UTF8.self).contains(text)
            }.count >= count
        }
        if !seen {
            Issue.record(
                "the daemon never logged '\(text)'; its log:\n\(daemonOutputForReport)",
                sourceLocation: sourceLocation
            )
            throw Failure("timed out")
        }
    }

    // MARK: what people do

    /// A path in the workspace; `via` names another view of the same folder (a FUSE mount of it).
    func path(_ relative: String, via view: String? = nil) -> String { (view ?? root) + "/" + relative }

    /// Saves a spec the way most editors and `sed -i` do: write a temporary file, rename it over spec.toml.
    func save(_ relativeDirectory: String, _ text: String, via view: String? = nil) throws {
        try save(relativeDirectory, bytes: Array(text.utf8), via: view)
    }

    func save(_ relativeDirectory: String, bytes: [UInt8], via view: String? = nil) throws {
        let dir = path(relativeDirectory, via: view)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temp = dir + "/.spec.toml.swp"
        _ = FileManager.default.createFile(atPath: temp, contents: Data(bytes))
        guard rename(temp, dir + "/spec.toml") == 0 else { throw Failure("rename failed: \(errno)") }
    }

    func mv(_ from: String, _ to: String, via view: String? = nil) throws {
        let r = TestWorkspace.run("/bin/mv", [path(from, via: view), path(to, via: view)])
        guard r.status == 0 else { throw Failure("mv \(from) \(to): \(r.output)") }
    }

    func kilnCommand(_ arguments: String...) -> (status: Int32, output: String) {
        TestWorkspace.run(TestWorkspace.kiln, arguments + ["--workspace", root])
    }

    /// The folders in the environment store, `.kiln/envs/`.
    var storeEntries: [String] {
        WorkspaceFiles.list(layout.environments).filter { !$0.hasPrefix(".") }.sorted()
    }

    func status(_ relativeDirectory: String) -> Status? {
        (try? String(contentsOfFile: path(relativeDirectory) + "/status", encoding: .utf8)).flatMap(
            Status.init(parsing:)
        )
    }

    /// Waits until the status at `relativeDirectory` satisfies `condition`; fails with what it last saw.
    @discardableResult
    func waitForStatus(
        _ relativeDirectory: String,
        timeout: Duration = .seconds(90),
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (Status) -> Bool
    ) async throws -> Status {
        let deadline = ContinuousClock.now + timeout
        var last: Status?
        while ContinuousClock.now < deadline {
            last = status(relativeDirectory)
            if let last, condition(last) { return last }
            if !daemonIsRunning { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        // A test task kept off the CPU past its deadline (a busy 2-core machine) looks once more before failing.
        last = status(relativeDirectory)
        if let last, condition(last) { return last }
        // A daemon that is still there but said nothing explains itself: what each of its threads waits on.
        let threads = daemon.map {
            daemonIsRunning ? "\nthe daemon's threads:\n" + Self.processReport($0.processIdentifier) : ""
        }
        Issue.record(
            "\(relativeDirectory): status never matched; last: \(last.map { "\($0.state.rawValue): \($0.message)" } ?? "none"); daemon log:\n\(daemonOutputForReport)\(threads ?? "")",
            sourceLocation: sourceLocation
        )
        throw Failure("timed out")
    }

    @discardableResult
    func waitForState(
        _ relativeDirectory: String,
        _ state: EnvironmentState,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Status {
        try await waitForStatus(relativeDirectory, sourceLocation: sourceLocation) { $0.state == state }
    }

    /// The whole way a person takes a spec to published: save, wait for the build, submit, approve.
    func publish(_ name: String, _ spec: String) async throws {
        try save("saved/\(name)", spec)
        try await waitForState("draft/\(name)", .ready)
        try mv("draft/\(name)", "pending/\(name)")
        try await waitForState("pending/\(name)", .awaitingApproval)
        try mv("pending/\(name)", "published/\(name)")
        try await waitForState("published/\(name)", .published)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    // MARK: processes

    /// Runs a program to its end. Output goes through a temporary file, not a pipe: a program that leaves a
    /// daemon behind (bindfs) would hold a pipe open forever.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        let outputPath = NSTemporaryDirectory() + "kiln-run-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        guard let out = FileHandle(forWritingAtPath: outputPath) else { return (-1, "cannot create \(outputPath)") }
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return (-1, "\(error)") }
        let status = collect(p)
        try? out.close()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return (status, String(decoding: data, as: UTF8.self))
    }

    /// Waits for `p` to end and returns its exit code (or the signal that ended it). Foundation's `waitUntilExit`
    /// was seen to wait forever on a program that had exited (a zombie nobody collected: a script that started
    /// daemons in the background, as scripts/slurm-cluster.sh does), so the exit is collected with waitpid.
    static func collect(_ p: Process) -> Int32 {
        let pid = p.processIdentifier
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f }
            if reaped == -1 {
                // Foundation collected it first: its own record is then complete.
                p.waitUntilExit()
                return p.terminationStatus
            }
            usleep(5_000)
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What importing kiln-demo-broken raises: numpy's words for a binary built for numpy 1 under numpy 2, so the import
/// check's hint is tested without numpy.
let brokenImportError =
    "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header, got 88 from PyObject"

/// The spec most tests build: one library that depends on another, both from the test wheels.
let reportSpec = """
    full_name = "Report tools"
    base = "python:3.11"
    libraries = ["kiln-demo-report==2.1.0"]
    """
