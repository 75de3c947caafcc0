/// Character names for `\N{...}` in a marker's quoted string, which Python resolves (case-insensitively) from its
/// Unicode database. Built on first use only: almost no requirement has one.
enum UnicodeNames {
    static func scalar(named name: String) -> Unicode.Scalar? {
        table[upper(name)]
    }

    private static let table: [String: Unicode.Scalar] = {
        var out: [String: Unicode.Scalar] = [:]
        for v in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            if let name = s.properties.name { out[name] = s }
            if let alias = s.properties.nameAlias, out[alias] == nil { out[alias] = s }
        }
        return out
    }()

    /// Python upper-cases the name in ASCII only.
    private static func upper(_ s: String) -> String {
        PythonText.string(
            s.unicodeScalars.map { ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32) ?? $0 : $0 }
        )
    }
}
