/// One PEP 508 requirement string, checked well enough that the installer never sees something that is not one.
///
/// Requirement strings reach the installer as separate arguments, never through a shell; this parser is what keeps an
/// argument such as `--index-url=...` or `-e .` from passing as a library.
public struct Requirement: Sendable, Equatable {
    /// The text as the user wrote it, passed unchanged to the installer.
    public let text: String
    /// The distribution name, normalised (PEP 503: lower case, runs of `-_.` become `-`).
    public let name: String
    /// The URL of a direct reference (`name @ url`).
    public private(set) var url: String?
    /// One spelling per meaning (until the full parser lands: the trimmed text, or the bare normalised name).
    public var canonical: String {
        let trimmed = text.trimmingSpaces
        return Requirement.normalise(trimmed) == name ? name : trimmed
    }

    public init(parsing text: String) throws(RequirementError) {
        // A requirement also reaches the installer inside a requirements file, where a new line would start an option.
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw RequirementError(
                text: text,
                reason: "it contains a control character (U+\(String(bad.value, radix: 16, uppercase: true)))"
            )
        }
        var scanner = Scanner(text)
        scanner.skipSpaces()
        guard let rawName = scanner.take(while: { $0.isASCIIAlnum || "._-".contains($0) }), !rawName.isEmpty,
            rawName.first?.isASCIIAlnum == true, rawName.last?.isASCIIAlnum == true
        else {
            throw RequirementError(text: text, reason: "it must start with a distribution name such as 'pandas'")
        }
        self.text = text
        self.name = Requirement.normalise(rawName)
        scanner.skipSpaces()
        if scanner.peek == "[" {
            scanner.advance()
            let extras = scanner.take(while: { $0 != "]" }) ?? ""
            guard scanner.peek == "]" else {
                throw RequirementError(text: text, reason: "'[' of the extras is never closed")
            }
            scanner.advance()
            for extra in extras.split(separator: ",", omittingEmptySubsequences: false) {
                let e = extra.trimmingSpaces
                guard !e.isEmpty, e.allSatisfy({ $0.isASCIIAlnum || "._-".contains($0) }) else {
                    throw RequirementError(text: text, reason: "extra '\(e)' is not a valid name")
                }
            }
            scanner.skipSpaces()
        }
        if scanner.peek == "@" {
            scanner.advance()
            scanner.skipSpaces()
            let url = scanner.take(while: { $0 != " " && $0 != ";" }) ?? ""
            guard url.contains("://") || url.hasPrefix("file:") else {
                throw RequirementError(text: text, reason: "'\(url)' after '@' is not a URL")
            }
            self.url = url
        } else {
            try Requirement.parseSpecifiers(&scanner, text: text)
        }
        scanner.skipSpaces()
        if scanner.peek == ";" {
            scanner.advance()
            let marker = scanner.rest.trimmingSpaces
            guard !marker.isEmpty else { throw RequirementError(text: text, reason: "the marker after ';' is empty") }
            guard marker.filter({ $0 == "\"" }).count % 2 == 0, marker.filter({ $0 == "'" }).count % 2 == 0 else {
                throw RequirementError(text: text, reason: "the marker '\(marker)' has an unclosed quote")
            }
            return
        }
        guard scanner.isAtEnd else {
            throw RequirementError(text: text, reason: "unexpected '\(scanner.rest)' after the requirement")
        }
    }

    /// PEP 503 normalisation, so `Scikit_Learn` and `scikit-learn` are one distribution.
    public static func normalise(_ name: String) -> String {
        var out = ""
        var lastWasSeparator = false
        for c in name.lowercased() {
            if "-_.".contains(c) {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(c)
                lastWasSeparator = false
            }
        }
        return out
    }

    private static let operators = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"]

    private static func parseSpecifiers(_ scanner: inout Scanner, text: String) throws(RequirementError) {
        var parenthesised = false
        if scanner.peek == "(" {
            parenthesised = true
            scanner.advance()
            scanner.skipSpaces()
        }
        var first = true
        while true {
            scanner.skipSpaces()
            guard let op = operators.first(where: { scanner.rest.hasPrefix($0) }) else {
                if first { break }
                throw RequirementError(text: text, reason: "expected a version operator such as '==' after ','")
            }
            scanner.advance(op.count)
            scanner.skipSpaces()
            let version = scanner.take(while: { $0.isASCIIAlnum || ".*+!-_".contains($0) }) ?? ""
            guard version.first?.isASCIIAlnum == true else {
                throw RequirementError(text: text, reason: "'\(op)' must be followed by a version such as 2.2.3")
            }
            if version.contains("*") && !(op == "==" || op == "!=") || version.dropLast(2).contains("*")
                || (version.contains("*") && !version.hasSuffix(".*"))
            {
                throw RequirementError(text: text, reason: "'\(op)\(version)': a wildcard is only allowed as '==X.*'")
            }
            first = false
            scanner.skipSpaces()
            if scanner.peek == "," {
                scanner.advance()
                continue
            }
            break
        }
        if parenthesised {
            scanner.skipSpaces()
            guard scanner.peek == ")" else { throw RequirementError(text: text, reason: "'(' is never closed") }
            scanner.advance()
        }
    }
}

/// Why a library string is not a PEP 508 requirement.
public struct RequirementError: Error, Sendable, Equatable {
    public let text: String
    public let reason: String
    public var message: String { "'\(text)' is not a valid requirement: \(reason)" }
}

/// A small cursor over a string's characters.
private struct Scanner {
    let chars: [Character]
    var index = 0
    init(_ s: String) { chars = Array(s) }
    var isAtEnd: Bool { index >= chars.count }
    var peek: Character? { isAtEnd ? nil : chars[index] }
    var rest: String { String(chars[index...]) }
    mutating func advance(_ n: Int = 1) { index = min(chars.count, index + n) }
    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { index += 1 } }
    mutating func take(while predicate: (Character) -> Bool) -> String? {
        let start = index
        while let c = peek, predicate(c) { index += 1 }
        return index > start ? String(chars[start..<index]) : nil
    }
}

extension Character {
    var isASCIIAlnum: Bool { isASCII && (isLetter || isNumber) }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
