/// One version clause of a requirement (`>=2.2`, `==1.*`, `===weird`), as `packaging.specifiers.Specifier` reads it:
/// PEP 440 versions, a wildcard only as `==X.*` or `!=X.*`, a local label only after `==` or `!=`, `~=` with at least
/// two release numbers, and `===` with any text.
public struct VersionSpecifier: Sendable, Equatable, CustomStringConvertible {
    /// `==`, `!=`, `<=`, `>=`, `<`, `>`, `~=` or `===`.
    public let op: String
    /// The version as written, without surrounding white space.
    public let version: String

    public var description: String { op + version }

    static let operators = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"]

    /// `Specifier(text)`: the whole text must be one specifier, with white space around it allowed.
    init?(parsing text: ArraySlice<Unicode.Scalar>) {
        let s = Array(text)
        var i = 0
        while i < s.count, PythonText.isSpace(s[i]) { i += 1 }
        guard var end = VersionSpecifier.match(s, at: i) else { return nil }
        while end < s.count, PythonText.isSpace(s[end]) { end += 1 }
        guard end == s.count else { return nil }
        let stripped = PythonText.strip(s[...])
        let written = PythonText.string(stripped)
        let length =
            written.hasPrefix("===") ? 3 : VersionSpecifier.operators.contains(String(written.prefix(2))) ? 2 : 1
        op = String(written.prefix(length))
        version = PythonText.string(PythonText.strip(stripped.dropFirst(length)))
    }

    /// Where packaging's specifier pattern, matched at `start`, ends; nil when it does not match there.
    static func match(_ s: [Unicode.Scalar], at start: Int) -> Int? {
        func has(_ op: String) -> Bool {
            let o = Array(op.unicodeScalars)
            return start + o.count <= s.count && Array(s[start..<(start + o.count)]) == o
        }
        func skipSpaces(_ k: Int) -> Int {
            var e = k
            while e < s.count, PythonText.isSpace(s[e]) { e += 1 }
            return e
        }
        if has("===") {
            let j = skipSpaces(start + 3)
            var e = j
            while e < s.count, !PythonText.isSpace(s[e]), s[e] != ";", s[e] != ")" { e += 1 }
            return e > j ? e : nil
        }
        let form: VersionGrammar.Form
        let length: Int
        if has("==") || has("!=") {
            (form, length) = (.equality, 2)
        } else if has("~=") {
            (form, length) = (.compatible, 2)
        } else if has("<=") || has(">=") {
            (form, length) = (.ordered, 2)
        } else if has("<") || has(">") {
            (form, length) = (.ordered, 1)
        } else {
            return nil
        }
        return VersionGrammar.match(s, at: skipSpaces(start + length), form: form)?.end
    }

    /// `SpecifierSet(text)`: comma-separated specifiers, empty items skipped; nil when one is not a specifier.
    static func parseList(_ text: ArraySlice<Unicode.Scalar>) -> [VersionSpecifier]? {
        var out: [VersionSpecifier] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stripped = PythonText.strip(item)
            if stripped.isEmpty { continue }
            guard let specifier = VersionSpecifier(parsing: stripped) else { return nil }
            out.append(specifier)
        }
        return out
    }

    /// What packaging compares specifiers by: `==1.0` and `==1.0.0` are one specifier, `~=1.0` keeps its zeros.
    var key: String {
        if op == "===" || version.hasSuffix(".*") { return op + " " + version }
        guard let parsed = PEP440Version(parsing: version) else { return op + " " + version }
        return op + " " + (op == "~=" ? parsed.description : parsed.trimmed.description)
    }

    /// `str(SpecifierSet(...))`: sorted by text (code point order, as Python sorts), one of each equal pair.
    static func canonical(_ specifiers: [VersionSpecifier]) -> String {
        let sorted = specifiers.sorted {
            $0.description.unicodeScalars.lexicographicallyPrecedes($1.description.unicodeScalars)
        }
        var seen = Set<String>()
        var kept: [String] = []
        for specifier in sorted where seen.insert(specifier.key).inserted { kept.append(specifier.description) }
        return kept.joined(separator: ",")
    }
}
