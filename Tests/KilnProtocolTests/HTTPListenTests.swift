import KilnProtocol
import Testing

@Suite("[http] listen and --http: the address the web view answers on")
struct HTTPListenTests {
    @Test(
        arguments: [
            ("8080", "127.0.0.1", 8080),
            ("0", "127.0.0.1", 0),
            ("127.0.0.1:8080", "127.0.0.1", 8080),
            ("0.0.0.0:9100", "0.0.0.0", 9100),
            ("localhost:80", "localhost", 80),
            ("kiln-host.example:65535", "kiln-host.example", 65535),
            ("[::1]:8080", "::1", 8080),
            ("[::]:8080", "::", 8080),
        ]
    )
    func accepted(_ text: String, _ host: String, _ port: Int) throws {
        let listen = try HTTPListen.parse(text).get()
        #expect(listen == HTTPListen(host: host, port: port))
        #expect(try HTTPListen.parse(listen.description).get() == listen)
    }

    @Test(
        arguments: [
            ("", "empty"),
            ("65536", "not a port"),
            ("127.0.0.1:99999", "not a port"),
            ("127.0.0.1:", "not a port"),
            ("127.0.0.1:http", "not a port"),
            (":8080", "no host"),
            ("::1:8080", "brackets"),
            ("[::1]", "no port"),
            ("[::1:8080", "does not close"),
            ("[zz]:80", "not an IPv6 address"),
            ("a b:80", "not a host name"),
            ("-1", "not a port"),
            ("+80", "not a port"),
            ("ho/st:80", "not a host name"),
        ]
    )
    func refused(_ text: String, _ words: String) {
        guard case .failure(let problem) = HTTPListen.parse(text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
        #expect(problem.message.contains(words), "\(problem.message)")
    }

    @Test func settings() throws {
        let parsed = try WorkspaceSettings.parse(
            "[http]\nlisten = \"9000\"\n",
            path: "workspace.toml",
            workspaceRoot: "/w"
        )
        #expect(parsed.httpListen == HTTPListen(host: "127.0.0.1", port: 9000))
        #expect(try WorkspaceSettings.parse("", path: "workspace.toml", workspaceRoot: "/w").httpListen == nil)
        #expect(throws: SpecProblem.self) {
            try WorkspaceSettings.parse("[http]\nlisten = 9000\n", path: "workspace.toml", workspaceRoot: "/w")
        }
        do {
            _ = try WorkspaceSettings.parse("[http]\n\nlisten = \"x:y\"\n", path: "workspace.toml", workspaceRoot: "/w")
            Issue.record("a bad listen was accepted")
        } catch {
            #expect(error.description.contains("workspace.toml, line 3"))
            #expect(error.description.contains("[http] listen"))
        }
        do {
            _ = try WorkspaceSettings.parse("[http]\nlisen = \"80\"\n", path: "workspace.toml", workspaceRoot: "/w")
            Issue.record("a misspelt key was accepted")
        } catch {
            #expect(error.description.contains("did you mean 'listen'"))
        }
    }
}
