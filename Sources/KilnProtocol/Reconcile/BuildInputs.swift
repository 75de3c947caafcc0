/// What determines a build's result, and so the key of the environment store (`.kiln/envs/<key>/`): the base
/// interpreter's exact version, the normalised library list, the policy's required libraries, where packages come
/// from, `only_binary`, and for a rebuild from a lock, that lock. The spec's bytes are not an input: two specs that
/// differ only in `full_name`, `description` or a comment share one build.
public struct BuildInputs: Sendable, Equatable {
    /// The base interpreter's exact version (`3.11.9`), or `X.Y` when the host could not tell.
    public var python: String
    /// Every library as one canonical spelling, sorted.
    public var libraries: [String]
    /// `[policy] required`, canonical and sorted.
    public var required: [String]
    public var indexURL: String?
    public var noIndex: Bool
    public var findLinks: [String]
    public var onlyBinary: Bool
    /// The SHA-256 of the `requirements.lock` installed as it is (`kiln build --from-lock`), else nil: resolved.
    public var lockSHA256: String?

    public init(spec: Spec, settings: WorkspaceSettings, pythonVersion: String?, lock: [UInt8]? = nil) {
        python = pythonVersion ?? spec.base.text
        libraries = spec.libraries.map(\.canonical).sorted()
        required = settings.policy.required.map(\.canonical).sorted()
        indexURL = settings.noIndex ? nil : settings.indexURL
        noIndex = settings.noIndex
        findLinks = settings.findLinks
        onlyBinary = settings.onlyBinary
        lockSHA256 = lock.map(SHA256Hex.of)
    }

    /// The inputs as TOML, one key per line: the bytes the key is the hash of, and what a build keeps beside its
    /// environment (`.kiln-build/inputs.toml`) so a person can see why two names share it.
    public var rendered: String {
        func list(_ items: [String]) -> String { "[" + items.map(TOMLText.quote).joined(separator: ", ") + "]" }
        var out = "python = \(TOMLText.quote(python))\n"
        out += "libraries = \(list(libraries))\n"
        out += "required = \(list(required))\n"
        if let indexURL { out += "index_url = \(TOMLText.quote(indexURL))\n" }
        out += "no_index = \(noIndex)\n"
        out += "find_links = \(list(findLinks))\n"
        out += "only_binary = \(onlyBinary)\n"
        if let lockSHA256 { out += "lock_sha256 = \(TOMLText.quote(lockSHA256))\n" }
        return out
    }

    /// The store key: the SHA-256 of `rendered`.
    public var key: String { SHA256Hex.of(Array(rendered.utf8)) }

    /// The store key a status names: the last component of its `environment` path. Statuses written before the
    /// store was keyed by inputs name their spec's hash there, which is also the folder's name, so they keep working.
    public static func key(ofEnvironment path: String) -> String {
        // The last non-empty component, found in the bytes: a split by Characters cost a start on 10,000
        // environments a twentieth of its time.
        let bytes = Array(path.utf8)
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        var start = end
        while start > 0, bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
