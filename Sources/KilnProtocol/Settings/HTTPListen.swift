/// † Where `kiln serve` answers HTTP, when it is asked to (`--http HOST:PORT`, or `[http] listen` in
/// `workspace.toml`): the read-only web view and `/metrics`. A port alone means `127.0.0.1`, so the view is open to
/// this host only unless an admin names another address.
public struct HTTPListen: Sendable, Equatable, CustomStringConvertible {
    /// An IPv4 or IPv6 address (without brackets), or a host name such as `localhost`.
    public var host: String
    /// 0 lets the system choose a free port; the daemon's log says which it got.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:8080`, `[::1]:8080`: the form `parse` reads back.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// What a user writes: `8080`, `127.0.0.1:8080`, `0.0.0.0:8080`, `localhost:8080`, `[::1]:8080`.
    public static let examples = "\"8080\", \"127.0.0.1:8080\", \"0.0.0.0:8080\" or \"[::1]:8080\""

    /// Reads `HOST:PORT` or a port alone; the reason it is not one otherwise, in words a user can act on.
    public static func parse(_ text: String) -> Result<HTTPListen, HTTPListenProblem> {
        let trimmed = Substring(text)
        guard !trimmed.isEmpty else { return .failure(.init("an empty address; write a port or HOST:PORT")) }
        let host: String
        let portText: Substring
        if trimmed.first == "[" {
            guard let close = trimmed.firstIndex(of: "]") else {
                return .failure(.init("'\(text)' opens '[' for an IPv6 address but does not close it"))
            }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.first == ":" else {
                return .failure(.init("'\(text)' has no port after the IPv6 address; write [ADDRESS]:PORT"))
            }
            portText = rest.dropFirst()
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return .failure(.init("'\(host)' in '\(text)' is not an IPv6 address"))
            }
        } else if let colon = trimmed.lastIndex(of: ":") {
            host = String(trimmed[..<colon])
            portText = trimmed[trimmed.index(after: colon)...]
            guard !host.contains(":") else {
                return .failure(.init("'\(text)' looks like an IPv6 address; write it in brackets, as [::1]:8080"))
            }
            if let problem = hostProblem(host, in: text) { return .failure(problem) }
        } else {
            host = "127.0.0.1"
            portText = Substring(trimmed)
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigitCharacter), portText.count <= 5,
            let port = Int(portText),
            port <= 65535
        else {
            let shown = portText == trimmed ? "'\(text)'" : "'\(portText)' in '\(text)'"
            return .failure(.init("\(shown) is not a port: write a number from 1 to 65535"))
        }
        return .success(HTTPListen(host: host, port: port))
    }

    /// A host name or an IPv4 address: letters, digits, `-` and `.`, nothing else.
    private static func hostProblem(_ host: String, in text: String) -> HTTPListenProblem? {
        guard !host.isEmpty else { return .init("'\(text)' has no host before ':'; write HOST:PORT or a port alone") }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            return .init("'\(host)' in '\(text)' is not a host name or an IP address")
        }
        return nil
    }
}

/// Why a listen address was refused; the caller adds where it came from (`--http`, `workspace.toml`).
public struct HTTPListenProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
