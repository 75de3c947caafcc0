import TOMLKit

/// Parses TOML that a person wrote, safely.
///
/// TOMLKit wraps toml++, which checks some of its internal expectations with assertions: on malformed input such
/// as `[[[`, `[.a]` or `x = [}` a debug build aborts, and a release build, where they become assumptions, has
/// undefined behaviour (found by Kiln's hostile-input tests and fuzzing). A daemon must never crash on a spec, so
/// every text passes this grammar check first: it accepts all of TOML's structure (keys, tables, arrays, inline
/// tables, every string form) and leaves scalar details (numbers, dates) to toml++, which reports them as errors.
public enum TOMLGate {
    /// The parsed table, or the parse error with its line.
    /// One leading byte-order mark, which Windows editors write, is not part of the document (toml-test's valid
    /// cases agree), so it is dropped before both checks; a second one is text, and refused.
    public static func parse(_ text: String) -> Result<TOMLTable, TOMLProblem> {
        let text = PersonText.withoutByteOrderMark(text)
        var checker = Checker(Array(text.utf8))
        if let problem = checker.document() { return .failure(problem) }
        do {
            return .success(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            return .failure(TOMLProblem(line: error.source.begin.line, message: error.description))
        } catch {
            return .failure(TOMLProblem(line: nil, message: "\(error)"))
        }
    }
}

/// A TOML syntax error: the line (1-based) when known, and what is wrong.
public struct TOMLProblem: Error, Sendable, Equatable {
    public var line: Int?
    public var message: String
}

private struct Checker {
    let b: [UInt8]
    var i = 0
    var line = 1
    /// Nesting inside the current table: arrays, inline tables and the parts of dotted keys. Bounded with
    /// `tableDepth` so a hostile file cannot exhaust the stack: toml++ walks the tree it builds recursively, and a
    /// dotted key or a table header of 30,000 parts overflowed the daemon's stack (found by the hostile-input tests).
    var depth = 0
    /// The parts of the current table's header: `[a.b.c]` is 3 deep.
    var tableDepth = 0
    /// The parts of the key `key()` read last.
    var keyParts = 0

    var tooDeep: Bool { depth + tableDepth >= 100 }
    var tooDeepProblem: TOMLProblem { fail("arrays and tables are nested more than 100 deep") }

    init(_ bytes: [UInt8]) { b = bytes }

    var atEnd: Bool { i >= b.count }
    var c: UInt8 { i < b.count ? b[i] : 0 }
    func peek(_ k: Int) -> UInt8 { i + k < b.count ? b[i + k] : 0 }

    func fail(_ message: String) -> TOMLProblem { TOMLProblem(line: line, message: message) }

    mutating func advance() {
        if c == 0x0A { line += 1 }
        i += 1
    }

    mutating func spaces() { while c == 0x20 || c == 0x09 { i += 1 } }

    mutating func comment() -> TOMLProblem? {
        guard c == 0x23 else { return nil }
        while !atEnd && c != 0x0A {
            if c < 0x20 && c != 0x09 && !(c == 0x0D && peek(1) == 0x0A) {
                return fail("a control character in a comment")
            }
            i += 1
        }
        return nil
    }

    /// Spaces, then an optional comment, then a newline or the end.
    mutating func endOfLine() -> TOMLProblem? {
        spaces()
        if let p = comment() { return p }
        if c == 0x0D && peek(1) == 0x0A { i += 1 }
        if atEnd { return nil }
        guard c == 0x0A else {
            return fail("unexpected '\(printable(c))' after the value; put one key = value per line")
        }
        advance()
        return nil
    }

    mutating func document() -> TOMLProblem? {
        while !atEnd {
            spaces()
            if c == 0x0A || (c == 0x0D && peek(1) == 0x0A) || c == 0x23 {
                if let p = endOfLine() { return p }
                continue
            }
            if atEnd { return nil }
            if c == 0x5B {  // [ or [[
                i += 1
                let array = c == 0x5B
                if array { i += 1 }
                spaces()
                if let p = key() { return p }
                tableDepth = keyParts
                if tooDeep { return tooDeepProblem }
                spaces()
                guard c == 0x5D, !array || peek(1) == 0x5D else {
                    return fail("a table header must be [name] or [[name]]")
                }
                i += array ? 2 : 1
                if let p = endOfLine() { return p }
                continue
            }
            if let p = keyValue() { return p }
            if let p = endOfLine() { return p }
        }
        return nil
    }

