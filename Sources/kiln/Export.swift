import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a personal, writable virtual environment from an environment's requirements.lock.",
        discussion: """
            The copy has the environment's base interpreter, exactly the distributions its lock pins, installed \
            from the workspace's [build] sources, and pip: change it as you like, the workspace's environment is \
            never touched. It exports the published version, or your draft if there is none (--draft: the draft). \
            DIR must not exist, or be empty: nothing of yours is ever replaced. Each step is shown on standard \
            error. Example: kiln export churn ~/venvs/churn && . ~/venvs/churn/bin/activate
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The environment to copy.")
    var name: String
    @Argument(help: "The folder to make the copy in: new, or empty.")
    var directory: String
    @Flag(help: "Copy your draft, not the published version.")
    var draft = false
    @Option(help: "What the shell prompt shows when the copy is active (default: the name).")
    var prompt: String?

    func validate() throws {
        if let problem = EnvironmentName.lookupProblem(with: name) { throw ValidationError(problem) }
        if let prompt, prompt.isEmpty || prompt.contains(where: \.isNewline) {
            throw ValidationError("--prompt must be one line of text")
        }
    }

    func run() async throws {
        let layout = try options.layout()
        let target = WorkspaceLocator.absolute(directory)
        let usable = try pick(layout)
        let existed = try Export.checkFree(target)
        let settings = try workspaceSettings(layout)
        let lock = layout.lock(usable.location)
        guard WorkspaceFiles.kind(lock) == .file else {
            throw CLIError.workspace(
                "\(usable.location) is built but has no requirements.lock; the file is damaged: `kiln serve` writes "
                    + "it again when '\(name)' is next built"
            )
        }
        let interpreters = PythonFinder().interpreters(overrides: settings.pythons)
        let specPath = usable.location.description + "/spec.toml"
        let spec: Spec
        switch Spec.parse(
            WorkspaceFiles.readSpec(layout.spec(usable.location)),
            path: specPath,
            directoryName: name,
            pythons: Set(interpreters.keys)
        ) {
        case .success(let parsed): spec = parsed
        case .failure(let problem): throw CLIError.refused("cannot export '\(name)': \(problem.description)")
        }
        guard let interpreter = interpreters[spec.base.text] else {
            throw CLIError.refused("cannot export '\(name)': this host has no Python \(spec.base.text)")
        }
        note("kiln: exporting \(usable.location) (python \(spec.base.text), \(interpreter)) to \(target)")
        let copy = PersonalCopy(
            lock: lock,
            interpreter: interpreter,
            destination: target,
            prompt: prompt ?? name,
            uv: ToolFinder().uv(),
            settings: settings
        )
        do {
            try await copy.make { note("kiln: " + $0) }
        } catch {
            // Only what this command made goes: the folder was new, or empty.
            if existed {
                for entry in WorkspaceFiles.list(target) {
                    try? FileManager.default.removeItem(atPath: target + "/" + entry)
                }
            } else {
                try? FileManager.default.removeItem(atPath: target)
            }
            throw CLIError.refused("could not export '\(name)' to \(target): \(error); nothing was left there")
        }
        let count = (WorkspaceFiles.readText(lock) ?? "").split(separator: "\n").filter {
            $0.contains("==") && !$0.hasPrefix("#") && !$0.hasPrefix(" ")
        }.count
        print(
            "exported \(usable.location) to \(target): python \(spec.base.text), "
                + "\(counted(count, "distribution", "distributions")) from its requirements.lock, and pip; "
                + "activate it with: . \(ShellKind.bash.quoted(target + "/bin/activate"))"
        )
    }

    /// The published version, or the draft when there is none or `--draft` asks for it.
    private func pick(_ layout: WorkspaceLayout) throws -> UsableEnvironment {
        let usable = try usableEnvironment(name, in: layout, stages: draft ? [.draft] : [.published, .draft])
        if !draft, usable.location.stage == .draft {
            note("kiln: '\(name)' has no published version that can be used; exporting \(usable.location)")
        }
        return usable
    }

    /// Refuses a target that holds anything: a copy never replaces a person's files. Returns whether it exists.
    static func checkFree(_ target: String) throws -> Bool {
        switch WorkspaceFiles.kind(target) {
        case .missing:
            return false
        case .directory:
            let entries = WorkspaceFiles.list(target)
            guard entries.isEmpty else {
                throw CLIError.refused(
                    "\(target) is not empty (it holds \(counted(entries.count, "entry", "entries"))); export into a "
                        + "new or empty folder: nothing of yours is ever replaced"
                )
            }
            return true
        default:
            throw CLIError.refused("\(target) exists and is not a folder; export into a new or empty folder")
        }
    }
}
