import Foundation
import KilnProtocol
import Subprocess
import SystemPackage

/// A person's own, writable virtual environment made from a built environment's `requirements.lock`: the same base
/// interpreter, exactly the pinned distributions, and pip, so its owner can change it freely. Nothing in the
/// workspace is written.
public struct PersonalCopy: Sendable {
    /// The `requirements.lock` to install.
    public var lock: String
    /// The base interpreter, as a build of the spec uses it.
    public var interpreter: String
    /// The folder to make; it does not exist, or is empty.
    public var destination: String
    /// What the shell prompt shows once the copy is activated.
    public var prompt: String
    /// The `uv` binary, or nil to install with pip.
    public var uv: String?
    /// The workspace's `[build]` sources: the copy installs from where the build did.
    public var settings: WorkspaceSettings

    public init(
        lock: String,
        interpreter: String,
        destination: String,
        prompt: String,
        uv: String?,
        settings: WorkspaceSettings
    ) {
        self.lock = lock
        self.interpreter = interpreter
        self.destination = destination
        self.prompt = prompt
        self.uv = uv
        self.settings = settings
    }

    /// Makes the copy, saying each step to `say` and passing the tools' own output to standard error.
    ///
    /// The venv is made with `python -m venv`: its pip comes from the interpreter's own `ensurepip`, so an
    /// air-gapped workspace, whose `find_links` need not hold pip, can make one too. The lock is then installed with
    /// `uv pip sync` (which keeps the venv's pip), or with pip when there is no uv.
    public func make(say: (String) -> Void) async throws {
        let python = destination + "/bin/python"
        say("step create: a virtual environment with pip, from \(interpreter)")
        try await tool(interpreter, ["-m", "venv", "--prompt", prompt, destination], say: say)
        say("step install: exactly the distributions pinned in \(lock)")
        if let uv {
            try await tool(
                uv,
                ["pip", "sync", "--python", python, "--link-mode", "copy"] + settings.installerSourceArguments
                    + [lock],
                say: say
            )
        } else {
            try await tool(
                python,
                ["-m", "pip", "install", "--disable-pip-version-check", "--no-deps", "--require-hashes"]
                    + settings.installerSourceArguments + ["-r", lock],
                say: say
            )
        }
        say("step check: pip runs in the copy")
        try await tool(python, ["-m", "pip", "--version"], say: say)
    }

    /// Runs a tool with arguments, never a shell line, its output going to standard error.
    private func tool(_ executable: String, _ arguments: [String], say: (String) -> Void) async throws {
        say("$ " + ([executable] + arguments).map(shellQuoted).joined(separator: " "))
        let status: TerminationStatus
        do {
            status = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .inherit.updating(["UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INPUT": "1"]),
                output: .fileDescriptor(.standardError, closeAfterSpawningProcess: false),
                error: .fileDescriptor(.standardError, closeAfterSpawningProcess: false)
            ).terminationStatus
        } catch {
            throw PersonalCopyError("cannot run \(executable): \(error)")
        }
        guard status.isSuccess else {
            throw PersonalCopyError(
                "\((executable as NSString).lastPathComponent) ended with \(status)"
            )
        }
    }
}

/// Why a personal copy could not be made.
public struct PersonalCopyError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
