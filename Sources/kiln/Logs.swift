import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the latest build log of an environment.",
        discussion: "With --follow, keep printing while the build runs, and end with its result (exit 1 if it failed)."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Flag(help: "Keep printing until the build ends.")
    var follow = false

    func run() async throws {
        let layout = try options.layout()
        _ = try copies(of: name, in: layout)
        var printed = 0
        var logPath: String?
        let deadline = ContinuousClock.now + .seconds(24 * 3600)
        while true {
            let current = WorkspaceReader(layout: layout).copies(of: name).max {
                ($0.status?.build ?? 0) < ($1.status?.build ?? 0)
            }
            let status = current?.status
            if let current, let build = status?.build {
                let path = layout.log(current.location, build: build)
                if path != logPath {
                    // Moved from saved/ to draft/, the same log goes on; a new build number starts a new log.
                    if !(logPath?.hasSuffix("/build-\(build).log") ?? false) { printed = 0 }
                    logPath = path
                }
                if case .success(let bytes) = WorkspaceFiles.readFile(path, limit: 64 * 1024 * 1024),
                    bytes.count > printed
                {
                    FileHandle.standardOutput.write(Data(bytes[printed...]))
                    printed = bytes.count
                }
            } else if !follow {
                throw CLIError("'\(name)' has no build log yet (\(status?.message ?? "no status"))")
            }
            guard follow else { return }
            if let status, ![.queued, .building].contains(status.state), status.build != nil || status.state == .invalid
            {
                print("== \(current!.location): \(status.state.rawValue): \(status.message)")
                if status.state == .failed || status.state == .invalid { throw ExitCode(1) }
                return
            }
            if ContinuousClock.now > deadline { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
