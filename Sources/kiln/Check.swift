import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate spec files the way the daemon does, without a daemon.",
        discussion:
            "Exit 0 if every file is valid; otherwise each problem is printed with its file and line, and the exit is 1."
    )

    @Argument(help: "spec.toml files.")
    var files: [String]

    func run() throws {
        let pythons = Set(PythonFinder().interpreters().keys)
        var bad = 0
        for file in files {
            let directory = URL(fileURLWithPath: WorkspaceLocator.absolute(file)).deletingLastPathComponent()
                .lastPathComponent
            switch Spec.parse(WorkspaceFiles.readSpec(file), path: file, directoryName: directory, pythons: pythons) {
            case .success(let spec):
                print(
                    "\(file): valid (python \(spec.base.text), \(counted(spec.libraries.count, "library", "libraries")))"
                )
            case .failure(let problem):
                print(problem.description)
                bad += 1
            }
        }
        if bad > 0 { throw ExitCode(1) }
    }
}
