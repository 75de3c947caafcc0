import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

@Suite struct HistoryAndCheckTests {
    @Test func historyPrintsTheJournal() async throws {
        let ws = try await CLIWorkspace()
        let journal = Journal(layout: ws.layout)
        try journal.append(
            JournalEntry(time: Date(), name: "ml", from: "", to: "saved/ml", state: "queued", spec: nil, message: "new")
        )
        try journal.append(
            JournalEntry(
                time: Date(),
                name: "ml",
                from: "saved/ml",
                to: "draft/ml",
                state: "ready",
                spec: nil,
                message: "built"
            )
        )
        try journal.append(
            JournalEntry(
                time: Date(),
                name: "other",
                from: "",
                to: "saved/other",
                state: "queued",
                spec: nil,
                message: ""
            )
        )
        // A line a person scribbled is skipped, not a crash.
        try ws.append(".kiln/journal.jsonl", "not json at all\n\u{0}\u{1}\n")
        let result = await ws.kiln("history", "ml")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains("saved/ml → draft/ml  [ready]  built") == true)
        let none = await ws.kiln("history", "ghost")
        #expect(none.status == 1)
    }

    @Test func checkSaysLibraryOrLibraries() async throws {
        let ws = try await CLIWorkspace()
        try ws.spec("saved/one", base: "python:3.11", libraries: ["pandas==2.2.3"])
        try ws.spec("saved/two", base: "python:3.11", libraries: ["pandas==2.2.3", "numpy==2.0.0"])
        let result = await CLIWorkspace.run(["check", ws.path("saved/one/spec.toml"), ws.path("saved/two/spec.toml")])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("(python 3.11, 1 library)"))
        #expect(result.stdout.contains("(python 3.11, 2 libraries)"))
    }

    @Test(arguments: [
        "base = \"python:3.11\"\nlibrarys = []\n",
        "base = 3.11\n",
        "[[[",
        "",
        "base = \"python:3.11\"\nlibraries = [\"pandas===\"]\n",
    ])
    func checkRefusesAnInvalidSpec(text: String) async throws {
        let ws = try await CLIWorkspace()
        try ws.write("saved/bad/spec.toml", text)
        let result = await CLIWorkspace.run(["check", ws.path("saved/bad/spec.toml")])
        #expect(result.status == 1, "\(result)")
        #expect(!result.crashed)
        #expect(result.stdout.contains("spec.toml"))
    }

    @Test func checkHoldsASpecToItsWorkspacesPolicy() async throws {
        let ws = try await CLIWorkspace()
        try ws.write("workspace.toml", "[policy]\nblocked = [\"numpy\"]\n")
        try ws.spec("saved/two", base: "python:3.11", libraries: ["pandas==2.2.3", "numpy==2.0.0"])
        let result = await CLIWorkspace.run(["check", ws.path("saved/two/spec.toml")])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("'numpy==2.0.0': 'numpy' is in [policy] blocked"), "\(result)")
    }

    @Test func checkOfAMissingFileIsRefused() async {
        let result = await CLIWorkspace.run(["check", "/nonexistent/saved/x/spec.toml"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("no spec.toml"))
    }
}
