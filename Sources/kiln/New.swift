import Foundation
import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a new spec to saved/<name>/spec.toml, as a person would.",
        discussion: """
            The daemon then validates and builds it. Example: kiln new churn --base python:3.11 --lib pandas==2.2.3. \
            With --wait, follows the build to its end (a progress line on a terminal, one line per phase otherwise) \
            and exits with its result.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The environment's name: a-z, 0-9, '.', '_', '-', starting with a letter or digit.")
    var name: String
    @Option(help: "The base interpreter, python:X.Y.")
    var base: String
    @Option(name: .customLong("lib"), help: "A PEP 508 requirement, e.g. pandas==2.2.3 (repeat for more).")
    var libraries: [String] = []
    @Option(help: "A longer, human name.")
    var fullName: String?
    @Option(help: "What the environment is for.")
    var description: String?
    @OptionGroup var waiting: WaitOptions

    func validate() throws {
        if let problem = EnvironmentName.problem(with: name) { throw ValidationError(problem) }
        guard PythonVersion(base: base) != nil else {
            throw ValidationError("--base \(base) is not of the form python:X.Y, e.g. python:3.11")
        }
        for text in libraries {
            do {
                _ = try Requirement(parsing: text)
            } catch {
                throw ValidationError("--lib \(error.message)")
            }
        }
    }

    func run() throws {
        let layout = try options.layout()
        guard let version = PythonVersion(base: base) else { throw ValidationError("--base \(base) is not valid") }
        var requirements: [Requirement] = []
        for text in libraries {
            do {
                requirements.append(try Requirement(parsing: text))
            } catch {
                throw ValidationError("--lib \(error.message)")
            }
        }
        let spec = Spec(fullName: fullName, base: version, libraries: requirements, description: description)
        try saveNewSpec(spec, as: name, in: layout)
        guard waiting.wait else {
            print("wrote saved/\(name)/spec.toml; `kiln logs \(name) --follow` shows the build")
            return
        }
        emit("wrote saved/\(name)/spec.toml")
        try waiting.followBuild(of: name, in: layout)
    }
}

/// Refuses a name that already has a version in progress (saved, draft or pending): a second one would be marked
/// invalid (protocol rule 9).
func ensureNoVersionInProgress(_ name: String, in layout: WorkspaceLayout) throws {
    let existing = WorkspaceReader(layout: layout).copies(of: name).filter { $0.location.stage.isInProgress }
    if let other = existing.first {
        throw CLIError.refused(
            "'\(name)' already has a version in progress at \(other.location); edit its spec.toml instead"
        )
    }
}

/// Writes `saved/<name>/spec.toml`, unless the name has a version in progress. The directory is made whole under a
/// dot-name the daemon ignores, then renamed into place: the daemon never finds it without its spec (and marks it
/// invalid for that, which a `--wait` would take as the result).
func saveNewSpec(_ spec: Spec, as name: String, in layout: WorkspaceLayout) throws {
    try ensureNoVersionInProgress(name, in: layout)
    let directory = layout.directory(CopyLocation(.saved, name))
    let staging = layout.folder(.saved) + "/.new-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    try WorkspaceFiles.makeDirectory(staging)
    do {
        try WorkspaceFiles.writeAtomically(staging + "/spec.toml", spec.rendered())
        try WorkspaceFiles.move(staging, to: directory)
    } catch {
        try? FileManager.default.removeItem(atPath: staging)
        throw error
    }
}
