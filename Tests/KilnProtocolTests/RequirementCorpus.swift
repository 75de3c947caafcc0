import KilnTestSupport

/// Requirement strings for the differential test: well-formed ones built from the PEP 508 / PEP 440 grammar (with
/// the odd spellings packaging allows), then mutated (deleted, duplicated, swapped and inserted characters, white
/// space of every kind, unicode, quotes, brackets, operators), so both verdicts turn up often. Deterministic for a
/// seed, so a disagreement can be replayed.
struct RequirementCorpus {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func next() -> String {
        var text = requirement()
        if chance(2) {
            for _ in 0..<(1 + below(3)) { text = mutate(text) }
        }
        return text
    }

    // MARK: randomness

    private mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }
    private mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
    private mutating func pick(_ options: [String]) -> String { options[below(options.count)] }

    // MARK: the grammar

    private mutating func ws() -> String {
        switch below(12) {
        case 0..<6: return ""
        case 6..<9: return " "
        case 9: return "\t"
        case 10: return "  "
        default: return pick(["\n", "\u{A0}", "\u{3000}", "\u{0B}", "\u{0C}", "\u{1F}", "\r", "\u{2028}", " \t "])
        }
    }

    private mutating func identifier() -> String {
        if chance(2) {
            return pick([
                "pandas", "Scikit_Learn", "a", "a.b-c_d", "zope.interface", "name_", "x1", "A", "requests", "numpy",
                "Foo__Bar", "b-", "0day", "kilnprobe",
            ])
        }
        let first = Array("abcXYZ019")
        let rest = Array("abcXYZ019._-")
        var s = String(first[below(first.count)])
        for _ in 0..<below(6) { s.append(rest[below(rest.count)]) }
        return s
    }

    private mutating func extras() -> String {
        var items: [String] = []
        for _ in 0..<below(4) { items.append(identifier()) }
        return "[" + ws() + items.map { $0 }.joined(separator: ws() + "," + ws()) + ws() + "]"
    }

    private mutating func number() -> String {
        chance(8) ? "0" + String(below(100)) : String(below(chance(4) ? 100_000 : 20))
    }

    private mutating func separator() -> String { pick(["", "", ".", "-", "_"]) }

    private mutating func version() -> String {
        var v = chance(10) ? pick(["v", "V"]) : ""
        if chance(10) { v += number() + "!" }
        v += (0...below(4)).map { _ in number() }.joined(separator: ".")
        if chance(4) {
            v +=
                separator() + pick(["a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "ALPHA", "Rc"])
                + separator() + (chance(3) ? "" : number())
        }
        if chance(5) {
            v += chance(3) ? "-" + number() : separator() + pick(["post", "rev", "r", "POST"]) + separator() + number()
        }
        if chance(5) { v += separator() + pick(["dev", "DEV"]) + separator() + (chance(3) ? "" : number()) }
        if chance(7) { v += "+" + pick(["local", "ubuntu.1", "abc-2_x", "UPPER", "1.0", "a..b", "x+"]) }
        if chance(7) { v += ".*" }
        if chance(12) { v += pick([".org1", "..", ".", "x", "!", "-", ".0.", "1.*.1", "*"]) }
        return v
    }

    private mutating func clause() -> String {
        if chance(10) { return "===" + ws() + pick(["1.0", "foobar", "a,b", "1.0)", "x;y", "weird-ver!", "é"]) }
        let op =
            chance(12)
            ? pick(["=", "=<", "=>", "!", "~", "<>", "====", "", "= =", ">>"])
            : pick(["==", "!=", "<=", ">=", "<", ">", "~="])
        return op + ws() + version()
    }

    private mutating func specifiers() -> String {
        var items: [String] = []
        for _ in 0..<(1 + below(3)) { items.append(clause()) }
        var list = items.joined(separator: ws() + "," + ws())
        if chance(8) { list += "," + ws() }
        if chance(5) { return "(" + ws() + list + ws() + ")" }
        return list
    }

    private mutating func url() -> String {
        pick([
            "https://example.com/pip-24.0-py3-none-any.whl", "file:///tmp/x.whl", "git+https://g.example/x@v1#egg=x",
            "notaurl", "http://x;os_name==\"a\"", "./local", "https://h/é", "https://h/a(b)", "ftp://[::1]/x",
        ])
    }

    private mutating func markerString() -> String {
        let value = pick([
            "posix", "3.11", "linux", "win32", "Foo_Bar", "", "CPython", "a b", "3.*", "x'y", "x\"y", "\\n", "\\x41",
            "\\N{LATIN SMALL LETTER A}", "\\u00e9", "\\q", "\\", "\\x4", "é", "\\\\", "\\777", "\\U0001F600",
            "\\N{BOM}", "\\N{NO SUCH NAME}", "\\x00", "\\0", "\\ud800", "\\\n",
        ])
        if value.contains("\"") { return "'" + value + "'" }
        if value.contains("'") || chance(2) { return "\"" + value + "\"" }
        return "'" + value + "'"
    }

    private mutating func markerVariable() -> String {
        pick([
            "python_version", "python_full_version", "os_name", "os.name", "sys_platform", "sys.platform",
            "platform_release", "platform_system", "platform_version", "platform.version", "platform_machine",
            "platform.machine", "platform_python_implementation", "platform.python_implementation",
            "python_implementation", "implementation_name", "implementation_version", "extra", "extras",
            "dependency_groups", "platform.release", "python_ver", "junk", "Python_Version",
        ])
    }

    private mutating func markerItem() -> String {
        let op = pick(["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in", "not  in", "=", "is"])
        let spaced = op.first?.isLetter == true ? " " + op + " " : ws() + op + ws()
        if chance(4) { return markerString() + spaced + markerVariable() }
        if chance(15) { return markerVariable() + spaced + markerVariable() }
        return markerVariable() + spaced + markerString()
    }

    private mutating func marker(depth: Int = 0) -> String {
        var atom = depth < 3 && chance(5) ? "(" + ws() + marker(depth: depth + 1) + ws() + ")" : markerItem()
        if chance(25) { atom = pick(["junk", "", "os_name", "\"posix\"", "()"]) }
        if chance(3) {
            let joiner = pick([" and ", " or ", " and", "and ", " AND ", " && ", " or(", " xor "])
            return atom + joiner + ws() + marker(depth: depth + 1)
        }
        return atom
    }

    private mutating func requirement() -> String {
        var s = ws() + identifier() + ws()
        if chance(4) { s += extras() + ws() }
        if chance(6) {
            s += "@" + ws() + url()
            if chance(2) { s += pick([" ", "\t", "", ";", " ;", "\n"]) + pick(["; ", ";", ""]) + marker() }
            return s
        }
        if !chance(4) { s += specifiers() + ws() }
        if chance(3) { s += ";" + ws() + marker() + ws() }
        return s
    }

    // MARK: mutations

    private static let pool: [String] = [
        ",", ";", "(", ")", "[", "]", "@", "'", "\"", "==", "~=", "===", ".*", "+", " and ", " or ", "not", " in ",
        "extra", " ", "\t", "\n", "\r", "\u{0}", "\u{1}", "\u{7F}", "é", "\u{301}", "ı", "\u{212A}", "ſ", "\u{A0}",
        "\u{2028}", "\u{663}", "²", "\\", "#", "-", "_", ".", "v", "V", "!", "*", "1", "a", "\u{FEFF}", "\u{85}",
        "python_version", "\"3\"",
    ]

    private mutating func mutate(_ text: String) -> String {
        var s = Array(text.unicodeScalars)
        let at = below(s.count + 1)
        switch below(6) {
        case 0 where !s.isEmpty && at < s.count:
            s.remove(at: at)
        case 1 where !s.isEmpty:
            let from = below(s.count)
            let length = 1 + below(min(6, s.count - from))
            s.insert(contentsOf: s[from..<(from + length)], at: from)
        case 2 where s.count > 1:
            let a = below(s.count)
            let b = below(s.count)
            s.swapAt(a, b)
        case 3 where !s.isEmpty && at < s.count:
            s.replaceSubrange(
                at..<(at + 1),
                with: RequirementCorpus.pool[below(RequirementCorpus.pool.count)].unicodeScalars
            )
        case 4 where !s.isEmpty:
            s.removeSubrange(below(s.count)...)
        default:
            s.insert(contentsOf: RequirementCorpus.pool[below(RequirementCorpus.pool.count)].unicodeScalars, at: at)
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s)
        return String(out)
    }
}
