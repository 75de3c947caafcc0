import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// No status or spec content crashes a command: a damaged file gets a message that names it.
@Suite struct HostileFileTests {
    /// A `status` as a person, a disk or a bug could leave it in draft/ml, beside a built environment.
    struct HostileStatus: CustomTestStringConvertible, Sendable {
        var label: String
        var bytes: @Sendable (Status) -> [UInt8]
        var testDescription: String { label }
    }

    static let statuses: [HostileStatus] = [
        HostileStatus(label: "missing environment") { status in
            var s = status
            s.environment = nil
            return Array(s.rendered().utf8)
        },
        HostileStatus(label: "missing python") { status in
            var s = status
            s.python = nil
            return Array(s.rendered().utf8)
        },
        HostileStatus(label: "empty file") { _ in [] },
        HostileStatus(label: "binary garbage") { _ in (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) } },
        HostileStatus(label: "not UTF-8 in a string") { status in
            Array(status.rendered().utf8) + Array("message = \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8)
        },
        HostileStatus(label: "wrong types") { _ in
            Array("stage = 3\nstate = [\"ready\"]\nbuild = \"three\"\nenvironment = 7\npython = true\n".utf8)
        },
        HostileStatus(label: "right stage, wrong-typed fields") { status in
            Array(
                """
                stage = "draft"
                state = "ready"
                spec_sha256 = \(status.specSHA256.map { "\"\($0)\"" } ?? "1")
                build = "three"
                environment = 7
                python = false
                updated = "yesterday"
                message = 12
                """.utf8
            )
        },
        HostileStatus(label: "huge build number") { status in
            Array(status.rendered().replacingOccurrences(of: "build = 1", with: "build = 9223372036854775807").utf8)
        },
        HostileStatus(label: "build number past Int") { status in
            Array(status.rendered().replacingOccurrences(of: "build = 1", with: "build = 99999999999999999999999").utf8)
        },
        HostileStatus(label: "negative build number") { status in
            Array(status.rendered().replacingOccurrences(of: "build = 1", with: "build = -5").utf8)
        },
        HostileStatus(label: "unknown state") { status in
            Array(status.rendered().replacingOccurrences(of: "\"ready\"", with: "\"done-ish\"").utf8)
        },
        HostileStatus(label: "a state draft/ cannot hold") { status in
            Array(status.rendered().replacingOccurrences(of: "\"ready\"", with: "\"building\"").utf8)
        },
        HostileStatus(label: "names another stage") { status in
            var s = status
            s.stage = .published
            s.state = .published
            return Array(s.rendered().utf8)
        },
        HostileStatus(label: "python that does not exist") { status in
            var s = status
            s.python = "/nonexistent/bin/python"
            return Array(s.rendered().utf8)
        },
        HostileStatus(label: "TOML that toml++ would choke on") { _ in Array("[[[\nx = [}\n".utf8) },
        HostileStatus(label: "very long message") { status in
            var s = status
            s.message = String(repeating: "ä", count: 300_000)
            return Array(s.rendered().utf8)
        },
    ]

    /// Every command that only reads the workspace (`kiln check` reads only the spec files it is given).
    static let readers: [[String]] = [
        ["status", "ml"], ["list"], ["list", "--json"], ["logs", "ml"], ["activate", "ml"],
        ["run", "ml", "--", "python", "-c", "pass"], ["history", "ml"], ["history"], ["diff", "ml"],
        ["diff", "ml", "--json"], ["versions", "ml"], ["versions", "ml", "--json"], ["doctor"], ["kernel", "list"],
        ["gc", "--dry-run"],
    ]
    static let writers: [[String]] = [["build", "ml"], ["approve", "ml"], ["submit", "ml"]]
    static let commands = readers + writers

    /// The command line for `command` on the workspace at `root`: `--workspace` goes before a `--`.
    static func arguments(_ command: [String], _ root: String) -> [String] {
        let end = command.firstIndex(of: "--") ?? command.endIndex
        return command[..<end] + ["--workspace", root] + command[end...]
    }

