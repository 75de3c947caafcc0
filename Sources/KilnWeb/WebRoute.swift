import KilnProtocol

/// What a request's path asks for. Pure: the path is read as the client sent it, each segment percent-decoded once,
/// and a name must pass `EnvironmentName`'s lookup rule before it is ever joined to a folder. So `..`, `%2e%2e`, an
/// encoded slash (`%2f`), a double encoding (`%252e`) or a NUL can name nothing on disk: they are refused here, before
/// any file is opened.
public enum WebRoute: Sendable, Equatable {
    /// `/`: the page.
    case page
    /// `/environments/<name>`: the page, showing that environment.
    case environmentPage(String)
    /// `/api/environments`: every copy of every environment.
    case environments
    /// `/api/environments/<name>`: one environment's copies, spec and history.
    case environment(String)
    /// `/api/environments/<name>/log`: its latest build log.
    case log(String)
    /// `/metrics`: Prometheus's text format.
    case metrics
    /// A path that names nothing here.
    case notFound(String)
    /// A path no client should send: bad percent-encoding, an encoded slash, a segment that is not a name.
    case badPath(String)

    /// The route for a request's raw path (its query, if any, is ignored).
    public init(path raw: String) {
        let path = raw.prefix { $0 != "?" && $0 != "#" }
        guard path.first == "/" else {
            self = .badPath("a path starts with '/'")
            return
        }
        var segments: [String] = []
        for part in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = WebRoute.percentDecoded(part) else {
                self = .badPath("'\(part)' is not a valid percent-encoded path segment")
                return
            }
            if decoded.contains("/") || decoded.contains("\\") || decoded.contains("\u{0}") || decoded.contains("%") {
                self = .badPath("a path segment may not encode '/', '\\', '%' or NUL")
                return
            }
            if decoded == "." || decoded == ".." {
                self = .badPath("a path may not hold '.' or '..'")
                return
            }
            segments.append(decoded)
        }
        // One trailing slash is forgiven: `/api/environments/` is the list.
        if segments.count > 1, segments.last == "" { segments.removeLast() }
        switch (segments.count, segments.first) {
        case (1, ""): self = .page
        case (1, "metrics"): self = .metrics
        case (2, "environments"): self = WebRoute.named(segments[1], WebRoute.environmentPage)
        case (2...4, "api") where segments[1] == "environments":
            if segments.count == 2 {
                self = .environments
            } else if segments.count == 3 {
                self = WebRoute.named(segments[2], WebRoute.environment)
            } else if segments[3] == "log" {
                self = WebRoute.named(segments[2], WebRoute.log)
            } else {
                self = .notFound("nothing is served at \(path)")
            }
        default: self = .notFound("nothing is served at \(path)")
        }
    }

    private static func named(_ name: String, _ route: (String) -> WebRoute) -> WebRoute {
        if let problem = EnvironmentName.lookupProblem(with: name) { return .notFound(problem) }
        return route(name)
    }

    /// One segment with its `%XX` escapes decoded, as UTF-8; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ segment: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = segment.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
