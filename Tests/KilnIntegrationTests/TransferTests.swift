import Foundation
import KilnProtocol
import Testing

/// `kiln import` and `kiln export` with the real daemon: an environment made outside the workspace comes in as a
/// spec and is built to the same pins, and a built environment goes out as a personal copy its owner can change.
@Suite("kiln import and kiln export: a personal copy, and back", .serialized)
struct TransferTests {
    /// A temporary folder removed at the end of the test.
    final class Scratch: @unchecked Sendable {
        let path = NSTemporaryDirectory() + "kiln-transfer-\(UUID().uuidString.prefix(8))"
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Runs a program to its end without blocking a thread of the shared pool: these programs (venv, pip, an
    /// export) take seconds, and a blocked pool would stall the timing of the tests running alongside.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let outputPath = NSTemporaryDirectory() + "kiln-transfer-run-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        guard let out = FileHandle(forWritingAtPath: outputPath) else { throw Failure("cannot create \(outputPath)") }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = out
        try p.run()
        try? out.close()
        let deadline = ContinuousClock.now + .seconds(120)
        while p.isRunning {
            guard ContinuousClock.now < deadline else {
                p.terminate()
                throw Failure("\(executable) \(arguments) did not end")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        p.waitUntilExit()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func kiln(_ ws: TestWorkspace, _ arguments: String...) async throws -> (status: Int32, output: String) {
        try await run(TestWorkspace.kiln, arguments + ["--workspace", ws.root])
    }

    /// `name==version` of every distribution an interpreter imports, names normalised; asked independently of Kiln.
    static func pins(_ python: String) async throws -> Set<String> {
        let listed = try await run(
            python,
            [
                "-I", "-c",
                "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'], d.version)",
            ]
        )
        guard listed.status == 0 else { throw Failure("cannot list \(python): \(listed.output)") }
        return Set(
            listed.output.split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return Requirement.normalise(String(parts[0])) + "==" + String(parts[1])
            }
        )
    }

    /// The pins of a `requirements.lock`.
    static func pins(lock: String) -> Set<String> {
        Set(
            lock.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("#") && $0.contains("==") }
                .map { line in
                    let pin = line.split(separator: " ")[0].split(separator: "=", omittingEmptySubsequences: true)
                    return Requirement.normalise(String(pin[0])) + "==" + String(pin[1])
                }
        )
    }

    @Test func aVenvComesInWithItsPinsAndSaysWhatItLeftOut() async throws {
        let ws = try TestWorkspace()
        let scratch = try Scratch()
        let venv = scratch.path + "/venv"
        let made = try await TransferTests.run("/usr/bin/env", ["python3", "-m", "venv", venv])
        try #require(made.status == 0, "\(made.output)")
        let installed = try await TransferTests.run(
            venv + "/bin/python",
            [
                "-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--find-links",
                TestWorkspace.wheels, "kiln-demo-report==2.1.0",
            ]
        )
        try #require(installed.status == 0, "\(installed.output)")
        // An editable install as pip records it (pip cannot build one offline here: setuptools needs `wheel`): a
        // dist-info whose direct_url.json says editable, pointing at a local project.
        let project = scratch.path + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        let version = try await TransferTests.run(
            venv + "/bin/python",
            ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
        )
        .output.trimmingCharacters(in: .whitespacesAndNewlines)
        let distInfo = "\(venv)/lib/python\(version)/site-packages/kiln_local_thing-0.1.dist-info"
        try FileManager.default.createDirectory(atPath: distInfo, withIntermediateDirectories: true)
        try "Metadata-Version: 2.1\nName: kiln-local-thing\nVersion: 0.1\n".write(
            toFile: distInfo + "/METADATA",
            atomically: true,
            encoding: .utf8
        )
        try "pip\n".write(toFile: distInfo + "/INSTALLER", atomically: true, encoding: .utf8)
        try #"{"url": "file://\#(project)", "dir_info": {"editable": true}}"#.write(
            toFile: distInfo + "/direct_url.json",
            atomically: true,
            encoding: .utf8
        )
        let before = try await TransferTests.pins(venv + "/bin/python")
        #expect(before.contains("kiln-demo-report==2.1.0") && before.contains("kiln-demo-greet==1.1.0"), "\(before)")

        try ws.start()
        let imported = try await TransferTests.kiln(ws, "import", "copied", "--from", venv)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.contains("wrote saved/copied/spec.toml: python:\(version)"), "\(imported.output)")
        #expect(
            imported.output.contains("not imported: kiln-local-thing (editable install from \(project))"),
            "\(imported.output)"
        )
        #expect(imported.output.contains("skipped: pip "), "\(imported.output)")
        #expect(imported.output.contains("(seeded by venv)"), "\(imported.output)")

        try await ws.waitForState("draft/copied", .ready)
        let lock = try String(contentsOfFile: ws.path("draft/copied/requirements.lock"), encoding: .utf8)
        // What venv seeded and the editable install are the only differences.
        let expected = before.filter {
            !$0.hasPrefix("pip==") && !$0.hasPrefix("setuptools==") && !$0.hasPrefix("kiln-local-thing==")
        }
        #expect(TransferTests.pins(lock: lock) == expected, "lock:\n\(lock)")
        let spec = try String(contentsOfFile: ws.path("draft/copied/spec.toml"), encoding: .utf8)
        #expect(spec.contains("kiln-demo-report==2.1.0") && spec.contains("kiln-demo-greet==1.1.0"), "\(spec)")
        #expect(!spec.contains("kiln-local-thing"), "\(spec)")