    @Test(arguments: statuses)
    func noCommandCrashesOnADamagedStatus(hostile: HostileStatus) async throws {
        // Every command at once (a status naming another stage makes each wait its 3 s); those that move or write
        // each on a workspace of their own.
        var workspaces: [CLIWorkspace] = []
        var running: [([String], RunningKiln)] = []
        for (index, command) in HostileFileTests.commands.enumerated() {
            if index == 0 || HostileFileTests.writers.contains(command) {
                let ws = try await CLIWorkspace()
                let good = try ws.built("ml")
                try ws.write("draft/ml/status", bytes: hostile.bytes(good))
                workspaces.append(ws)
            }
            let root = workspaces[workspaces.count - 1].root
            running.append((command, try RunningKiln(HostileFileTests.arguments(command, root))))
        }
        for (command, process) in running {
            let result = try await process.finish()
            #expect(!result.crashed, "\(command) crashed on \(hostile.label): \(result)")
            #expect([0, 1, 3].contains(result.status), "\(command) on \(hostile.label): \(result)")
            #expect(
                result.status == 0 || !(result.stderr + result.stdout).isEmpty,
                "\(command) failed on \(hostile.label) without a word: \(result)"
            )
            if result.status == 3 {
                #expect(result.stderr.contains("draft/ml"), "\(command) does not name the file: \(result)")
                #expect(result.stderr.contains("kiln serve"), "\(command) does not say what to do: \(result)")
            }
        }
    }

    @Test func aStatusWithoutEnvironmentIsNamedAsDamaged() async throws {
        let ws = try await CLIWorkspace()
        var status = try ws.built("ml")
        status.environment = nil
        try ws.status("draft/ml", status)
        for command in [["activate", "ml"], ["run", "ml"]] {
            let result = await CLIWorkspace.run([command[0], "--workspace", ws.root] + command.dropFirst())
            #expect(result.status == 3, "\(command): \(result)")
            #expect(result.stderr.contains(ws.path("draft/ml/status")) && result.stderr.contains("damaged"))
        }
    }

    @Test func garbageStatusIsNamedAsDamaged() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml")
        try ws.write("draft/ml/status", bytes: [0, 1, 2, 0xFF, 0xC0])
        let result = await ws.kiln("status", "ml")
        #expect(result.status == 3)
        #expect(result.stderr.contains(ws.path("draft/ml/status") + " is damaged"))
        #expect(await ws.kiln("list").stdout.contains("damaged"))
    }

    @Test(arguments: [
        "", "[[[", "base = \"python:3.11\"\nlibrarys = []\n", "base = \"python:9.99\"\n", "\u{0}\u{1}\u{2}",
        "full_name = 3\nbase = \"python:3.11\"\n",
    ])
    func noCommandCrashesOnAHostileSpec(text: String) async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml")
        try ws.write("draft/ml/spec.toml", text)
        for command in HostileFileTests.commands {
            let result = await CLIWorkspace.run(HostileFileTests.arguments(command, ws.root))
            #expect(!result.crashed, "\(command) crashed: \(result)")
            #expect([0, 1, 3].contains(result.status), "\(command): \(result)")
        }
    }

    /// A `status` that is a link to a file outside the workspace, or a folder: every reading command names it as
    /// damaged or goes on without it, and the file the link points to is never read as a status nor changed.
    @Test(arguments: ["a link outside", "a folder"])
    func noCommandFollowsOrCrashesOnAStatusThatIsNotAFile(shape: String) async throws {
        let ws = try await CLIWorkspace()
        let good = try ws.built("ml")
        let outside = ws.root + ".outside-status"
        let text = good.rendered()
        try text.write(toFile: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.removeItem(atPath: ws.path("draft/ml/status"))
        if shape == "a folder" {
            try FileManager.default.createDirectory(
                atPath: ws.path("draft/ml/status"),
                withIntermediateDirectories: true
            )
        } else {
            try FileManager.default.createSymbolicLink(atPath: ws.path("draft/ml/status"), withDestinationPath: outside)
        }
        for command in HostileFileTests.readers {
            let result = await CLIWorkspace.run(HostileFileTests.arguments(command, ws.root))
            #expect(!result.crashed, "\(command) crashed on \(shape): \(result)")
            #expect([0, 1, 3].contains(result.status), "\(command) on \(shape): \(result)")
            #expect(
                result.status == 0 || !(result.stderr + result.stdout).isEmpty,
                "\(command) failed on \(shape) without a word: \(result)"
            )
            if result.status == 3 {
                #expect(result.stderr.contains("draft/ml"), "\(command) does not name the file: \(result)")
            }
            if command == ["activate", "ml"] || command.first == "run" {
                #expect(result.status != 0, "\(command) used a status that is \(shape): \(result)")
            }
        }
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == text)
    }
}
