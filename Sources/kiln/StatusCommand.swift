import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the status of an environment (every copy of the name).",
        discussion: "Right after a move, waits (up to 3 s) for the daemon to catch up before printing."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String

    func run() throws {
        let layout = try options.layout()
        let all = MoveWait.read(try validName(name), in: layout)
        guard !all.isEmpty else {
            throw CLIError.refused("no environment named '\(name)' in \(layout.root); `kiln list` shows what there is")
        }
        let serving = DaemonPresence.isServing(layout)
        var problem: String?
        for copy in all {
            print("# \(copy.location)")
            let condition = CopyCondition(copy, layout: layout)
            switch condition {
            case .settled(let status):
                print(status.rendered())
            case .moving(let reason):
                print((copy.status?.rendered() ?? "") + "# " + reason + "\n")
                problem = problem ?? reason
            case .damaged(let reason):
                print("# " + reason + "\n")
                problem = problem ?? reason
            case .noStatus, .symlink:
                print("# " + condition.summary(daemonServing: serving) + "\n")
            }
        }
        if let problem { throw CLIError.workspace(problem) }
    }
}
