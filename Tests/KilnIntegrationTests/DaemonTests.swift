import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("kiln serve: the daemon itself", .serialized)
struct DaemonTests {
    @Test func aSecondDaemonRefusesAndNamesTheFirst() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/greet", "base = \"python:3.11\"\n")
        try await ws.waitForState("draft/greet", .ready)
        let second = TestWorkspace.run(TestWorkspace.kiln, ["serve", ws.root])
        #expect(second.status != 0)
        #expect(second.output.contains("already served"), "\(second.output)")
        #expect(second.output.contains("process"), "\(second.output)")
    }

    @Test func hostileInputNeverCrashesItNorChangesTheSpec() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("binary", [0xFF, 0xFE, 0x00, 0x01, 0x80]),
            ("huge", Array(repeating: UInt8(ascii: "#"), count: 70 * 1024)),
            ("deep", Array(String(repeating: "[", count: 5000).utf8)),
            ("inject", Array("base = \"python:3.11\"\nlibraries = [\"--index-url=http://127.0.0.1:1/\"]\n".utf8)),
            ("nulbyte", Array("base = \"python:3.11\u{0}\"\n".utf8)),
            ("wrongpy", Array("base = \"python:2.0\"\n".utf8)),
        ]
        for (name, bytes) in cases { try ws.save("saved/\(name)", bytes: bytes) }
        // A spec that is a symbolic link is refused, never followed.
        try FileManager.default.createDirectory(atPath: ws.path("saved/link"), withIntermediateDirectories: true)
        try "base = \"python:3.11\"\n".write(toFile: ws.root + ".outside.toml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("saved/link/spec.toml"),
            withDestinationPath: ws.root + ".outside.toml"
        )
        // A directory name the protocol does not allow.
        try ws.save("saved/Bad Name", "base = \"python:3.11\"\n")

        for (name, bytes) in cases {
            let s = try await ws.waitForState("saved/\(name)", .invalid)
            #expect(s.message.hasPrefix("saved/\(name)/spec.toml"), "\(name): \(s.message)")
            #expect(
                FileManager.default.contents(atPath: ws.path("saved/\(name)/spec.toml")) == Data(bytes),
                "\(name) changed"
            )
        }
        let link = try await ws.waitForState("saved/link", .invalid)
        #expect(link.message.contains("symbolic link"))
        let badName = try await ws.waitForState("saved/Bad Name", .invalid)
        #expect(badName.message.contains("not valid"))
        #expect(ws.daemonIsRunning)
        #expect(ws.stop() == 0)
        try? FileManager.default.removeItem(atPath: ws.root + ".outside.toml")
    }

    @Test func workspaceTomlIsReadAgainOnEveryRescan() async throws {
        let ws = try TestWorkspace(settings: "on_save = \"build\"", rescan: "1s")
        try ws.start()
        try ws.save("saved/before", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("draft/before", .ready)

        try ws.editSettings { $0.replacingOccurrences(of: "on_save = \"build\"", with: "on_save = \"wait\"") }
        // No event tells the daemon about workspace.toml; a rescan reads it. The log is the only sign of that.
        try await ws.waitForLog("workspace.toml changed")
        try ws.save("saved/after", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n")
        let resting = try await ws.waitForState("saved/after", .saved)
        #expect(resting.build == nil, "\(resting)")
        #expect(!ws.exists("saved/after/logs"))
        #expect(!ws.exists("draft/after"))
        // It rests until asked for.
        #expect(ws.kilnCommand("build", "after").status == 0)
        try await ws.waitForState("draft/after", .ready)
    }

    @Test func sigtermDuringABuildStopsCleanlyAndTheNextStartFinishesIt() async throws {
        // A build that cannot finish by itself: one find_links source is a local socket that accepts and never answers.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "python3", "-c",
            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(64); print(s.getsockname()[1], flush=True); time.sleep(120)",
        ]
        let pipe = Pipe()
        server.standardOutput = pipe
        // Not this process's stderr: swift test waits for every holder of it to exit.
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let port = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let ws = try TestWorkspace(extraLinks: ["http://127.0.0.1:\(port)/wheels/"])
        try ws.start()
        try ws.save("saved/greet", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("saved/greet", .building)
        // Stopped while uv is really at work (waiting on the silent source), not before it started.
        #expect(await TestWorkspace.waitUntil { !ws.buildProcesses().isEmpty }, "no build tool was seen running")
        #expect(ws.stop() == 0)
        #expect(ws.daemonOutput.contains("stopped"))
        // Left as building, which the next start recognises; no tool left running; nothing half-registered.
        #expect(ws.status("saved/greet")?.state == .building)
        #expect(ws.buildProcesses() == [], "left running after the daemon stopped")
        #expect(ws.storeEntries.isEmpty, "left in the store: \(ws.storeEntries)")

        // The slow source is gone; the next start builds it to the end.
        let settings = try String(contentsOfFile: ws.layout.settingsFile, encoding: .utf8)
            .replacingOccurrences(of: ", \"http://127.0.0.1:\(port)/wheels/\"", with: "")
        try settings.write(toFile: ws.layout.settingsFile, atomically: true, encoding: .utf8)
        try ws.start()
        let ready = try await ws.waitForState("draft/greet", .ready)
        #expect(ready.build == 2)
    }

    @Test func activateRefusesWhatIsNotBuiltAndPrintsTheLineForWhatIs() async throws {
        let ws = try TestWorkspace(settings: "on_save = \"wait\"")
        try ws.start()
        try ws.save("saved/greet", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        try await ws.waitForState("saved/greet", .saved)
        let refused = ws.kilnCommand("activate", "greet")
        #expect(refused.status != 0)
        #expect(refused.output.contains("cannot be used"), "\(refused.output)")
        #expect(ws.kilnCommand("build", "greet").status == 0)
        let ready = try await ws.waitForState("draft/greet", .ready)
        let line = ws.kilnCommand("activate", "greet", "--shell", "bash")
        #expect(line.status == 0)
        #expect(
            line.output.contains("VIRTUAL_ENV='\(ready.environment ?? "?")'; export VIRTUAL_ENV\n"),
            "\(line.output)"
        )
        let shell = TestWorkspace.run(
            "/bin/bash",
            [
                "-c",
                "eval \"$(\(TestWorkspace.kiln) activate greet --shell bash --workspace \(ws.root))\" && python -c 'import kiln_demo_greet as g; print(g.greet())'",
            ]
        )
        #expect(shell.output.contains("hello from kiln-demo-greet 1.0.0"), "\(shell.output)")
        let run = TestWorkspace.run(
            TestWorkspace.kiln,
            ["run", "greet", "--workspace", ws.root, "--", "python", "-c", "import sys; print(sys.prefix)"]
        )
        #expect(run.output.contains(ready.environment!))
    }
}
