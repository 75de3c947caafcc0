import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that this host can use the workspace's environments, and say what it lacks.",
        discussion: """
            For every built environment in draft/ and published/: the workspace is mounted here at the path it was \
            built under, its bin/python leads to an interpreter this host has, and that interpreter runs. Then uv \
            (only `kiln export` needs it) and the shells an environment can be activated from (bash, zsh, fish); it \
            also says how often a daemon on this host would rescan the workspace, from its file system. \
            Permissions: whether anyone but the admins' group may write published/, and whether the daemon's user \
            (the owner of .kiln/) can write the stage folders, .kiln/ and every environment directory, each with the \
            command that fixes it. \
            With [build] executor = "slurm": Slurm's commands are on PATH, the partition exists and is up, and a \
            tiny job submitted as build jobs are sees the workspace at the same path on its node (it may wait \
            --slurm-wait for a node: 60s unless given). \
            Exit 0 when this host has everything it needs; 1 when something is missing, each on its own line \
            starting "missing:", with where and what to do.
            """
    )

    @OptionGroup var options: WorkspaceOptions

    @Option(
        name: .customLong("slurm-wait"),
        help: ArgumentHelp(
            "With executor = \"slurm\": how long the test job may wait for a node and run, such as \"90s\" or \"5m\" "
                + "on a busy cluster.",
            valueName: "duration"
        ),
        transform: Doctor.slurmWait
    )
    var slurmWait: Duration = Doctor.slurmProbeLimit

    /// How long an environment's python may take to print its version.
    static let runLimit: Double = 10

    func run() async throws {
        let layout = try options.layout()
        var missing = 0
        func report(_ finding: Finding) {
            emit(finding.line)
            if finding.isMissing { missing += 1 }
        }
        emit("workspace: \(layout.root)")
        let settings = try? workspaceSettings(layout)
        if let settings {
            let choice = RescanChoice.choose(
                settings.rescanInterval,
                fileSystem: try? FileSystemProbe.kind(of: layout.root).get()
            )
            emit("note: a daemon serving it from this host would say: \(choice.reason)")
        }
        for finding in Doctor.permissionFindings(layout) { report(finding) }
        if let settings, settings.executor == .slurm {
            for finding in await Doctor.slurmFindings(layout, settings, waiting: slurmWait) { report(finding) }
        }
        var checked: [String: Finding] = [:]
        let reader = WorkspaceReader(layout: layout)
        for name in reader.names().sorted() {
            for copy in MoveWait.read(name, in: layout, limit: MoveWait.listLimit) {
                guard copy.location.stage == .draft || copy.location.stage == .published, let status = copy.status,
                    [.ready, .rejected, .published].contains(status.state), let environment = status.environment
                else { continue }
                let finding =
                    checked[environment] ?? Doctor.check(environment: environment, python: status.python, in: layout)
                checked[environment] = finding
                report(finding.about(copy.location.description))
            }
        }
        if checked.isEmpty { emit("ok: no built environment in draft/ or published/ to check") }
        if let uv = ToolFinder().uv(), case .success(let version) = Doctor.version(of: uv, ["--version"]) {
            emit("ok: \(version), \(uv) (for `kiln export`)")
        } else {
            emit(
                "note: uv does not run on this host: only `kiln export` needs it; install it (see docs.astral.sh/uv) to export"
            )
        }
        let shells = ["bash", "zsh", "fish"].map { ($0, Doctor.onPath($0)) }
        let present = shells.compactMap { name, path in path.map { "\(name) \($0)" } }
        let absent = shells.filter { $0.1 == nil }.map(\.0)
        if present.isEmpty {
            report(
                Finding(
                    isMissing: true,
                    text: "a shell to activate environments from: none of bash, zsh or fish is on PATH; install one, "
                        + "or use `kiln run NAME -- CMD`"
                )
            )
        } else {
            emit(
                "ok: shells: " + present.joined(separator: ", ")
                    + (absent.isEmpty ? "" : " (not here: \(absent.joined(separator: ", ")))")
            )
        }
        if missing > 0 {
            throw CLIError.refused(
                "this host lacks \(counted(missing, "thing", "things")) to use this workspace, or its permissions are "
                    + "wrong: the 'missing:' lines say what, and how to fix it"
            )
        }
    }

    /// One line of the report.
    struct Finding {
        var isMissing: Bool
        var text: String

        var line: String { (isMissing ? "missing: " : "ok: ") + text }

        func about(_ location: String) -> Finding { Finding(isMissing: isMissing, text: location + ": " + text) }
    }

    /// What this host lacks to use one built environment, checked in the order a person would fix it.
    static func check(environment: String, python: String?, in layout: WorkspaceLayout) -> Finding {
        let store = "/.kiln/envs/"
        if let cut = environment.range(of: store, options: .backwards),
            environment[..<cut.lowerBound] != layout.root,
            realPath(String(environment[..<cut.lowerBound])) != realPath(layout.root)
        {
            let builtUnder = String(environment[..<cut.lowerBound])
            return Finding(
                isMissing: true,
                text: "the workspace is mounted here at \(layout.root), but the environment was built under "
                    + "\(builtUnder), and its scripts name that path: mount the workspace at \(builtUnder) on this host"
            )
        }
        let python = python ?? environment + "/bin/python"
        var chain: [String] = [python]
        var current = python
        while WorkspaceFiles.kind(current) == .symlink, chain.count < 16,
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current)
        {
            current =
                target.hasPrefix("/")
                ? target : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
            chain.append(current)
        }
        let base = current
        let inWorkspace = base.hasPrefix(layout.pythons + "/")
        guard WorkspaceFiles.kind(base) == .file else {
            let fix =
                inWorkspace
                ? "the workspace's copy of the interpreter is gone or hidden here; restore \(layout.pythons) (the "
                    + "daemon makes a copy only when it builds)"
                : "install that interpreter at that path on this host, or have the environment built again by a "
                    + "daemon that keeps interpreters in \(layout.pythons) (edit and save its spec)"
            return Finding(
                isMissing: true,
                text: "the interpreter \(base) (\(chain.joined(separator: " -> "))) is not on this host: \(fix)"
            )
        }
        switch version(of: python, ["-c", "import sys; print(sys.version)"]) {
        case .success(let version):
            let whose =
                inWorkspace
                ? "the workspace's copy \(base)"
                : "\(base), outside the workspace: hosts without it cannot run this environment"
            return Finding(isMissing: false, text: "runs Python \(version), from \(whose)")
        case .failure(let why):
            return Finding(
                isMissing: true,
                text: "\(python) does not run here (\(why.text)); its interpreter is \(base): check that this host "
                    + "has the libraries it needs (`ldd \(base)`)"
            )
        }
    }

    struct RunFailure: Error {
        var text: String
    }

    /// Runs a program that prints its version (`python -c "import sys; print(sys.version)"`, `uv --version`) with a
    /// time limit; returns the first word of its output for python, the first line for other programs.
    static func version(of program: String, _ arguments: [String]) -> Result<String, RunFailure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONHOME"] = nil
        environment["PYTHONPATH"] = nil
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        do { try process.run() } catch { return .failure(RunFailure(text: "it cannot start: \(error)")) }
        guard ended.wait(timeout: .now() + runLimit) == .success else {
            process.terminate()
            return .failure(RunFailure(text: "it did not answer within \(Int(runLimit)) s"))
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let separator: Character = arguments.first == "-c" ? " " : "\n"
        guard process.terminationStatus == 0, let version = text.split(separator: separator).first else {
            return .failure(RunFailure(text: "it exited with \(process.terminationStatus)"))
        }
        return .success(String(version).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func onPath(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { $0 + "/" + program }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
