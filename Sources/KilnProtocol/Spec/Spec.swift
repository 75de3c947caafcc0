import TOMLKit

/// What a person asked to build: the parsed, validated `spec.toml` (protocol section 2).
public struct Spec: Sendable, Equatable {
    public var fullName: String?
    public var base: PythonVersion
    public var libraries: [Requirement]
    public var description: String?

    /// The largest `spec.toml` the daemon reads.
    public static let maximumSize = 64 * 1024
    /// The keys a spec may hold.
    public static let knownKeys = ["name", "full_name", "base", "libraries", "description"]

    public init(fullName: String? = nil, base: PythonVersion, libraries: [Requirement], description: String? = nil) {
        self.fullName = fullName
        self.base = base
        self.libraries = libraries
        self.description = description
    }

    /// Parses and validates a spec file.
    ///
    /// - Parameters:
    ///   - file: what was found at `spec.toml`.
    ///   - path: the file's path as the user should see it in a message, e.g. `saved/churn/spec.toml`.
    ///   - directoryName: the environment's directory name, which a `name` key must equal.
    ///   - pythons: the `X.Y` versions this build host has an interpreter for.
    public static func parse(
        _ file: SpecFile,
        path: String,
        directoryName: String,
        pythons: Set<String>
    ) -> Result<Spec, SpecProblem> {
        let bytes: [UInt8]
        switch file {
        case .missing:
            return .failure(
                SpecProblem(path, nil, "there is no spec.toml; write one with at least base = \"python:3.11\"")
            )
        case .symlink:
            return .failure(
                SpecProblem(
                    path,
                    nil,
                    "spec.toml is a symbolic link; Kiln reads only a regular file: replace the link with a copy"
                )
            )
        case .notRegularFile:
            return .failure(SpecProblem(path, nil, "spec.toml is not a regular file"))
        case .tooLarge(let size):
            return .failure(
                SpecProblem(
                    path,
                    nil,
                    "spec.toml is \(size) bytes; a spec may be at most \(maximumSize) bytes (64 KiB)"
                )
            )
        case .unreadable(let reason):
            return .failure(SpecProblem(path, nil, "spec.toml cannot be read: \(reason)"))
        case .contents(let b):
            bytes = b
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8Offset(bytes)
            let line = bytes[..<offset].filter { $0 == 10 }.count + 1
            return .failure(SpecProblem(path, line, "spec.toml is not valid UTF-8 (byte \(offset)); save it as UTF-8"))
        }
        let table: TOMLTable
        switch TOMLGate.parse(text) {
        case .success(let t): table = t
        case .failure(let problem):
            return .failure(SpecProblem(path, problem.line, "not valid TOML: \(problem.message)"))
        }
        let lines = SourceLines(text)

        for key in table.keys where !knownKeys.contains(key) {
            var message = "unknown key '\(key)'"
            if let guess = closest(to: key, among: knownKeys) { message += "; did you mean '\(guess)'?" }
            message += " (known keys: \(knownKeys.joined(separator: ", ")))"
            return .failure(SpecProblem(path, lines.line(ofKey: key), message))
        }
        func string(_ key: String) -> Result<String?, SpecProblem> {
            guard let value = table[key] else { return .success(nil) }
            guard let s = value.string else {
                return .failure(
                    SpecProblem(path, lines.line(ofKey: key), "'\(key)' must be a string, not \(describe(value.type))")
                )
            }
            return .success(s)
        }
        do {
            if let name = try string("name").get(), name != directoryName {
                return .failure(
                    SpecProblem(
                        path,
                        lines.line(ofKey: "name"),
                        "name = \"\(name)\" but the directory is '\(directoryName)'; they must be equal (or drop the name key)"
                    )
                )
            }
            let fullName = try string("full_name").get()
            let description = try string("description").get()
            guard let baseText = try string("base").get() else {
                return .failure(SpecProblem(path, nil, "'base' is missing; add a line such as base = \"python:3.11\""))
            }
            let baseLine = lines.line(ofKey: "base")
            guard let base = PythonVersion(base: baseText) else {
                return .failure(
                    SpecProblem(
                        path,
                        baseLine,
                        "base = \"\(baseText)\" is not of the form \"python:X.Y\", e.g. \"python:3.11\""
                    )
                )
            }
            guard pythons.contains(base.text) else {
                let have = pythons.sorted { PythonVersion(text: $0) ?? base < PythonVersion(text: $1) ?? base }
                let list = have.isEmpty ? "none" : have.joined(separator: ", ")
                return .failure(
                    SpecProblem(
                        path,
                        baseLine,
                        "this build host has no Python \(base.text) (it has: \(list)); pick one of those, or name an interpreter under [python] in workspace.toml"
                    )
                )
            }
            var libraries: [Requirement] = []
            if let value = table["libraries"] {
                guard let array = value.array else {
                    return .failure(
                        SpecProblem(
                            path,
                            lines.line(ofKey: "libraries"),
                            "'libraries' must be a list of strings such as [\"pandas==2.2.3\"], not \(describe(value.type))"
                        )
                    )
                }
                for item in array {
                    guard let s = item.string else {
                        return .failure(
                            SpecProblem(
                                path,
                                lines.line(ofKey: "libraries"),
                                "every entry of 'libraries' must be a string; found \(describe(item.type))"
                            )
                        )
                    }
                    do {
                        libraries.append(try Requirement(parsing: s))
                    } catch {
                        let line =
                            lines.line(containing: "\"\(s)\"") ?? lines.line(containing: "'\(s)'")
                            ?? lines.line(ofKey: "libraries")
                        return .failure(SpecProblem(path, line, error.message))
                    }
                }
                var seen: [String: String] = [:]
                for r in libraries {
                    if let other = seen[r.name] {
                        return .failure(
                            SpecProblem(
                                path,
                                lines.line(containing: r.text),
                                "'\(r.name)' is listed twice ('\(other)' and '\(r.text)'); keep one"
                            )
                        )
                    }
                    seen[r.name] = r.text
                }
            }
            return .success(Spec(fullName: fullName, base: base, libraries: libraries, description: description))
        } catch {
            return .failure(error)
        }
    }

