/// An environment marker (`python_version < "3.11" and sys_platform == "linux"`), parsed with `packaging`'s marker
/// grammar (`_parser.py`) and printed as `str(packaging.markers.Marker(...))` prints it.
///
/// Only the known variables, quoted strings, the comparison operators (with `in` and `not in`), `and`, `or` and
/// parentheses are allowed, so a typo such as `os_name == "posix" or junk` is refused before the installer sees it.
struct Marker: Equatable {
    indirect enum Node: Equatable {
        case comparison(Term, String, Term)
        case logical(String)
        case list([Node])
    }

    enum Term: Equatable {
        case variable(String)
        case value(PythonText.Literal)
    }

    var nodes: [Node]

    /// The variables of PEP 508 and its successors, in the order of packaging's `VARIABLE` pattern.
    static let variables = [
        "python_version", "python_full_version", "os_name", "os.name", "sys_platform", "sys.platform",
        "platform_release", "platform_system", "platform_version", "platform.version", "platform_machine",
        "platform.machine", "platform_python_implementation", "platform.python_implementation",
        "python_implementation", "implementation_name", "implementation_version", "extras", "extra",
        "dependency_groups",
    ]

    /// Parentheses may nest this deep, as in packaging (and CPython's own parser).
    static let maximumNesting = 200

    /// The normal form: variables with `_`, single spaces, redundant parentheses gone, extra names normalised.
    var canonical: String { canonical(escapingLineBreaks: false) }

    /// With `escapingLineBreaks`, a value holding a line break is written with Python escapes (`"a\x0ab"`), which
    /// mean the same value: packaging prints it raw, which a requirements file would read as two lines.
    func canonical(escapingLineBreaks: Bool) -> String {
        Marker.format(.list(Marker.normalisingExtras(nodes)), first: true, escaping: escapingLineBreaks)
    }

    private static func format(_ node: Node, first: Bool, escaping: Bool) -> String {
        switch node {
        case .comparison(let lhs, let op, let rhs):
            return "\(serialise(lhs, escaping: escaping)) \(op) \(serialise(rhs, escaping: escaping))"
        case .logical(let word): return word
        case .list(let items):
            // A group of one is its content: `(a)` prints as `a`.
            if items.count == 1, let only = items.first {
                switch only {
                case .logical: break
                case .comparison, .list: return format(only, first: first, escaping: escaping)
                }
            }
            let inner = items.map { format($0, first: false, escaping: escaping) }.joined(separator: " ")
            return first ? inner : "(" + inner + ")"
        }
    }

    private static func serialise(_ term: Term, escaping: Bool) -> String {
        switch term {
        case .variable(let name): return name
        case .value(.value(let v)):
            // packaging prints a value raw, which reads back differently when it holds a backslash or a NUL.
            if escaping, v.unicodeScalars.contains(where: { PythonText.isLineBreak($0) || $0 == "\\" || $0 == "\0" }) {
                return escaped(v)
            }
            if !v.contains("\"") { return "\"" + v + "\"" }
            if !v.contains("'") { return "'" + v + "'" }
            // packaging cannot print this value; write it as an escape that reads back as the same value.
            return escaped(v)
        case .value(.unrepresentable(let raw)): return withoutLineBreaks(raw)
        case .value(.invalid(let why)): return why
        }
    }

