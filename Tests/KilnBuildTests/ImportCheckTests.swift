import Foundation
import Testing

@testable import KilnBuild

/// The import check against a real environment: uv installs wheels made by the integration tests' make_wheels.py
/// (no index), and ImportCheck runs the environment's own python on them.
@Suite("the import check after a build (protocol rule 1)")
struct ImportCheckTests {
    /// The numpy message is the one pandas 1.5.3 gives under numpy 2; this fake wheel raises it word for word, so the
    /// hint is tested without numpy.
    static let numpyMessage =
        "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header, got 88 from PyObject"

    /// One environment for the whole suite, made once.
    static let environment: Result<String, TestFailure> = {
        let dir = NSTemporaryDirectory() + "kiln-import-check-\(getpid())"
        let wheels = dir + "/wheels"
        let venv = dir + "/venv"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../KilnIntegrationTests/Fixtures/make_wheels.py"
        ).standardized.path
        let made = run(
            "/usr/bin/env",
            [
                "python3", script, wheels, "kiln-demo-greet==1.0.0",
                "--module", "kiln_renamed", "--module", "_kiln_renamed_speedups", "kiln-check-renamed==1.0",
                "--top-level", "--module", "kiln_toplevel", "kiln-check-toplevel==1.0",
                "--module", "_kiln_private_only", "kiln-check-private==1.0",
                "--scripts-only", "kiln-check-scripts==1.0",
                "--file", "kiln_flat.py", "--file", "kiln_fast.cpython-311-x86_64-linux-gnu.so",
                "--file", "kiln_check_listing.libs/libx.so", "kiln-check-listing==1.0",
                "--raise", "RuntimeError: first broken", "kiln-check-broken==1.0",
                "--raise", numpyMessage, "kiln-check-numpy-abi==1.0",
                "--load-library", "libkilnmissing.so.1", "kiln-check-nolib==1.0",
                "--hang", "kiln-check-hang==1.0",
                "--hang", "kiln-check-hang-cancel==1.0",
            ]
        )
        guard made.status == 0 else { return .failure(TestFailure("make_wheels.py: \(made.output)")) }
        guard let uv = ToolFinder().uv() else { return .failure(TestFailure("no uv on this host")) }
        guard let python = PythonFinder().interpreters()["3.11"] else {
            return .failure(TestFailure("no Python 3.11 on this host"))
        }
        let created = run(uv, ["venv", "--quiet", "--python", python, venv])
        guard created.status == 0 else { return .failure(TestFailure("uv venv: \(created.output)")) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: wheels))?.compactMap {
            $0.split(separator: "-").first.map { String($0).replacingOccurrences(of: "_", with: "-") }
        }
        let installed = run(
            uv,
            ["pip", "install", "--quiet", "--python", venv + "/bin/python", "--no-index", "--find-links", wheels]
                + (names ?? [])
        )
        guard installed.status == 0 else { return .failure(TestFailure("uv pip install: \(installed.output)")) }
        return .success(venv + "/bin/python")
    }()

    static func check(timeLimit: Duration = .seconds(60), width: Int? = nil) throws -> ImportCheck {
        var check = ImportCheck(python: try environment.get(), timeLimit: timeLimit)
        if let width { check.width = width }
        return check
    }

    @Test func modulesComeFromTopLevelTxtElseFromRECORD() async throws {
        let answer = try await Self.check().topLevelModules([
            "kiln-check-renamed", "kiln-check-toplevel", "kiln-check-private", "kiln-check-scripts",
            "kiln-check-listing", "kiln-check-absent",
        ])
        #expect(
            answer
                == .found([
                    // RECORD: the public module only, though `_kiln_renamed_speedups` is installed too.
                    TopLevelModules(
                        name: "kiln-check-renamed",
                        version: "1.0",
                        source: "RECORD",
                        modules: ["kiln_renamed"]
                    ),
                    TopLevelModules(
                        name: "kiln-check-toplevel",
                        version: "1.0",
                        source: "top_level.txt",
                        modules: ["kiln_toplevel"]
                    ),
                    // A private module counts when there is no public one.
                    TopLevelModules(
                        name: "kiln-check-private",
                        version: "1.0",
                        source: "RECORD",
                        modules: ["_kiln_private_only"]
                    ),
                    // Only a script, in bin/ (a `..` path in RECORD): nothing to import.
                    TopLevelModules(name: "kiln-check-scripts", version: "1.0", source: "RECORD", modules: []),
                    // A package, a `.py` module, an extension module up to its first dot; not the `.libs` folder.
                    TopLevelModules(
                        name: "kiln-check-listing",
                        version: "1.0",
                        source: "RECORD",
                        modules: ["kiln_check_listing", "kiln_fast", "kiln_flat"]
                    ),
                    TopLevelModules(name: "kiln-check-absent"),
                ])
        )
    }

    @Test func librariesThatImportPassAndTheLogNamesEachModule() async throws {
        let log = LogLines()
        let failure = try await Self.check().run(
            [
                "kiln-demo-greet", "kiln-check-renamed", "kiln-check-toplevel", "kiln-check-private",
                "kiln-check-scripts", "kiln-check-absent",
            ],
            log: log.add
        )
        #expect(failure == nil)
        let text = log.text
        for module in [
            "kiln_demo_greet (kiln-demo-greet 1.0.0)", "kiln_renamed (kiln-check-renamed 1.0)",
            "kiln_toplevel (kiln-check-toplevel 1.0)", "_kiln_private_only (kiln-check-private 1.0)",
        ] {
            #expect(text.contains("import \(module): ok, "), "\(text)")
        }
        #expect(
            text.split(separator: "\n").filter { $0.contains(": ok, ") }.allSatisfy { $0.contains(/, \d+\.\d\d s$/) }
        )
        #expect(!text.contains("_kiln_renamed_speedups"))
        #expect(text.contains("kiln-check-scripts 1.0: no importable module"), "\(text)")
        #expect(text.contains("kiln-check-absent: not installed"), "\(text)")
    }

    @Test(arguments: [1, 4])
    func theFirstFailureInTheSpecsOrderIsReported(width: Int) async throws {
        let log = LogLines()
        let failure = try await Self.check(width: width).run(
            ["kiln-demo-greet", "kiln-check-broken", "kiln-check-numpy-abi"],
            log: log.add
        )
        let found = try #require(failure)
        #expect(found.distribution == "kiln-check-broken")
        #expect(found.module == "kiln_check_broken")
        #expect(found.kind == .raised(lastLine: "RuntimeError: first broken"))
        #expect(found.hint == nil)
        #expect(
            found.description
                == "`import kiln_check_broken` (kiln-check-broken==1.0) failed: RuntimeError: first broken"
        )
        // The traceback is in the log, indented under its module's line.
        #expect(log.text.contains("import kiln_check_broken (kiln-check-broken 1.0): failed after"), "\(log.text)")
        #expect(log.text.contains("    Traceback (most recent call last):"), "\(log.text)")
    }

    @Test func aNumpyABIErrorGetsTheNumpyHint() async throws {
        let failure = try #require(try await Self.check().run(["kiln-check-numpy-abi"], log: { _ in }))
        #expect(
            failure.description
                == "`import kiln_check_numpy_abi` (kiln-check-numpy-abi==1.0) failed: \(Self.numpyMessage); hint: a binary "
                + "built for numpy 1 is running under numpy 2: pin `numpy<2` in libraries"
        )
    }

    @Test func aMissingSystemLibraryIsNamed() async throws {
        let failure = try #require(try await Self.check().run(["kiln-check-nolib"], log: { _ in }))
        guard case .raised(let last) = failure.kind else {
            Issue.record("expected an error, got \(failure.kind)")
            return
        }
        #expect(last.hasPrefix("OSError: libkilnmissing.so.1: cannot open shared object file"), "\(last)")
        #expect(
            failure.hint
                == "the build host lacks the system library `libkilnmissing.so.1`: install it there, or add "
                + "\"kiln-check-nolib\" to [build] skip_import_check in workspace.toml"
        )
    }

    @Test func aSkippedLibraryIsNotImported() async throws {
        let log = LogLines()
        let failure = try await Self.check().run(
            ["kiln-check-broken", "kiln-demo-greet"],
            skipping: ["kiln-check-broken"],
            log: log.add
        )
        #expect(failure == nil)
        #expect(log.text.contains("kiln-check-broken: not imported, as [build] skip_import_check says"))
        #expect(!log.text.contains("import kiln_check_broken"))
        #expect(log.text.contains("import kiln_demo_greet (kiln-demo-greet 1.0.0): ok"))
    }

    @Test func anImportThatHangsIsStoppedWithWhatItStarted() async throws {
        let python = try Self.environment.get()
        let started = ContinuousClock.now
        let failure = try #require(
            try await Self.check(timeLimit: .seconds(2)).run(["kiln-check-hang", "kiln-demo-greet"], log: { _ in })
        )
        // Far below the hour the module sleeps; generous, as a busy 2-core machine running every suite at once was seen
        // to take 21 s here.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(failure.kind == .timedOut(.seconds(2)))
        #expect(
            failure.description
                == "`import kiln_check_hang` (kiln-check-hang==1.0) took longer than 2 s and was stopped; hint: if "
                + "it waits for something this host lacks, add \"kiln-check-hang\" to [build] skip_import_check in "
                + "workspace.toml"
        )
        try expectStopped(childOf: "kiln_check_hang", python: python)
    }

    @Test func cancellingTheCheckStopsTheImports() async throws {
        let python = try Self.environment.get()
        let pidFile = try Self.sitePackages(python) + "/kiln_check_hang_cancel.child.pid"
        try? FileManager.default.removeItem(atPath: pidFile)
        let check = try Self.check()
        let task = Task { try await check.run(["kiln-check-hang-cancel"], log: { _ in }) }
        let deadline = ContinuousClock.now + .seconds(90)
        while !FileManager.default.fileExists(atPath: pidFile), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let cancelled = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - cancelled < .seconds(60))
        try expectStopped(childOf: "kiln_check_hang_cancel", python: python)
    }

    @Test func noLibrariesRunsNothing() async throws {
        let log = LogLines()
        let check = ImportCheck(python: "/nonexistent/python")
        #expect(try await check.run([], log: log.add) == nil)
        #expect(log.text == "no library to import\n")
    }

    @Test func anInterpreterThatCannotAnswerIsAnError() async throws {
        let check = ImportCheck(python: "/bin/false")
        await #expect {
            try await check.run(["kiln-demo-greet"], log: { _ in })
        } throws: { error in
            "\(error)".hasPrefix("the environment's python could not list the installed distributions' modules")
        }
    }

    @Test(arguments: [
        (ImportCheckTests.numpyMessage, "pin `numpy<2`"),
        (
            "A module that was compiled using NumPy 1.x cannot be run in\nNumPy 2.2.6 as it may crash.\n"
                + "ImportError: numpy.core.multiarray failed to import", "pin `numpy<2`"
        ),
        ("AttributeError: _ARRAY_API not found", "pin `numpy<2`"),
        (
            "ImportError: libgomp.so.1: cannot open shared object file: No such file or directory",
            "lacks the system library `libgomp.so.1`"
        ),
        ("ModuleNotFoundError: No module named 'six'", nil),
    ])
    func hints(output: String, says: String?) {
        let hint = ImportFailure.hint(for: output, distribution: "x")
        if let says { #expect(hint?.contains(says) == true, "\(hint ?? "no hint")") } else { #expect(hint == nil) }
    }

    @Test(arguments: [
        ("pandas", true), ("google.protobuf", true), ("_cffi_backend", true), ("os; print(1)", false),
        ("a b", false), ("", false), ("x.", false), ("1x", false), ("x-y", false),
    ])
    func moduleNamesAreCheckedBeforeTheyReachACommandLine(module: String, accepted: Bool) {
        #expect(TopLevelModules.isModuleName(module) == accepted)
    }

    // MARK: helpers

    static func sitePackages(_ python: String) throws -> String {
        let venv = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        return venv + "/lib/python3.11/site-packages"
    }

    /// The hanging module's child (`sleep 3600`) is gone, or a zombie that nothing will run again.
    func expectStopped(childOf module: String, python: String) throws {
        let pidText = try String(
            contentsOfFile: try Self.sitePackages(python) + "/\(module).child.pid",
            encoding: .utf8
        )
        let pid = try #require(Int32(pidText))
        let alive = ContinuousClock.now + .seconds(5)
        var state = "gone"
        repeat {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            // The state is the field after the command's closing parenthesis.
            state = stat.split(separator: ")").last.map { String($0.dropFirst().prefix(1)) } ?? "gone"
            if state == "gone" || state == "Z" || state == "" { return }
            usleep(20_000)
        } while ContinuousClock.now < alive
        Issue.record("the child \(pid) of \(module) still runs (state \(state))")
    }

    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// The lines a check writes to its log, in order.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var add: @Sendable (String) -> Void { { line in self.lock.withLock { self.lines.append(line) } } }
    var text: String { lock.withLock { lines.map { $0 + "\n" }.joined() } }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
