import ArgumentParser
import Foundation
import KilnWorkspace

@main
struct Kiln: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "Shared, reproducible Python environments on a plain-file workspace.",
        discussion: """
            A workspace is a folder: saved/ (specs people write), draft/ (built), pending/ (submitted), \
            published/ (approved). `kiln serve` watches it and does the building and moving; these commands do \
            what a person can also do with an editor and `mv`.

            Exit codes: 0 done; 1 refused (not built, not allowed, an invalid spec in `kiln check`, a failed build \
            in `kiln logs --follow` or --wait); 2 usage (a wrong command line); 3 the workspace or the daemon (no workspace \
            found, a file that cannot be read or written, a damaged file, a daemon that cannot start or has not \
            caught up with a move, no daemon serving the workspace for --wait); 4 --wait --timeout ran out (the \
            build goes on). `kiln run` exits with its command's own code.
            """,
        version: KilnVersion.current,
        subcommands: [
            Serve.self, Init.self, New.self, List.self, StatusCommand.self, Logs.self, Build.self, Submit.self,
            Approve.self, Reject.self, Activate.self, ShellCommand.self, Run.self, Kernel.self, Export.self,
            Import.self, Doctor.self, Gc.self, History.self, Check.self, Diff.self, Versions.self, Rollback.self,
            BuildJob.self,
        ]
    )

    /// ArgumentParser's own `main`, with the exit codes above: its usage errors (EX_USAGE, 64) become 2.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let topic = unknownHelpTopic(arguments) {
            note("Error: there is no command '\(topic)'; `kiln help` lists them")
            Foundation.exit(CLIError.Code.usage.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            finish(reporting: error)
        }
    }

    static func finish(reporting error: Error) -> Never {
        let code: Int32
        let message: String
        switch error {
        case let error as CLIError:
            code = error.code.rawValue
            message = "Error: \(error.description)"
        case let error as FileError:
            code = CLIError.Code.workspace.rawValue
            message = "Error: \(error.description)"
        default:
            let parserCode = exitCode(for: error).rawValue
            code = parserCode == EX_USAGE ? CLIError.Code.usage.rawValue : parserCode
            message = fullMessage(for: error)
        }
        if !message.isEmpty {
            if code == 0 { emit(message) } else { note(message) }
        }
        Foundation.exit(code)
    }

    /// `kiln help nope` names no command; ArgumentParser would print the root help and exit 0.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var command: ParsableCommand.Type = Kiln.self
        for word in arguments.dropFirst() where !word.hasPrefix("-") {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else {
                return word == "help" ? nil : word
            }
            command = next
        }
        return nil
    }
}
