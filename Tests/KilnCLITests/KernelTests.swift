import Foundation
import KilnProtocol
import Testing

/// `kiln kernel ...` on workspaces written as the daemon would, with no daemon and no Jupyter: what is written where.
@Suite("kiln kernel")
struct KernelTests {
    /// `kiln kernel SUBCOMMAND --workspace ROOT ARGUMENTS...`
    static func kernel(_ ws: CLIWorkspace, _ subcommand: String, _ arguments: String...) async -> KilnResult {
        await CLIWorkspace.run(["kernel", subcommand, "--workspace", ws.root] + arguments)
    }

    /// A built copy whose store lock pins ipykernel (or not). Copies with the same spec share a store folder, so
    /// give each a full name of its own.
    @discardableResult
    static func built(
        _ ws: CLIWorkspace,
        _ name: String,
        in stage: Stage,
        ipykernel: Bool,
        fullName: String? = nil
    ) throws -> Status {
        let status = try ws.built(name, in: stage, state: stage == .published ? .published : .ready, fullName: fullName)
        let hash = try #require(status.specSHA256)
        let lock = "comm==0.2.2\n" + (ipykernel ? "ipykernel==6.29.5 \\\n    --hash=sha256:00\n" : "")
        try ws.write(".kiln/envs/\(hash)/.kiln-build/requirements.lock", lock)
        try ws.write(".kiln/envs/\(hash)/.kiln-build/complete", "built\n")
        return status
    }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func pathIsTheFolderForJupyterPath() async throws {
        let ws = try await CLIWorkspace()
        let result = await Self.kernel(ws, "path")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == ws.root + "/.kiln/jupyter\n")
    }

    @Test func installWritesAKernelspecPinnedToTheBuild() async throws {
        let ws = try await CLIWorkspace()
        let status = try Self.built(ws, "churn", in: .published, ipykernel: true, fullName: "Churn models")
        let prefix = ws.root + ".prefix"
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let result = await Self.kernel(ws, "install", "churn", "--prefix", prefix)
        #expect(result.status == 0, "\(result)")
        let file = prefix + "/share/jupyter/kernels/kiln-churn/kernel.json"
        let object = try Self.json(file)
        #expect(object["display_name"] as? String == "Churn models (Kiln, published build 1)")
        #expect(
            (object["argv"] as? [String]) == [status.python!, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        )
        let origin = try #require(
            KernelSpec.origin(ofKernelJSON: Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        )
        #expect(origin.specSHA256 == status.specSHA256)
        #expect(origin.stage == "published")
        #expect(origin.workspace == ws.root)
    }

    @Test func installIntoTheUserFolderByDefault() async throws {
        let ws = try await CLIWorkspace()
        try Self.built(ws, "churn", in: .draft, ipykernel: true)
        let data = ws.root + ".data"
        defer { try? FileManager.default.removeItem(atPath: data) }
        // With JUPYTER_DATA_DIR set, as Jupyter itself reads it.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLIWorkspace.kiln)
        p.arguments = ["kernel", "install", "--workspace", ws.root, "churn"]
        p.environment = ProcessInfo.processInfo.environment.merging(["JUPYTER_DATA_DIR": data]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let result = (status: p.terminationStatus, description: "exit \(p.terminationStatus)")
        #expect(result.status == 0, "\(result)")
        #expect(
            try Self.json(data + "/kernels/kiln-churn-draft/kernel.json")["display_name"] as? String
                == "churn (Kiln, draft build 1)"
        )
    }

    @Test func installRefusesABuildWithoutIPykernelAndSaysWhatToDo() async throws {
        let ws = try await CLIWorkspace()
        try Self.built(ws, "churn", in: .published, ipykernel: false)
        let result = await Self.kernel(ws, "install", "churn", "--prefix", ws.root + ".prefix")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("has no ipykernel; add ipykernel to its libraries"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: ws.root + ".prefix"))
    }

    @Test func installRefusesWhatIsNotBuilt() async throws {
        let ws = try await CLIWorkspace()
        try ws.spec("saved/churn")
        let result = await Self.kernel(ws, "install", "churn", "--prefix", ws.root + ".prefix")
        #expect(result.status == 1, "\(result)")
    }

    @Test func userAndPrefixTogetherIsAUsageError() async throws {
        let ws = try await CLIWorkspace()
        let result = await Self.kernel(ws, "install", "churn", "--user", "--prefix", "/tmp/x")
        #expect(result.status == 2, "\(result)")
    }

    @Test func installNeverReplacesAKernelspecKilnDidNotWrite() async throws {
        let ws = try await CLIWorkspace()
        try Self.built(ws, "churn", in: .published, ipykernel: true)
        let prefix = ws.root + ".prefix"
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let theirs = prefix + "/share/jupyter/kernels/kiln-churn"
        try FileManager.default.createDirectory(atPath: theirs, withIntermediateDirectories: true)
        try #"{"argv": ["python3"], "display_name": "Mine", "language": "python"}"#.write(
            toFile: theirs + "/kernel.json",
            atomically: true,
            encoding: .utf8
        )
        let result = await Self.kernel(ws, "install", "churn", "--prefix", prefix)
        #expect(result.status == 1, "\(result)")
        #expect(try Self.json(theirs + "/kernel.json")["display_name"] as? String == "Mine")
    }

    @Test func listSaysWhichHaveAKernelAndWhyOthersDoNot() async throws {
        let ws = try await CLIWorkspace()
        try Self.built(ws, "with", in: .published, ipykernel: true, fullName: "With kernel")
        try Self.built(ws, "without", in: .published, ipykernel: false)
        try Self.built(ws, "drafty", in: .draft, ipykernel: true, fullName: "Drafty")
        let waiting = await Self.kernel(ws, "list")
        #expect(waiting.status == 0, "\(waiting)")
        #expect(waiting.stdout.contains("the daemon has not written its kernelspec yet"), "\(waiting)")
        // What the daemon would write.
        let status = try #require(ws.status("published/with"))
        let spec = KernelSpec.published(
            name: "with",
            fullName: "With kernel",
            specSHA256: status.specSHA256!,
            built: BuiltEnvironment(
                key: BuildInputs.key(ofEnvironment: status.environment!),
                path: status.environment!,
                python: status.python!,
                summary: ""
            ),
            build: status.build
        )
        try ws.write(".kiln/jupyter/kernels/with/kernel.json", bytes: spec.rendered())
        let result = await Self.kernel(ws, "list")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result)")
        #expect(lines.contains { $0.hasPrefix("with ") && $0.contains("With kernel (Kiln)") }, "\(result)")
        #expect(
            lines.contains { $0.hasPrefix("without ") && $0.contains("add ipykernel to its libraries") },
            "\(result)"
        )
        #expect(!result.stdout.contains("drafty"))
    }

    @Test func syncInstallsEveryOneAndRemovesOnlyKilnsStaleOnes() async throws {
        let ws = try await CLIWorkspace()
        try Self.built(ws, "one", in: .published, ipykernel: true, fullName: "One")
        try Self.built(ws, "two", in: .draft, ipykernel: true, fullName: "Two")
        try Self.built(ws, "bare", in: .published, ipykernel: false)
        let prefix = ws.root + ".prefix"
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let kernels = prefix + "/share/jupyter/kernels"
        func put(_ kernel: String, _ bytes: [UInt8]) throws {
            try FileManager.default.createDirectory(atPath: kernels + "/" + kernel, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: kernels + "/" + kernel + "/kernel.json"))
        }
        func kiln(_ name: String, workspace: String) -> [UInt8] {
            KernelSpec.personal(
                name: name,
                fullName: nil,
                stage: .published,
                specSHA256: String(repeating: "0", count: 64),
                build: 1,
                python: "/nowhere/bin/python",
                workspace: workspace
            ).rendered()
        }
        try put("kiln-gone", kiln("gone", workspace: ws.root))
        try put("kiln-elsewhere", kiln("gone", workspace: "/another/workspace"))
        try put("python3", Array(#"{"argv": ["python3"], "display_name": "Python 3", "language": "python"}"#.utf8))

        let result = await Self.kernel(ws, "sync", "--prefix", prefix)
        #expect(result.status == 0, "\(result)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: kernels))
        #expect(left == ["kiln-one", "kiln-two-draft", "kiln-elsewhere", "python3"], "\(result)")
        #expect(result.stderr.contains("skipped published/bare"), "\(result)")
        // Again: nothing to do.
        let again = await Self.kernel(ws, "sync", "--prefix", prefix)
        #expect(again.status == 0 && again.stdout.isEmpty, "\(again)")
    }
}
