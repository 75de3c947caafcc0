import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask for a build of a saved environment, or retry a failed one, without editing its spec.",
        discussion: """
            Drops a request file in .kiln/requests/, so it works from any host that sees the workspace. With \
            --wait, follows the build it asked for to its end (a progress line on a terminal, one line per phase \
            otherwise) and exits with its result.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @OptionGroup var waiting: WaitOptions

    func run() throws {
        let layout = try options.layout()
        let saved = try copy(name, in: .saved, of: layout, action: "build")
        if let status = saved.status, status.state == .invalid {
            throw CLIError.refused("'\(name)' is invalid: \(status.message)")
        }
        try WorkspaceFiles.makeDirectory(layout.requests)
        try WorkspaceFiles.writeAtomically(
            layout.request(name),
            "requested = \(TOMLText.dateTime(Date()))\nby = \(TOMLText.quote(NSUserName()))\n"
        )
        guard waiting.wait else {
            print("build of '\(name)' requested; `kiln logs \(name) --follow` shows it")
            return
        }
        emit("build of '\(name)' requested")
        try waiting.followBuild(of: name, in: layout)
    }
}
