import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the latest build log of an environment.",
        discussion: """
            With --follow, follow one build to its end: the one running or queued, else the latest. The log goes on \
            across the move from saved/ to draft/. Exit 0 when it is ready; 1 when it failed, the spec is invalid, \
            or a newer save replaced the build; 3 when the daemon does not catch up.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Flag(help: "Keep printing until the build ends.")
    var follow = false

    func run() throws {
        let layout = try options.layout()
        let all = try copies(of: name, in: layout)
        if follow {
            var follower = LogFollower(layout: layout, name: name)
            try follower.run()
            return
        }
        guard let latest = all.filter({ $0.status?.build != nil }).max(by: { build($0) < build($1) }),
            let status = latest.status, let number = status.build
        else {
            throw CLIError.refused("'\(name)' has no build log yet (\(whereabouts(all, in: layout)))")
        }
        let path = layout.log(latest.location, build: number)
        var tail = LogTail(path: path)
        guard tail.exists else {
            if status.state == .queued {
                note("build \(number) of '\(name)' is queued; its log starts when it runs")
                return
            }
            throw CLIError.refused(
                "build \(number) of '\(name)' has no log: \(path) is missing (\(latest.location) "
                    + "\(phrase(status.state)))"
            )
        }
        tail.printNew()
    }

    private func build(_ copy: EnvironmentCopy) -> Int { copy.status?.build ?? Int.min }
}

/// Prints what a log file gained since the last look. A build's log moves with its folder from saved/ to draft/,
/// so the offset carries over when the path changes and the build number does not.
struct LogTail {
    var path: String
    var printed: UInt64 = 0

    var exists: Bool { WorkspaceFiles.kind(path) == .file }

    mutating func printNew() {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: printed)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else {
            return
        }
        FileHandle.standardOutput.write(data)
        printed += UInt64(data.count)
    }
}