    mutating func key() -> TOMLProblem? {
        keyParts = 0
        while true {
            keyParts += 1
            if c == 0x22 || c == 0x27 {
                if peek(1) == c && peek(2) == c { return fail("a key cannot be a multi-line string") }
                if let p = string() { return p }
            } else {
                let start = i
                while isBare(c) { i += 1 }
                if i == start { return fail("expected a key (letters, digits, '_', '-', or a quoted string)") }
            }
            spaces()
            guard c == 0x2E else { return nil }
            i += 1
            spaces()
        }
    }

    mutating func keyValue() -> TOMLProblem? {
        if let p = key() { return p }
        let parts = keyParts
        depth += parts
        defer { depth -= parts }
        if tooDeep { return tooDeepProblem }
        spaces()
        guard c == 0x3D else { return fail("expected '=' after the key") }
        i += 1
        spaces()
        return value()
    }

    mutating func value() -> TOMLProblem? {
        switch c {
        case 0x22, 0x27: return string()
        case 0x5B: return array()
        case 0x7B: return inlineTable()
        default: return scalar()
        }
    }

    /// Numbers, booleans, dates and times: their characters only; toml++ judges the rest.
    mutating func scalar() -> TOMLProblem? {
        let start = i
        while isScalar(c) { i += 1 }
        // A date and a time may be separated by one space: 1979-05-27 07:32:00Z.
        if c == 0x20, i - start == 10, b[start + 4] == 0x2D, isDigit(peek(1)), isDigit(peek(2)), peek(3) == 0x3A {
            i += 1
            while isScalar(c) { i += 1 }
        }
        if i == start {
            return fail(atEnd || c == 0x0A ? "a key has no value after '='" : "'\(printable(c))' cannot start a value")
        }
        let token = String(decoding: b[start..<i], as: UTF8.self)
        guard ScalarShapes.matches(token) else {
            return fail("'\(token)' is not a TOML value (a number, true/false, a date or time, or a quoted string)")
        }
        return nil
    }

    mutating func array() -> TOMLProblem? {
        depth += 1
        defer { depth -= 1 }
        if tooDeep { return tooDeepProblem }
        i += 1
        while true {
            if let p = blanks() { return p }
            if c == 0x5D {
                i += 1
                return nil
            }
            if atEnd { return fail("an array is never closed with ']'") }
            if let p = value() { return p }
            if let p = blanks() { return p }
            if c == 0x2C {
                i += 1
                continue
            }
            guard c == 0x5D else { return fail("expected ',' or ']' in an array") }
            i += 1
            return nil
        }
    }

    /// Whitespace, newlines and comments, as allowed inside arrays.
    mutating func blanks() -> TOMLProblem? {
        while true {
            spaces()
            if c == 0x23, let p = comment() { return p }
            if c == 0x0A {
                advance()
            } else if c == 0x0D && peek(1) == 0x0A {
                i += 1
            } else {
                return nil
            }
        }
    }

    mutating func inlineTable() -> TOMLProblem? {
        depth += 1
        defer { depth -= 1 }
        if tooDeep { return tooDeepProblem }
        i += 1
        spaces()
        if c == 0x7D {
            i += 1
            return nil
        }
        while true {
            spaces()
            if let p = keyValue() { return p }
            spaces()
            if c == 0x2C {
                i += 1
                continue
            }
            guard c == 0x7D else { return fail("expected ',' or '}' in an inline table (which must fit on one line)") }
            i += 1
            return nil
        }
    }