    /// The `spec.toml` text a person would write for these values; `kiln new` writes this.
    public func rendered() -> String {
        var out = ""
        if let fullName { out += "full_name   = \(TOMLText.quote(fullName))\n" }
        out += "base        = \(TOMLText.quote("python:" + base.text))\n"
        out += "libraries   = [" + libraries.map { TOMLText.quote($0.text) }.joined(separator: ", ") + "]\n"
        if let description { out += "description = \(TOMLText.quote(description))\n" }
        return out
    }
}

private func describe(_ type: TOMLType) -> String {
    switch type {
    case .table: "a table"
    case .array: "a list"
    case .string: "a string"
    case .int: "an integer"
    case .double: "a number"
    case .bool: "a boolean"
    default: "a date or time"
    }
}

/// Where UTF-8 decoding first fails, to point the user at the right line.
private func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
        guard length > 0, i + length <= bytes.count else { return i }
        for j in 1..<length where bytes[i + j] >> 6 != 0b10 { return i }
        i += length
    }
    return 0
}

/// The closest known word within a small edit distance, for "did you mean".
func closest(to word: String, among candidates: [String]) -> String? {
    let best = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= max(2, word.count / 3) else { return nil }
    return best.0
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// Finds where things are in the source, since the TOML parser reports positions only for syntax errors.
struct SourceLines {
    let lines: [Substring]
    init(_ text: String) { lines = PersonText.lines(text) }

    func line(ofKey key: String) -> Int? {
        for (i, line) in lines.enumerated() {
            var s = line.trimmingSpaces[...]
            for quote in ["\"", "'"] where s.hasPrefix(quote + key + quote) {
                s = s.dropFirst(key.count + 2)
                return s.trimmingSpaces.hasPrefix("=") ? i + 1 : nil
            }
            if s.hasPrefix(key), s.dropFirst(key.count).trimmingSpaces.hasPrefix("=") { return i + 1 }
            // A table header: `[key]`, `[[key]]`, `[ "key" ]`.
            let header = s.filter { $0 != " " && $0 != "\"" && $0 != "'" }
            if header == "[\(key)]" || header == "[[\(key)]]" || header.hasPrefix("[\(key).") { return i + 1 }
        }
        return nil
    }

    func line(containing needle: String) -> Int? {
        lines.firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }
}
