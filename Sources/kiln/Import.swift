import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write saved/<name>/spec.toml from a virtual environment, an interpreter, a requirements file or "
            + "a Jupyter kernel.",
        discussion: """
            From a venv folder, a python executable or a kernel name (its kernel.json's interpreter), the \
            interpreter itself is asked for its version and every distribution it imports; each becomes a pin, \
            NAME==VERSION. Editable installs and installs from a local path or a direct URL cannot be rebuilt from \
            an index: they are listed as not imported. pip, setuptools and wheel are skipped when venv put them \
            there. A requirements file is read line by line (-r includes too); it needs --base, since it does not \
            say which Python it is for. The daemon then builds the spec like any save. Example: \
            kiln import churn --from ~/venvs/churn
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The new environment's name.")
    var name: String
    @Option(
        name: .customLong("from"),
        help: "A virtual environment folder, a python executable, a requirements file, or a Jupyter kernel's name."
    )
    var source: String
    @Option(help: "The base interpreter, python:X.Y: required for a requirements file.")
    var base: String?
    @Option(help: "A longer, human name.")
    var fullName: String?
    @Option(help: "What the environment is for (default: where it was imported from).")
    var description: String?

    func validate() throws {
        if let problem = EnvironmentName.problem(with: name) { throw ValidationError(problem) }
        if let base, PythonVersion(base: base) == nil {
            throw ValidationError("--base \(base) is not of the form python:X.Y, e.g. python:3.11")
        }
    }

    /// What `--from` names.
    enum Source {
        case interpreter(String, what: String)
        case requirements(String)
    }

    func run() async throws {
        let layout = try options.layout()
        try ensureNoVersionInProgress(name, in: layout)
        let version: PythonVersion
        var imported = ImportedLibraries()
        let origin: String
        switch try Import.classify(source) {
        case .requirements(let path):
            guard let base, let given = PythonVersion(base: base) else {
                throw CLIError.usage(
                    "\(path) is a requirements file, which does not say which Python it is for: add --base python:X.Y"
                )
            }
            version = given
            let contents = RequirementsFile.read(path) { WorkspaceFiles.readText($0, limit: 4 * 1024 * 1024) }
            imported.requirements = contents.requirements
            imported.leftOut = contents.leftOut
            origin = path
        case .interpreter(let python, let what):
            note("kiln: asking \(python) for its version and distributions")
            let inventory: InterpreterInventory
            do {
                inventory = try await InterpreterInventory.ask(python)
            } catch {
                throw CLIError.refused("cannot import from \(what): \(error)")
            }
            guard let found = PythonVersion(text: inventory.version) else {
                throw CLIError.refused("\(python) reports Python \(inventory.version), which Kiln cannot use")
            }
            if let base, PythonVersion(base: base) != found {
                throw CLIError.usage(
                    "--base \(base) disagrees with \(python), which is Python \(inventory.fullVersion); leave "
                        + "--base out, or import from a requirements file"
                )
            }
            version = found
            imported = inventory.imported()
            origin = what
        }
        let spec = Spec(
            fullName: fullName,
            base: version,
            libraries: imported.requirements,
            description: description ?? "imported from \(origin)"
        )
        guard spec.rendered().utf8.count <= Spec.maximumSize else {
            throw CLIError.refused(
                "the spec for \(imported.requirements.count) libraries would be larger than \(Spec.maximumSize) bytes, "
                    + "the most a spec.toml may hold"
            )
        }
        try saveNewSpec(spec, as: name, in: layout)
        print(
            "wrote saved/\(name)/spec.toml: python:\(version.text), "
                + "\(counted(imported.requirements.count, "library", "libraries")) from \(origin)"
        )
        for requirement in imported.requirements { print("  imported: \(requirement.text)") }
        for skipped in imported.skipped { print("  skipped: \(skipped)") }
        for left in imported.leftOut { print("  not imported: \(left)") }
        if !imported.leftOut.isEmpty {
            print("add what was not imported by hand (a requirement an index has) to libraries, if the build needs it")
        }
        let settings = (try? workspaceSettings(layout)) ?? WorkspaceSettings()
        if PythonFinder().interpreters(overrides: settings.pythons)[version.text] == nil {
            note("kiln: this host has no Python \(version.text); the daemon's host needs one to build '\(name)'")
        }
        print("`kiln logs \(name) --follow` shows the build")
    }

    /// A folder is a virtual environment; an executable file an interpreter; any other file a requirements file; a
    /// word that names no file, a Jupyter kernel.
    static func classify(_ source: String) throws -> Source {
        let path = WorkspaceLocator.absolute(source)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue {
                let python = path + "/bin/python"
                guard FileManager.default.isExecutableFile(atPath: python) else {
                    throw CLIError.refused(
                        "\(path) is a folder but not a virtual environment: it has no bin/python"
                    )
                }
                return .interpreter(python, what: path)
            }
            return looksLikeAProgram(path) ? .interpreter(path, what: path) : .requirements(path)
        }
        if source.contains("/") {
            throw CLIError.refused("\(source) does not exist")
        }
        let finder = KernelSpecFinder()
        let kernel: KernelSpecFinder.Found?
        do {
            kernel = try finder.find(source)
        } catch {
            throw CLIError.refused("cannot import from the kernel '\(source)': \(error)")
        }
        guard let kernel else {
            throw CLIError.refused(
                "\(source) is neither a file nor a Jupyter kernel (looked in "
                    + finder.searchFolders.joined(separator: ", ") + ")"
            )
        }
        note("kiln: the kernel '\(kernel.name)' (\(kernel.folder)) runs \(kernel.interpreter)")
        return .interpreter(kernel.interpreter, what: "the Jupyter kernel '\(kernel.name)'")
    }

    /// An executable that is a binary, a script, or is called python: a requirements file is none of these.
    static func looksLikeAProgram(_ path: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        if (path as NSString).lastPathComponent.hasPrefix("python") { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 4))
        return head == [0x7f, 0x45, 0x4c, 0x46] || head.starts(with: [0x23, 0x21])
    }
}