    mutating func string() -> TOMLProblem? {
        let quote = c
        let multi = peek(1) == quote && peek(2) == quote
        i += multi ? 3 : 1
        while true {
            if atEnd { return fail("a string is never closed") }
            let ch = c
            if multi && ch == quote && peek(1) == quote && peek(2) == quote {
                i += 3
                // Up to two more quotes may end the content: """a""""" is valid.
                if c == quote { i += 1 }
                if c == quote { i += 1 }
                return nil
            }
            if !multi && ch == quote {
                i += 1
                return nil
            }
            if ch == 0x0A {
                guard multi else { return fail("a string is never closed on its line") }
                advance()
                continue
            }
            if ch == 0x0D && multi && peek(1) == 0x0A {
                i += 1
                continue
            }
            if ch < 0x20 && ch != 0x09 || ch == 0x7F {
                return fail("a control character in a string; write it as an escape")
            }
            if ch == 0x5C && quote == 0x22 {
                i += 1
                switch c {
                case 0x62, 0x74, 0x6E, 0x66, 0x72, 0x22, 0x5C, 0x65: i += 1
                case 0x75, 0x55:
                    let n = c == 0x75 ? 4 : 8
                    i += 1
                    for _ in 0..<n {
                        guard isHex(c) else { return fail("\\u and \\U take 4 and 8 hex digits") }
                        i += 1
                    }
                case _ where multi && (c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D):
                    // A line-ending backslash: trims the newline and following whitespace.
                    while c == 0x20 || c == 0x09 { i += 1 }
                    guard c == 0x0A || (c == 0x0D && peek(1) == 0x0A) else { return fail("a '\\' must end the line") }
                default:
                    return fail("'\\\(printable(c))' is not a TOML escape")
                }
                continue
            }
            i += 1
        }
    }

    func isBare(_ ch: UInt8) -> Bool {
        (ch >= 0x41 && ch <= 0x5A) || (ch >= 0x61 && ch <= 0x7A) || isDigit(ch) || ch == 0x5F || ch == 0x2D
    }
    func isDigit(_ ch: UInt8) -> Bool { ch >= 0x30 && ch <= 0x39 }
    func isHex(_ ch: UInt8) -> Bool { isDigit(ch) || (ch >= 0x41 && ch <= 0x46) || (ch >= 0x61 && ch <= 0x66) }
    func isScalar(_ ch: UInt8) -> Bool { isBare(ch) || ch == 0x2B || ch == 0x2E || ch == 0x3A }
    func printable(_ ch: UInt8) -> String {
        ch >= 0x20 && ch < 0x7F ? String(UnicodeScalar(ch)) : "\\x" + String(ch, radix: 16)
    }
}

/// The exact shapes of TOML's unquoted values. toml++ asserts on some malformed ones (`1979-05-27Tinf07:32:0Z`), so
/// only these reach it.
enum ScalarShapes {
    nonisolated(unsafe) static let patterns: [Regex<AnyRegexOutput>] = [
        #"true|false"#,
        #"[+-]?(inf|nan)"#,
        #"[+-]?(0|[1-9](_?[0-9])*)"#,
        #"0x[0-9A-Fa-f](_?[0-9A-Fa-f])*|0o[0-7](_?[0-7])*|0b[01](_?[01])*"#,
        #"[+-]?(0|[1-9](_?[0-9])*)(\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?"#,
        #"[0-9]{4}-[0-9]{2}-[0-9]{2}"#,
        #"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"#,
        #"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"#,
    ].compactMap { try? Regex($0) }  // constants: TOMLGateTests checks that all eight compile

    static func matches(_ token: String) -> Bool {
        isCommon(Array(token.utf8)) || patterns.contains { token.wholeMatch(of: $0) != nil }
    }

    /// The shapes every status holds (`build = 1`, `updated = 2026-11-29T03:42:26Z`) and most specs, checked by
    /// hand: the regular expressions cost a daemon's start on 10,000 environments more than the rest of reading
    /// their statuses. Accepts only what one of `patterns` accepts (TOMLGateTests checks it against them); anything
    /// else is left to them.
    static func isCommon(_ b: [UInt8]) -> Bool {
        func digits(_ range: Range<Int>) -> Bool { b[range].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        switch b.count {
        case 20:  // 1979-05-27T07:32:00Z
            return digits(0..<4) && b[4] == 0x2D && digits(5..<7) && b[7] == 0x2D && digits(8..<10) && b[10] == 0x54
                && digits(11..<13) && b[13] == 0x3A && digits(14..<16) && b[16] == 0x3A && digits(17..<19)
                && b[19] == 0x5A
        case 1...18:  // 0, or a decimal integer without sign, underscores or a leading zero
            return b == Array("true".utf8) || b == Array("false".utf8)
                || (digits(0..<b.count) && (b[0] != 0x30 || b.count == 1))
        default:
            return false
        }
    }
}
