/// A PEP 440 version (`1.0`, `2!1.0rc1.post2.dev3+local.7`), read and printed as `packaging.version.Version` does,
/// so Kiln's canonical requirement strings are the ones pip would print.
public struct PEP440Version: Sendable, Equatable, CustomStringConvertible {
    /// Numbers are kept as decimal digits without leading zeros: PEP 440 puts no bound on them.
    var epoch = "0"
    var release: [String] = []
    /// `a`, `b` or `rc`, and its number.
    var pre: [String]?
    var post: String?
    var dev: String?
    var local: [String]?

    /// `Version(text)`; nil where packaging raises `InvalidVersion`.
    public init?(parsing text: String) {
        let s = Array(text.unicodeScalars)
        if s.allSatisfy({ $0 == "." || PythonText.isASCIIDigit($0) }) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard !parts.contains(where: \.isEmpty) else { return nil }
            self.init()
            release = parts.map { PEP440Version.number(Array($0.unicodeScalars)[...]) }
            return
        }
        var i = 0
        while i < s.count, PythonText.isSpace(s[i]) { i += 1 }
        guard let match = VersionGrammar.match(s, at: i, form: .version) else { return nil }
        var end = match.end
        while end < s.count, PythonText.isSpace(s[end]) { end += 1 }
        guard end == s.count else { return nil }
        self.init(match, in: s)
    }

    private init() {}

    init(_ match: VersionGrammar.Match, in s: [Unicode.Scalar]) {
        if let e = match.epoch { epoch = PEP440Version.number(s[e]) }
        release = match.release.map { PEP440Version.number(s[$0]) }
        if let letter = match.preLetter {
            let l = PythonText.string(s[letter]).lowercased()
            let normal = ["alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"][l] ?? l
            pre = [normal, match.preNumber.map { PEP440Version.number(s[$0]) } ?? "0"]
        }
        if match.hasPost { post = match.postNumber.map { PEP440Version.number(s[$0]) } ?? "0" }
        if match.hasDev { dev = match.devNumber.map { PEP440Version.number(s[$0]) } ?? "0" }
        if let l = match.local {
            local = PythonText.string(s[l]).lowercased().split(whereSeparator: { "._-".contains($0) }).map {
                part in
                part.allSatisfy(\.isASCIIDigitCharacter)
                    ? PEP440Version.number(Array(part.unicodeScalars)[...]) : String(part)
            }
        }
    }

    /// `str(Version(...))`: the normal form.
    public var description: String {
        var out = release.joined(separator: ".")
        if epoch != "0" { out = epoch + "!" + out }
        if let pre { out += pre.joined() }
        if let post { out += ".post" + post }
        if let dev { out += ".dev" + dev }
        if let local { out += "+" + local.joined(separator: ".") }
        return out
    }

    /// Without trailing zeros in the release (`1.0.0` is `1`), as packaging compares specifiers.
    var trimmed: PEP440Version {
        var out = self
        while out.release.count > 1, out.release.last == "0" { out.release.removeLast() }
        return out
    }

    /// `int(digits)` printed back: Python drops leading zeros.
    static func number(_ digits: ArraySlice<Unicode.Scalar>) -> String {
        let kept = digits.drop(while: { $0 == "0" })
        return kept.isEmpty ? "0" : PythonText.string(kept)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isWholeNumber }
}

/// The version grammar of `packaging`'s regular expressions (`VERSION_PATTERN` and the specifier pattern), walked by
/// hand. Every quantifier there is possessive, so a greedy walk that never backtracks matches exactly what they match.
enum VersionGrammar {
    enum Form {
        /// `Version(...)`: a local label allowed, no wildcard.
        case version
        /// After `==` or `!=`: `.*` or pre/post/dev/local.
        case equality
        /// After `~=`: at least two release numbers, no local label.
        case compatible
        /// After `<`, `<=`, `>`, `>=`: no wildcard, no local label.
        case ordered
    }

    struct Match {
        var end = 0
        var epoch: Range<Int>?
        var release: [Range<Int>] = []
        var wildcard = false
        var preLetter: Range<Int>?
        var preNumber: Range<Int>?
        var hasPost = false
        var postNumber: Range<Int>?
        var hasDev = false
        var devNumber: Range<Int>?
        var local: Range<Int>?
    }

    static func match(_ s: [Unicode.Scalar], at start: Int, form: Form) -> Match? {
        var m = Match()
        var j = start
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func digits(from k: Int) -> Int {
            var e = k
            while let c = at(e), PythonText.isASCIIDigit(c) { e += 1 }
            return e
        }
        func isSeparator(_ k: Int) -> Bool { at(k).map { $0 == "-" || $0 == "_" || $0 == "." } ?? false }
        func keyword(_ words: [String], at k: Int) -> Int? {
            for word in words {
                let w = Array(word.unicodeScalars)
                guard k + w.count <= s.count else { continue }
                if (0..<w.count).allSatisfy({ asciiLower(s[k + $0]) == w[$0] }) { return w.count }
            }
            return nil
        }
        if let c = at(j), c == "v" || c == "V" { j += 1 }
        let e0 = digits(from: j)
        if e0 > j, at(e0) == "!" {
            m.epoch = j..<e0
            j = e0 + 1
        }
        let r0 = digits(from: j)
        guard r0 > j else { return nil }
        m.release = [j..<r0]
        j = r0
        while at(j) == ".", let c = at(j + 1), PythonText.isASCIIDigit(c) {
            let e = digits(from: j + 1)
            m.release.append((j + 1)..<e)
            j = e
        }
        if form == .compatible, m.release.count < 2 { return nil }
        if form == .equality, at(j) == ".", at(j + 1) == "*" {
            m.wildcard = true
            m.end = j + 2
            return m
        }
        // pre-release
        var k = j
        if isSeparator(k) { k += 1 }
        if let n = keyword(["alpha", "beta", "preview", "pre", "a", "b", "c", "rc"], at: k) {
            m.preLetter = k..<(k + n)
            k += n
            if isSeparator(k) { k += 1 }
            let e = digits(from: k)
            if e > k { m.preNumber = k..<e }
            j = e
        }
        // post-release
        if at(j) == "-", let c = at(j + 1), PythonText.isASCIIDigit(c) {
            let e = digits(from: j + 1)
            m.hasPost = true
            m.postNumber = (j + 1)..<e
            j = e
        } else {
            k = j
            if isSeparator(k) { k += 1 }
            if let n = keyword(["post", "rev", "r"], at: k) {
                k += n
                if isSeparator(k) { k += 1 }
                let e = digits(from: k)
                m.hasPost = true
                if e > k { m.postNumber = k..<e }
                j = e
            }
        }
        // dev release
        k = j
        if isSeparator(k) { k += 1 }
        if keyword(["dev"], at: k) != nil {
            k += 3
            if isSeparator(k) { k += 1 }
            let e = digits(from: k)
            m.hasDev = true
            if e > k { m.devNumber = k..<e }
            j = e
        }
        // local label
        if form == .version || form == .equality, at(j) == "+", let c = at(j + 1), PythonText.isASCIIAlnum(c) {
            var e = j + 1
            while let c = at(e), PythonText.isASCIIAlnum(c) { e += 1 }
            while isSeparator(e), let c = at(e + 1), PythonText.isASCIIAlnum(c) {
                e += 1
                while let c = at(e), PythonText.isASCIIAlnum(c) { e += 1 }
            }
            m.local = (j + 1)..<e
            j = e
        }
        m.end = j
        return m
    }

    private static func asciiLower(_ c: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32) ?? c : c
    }
}
