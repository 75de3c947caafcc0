/// A cursor over a requirement's Unicode scalars with the token rules of `packaging`'s tokenizer (`_tokenizer.py`):
/// white space is only spaces and tabs between tokens, names are ASCII, and words end at a Python `\b`.
struct RequirementScanner {
    let s: [Unicode.Scalar]
    var pos = 0

    init(_ text: String) { s = Array(text.unicodeScalars) }

    var atEnd: Bool { pos >= s.count }
    var peek: Unicode.Scalar? { pos < s.count ? s[pos] : nil }

    func text(_ range: Range<Int>) -> String { PythonText.string(s[range]) }
    var rest: String { text(min(pos, s.count)..<s.count) }

    /// `WS`: `[ \t]+`. Returns whether there was any.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = pos
        while let c = peek, c == " " || c == "\t" { pos += 1 }
        return pos > start
    }

    func hasPrefix(_ word: String, at k: Int? = nil) -> Bool {
        let start = k ?? pos
        var i = start
        for c in word.unicodeScalars {
            guard i < s.count, s[i] == c else { return false }
            i += 1
        }
        return true
    }

    /// `\bword\b` at the cursor.
    func hasWord(_ word: String) -> Bool {
        hasPrefix(word) && PythonText.isBoundary(s, pos) && PythonText.isBoundary(s, pos + word.unicodeScalars.count)
    }

    /// `IDENTIFIER`: `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b`, giving back trailing characters until a word boundary.
    func identifierEnd() -> Int? {
        guard let first = peek, PythonText.isASCIIAlnum(first), PythonText.isBoundary(s, pos) else { return nil }
        var end = pos + 1
        while end < s.count, PythonText.isASCIIAlnum(s[end]) || "._-".unicodeScalars.contains(s[end]) { end += 1 }
        while end > pos {
            if PythonText.isBoundary(s, end) { return end }
            end -= 1
        }
        return nil
    }
}

/// Why the scanner stopped; `Requirement` turns it into a `RequirementError` naming the whole string.
struct RequirementSyntaxError: Error {
    let reason: String
}
