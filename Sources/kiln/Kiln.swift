import ArgumentParser

@main
struct Kiln: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "Shared, reproducible Python environments on a plain-file workspace.",
        discussion: """
            A workspace is a folder: saved/ (specs people write), draft/ (built), pending/ (submitted), \
            published/ (approved). `kiln serve` watches it and does the building and moving; these commands do \
            what a person can also do with an editor and `mv`.
            """,
        subcommands: [
            Serve.self, Init.self, New.self, List.self, StatusCommand.self, Logs.self, Build.self, Submit.self,
            Approve.self, Reject.self, Activate.self, Run.self, History.self, Check.self,
        ]
    )
}
