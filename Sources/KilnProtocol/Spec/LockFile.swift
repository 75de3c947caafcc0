/// A `requirements.lock` as Kiln writes it, checked before `kiln build --from-lock` hands one to the installer:
/// only exact pins (`name==version`, with an optional marker), each with its `--hash=sha256:` lines, and comments.
///
/// The installer reads options from a requirements file too (`--index-url`, `-r other.txt`, `-e .`), so a lock a
/// person placed could otherwise change where packages come from; a line that is not a hashed pin is refused.
public enum LockFile {
    /// Why these bytes cannot be installed as a lock, or nil when they can.
    public static func problem(_ bytes: [UInt8], path: String) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return "\(path) is not valid UTF-8"
        }
        var pins = 0
        for (number, line) in logicalLines(text) {
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var hashes = 0
            while let last = words.last, last.hasPrefix("--hash=") {
                let value = last.dropFirst("--hash=".count)
                guard value.hasPrefix("sha256:"), value.count == 7 + 64,
                    value.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase })
                else {
                    return "\(path), line \(number): '\(last)' is not a --hash=sha256: of 64 hex digits"
                }
                hashes += 1
                words.removeLast()
            }
            let pin = words.joined(separator: " ")
            let requirement: Requirement
            do {
                requirement = try Requirement(parsing: pin)
            } catch {
                return "\(path), line \(number): '\(pin)' is not a pinned requirement (a lock holds only "
                    + "name==version lines with their hashes)"
            }
            guard requirement.url == nil, requirement.isExactPin else {
                return "\(path), line \(number): '\(pin)' is not pinned to one version with '=='"
            }
            guard hashes > 0 else {
                return "\(path), line \(number): '\(pin)' has no --hash=sha256: line; a lock pins every file by hash"
            }
            pins += 1
        }
        return pins == 0 ? "\(path) pins nothing" : nil
    }

    /// Lines with `\` continuations joined and comments dropped, with the number of the line each starts on.
    static func logicalLines(_ text: String) -> [(Int, String)] {
        var out: [(Int, String)] = []
        var current = ""
        var start = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#"), hash == line.startIndex || line[line.index(before: hash)] == " " {
                line = line[..<hash]
            }
            if current.isEmpty { start = index + 1 }
            let continued = line.trimmingSpaces.hasSuffix("\\")
            current += " " + (continued ? String(line.trimmingSpaces.dropLast()) : String(line))
            if !continued {
                let joined = current.trimmingSpaces
                if !joined.isEmpty { out.append((start, joined)) }
                current = ""
            }
        }
        let rest = current.trimmingSpaces
        if !rest.isEmpty { out.append((start, rest)) }
        return out
    }
}

extension Requirement {
    /// Pinned to exactly one version: a single `==` specifier, without a wildcard.
    var isExactPin: Bool {
        specifiers.count == 1 && specifiers[0].op == "==" && !specifiers[0].version.hasSuffix(".*")
    }
}
