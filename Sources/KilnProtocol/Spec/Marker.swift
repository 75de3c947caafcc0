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
    var canonical: String { Marker.format(.list(Marker.normalisingExtras(nodes)), first: true) }

    private static func format(_ node: Node, first: Bool) -> String {
        switch node {
        case .comparison(let lhs, let op, let rhs): return "\(serialise(lhs)) \(op) \(serialise(rhs))"
        case .logical(let word): return word
        case .list(let items):
            // A group of one is its content: `(a)` prints as `a`.
            if items.count == 1, let only = items.first {
                switch only {
                case .logical: break
                case .comparison, .list: return format(only, first: first)
                }
            }
            let inner = items.map { format($0, first: false) }.joined(separator: " ")
            return first ? inner : "(" + inner + ")"
        }
    }

    private static func serialise(_ term: Term) -> String {
        switch term {
        case .variable(let name): return name
        case .value(.value(let v)):
            if !v.contains("\"") { return "\"" + v + "\"" }
            if !v.contains("'") { return "'" + v + "'" }
            // packaging cannot print this value; write it as an escape that reads back as the same value.
            return "\"" + v.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\x22") + "\""
        case .value(.unrepresentable(let raw)): return raw
        case .value(.invalid(let why)): return why
        }
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
                throw RequirementSyntaxError(reason: "the quoted string \(text(pos..<(close + 1))) is not valid: \(why)")
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
