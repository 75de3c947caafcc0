/// Keeps the credentials a package source URL carries out of everything Kiln writes or prints (protocol section 6,
/// `index_url`): build logs, statuses, the journal, the daemon's log and the CLI's output. The builds themselves
/// get the real URLs; only text that leaves Kiln is masked.
///
/// What counts as a secret in a URL (`scheme://userinfo@host:port/path?query#fragment`), a rule a person can check
/// by eye:
/// - the userinfo's password (`user:****@host`), or the whole userinfo when it has no password (`****@host`), since
///   a token is often passed as the user name;
/// - every path segment that holds a digit or is 24 characters or longer (`/t/****/simple`): a token is a long
///   random string, while the words of an index's path (`simple`, `pypi`, `api`) are neither;
/// - every query value (`?token=****`), and the whole fragment.
///
/// The host, the port, the plain path words and the query's keys stay, so a masked URL still says which index it
/// is. A text is masked by replacing each whole URL with its masked form, then each secret of 6 characters or more
/// wherever it appears on its own, as written, percent-encoded and percent-decoded: installers print URLs
/// normalised, or print a password alone. Shorter secrets are masked only inside their URL, so masking never
/// garbles ordinary words of a log.
public struct SecretMasker: Sendable, Equatable {
    /// What replaces each secret.
    public static let mask = "****"
    /// Secrets shorter than this are masked only inside their URL.
    static let shortest = 6

    /// Real text -> masked text, the longest first, so a URL is replaced before the secrets inside it.
    public private(set) var replacements: [(real: String, masked: String)] = []

    public init() {}

    /// The masker for a workspace's package sources: `index_url`, and each `find_links` entry that is a URL.
    public init(settings: WorkspaceSettings) {
        self.init(urls: (settings.indexURL.map { [$0] } ?? []) + settings.findLinks)
    }

    /// The masker for these texts; those that are not URLs with a secret add nothing.
    public init(urls: [String]) {
        for url in urls { add(url) }
    }

    /// Whether nothing is masked: no source carries a secret.
    public var isEmpty: Bool { replacements.isEmpty }

    /// Adds the secrets of one URL; a masker grows, so text written under earlier settings stays masked.
    public mutating func add(_ url: String) {
        guard let parsed = MaskedURL(url) else { return }
        var pairs: [(String, String)] = []
        for variant in Self.variants(of: url) where variant != parsed.masked {
            pairs.append((variant, parsed.masked))
        }
        for secret in parsed.secrets where secret.count >= Self.shortest {
            for variant in Self.variants(of: secret) { pairs.append((variant, Self.mask)) }
        }
        for pair in pairs where !replacements.contains(where: { $0.real == pair.0 }) {
            replacements.append((real: pair.0, masked: pair.1))
        }
        replacements.sort { $0.real.count > $1.real.count }
    }

    /// Adds the secrets of another masker.
    public mutating func add(_ other: SecretMasker) {
        for pair in other.replacements where !replacements.contains(where: { $0.real == pair.real }) {
            replacements.append(pair)
        }
        replacements.sort { $0.real.count > $1.real.count }
    }

    /// The text with every secret masked.
    public func mask(_ text: String) -> String {
        guard !replacements.isEmpty else { return text }
        var out = text
        for (real, masked) in replacements where out.contains(real) {
            out = out.replacing(real, with: masked)
        }
        return out
    }

    /// The masked form of one URL (`https://user:****@host/simple`); text that is not a URL comes back as it is.
    public static func masked(url: String) -> String { MaskedURL(url)?.masked ?? url }

    public static func == (a: SecretMasker, b: SecretMasker) -> Bool {
        a.replacements.map(\.real) == b.replacements.map(\.real)
            && a.replacements.map(\.masked) == b.replacements.map(\.masked)
    }

    /// A text as written, percent-encoded (everything but RFC 3986's unreserved characters), percent-decoded, and
    /// decoded then encoded again: the forms an installer may print a URL's part in.
    static func variants(of text: String) -> [String] {
        var out = [text]
        let decoded = PercentCoding.decode(text)
        for other in [PercentCoding.encode(text), decoded, PercentCoding.encode(decoded)] where !out.contains(other) {
            out.append(other)
        }
        return out
    }
}

/// One URL cut into its parts, with its masked form and the secrets that were masked (see `SecretMasker`).
struct MaskedURL {
    var masked: String
    var secrets: [String]

    /// Nil when the text is not a `scheme://` URL or carries no secret.
    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
        else { return nil }
        // A file URL names a folder of this host, and carries no credentials.
        guard scheme.lowercased() != "file" else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var secrets: [String] = []
        var out = String(scheme) + "://"
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                let password = userinfo[userinfo.index(after: colon)...]
                if !password.isEmpty { secrets.append(String(password)) }
                out += userinfo[...colon] + SecretMasker.mask
            } else {
                if !userinfo.isEmpty { secrets.append(String(userinfo)) }
                out += SecretMasker.mask
            }
            out += authority[at...]
        } else {
            out += authority
        }
        var tail = rest[authorityEnd...]
        var fragment: Substring = ""
        if let hash = tail.firstIndex(of: "#") {
            fragment = tail[tail.index(after: hash)...]
            tail = tail[..<hash]
        }
        var query: Substring?
        if let mark = tail.firstIndex(of: "?") {
            query = tail[tail.index(after: mark)...]
            tail = tail[..<mark]
        }
        let segments = tail.split(separator: "/", omittingEmptySubsequences: false).map { segment -> Substring in
            guard Self.looksLikeToken(segment) else { return segment }
            secrets.append(String(segment))
            return Substring(SecretMasker.mask)
        }
        out += segments.joined(separator: "/")
        if let query {
            out += "?"
            out += query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
                let value = pair[pair.index(after: equals)...]
                guard !value.isEmpty else { return String(pair) }
                secrets.append(String(value))
                return pair[...equals] + SecretMasker.mask
            }.joined(separator: "&")
        }
        if !fragment.isEmpty {
            secrets.append(String(fragment))
            out += "#" + SecretMasker.mask
        }
        guard !secrets.isEmpty else { return nil }
        self.masked = out
        self.secrets = secrets
    }

    /// A path segment that holds a digit or is 24 characters or longer.
    static func looksLikeToken(_ segment: Substring) -> Bool {
        segment.count >= 24 || segment.contains { $0.isASCII && $0.isNumber }
    }
}

/// Percent-encoding as installers write URLs, for matching what they print.
enum PercentCoding {
    static let hex = Array("0123456789ABCDEF")

    /// Every byte but RFC 3986's unreserved characters (letters, digits, `-._~`) as `%XX`.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// `%XX` sequences as their bytes; a text that does not decode to UTF-8 comes back as it is.
    static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "%"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.dropFirst().prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? text
    }
}
