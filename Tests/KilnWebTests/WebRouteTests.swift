import KilnProtocol
import KilnWeb
import Testing

/// The path a client sends, read once and held to the name rule before any file is touched.
@Suite("the web view's routes")
struct WebRouteTests {
    @Test(
        arguments: [
            ("/", WebRoute.page),
            ("/?x=1", .page),
            ("/metrics", .metrics),
            ("/environments/churn", .environmentPage("churn")),
            ("/environments/churn/", .environmentPage("churn")),
            ("/api/environments", .environments),
            ("/api/environments/", .environments),
            ("/api/environments/churn", .environment("churn")),
            ("/api/environments/ml-2.0_b", .environment("ml-2.0_b")),
            ("/api/environments/%63hurn", .environment("churn")),
            ("/api/environments/churn/log", .log("churn")),
            ("/api/environments/churn/log?follow=1", .log("churn")),
        ]
    )
    func served(_ path: String, _ route: WebRoute) {
        #expect(WebRoute(path: path) == route)
    }

    /// Every way to spell a step outside, or a name that is not one: refused, never a name.
    @Test(
        arguments: [
            "/..", "/api/environments/..", "/api/environments/.", "/api/environments/%2e%2e",
            "/api/environments/%2E%2e",
            "/api/environments/..%2f..%2fetc", "/api/environments/%2fetc%2fpasswd", "/api/environments/a%2fb/log",
            "/api/environments/%252e%252e", "/api/environments/%25", "/api/environments/%", "/api/environments/%zz",
            "/api/environments/%00", "/api/environments/a%00", "/api/environments/..%5c..", "/api/environments/%c0%ae",
            "/api/environments/.kiln", "/api/environments/Upper", "/api/environments/a b", "/api/environments/-x",
            "/api/environments/x/log/extra", "/api/environments/x/spec.toml", "/api/environments//log", "//etc/passwd",
            "/workspace.toml", "/.kiln/journal.jsonl", "/saved/x/spec.toml", "api/environments", "",
            "/api/environments/" + String(repeating: "a", count: 65),
        ]
    )
    func refused(_ path: String) {
        switch WebRoute(path: path) {
        case .badPath, .notFound: break
        case let route: Issue.record("\(path) was read as \(route)")
        }
    }
}

/// A view on a loopback address answers only requests that name this host: no DNS rebinding.
@Suite("the web view's Host check")
struct HostCheckTests {
    @Test(
        arguments: [
            ("localhost:8080", true), ("LOCALHOST", true), ("127.0.0.1:8080", true), ("127.1.2.3", true),
            ("[::1]:8080", true), ("kiln.localhost:80", true), ("evil.example:8080", false),
            ("127.0.0.1.evil.example", false), ("10.0.0.1:8080", false), ("", false), ("[::1", false),
            ("127.0.0.256:80", false), ("localhost.evil.example", false),
        ]
    )
    func loopback(_ authority: String, _ allowed: Bool) {
        let check = HostCheck(listen: HTTPListen(host: "127.0.0.1", port: 8080))
        #expect(check.allows(authority) == allowed)
        #expect(HostCheck(listen: HTTPListen(host: "::1", port: 8080)).allows(authority) == allowed)
    }

    @Test func missingHost() {
        #expect(!HostCheck(listen: HTTPListen(host: "localhost", port: 80)).allows(nil))
    }

    /// Listening on another address opens the view on purpose: every name is answered.
    @Test(arguments: ["0.0.0.0", "::", "192.0.2.10", "kiln.example"])
    func open(_ host: String) {
        let check = HostCheck(listen: HTTPListen(host: host, port: 8080))
        #expect(check.allows("evil.example:8080"))
        #expect(check.allows(nil))
    }
}
