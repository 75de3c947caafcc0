import KilnProtocol

/// Whom a web view listening on a loopback address answers: requests that name this host (`localhost`, `127.x.x.x`,
/// `[::1]`) in their `Host`. A page on some web site that a person on this host opens could otherwise point a name
/// of its own at 127.0.0.1 (DNS rebinding) and read the workspace through the person's browser. A view listening on
/// another address was opened to the network on purpose, and answers every name.
public struct HostCheck: Sendable, Equatable {
    /// Whether the check applies: the view listens on a loopback address only.
    public var loopbackOnly: Bool

    public init(listen: HTTPListen) {
        loopbackOnly = HostCheck.isLoopback(listen.host)
    }

    /// Whether a request with this `Host` (or HTTP/2 `:authority`) is answered.
    public func allows(_ authority: String?) -> Bool {
        guard loopbackOnly else { return true }
        guard let authority, !authority.isEmpty else { return false }
        var host = Substring(authority)
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return false }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return HostCheck.isLoopback(String(host))
    }

    /// `localhost` (and names under it), `127.0.0.0/8` and `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
            }
    }
}