        // A second import of a name in progress is refused, as `kiln new` refuses it.
        let again = try await TransferTests.kiln(ws, "import", "copied", "--from", venv)
        #expect(again.status == 1, "\(again.output)")
        #expect(ws.stop() == 0)
    }

    @Test func anExportIsAWorkingWritableCopyThatLeavesTheWorkspaceAlone() async throws {
        let ws = try TestWorkspace()
        let scratch = try Scratch()
        try ws.start()
        try await ws.publish("report", reportSpec)
        let published = try #require(ws.status("published/report"))
        let environment = try #require(published.environment)
        let pinsBefore = try await TransferTests.pins(environment + "/bin/python")
        let statusBefore = try String(contentsOfFile: ws.path("published/report/status"), encoding: .utf8)

        let copy = scratch.path + "/mine"
        let exported = try await TransferTests.kiln(ws, "export", "report", copy)
        #expect(exported.status == 0, "\(exported.output)")
        for step in ["step create", "step install", "step check"] {
            #expect(exported.output.contains("kiln: \(step)"), "\(exported.output)")
        }
        #expect(exported.output.contains("exported published/report to \(copy)"), "\(exported.output)")
        let python = copy + "/bin/python"
        let imports = try await TransferTests.run(python, ["-c", "import kiln_demo_report as r; print(r.greet())"])
        #expect(imports.output.contains("hello from kiln-demo-report 2.1.0"), "\(imports.output)")
        let pip = try await TransferTests.run(copy + "/bin/pip", ["--version"])
        #expect(pip.status == 0 && pip.output.contains(copy), "\(pip.output)")
        let config = try String(contentsOfFile: copy + "/pyvenv.cfg", encoding: .utf8)
        #expect(config.contains("prompt = 'report'") || config.contains("prompt = report"), "\(config)")
        // Exactly the lock, plus the pip the copy was made with.
        let copied = try await TransferTests.pins(python)
        #expect(pinsBefore.isSubset(of: copied), "\(pinsBefore) vs \(copied)")
        #expect(copied.subtracting(pinsBefore).allSatisfy { $0.hasPrefix("pip==") || $0.hasPrefix("setuptools==") })

        // The copy is its owner's to change; the workspace's environment is not.
        let changed = try await TransferTests.run(
            python,
            [
                "-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--find-links",
                TestWorkspace.wheels, "kiln-demo-greet==1.0.0",
            ]
        )
        #expect(changed.status == 0, "\(changed.output)")
        #expect(try await TransferTests.pins(python).contains("kiln-demo-greet==1.0.0"))
        #expect(try await TransferTests.pins(environment + "/bin/python") == pinsBefore)
        #expect(try String(contentsOfFile: ws.path("published/report/status"), encoding: .utf8) == statusBefore)

        // Refusals: exit 1, and nothing of the person's is touched.
        let unknown = try await TransferTests.kiln(ws, "export", "nothing-here", scratch.path + "/unknown")
        #expect(unknown.status == 1, "\(unknown.output)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/unknown"))
        let busy = scratch.path + "/busy"
        try FileManager.default.createDirectory(atPath: busy, withIntermediateDirectories: true)
        try "mine\n".write(toFile: busy + "/notes.txt", atomically: true, encoding: .utf8)
        let occupied = try await TransferTests.kiln(ws, "export", "report", busy)
        #expect(occupied.status == 1, "\(occupied.output)")
        #expect(occupied.output.contains("is not empty"), "\(occupied.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: busy) == ["notes.txt"])
        let noDraft = try await TransferTests.kiln(ws, "export", "report", scratch.path + "/draft", "--draft")
        #expect(noDraft.status == 1, "\(noDraft.output)")

        // A failed build cannot be exported: it stays in saved/.
        try ws.save(
            "saved/broken",
            """
            base = "python:3.11"
            libraries = ["kiln-demo-missing==9.9"]
            """
        )
        try await ws.waitForState("saved/broken", .failed)
        let failed = try await TransferTests.kiln(ws, "export", "broken", scratch.path + "/broken")
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("saved/broken failed to build"), "\(failed.output)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/broken"))
        #expect(ws.stop() == 0)
    }

    @Test func aRequirementsFileNeedsABase() async throws {
        let ws = try TestWorkspace()
        let scratch = try Scratch()
        let file = scratch.path + "/requirements.txt"
        try """
        # the team's list
        -r more.txt
        kiln-demo-report==2.1.0 --hash=sha256:0000
        -e ./src
        ./wheels/local-1.0-py3-none-any.whl
        """.write(toFile: file, atomically: true, encoding: .utf8)
        try "kiln-demo-greet>=1.0  # any\n".write(toFile: scratch.path + "/more.txt", atomically: true, encoding: .utf8)

        let withoutBase = try await TransferTests.kiln(ws, "import", "listed", "--from", file)
        #expect(withoutBase.status == 2, "\(withoutBase.output)")
        #expect(withoutBase.output.contains("--base python:X.Y"), "\(withoutBase.output)")
        #expect(!ws.exists("saved/listed"))

        let imported = try await TransferTests.kiln(ws, "import", "listed", "--from", file, "--base", "python:3.11")
        #expect(imported.status == 0, "\(imported.output)")
        let spec = try String(contentsOfFile: ws.path("saved/listed/spec.toml"), encoding: .utf8)
        #expect(spec.contains(#"libraries   = ["kiln-demo-greet>=1.0", "kiln-demo-report==2.1.0"]"#), "\(spec)")
        #expect(imported.output.contains("not imported: -e ./src (an editable install)"), "\(imported.output)")
        #expect(imported.output.contains("not imported: ./wheels/local-1.0-py3-none-any.whl (a local path)"))
    }
}
