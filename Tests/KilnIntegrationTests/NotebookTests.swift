import Foundation
import KilnProtocol
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Published environments as Jupyter kernels, with real Jupyter: `jupyter_client` starts a kernel from the daemon's
/// kernelspec, and from one `kiln kernel install` wrote, and the kernel runs in the environment's store folder.
@Suite("notebooks: environments as Jupyter kernels", .serialized)
struct NotebookTests {
    /// ipykernel and its dependencies as wheels for Python 3.11, which scripts/setup.sh downloads once from PyPI.
    /// The tests never reach an index: without the folder they fail (CI runs the setup first).
    static let jupyterWheels: String = {
        if let explicit = ProcessInfo.processInfo.environment["KILN_TEST_WHEELS"], !explicit.isEmpty {
            return explicit
        }
        return (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.cache/kiln-test-wheels/jupyter"
    }()

    static let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/run_kernel.py"
    ).path

    static let spec = """
        full_name = "Notebook tools"
        base = "python:3.11"
        libraries = ["ipykernel", "kiln-demo-greet==1.0.0"]
        """

    /// Runs one cell in the kernel named `kernel`, found through `jupyterPath`; returns the kernel's `sys.prefix`.
    static func prefix(ofKernel kernel: String, jupyterPath: String, scratch: String) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["JUPYTER_PATH"] = jupyterPath
        // Nothing from the person running the tests: no kernels of theirs, no runtime files in their home.
        environment["JUPYTER_DATA_DIR"] = scratch + "/data"
        environment["JUPYTER_RUNTIME_DIR"] = scratch + "/runtime"
        environment["JUPYTER_CONFIG_DIR"] = scratch + "/config"
        environment["JUPYTER_PLATFORM_DIRS"] = "1"
        let ran = TestWorkspace.run("/usr/bin/env", ["python3", driver, kernel], environment: environment)
        guard ran.status == 0, let line = ran.output.split(separator: "\n").last(where: { $0.hasPrefix("PREFIX=") })
        else { throw Failure("the kernel \(kernel) did not run the cell (exit \(ran.status)):\n\(ran.output)") }
        return String(line.dropFirst("PREFIX=".count))
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    @Test(.timeLimit(.minutes(10)))
    func aPublishedEnvironmentIsAKernelInJupyter() async throws {
        guard FileManager.default.fileExists(atPath: NotebookTests.jupyterWheels + "/.complete") else {
            let missing = "no ipykernel wheels in \(NotebookTests.jupyterWheels): run `bash scripts/setup.sh`"
            Issue.record("\(missing) (it downloads them once from PyPI)")
            return
        }
        let ws = try TestWorkspace(extraLinks: [NotebookTests.jupyterWheels])
        let scratch = ws.root + ".jupyter"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try ws.start()
        try await ws.publish("nb", NotebookTests.spec)
        let published = try #require(ws.status("published/nb"))
        let environment = try #require(published.environment)

        // The daemon writes the workspace's kernelspec.
        let kernelJSON = ws.layout.kernelJSON("nb")
        let written = await TestWorkspace.waitUntil { FileManager.default.fileExists(atPath: kernelJSON) }
        #expect(written, "no \(kernelJSON); daemon log:\n\(ws.daemonOutputForReport)")
        let bytes = try #require(FileManager.default.contents(atPath: kernelJSON))
        let origin = try #require(KernelSpec.origin(ofKernelJSON: Array(bytes)))
        #expect(origin.specSHA256 == published.specSHA256)
        #expect(origin.build == published.build)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"display_name\": \"Notebook tools (Kiln)\""))

        // Jupyter starts it from JUPYTER_PATH=<workspace>/.kiln/jupyter, and the kernel runs in the environment.
        let path = ws.kilnCommand("kernel", "path")
        #expect(path.output.trimmingCharacters(in: .whitespacesAndNewlines) == ws.layout.jupyter)
        let fromWorkspace = try NotebookTests.prefix(ofKernel: "nb", jupyterPath: ws.layout.jupyter, scratch: scratch)
        #expect(NotebookTests.realPath(fromWorkspace) == NotebookTests.realPath(environment))

        // A personal kernelspec from `kiln kernel install --prefix` does the same.
        let prefix = scratch + "/prefix"
        let installed = TestWorkspace.run(
            TestWorkspace.kiln,
            ["kernel", "install", "nb", "--prefix", prefix, "--workspace", ws.root]
        )
        #expect(installed.status == 0, "\(installed.output)")
        let personal = try NotebookTests.prefix(
            ofKernel: "kiln-nb",
            jupyterPath: prefix + "/share/jupyter",
            scratch: scratch
        )
        #expect(NotebookTests.realPath(personal) == NotebookTests.realPath(environment))

        // Removing the published environment removes its kernelspec.
        try FileManager.default.removeItem(atPath: ws.path("published/nb"))
        let removed = await TestWorkspace.waitUntil { !FileManager.default.fileExists(atPath: kernelJSON) }
        #expect(removed, "\(kernelJSON) is still there; daemon log:\n\(ws.daemonOutputForReport)")
        #expect(ws.stop() == 0)
    }

    @Test func aPublishedEnvironmentWithoutIPykernelHasNoKernelAndListSaysWhy() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try await ws.publish("report", reportSpec)
        // The daemon has looked again after the approval (the journal has it), and wrote no kernelspec.
        try await ws.waitForLog("published/report [published]")
        let list = ws.kilnCommand("kernel", "list")
        #expect(list.status == 0)
        #expect(list.output.contains("add ipykernel to its libraries"), "\(list.output)")
        #expect(!FileManager.default.fileExists(atPath: ws.layout.kernelJSON("report")))
        #expect(ws.stop() == 0)
    }
}
