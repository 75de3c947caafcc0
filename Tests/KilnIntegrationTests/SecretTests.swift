import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 10, "secrets": an `index_url` with credentials never appears in anything Kiln writes or prints, while the
/// builds still reach the index with them.
@Suite("kiln serve: an index_url's credentials are masked everywhere", .serialized)
struct SecretTests {
    static let secret = "s3cr3t-T0KEN"

    /// A tiny package index: every project is unknown (404, so uv goes on to `find_links`), except
    /// `kiln-demo-unreachable`, whose page fails (500), so uv fails and names the URL in its error.
    final class LocalIndex: @unchecked Sendable {
        let process = Process()
        let port: Int
        /// The Authorization headers it received, one per line: proof that the builds sent the real credentials.
        let seen: String

        init() throws {
            seen = NSTemporaryDirectory() + "kiln-index-\(UUID().uuidString.prefix(8)).log"
            let script = """
                import http.server, sys
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        with open(sys.argv[1], "a") as f:
                            f.write(str(self.headers.get("Authorization")) + "\\n")
                        self.send_response(500 if "unreachable" in self.path else 404)
                        self.end_headers()
                    def log_message(self, *a):
                        pass
                s = http.server.HTTPServer(("127.0.0.1", 0), H)
                open(sys.argv[2], "w").write(str(s.server_port) + "\\n")
                s.serve_forever()
                """
            let portFile = seen + ".port"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, seen, portFile]
            try process.run()
            var port: Int?
            for _ in 0..<500 where port == nil {
                port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                    $0.hasSuffix("\n") ? Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) : nil
                }
                usleep(20_000)
            }
            try? FileManager.default.removeItem(atPath: portFile)
            guard let port else { throw Failure("the local index did not say its port") }
            self.port = port
        }

        deinit {
            // Collected with waitpid: Foundation's waitUntilExit was seen to spin (TestWorkspace.stop).
            kill(process.processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(process.processIdentifier, &status, 0)
            try? FileManager.default.removeItem(atPath: seen)
        }
    }

    /// Every file under `folder`, recursively, without following links.
    static func files(under folder: String) -> [String] {
        var out: [String] = []
        for entry in (try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + entry
            if WorkspaceFiles.kind(path) == .file { out.append(path) }
        }
        return out
    }

    @Test func theCredentialsAppearNowhere() async throws {
        let index = try LocalIndex()
        let url = "http://kilnuser:\(SecretTests.secret)@127.0.0.1:\(index.port)/simple"
        let masked = "http://kilnuser:****@127.0.0.1:\(index.port)/simple"
        let ws = try TestWorkspace()
        try ws.editSettings { $0.replacingOccurrences(of: "no_index = true", with: "index_url = \"\(url)\"") }
        try ws.start()
        try ws.save(
            "saved/good",
            "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
        )
        try ws.save(
            "saved/bad",
            "base = \"python:3.11\"\nlibraries = [\"kiln-demo-unreachable==1.0\"]\n"
        )
        try await ws.waitForState("draft/good", .ready)
        let failed = try await ws.waitForState("saved/bad", .failed)
        // The builds reached the index with the real credentials (Basic base64 of "kilnuser:s3cr3t-T0KEN").
        let basic = "Basic " + Data("kilnuser:\(SecretTests.secret)".utf8).base64EncodedString()
        let seen = (try? String(contentsOfFile: index.seen, encoding: .utf8)) ?? ""
        #expect(seen.contains(basic), "the index never got the credentials: \(seen)")

        // Every output that could mention the index.
        var outputs: [(String, String)] = []
        // workspace.toml is where the person wrote the URL: the only file that holds it.
        for file in SecretTests.files(under: ws.root) where file != ws.layout.settingsFile {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            outputs.append((file, String(decoding: data, as: UTF8.self)))
        }
        let fileCount = outputs.count
        for command in [
            ["list"], ["list", "--json"], ["status", "good"], ["status", "bad"], ["logs", "good"], ["logs", "bad"],
            ["history"], ["history", "--json"], ["doctor"],
        ] {
            let run = TestWorkspace.run(TestWorkspace.kiln, command + ["--workspace", ws.root])
            outputs.append(("kiln " + command.joined(separator: " "), run.output))
        }
        ws.stop()
        outputs.append(("the daemon's log", ws.daemonOutput))
        let forms = Set(
            [
                SecretTests.secret, SecretTests.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics),
                "kilnuser:" + SecretTests.secret,
            ].compactMap { $0 }
        )
        for (name, text) in outputs {
            for form in forms where text.contains(form) {
                Issue.record("\(name) holds the secret (\(form)):\n\(text.prefix(4000))")
            }
        }
        // The masked form is there where the URL is mentioned: the build logs quote the installer's command.
        let logs = outputs.filter { $0.0.hasPrefix(ws.root + "/saved/bad/logs/") || $0.0 == "kiln logs bad" }
        #expect(logs.count >= 2)
        for (name, text) in logs { #expect(text.contains(masked), "\(name) does not name \(masked)") }
        #expect(failed.message.contains("failed"))
        print(
            "secrets: searched \(outputs.count) outputs (\(fileCount) files under the workspace) for \(forms.count) forms"
        )
    }
}
