/// The requirement grammar of `packaging`'s `_parser.py`, rule by rule:
///
///     requirement = WS? IDENTIFIER WS? extras WS? (AT WS? URL (WS (';' marker)?)? | specifier (';' marker)?) END
///
/// with the messages a user needs to fix the string.
extension RequirementScanner {
    struct Parsed {
        var name = ""
        var extras: [String] = []
        var specifiers: [VersionSpecifier] = []
        var url: String?
        var marker: (text: String, nodes: [Marker.Node])?
    }

    mutating func parseRequirement() throws(RequirementSyntaxError) -> Parsed {
        var out = Parsed()
        if PythonText.strip(s[...]).isEmpty { throw RequirementSyntaxError(reason: "it is empty") }
        skipSpaces()
        guard let nameEnd = identifierEnd() else {
            throw RequirementSyntaxError(
                reason: "it must start with a distribution name such as 'pandas' (ASCII letters, digits, '.', '_', "
                    + "'-'), not '\(rest)'"
            )
        }
        out.name = text(pos..<nameEnd)
        pos = nameEnd
        skipSpaces()
        if peek == "[" { out.extras = try parseExtras() }
        if peek == "@" {
            pos += 1
            skipSpaces()
            let start = pos
            while let c = peek, !PythonText.isSpace(c) { pos += 1 }
            guard pos > start else { throw RequirementSyntaxError(reason: "'@' must be followed by a URL") }
            let url = text(start..<pos)
            out.url = url
            if atEnd { return out }
            guard skipSpaces() else {
                throw RequirementSyntaxError(
                    reason: "the URL '\(url)' must be followed by a space or a tab, then '; marker' if any"
                )
            }
            if atEnd { return out }
            guard peek == ";" else {
                throw RequirementSyntaxError(
                    reason: "after the URL only '; marker' may follow, not '\(rest)' (a URL cannot contain spaces)"
                )
            }
        } else {
            let start = pos
            out.specifiers = try parseSpecifier()
            if atEnd { return out }
            guard peek == ";" else { throw RequirementSyntaxError(reason: diagnoseSpecifiers(from: start)) }
        }
        pos += 1
        let markerStart = pos
        if s[pos...].allSatisfy({ $0 == " " || $0 == "\t" }) {
            throw RequirementSyntaxError(reason: "the marker after ';' is empty")
        }
        let nodes = try parseMarker()
        guard atEnd else {
            throw RequirementSyntaxError(
                reason: "unexpected '\(rest)' in the marker; join conditions with 'and' or 'or'"
            )
        }
        let written = s[markerStart...].drop(while: { $0 == " " || $0 == "\t" })
        var end = written.endIndex
        while end > written.startIndex, s[end - 1] == " " || s[end - 1] == "\t" { end -= 1 }
        out.marker = (text(written.startIndex..<end), nodes)
        return out
    }

    /// `extras = '[' WS? (IDENTIFIER (WS? ',' WS? IDENTIFIER)*)? WS? ']' WS?`
    private mutating func parseExtras() throws(RequirementSyntaxError) -> [String] {
        pos += 1
        skipSpaces()
        var extras: [String] = []
        if let end = identifierEnd() {
            extras.append(text(pos..<end))
            pos = end
            while true {
                skipSpaces()
                if identifierEnd() != nil {
                    throw RequirementSyntaxError(reason: "the extras must be separated by commas, as in '[a,b]'")
                }
                guard peek == "," else { break }
                pos += 1
                skipSpaces()
                guard let next = identifierEnd() else {
                    throw RequirementSyntaxError(
                        reason: "expected an extra name after ',' in the extras, not '\(rest)'"
                    )
                }
                extras.append(text(pos..<next))
                pos = next
            }
        }
        skipSpaces()
        guard peek == "]" else {
            throw RequirementSyntaxError(
                reason: atEnd
                    ? "the '[' of the extras is never closed"
                    : "'\(rest)' is not an extra; extras are names such as 'socks', separated by commas, in '[...]'"
            )
        }
        pos += 1
        skipSpaces()
        return extras
    }

    /// `specifier = '(' WS? version_many ')' WS? | version_many`
    private mutating func parseSpecifier() throws(RequirementSyntaxError) -> [VersionSpecifier] {
        let start = pos
        guard peek == "(" else { return try parseVersionMany(from: start) }
        pos += 1
        skipSpaces()
        let specifiers = try parseVersionMany(from: start)
        guard peek == ")" else {
            throw RequirementSyntaxError(
                reason: atEnd ? "the '(' of the version specifiers is never closed" : diagnoseSpecifiers(from: start)
            )
        }
        pos += 1
        skipSpaces()
        return specifiers
    }

