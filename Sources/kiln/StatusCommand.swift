import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the status of an environment (every copy of the name)."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String

    func run() throws {
        let layout = try options.layout()
        for copy in try copies(of: name, in: layout) {
            print("# \(copy.location)")
            if let status = copy.status {
                print(status.rendered())
            } else {
                print("no status yet: the daemon has not looked at it (is `kiln serve` running?)\n")
            }
        }
    }
}
