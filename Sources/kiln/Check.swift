import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate spec files the way the daemon does, without a daemon.",
        discussion:
            """
            Exit 0 if every file is valid; otherwise each problem is printed with its file and line, and the exit is \
            1. A file inside a workspace is also held to that workspace's [policy] and [python] settings.
            """
    )

    @Argument(help: "spec.toml files.")
    var files: [String]

    func run() throws {
        var bad = 0
        for file in files {
            let folder = URL(fileURLWithPath: WorkspaceLocator.absolute(file)).deletingLastPathComponent()
            let workspace = try? WorkspaceLocator.locate(explicit: nil, environment: [:], currentDirectory: folder.path)
            let settings = try workspace.map(workspaceSettings) ?? WorkspaceSettings()
            let pythons = Set(PythonFinder().interpreters(overrides: settings.pythons).keys)
            let read = WorkspaceFiles.readSpec(file)
            var parsed = Spec.parse(read, path: file, directoryName: folder.lastPathComponent, pythons: pythons)
            if case .success(let spec) = parsed, case .contents(let bytes) = read,
                let problem = settings.policy.problem(
                    with: spec,
                    text: String(decoding: bytes, as: UTF8.self),
                    path: file
                )
            {
                parsed = .failure(problem)
            }
            switch parsed {
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
