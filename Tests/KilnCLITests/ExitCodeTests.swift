import Foundation
import Testing

/// The exit codes `kiln help` promises: 0 done, 1 refused, 2 usage, 3 workspace or daemon.
@Suite struct ExitCodeTests {
    @Test func versionIsPrinted() async {
        let result = await CLIWorkspace.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func helpListsTheExitCodes() async {
        let result = await CLIWorkspace.run(["help"])
        #expect(result.status == 0)
        for words in ["Exit codes", "1 refused", "2 usage", "3 the workspace or the daemon"] {
            #expect(result.stdout.contains(words), "help lacks \(words)")
        }
    }

    @Test func helpOfACommand() async {
        let result = await CLIWorkspace.run(["help", "logs"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--follow"))
    }

    @Test func helpOfAnUnknownCommandFails() async {
        let result = await CLIWorkspace.run(["help", "nope"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("'nope'"))
    }

    /// ArgumentParser's usage errors exit 64 of their own; kiln makes them 2.
    @Test(arguments: [
        ["nope"],
        ["list", "--bogus"],
        ["status"],
        ["activate", "x", "--stage", "saved"],
        ["activate", "x", "--stage", "nowhere"],
        ["new", "x", "--base", "py3"],
        ["new", "x", "--base", "python:3.11", "--lib", "not a requirement!"],
        ["new", "Bad Name", "--base", "python:3.11"],
        ["status", "../etc"],
        ["reject", "x"],
    ])
    func usageErrorsExit2(arguments: [String]) async throws {
        let ws = try await CLIWorkspace()
        let result = await CLIWorkspace.run(arguments + ["--workspace", ws.root])
        #expect(result.status == 2, "\(arguments): \(result)")
        #expect(!result.crashed)
        #expect(result.stderr.contains("Error"))
    }

    @Test(arguments: ["list", "status x", "logs x", "activate x", "run x", "history x", "submit x", "build x"])
    func noWorkspaceExits3(command: String) async throws {
        let empty = NSTemporaryDirectory() + "kiln-cli-empty-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let words = command.split(separator: " ").map(String.init)
        let explicit = await CLIWorkspace.run(words + ["--workspace", empty])
        #expect(explicit.status == 3, "\(command): \(explicit)")
        #expect(explicit.stderr.contains("kiln init"))
        let found = await CLIWorkspace.run(words, directory: empty)
        #expect(found.status == 3, "\(command) in a non-workspace: \(found)")
    }

    @Test func serveRefusesANonWorkspace() async throws {
        let empty = NSTemporaryDirectory() + "kiln-cli-empty-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let result = await CLIWorkspace.run(["serve", empty])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("not a Kiln workspace"))
    }

    @Test func unknownEnvironmentIsRefused() async throws {
        let ws = try await CLIWorkspace()
        for command in ["status", "logs", "activate", "run", "submit", "approve", "build"] {
            let result = await ws.kiln(command, "ghost")
            #expect(result.status == 1, "\(command): \(result)")
            #expect(result.stderr.contains("no environment named 'ghost'"), "\(command): \(result)")
        }
    }

    @Test func aFileThatCannotBeWrittenExits3() async throws {
        let ws = try await CLIWorkspace()
        // saved/ is a file where a folder should be made: init cannot make it a folder.
        let blocked = ws.root + "-blocked"
        try "x".write(toFile: blocked, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: blocked) }
        let result = await CLIWorkspace.run(["init", blocked])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains(blocked))
    }
}
