import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print every recorded transition of an environment.")

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String

    func run() throws {
        let layout = try options.layout()
        let entries = Journal(layout: layout).entries(for: try validName(name))
        guard !entries.isEmpty else { throw CLIError.refused("the journal has nothing about '\(name)'") }
        for e in entries {
            let move =
                e.from == e.to ? e.to : "\(e.from.isEmpty ? "(new)" : e.from) → \(e.to.isEmpty ? "(gone)" : e.to)"
            print("\(TOMLText.dateTime(e.time))  \(move)  [\(e.state)]  \(e.message)")
        }
    }
}