    /// `v` as a Python string literal in double quotes, with `"`, `\\`, NUL and line breaks escaped.
    private static func escaped(_ v: String) -> String {
        var out = "\""
        for c in v.unicodeScalars {
            if c == "\\" {
                out += "\\\\"
            } else if c == "\"" || c == "\0" || PythonText.isLineBreak(c) {
                out += c.value <= 0xFF ? "\\x" + hex(c.value, 2) : "\\u" + hex(c.value, 4)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// A literal as written, with its line continuations dropped and other line breaks escaped: the same value.
    private static func withoutLineBreaks(_ raw: String) -> String {
        let s = Array(raw.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == "\\", i + 1 < s.count {
                if s[i + 1] == "\n" || s[i + 1] == "\r" {
                    i += s[i + 1] == "\r" && i + 2 < s.count && s[i + 2] == "\n" ? 3 : 2
                } else if PythonText.isLineBreak(s[i + 1]) {
                    // Not a continuation (only \n and \r are): the backslash and the line break are both the
                    // value's, so both are written as escapes (found by libFuzzer: `\` then a vertical tab).
                    for c in ("\\\\" + lineBreakEscape(s[i + 1].value)).unicodeScalars { out.append(c) }
                    i += 2
                } else {
                    out.append(s[i])
                    out.append(s[i + 1])
                    i += 2
                }
                continue
            }
            if PythonText.isLineBreak(s[i]) {
                for c in lineBreakEscape(s[i].value).unicodeScalars { out.append(c) }
            } else {
                out.append(s[i])
            }
            i += 1
        }
        return String(out)
    }

    /// A code point as a Python escape: `\x0b`, `\u2028`.
    private static func lineBreakEscape(_ v: UInt32) -> String {
        v <= 0xFF ? "\\x" + hex(v, 2) : "\\u" + hex(v, 4)
    }

    private static func hex(_ v: UInt32, _ width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// PEP 685: `extra == "Foo_Bar"` means `extra == "foo-bar"`; so does `"Foo" in extras`.
    private static func normalisingExtras(_ nodes: [Node]) -> [Node] {
        nodes.map { node in
            switch node {
            case .list(let inner): return .list(normalisingExtras(inner))
            case .logical: return node
            case .comparison(let lhs, let op, let rhs):
                switch (lhs, rhs) {
                case (.variable("extra"), .value(.value(let v))):
                    return .comparison(lhs, op, .value(.value(Requirement.normalise(v))))
                case (.value(.value(let v)), .variable("extra")), (.value(.value(let v)), .variable("extras")),
                    (.value(.value(let v)), .variable("dependency_groups")):
                    return .comparison(.value(.value(Requirement.normalise(v))), op, rhs)
                default: return node
                }
            }
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension RequirementScanner {
    /// `marker = marker_atom (BOOLOP marker_atom)*`
    mutating func parseMarker(depth: Int = 0) throws(RequirementSyntaxError) -> [Marker.Node] {
        var nodes = [try parseMarkerAtom(depth: depth)]
        while let word = ["or", "and"].first(where: { hasWord($0) }) {
            pos += word.count
            nodes.append(.logical(word))
            nodes.append(try parseMarkerAtom(depth: depth))
        }
        return nodes
    }

    /// `marker_atom = WS? '(' marker ')' WS? | WS? marker_item WS?`
    private mutating func parseMarkerAtom(depth: Int) throws(RequirementSyntaxError) -> Marker.Node {
        skipSpaces()
        let node: Marker.Node
        if peek == "(" {
            guard depth < Marker.maximumNesting else {
                throw RequirementSyntaxError(
                    reason: "the marker nests parentheses more than \(Marker.maximumNesting) deep"
                )
            }
            let open = pos
            pos += 1
            let inner = try parseMarker(depth: depth + 1)
            guard peek == ")" else {
                throw RequirementSyntaxError(
                    reason: atEnd
                        ? "the '(' at '\(text(open..<s.count))' in the marker is never closed"
                        : "unexpected '\(rest)' in the marker; join conditions with 'and' or 'or', and close '('"
                )
            }
            pos += 1
            node = .list(inner)
        } else {
            node = try parseMarkerItem()
        }
        skipSpaces()
        return node
    }

    /// `marker_item = marker_var WS? marker_op WS? marker_var`
    private mutating func parseMarkerItem() throws(RequirementSyntaxError) -> Marker.Node {
        let lhs = try parseMarkerTerm()
        skipSpaces()
        let op = try parseMarkerOperator()
        skipSpaces()
        let rhs = try parseMarkerTerm()
        return .comparison(lhs, op, rhs)
    }

    private mutating func parseMarkerTerm() throws(RequirementSyntaxError) -> Marker.Term {
        if let name = Marker.variables.first(where: { hasWord($0) }) {
            pos += name.count
            let normal = name.replacingAll(".", with: "_")
            return .variable(normal == "python_implementation" ? "platform_python_implementation" : normal)
        }
        if let quote = peek, quote == "\"" || quote == "'" {
            guard let close = s[(pos + 1)...].firstIndex(of: quote) else {
                throw RequirementSyntaxError(reason: "the quoted string '\(rest)' in the marker is never closed")
            }
            let literal = PythonText.decodeLiteral(Array(s[(pos + 1)..<close]), quote: quote)
            if case .invalid(let why) = literal {
                throw RequirementSyntaxError(
                    reason: "the quoted string \(text(pos..<(close + 1))) is not valid: \(why)"
                )
            }
            pos = close + 1
            return .value(literal)
        }
        let found = atEnd ? "the end" : "'\(rest)'"
        throw RequirementSyntaxError(
            reason: "the marker expects a variable (such as python_version, sys_platform, platform_machine or "
                + "extra) or a quoted string, and found \(found)"
        )
    }

    private mutating func parseMarkerOperator() throws(RequirementSyntaxError) -> String {
        if hasWord("in") {
            pos += 2
            return "in"
        }
        if hasWord("not") {
            pos += 3
            guard skipSpaces(), hasWord("in") else {
                throw RequirementSyntaxError(reason: "'not' in a marker must be followed by a space and 'in'")
            }
            pos += 2
            return "not in"
        }
        for op in VersionSpecifier.operators where hasPrefix(op) {
            pos += op.count
            return op
        }
        let found = atEnd ? "the end" : "'\(rest)'"
        throw RequirementSyntaxError(
            reason: "the marker expects a comparison (==, !=, <, <=, >, >=, ~=, ===, in, not in) and found \(found)"
        )
    }
}
