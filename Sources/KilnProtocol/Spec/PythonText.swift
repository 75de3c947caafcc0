/// Python's own notions of text that `packaging`'s requirement parser inherits from Python's `re` and `ast`: which
/// characters are white space (`\s`, `str.strip`), which are word characters (`\w`, so `\b`), and what a quoted
/// string in a marker means (`ast.literal_eval`). Kiln judges requirements as pip does, so it uses the same ones.
///
/// Everything works on Unicode scalars, as Python's strings do; Swift's `Character`s would merge `e` and a combining
/// accent that Python sees as two characters.
enum PythonText {
    /// `str.isspace()`, which is also what `\s` matches in a `str` pattern.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Where `str.splitlines()` breaks a line: what a requirements file must never hold inside one requirement.
    static func isLineBreak(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x0A...0x0D, 0x1C...0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `\w` in a `str` pattern: a letter, anything with a numeric value, or `_`.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        if c.isASCII {
            return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return c.properties.numericType != nil
        }
    }

    static func isASCIIAlnum(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c))
    }

    static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// `\b` between `s[i - 1]` and `s[i]`.
    static func isBoundary(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        let before = i > 0 && i <= s.count && isWord(s[i - 1])
        let after = i >= 0 && i < s.count && isWord(s[i])
        return before != after
    }

    /// `str.strip()` with no argument.
    static func strip(_ s: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        var slice = s
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var out = String.UnicodeScalarView()
        for c in scalars { out.append(c) }
        return String(out)
    }

    /// What a quoted string in a marker means: the text between the quotes, or, when it holds a backslash, what
    /// Python makes of it as a string literal (`ast.literal_eval`, as `packaging` does).
    enum Literal: Equatable {
        case value(String)
        /// Valid, but its value holds a lone surrogate (`"\ud800"`), which a Swift string cannot hold: `raw` is the
        /// literal as written.
        case unrepresentable(raw: String)
        case invalid(String)
    }

    /// `content` is what lies between the quotes (`quote` is `"` or `'`; the tokenizer never lets it inside).
    static func decodeLiteral(_ content: [Unicode.Scalar], quote: Unicode.Scalar) -> Literal {
        if content.contains("\0") { return .invalid("a quoted string cannot hold a NUL character") }
        guard content.contains("\\") else {
            if content.contains("\n") || content.contains("\r") {
                return .invalid("a quoted string cannot hold a line break")
            }
            return .value(string(content))
        }
        // Python reads source with universal new lines before it tokenizes.
        var source: [Unicode.Scalar] = []
        var k = 0
        while k < content.count {
            if content[k] == "\r" {
                source.append("\n")
                if k + 1 < content.count, content[k + 1] == "\n" { k += 1 }
            } else {
                source.append(content[k])
            }
            k += 1
        }
        var out = String.UnicodeScalarView()
        var surrogate = false
        var i = 0
        func hex(_ count: Int) -> UInt32? {
            guard i + count <= source.count else { return nil }
            var v: UInt32 = 0
            for j in 0..<count {
                guard let d = hexValue(source[i + j]) else { return nil }
                v = v * 16 + d
            }
            return v
        }
        while i < source.count {
            let c = source[i]
            if c == "\n" { return .invalid("a quoted string cannot hold a line break") }
            guard c == "\\" else {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < source.count else {
                return .invalid("a quoted string cannot end with a backslash (it escapes the closing quote)")
            }
            let d = source[i]
            i += 1
            switch d {
            case "\n": continue
            case "\\", "'", "\"": out.append(d)
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var v = d.value - 0x30
                var digits = 1
                while digits < 3, i < source.count, ("0"..."7").contains(source[i]) {
                    v = v * 8 + source[i].value - 0x30
                    i += 1
                    digits += 1
                }
                if let s = Unicode.Scalar(v) { out.append(s) }
            case "x", "u", "U":
                let count = d == "x" ? 2 : d == "u" ? 4 : 8
                guard let v = hex(count) else {
                    return .invalid("'\\\(d)' must be followed by \(count) hexadecimal digits")
                }
                i += count
                guard v <= 0x10FFFF else { return .invalid("'\\U\(String(v, radix: 16))' is not a Unicode character") }
                if let s = Unicode.Scalar(v) { out.append(s) } else { surrogate = true }
            case "N":
                guard i < source.count, source[i] == "{", let close = source[i...].firstIndex(of: "}"),
                    close > i + 1
                else { return .invalid("'\\N' must be followed by a character name in braces") }
                let name = string(source[(i + 1)..<close])
                guard let s = UnicodeNames.scalar(named: name) else {
                    return .invalid("'\\N{\(name)}' names no Unicode character")
                }
                out.append(s)
                i = close + 1
            default:
                out.append("\\")
                out.append(d)
            }
        }
        if surrogate { return .unrepresentable(raw: String(quote) + string(content) + String(quote)) }
        return .value(String(out))
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 0x30
        case "a"..."f": return c.value - 0x61 + 10
        case "A"..."F": return c.value - 0x41 + 10
        default: return nil
        }
    }
}