    /// `SPECIFIER_LIST`'s characters: printable ASCII and tab, except `)` and `;`.
    private static func isListCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || (0x20...0x7E).contains(c.value) && c != ")" && c != ";"
    }

    /// `version_many`: packaging first reads everything up to `;`, `)` or the end as one specifier list, and only
    /// when that fails walks it clause by clause (which then lets white space other than spaces through).
    private mutating func parseVersionMany(from start: Int) throws(RequirementSyntaxError) -> [VersionSpecifier] {
        if atEnd { return [] }
        var end = pos
        while end < s.count, RequirementScanner.isListCharacter(s[end]) { end += 1 }
        if end > pos, end == s.count || s[end] == ";" || s[end] == ")",
            let specifiers = VersionSpecifier.parseList(s[pos..<end])
        {
            let commas = s[pos..<end].filter { $0 == "," }.count
            let trimmed = s[pos..<end].reversed().drop(while: { $0 == " " || $0 == "\t" })
            if specifiers.count == commas + 1
                || (!specifiers.isEmpty && specifiers.count == commas && trimmed.first == ",")
            {
                pos = end
                return specifiers
            }
        }
        var clauses: [Unicode.Scalar] = []
        while let end = VersionSpecifier.match(s, at: pos) {
            let clause = text(pos..<end)
            clauses += s[pos..<end]
            pos = end
            if hasPrefix(".*") {
                throw RequirementSyntaxError(
                    reason: clause.hasPrefix("==") && !clause.hasPrefix("===") || clause.hasPrefix("!=")
                        ? "'\(clause).*': a wildcard ('.*') cannot follow a pre-, post- or dev-release or a local version"
                        : "'\(clause).*': a wildcard ('.*') only follows '==' or '!=', as in '==2.*'"
                )
            }
            if peek == "+", pos + 1 < s.count, ("a"..."z").contains(s[pos + 1]) || ("0"..."9").contains(s[pos + 1]) {
                throw RequirementSyntaxError(
                    reason: "'\(clause)\(rest)': a local version ('+...') only follows '==' or '!='"
                )
            }
            skipSpaces()
            guard peek == "," else { break }
            clauses.append(",")
            pos += 1
            skipSpaces()
        }
        guard let specifiers = VersionSpecifier.parseList(clauses[...]) else {
            throw RequirementSyntaxError(reason: diagnoseSpecifiers(from: start))
        }
        return specifiers
    }

    /// Explains what is wrong in the version specifiers that start at `start`, clause by clause.
    func diagnoseSpecifiers(from start: Int) -> String {
        var region = s[start...].prefix(while: { $0 != ";" })
        if region.first == "(" { region = PythonText.strip(region.dropFirst()) }
        guard let first = region.first, "<>=!~".unicodeScalars.contains(first) else {
            return "unexpected '\(text(start..<s.count))' after the name; expected extras in '[...]', version "
                + "specifiers such as '>=1.0', '@ URL' or '; marker'"
        }
        for item in region.split(separator: ",") {
            var clause = PythonText.strip(item)
            if clause.last == ")" { clause = PythonText.strip(clause.dropLast()) }
            if clause.isEmpty || VersionSpecifier(parsing: clause) != nil { continue }
            return VersionSpecifier.explain(PythonText.string(clause))
        }
        return "unexpected '\(rest)' after the version specifiers; a marker goes after ';'"
    }
}

extension VersionSpecifier {
    /// Why one clause is not a version specifier, in words a user can act on.
    static func explain(_ clause: String) -> String {
        guard let op = operators.first(where: { clause.hasPrefix($0) }) else {
            return "'\(clause)' needs a comparison operator (==, !=, <=, >=, <, >, ~=, ===) before its version"
        }
        let version = PythonText.string(PythonText.strip(Array(clause.unicodeScalars).dropFirst(op.count)[...]))
        if version.isEmpty { return "'\(op)' must be followed by a version such as 2.2.3" }
        if op == "===" { return "'===' takes one version without spaces, ';' or ')'" }
        if version.hasSuffix(".*") {
            guard op == "==" || op == "!=" else {
                return "'\(clause)': a wildcard ('.*') only follows '==' or '!=', as in '==2.*'"
            }
            let base = String(version.dropLast(2))
            guard let parsed = PEP440Version(parsing: base) else { return "'\(base)' is not a PEP 440 version" }
            if parsed.pre != nil || parsed.post != nil || parsed.dev != nil || parsed.local != nil {
                return "'\(clause)': a wildcard ('.*') cannot follow a pre-, post- or dev-release or a local version"
            }
        }
        guard let parsed = PEP440Version(parsing: version) else {
            return "'\(version)' is not a PEP 440 version (such as 2.2.3, 1.0rc1, 2.0.post1)"
        }
        if parsed.local != nil, op != "==", op != "!=" {
            return "'\(clause)': a local version ('+...') only follows '==' or '!='"
        }
        if op == "~=", parsed.release.count < 2 {
            return "'\(clause)': '~=' needs a version with at least two numbers, such as '~=2.2'"
        }
        return "'\(clause)' is not a valid version specifier"
    }
}
