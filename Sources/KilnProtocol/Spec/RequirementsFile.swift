/// A pip requirements file, read for `kiln import`: the requirements a spec can hold, and every line it cannot,
/// with the reason. Pure: the caller reads the files.
public enum RequirementsFile {
    /// What came out of a file and the files it includes.
    public struct Contents: Sendable, Equatable {
        public var requirements: [Requirement] = []
        /// "what (why)", for every line that is not imported.
        public var leftOut: [String] = []

        public init() {}
    }

    /// Reads `path` and the files it includes with `-r`. `read` returns a file's text, or nil if it cannot be read;
    /// an include that cannot be read, or that includes itself again, is listed as left out. `path` is used in
    /// messages as given.
    public static func read(_ path: String, reading read: (String) -> String?) -> Contents {
        var contents = Contents()
        var visited: Set<String> = []
        var seen: [String: String] = [:]
        include(path, from: nil, into: &contents, visited: &visited, seen: &seen, read: read)
        return contents
    }

    private static func include(
        _ path: String,
        from parent: String?,
        into contents: inout Contents,
        visited: inout Set<String>,
        seen: inout [String: String],
        read: (String) -> String?
    ) {
        guard !visited.contains(path) else {
            contents.leftOut.append("-r \(path) (included again from \(parent ?? path); read once)")
            return
        }
        visited.insert(path)
        guard let text = read(path) else {
            contents.leftOut.append("-r \(path) (cannot be read)")
            return
        }
        for line in logicalLines(text) {
            switch classify(line) {
            case .blank: continue
            case .include(let other):
                let resolved = other.hasPrefix("/") ? other : folder(of: path) + other
                include(resolved, from: path, into: &contents, visited: &visited, seen: &seen, read: read)
            case .leftOut(let reason):
                contents.leftOut.append(reason)
            case .requirement(let requirement):
                let key = Requirement.normalise(requirement.name)
                if let first = seen[key] {
                    contents.leftOut.append("\(requirement.text) (\(requirement.name) is already listed as \(first))")
                } else {
                    seen[key] = requirement.text
                    contents.requirements.append(requirement)
                }
            }
        }
    }

    /// What one logical line is.
    enum Line: Equatable {
        case blank
        case include(String)
        case requirement(Requirement)
        case leftOut(String)
    }

    /// Classifies one logical line (continuations joined, not yet stripped of its comment).
    static func classify(_ raw: String) -> Line {
        let line = stripComment(raw).trimmingSpaces
        if line.isEmpty { return .blank }
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let first = words[0]
        for option in ["-r", "--requirement"] {
            if first == option, words.count == 2 { return .include(words[1]) }
            if first.hasPrefix(option + "="), words.count == 1 {
                return .include(String(first.dropFirst(option.count + 1)))
            }
            if option == "-r", first.count > 2, first.hasPrefix("-r"), words.count == 1 {
                return .include(String(first.dropFirst(2)))
            }
        }
        if first == "-e" || first == "--editable" || first.hasPrefix("--editable=") || first.hasPrefix("-e") {
            return .leftOut("\(line) (an editable install)")
        }
        if first.hasPrefix("-") {
            return .leftOut("\(line) (an installer option; the workspace's settings decide where libraries come from)")
        }
        // Options after a requirement (`--hash=...`, `--config-settings`) are the installer's, not the requirement's.
        if let option = words.firstIndex(where: { $0.hasPrefix("--") || $0 == "-C" }) {
            words.removeSubrange(option...)
        }
        let text = words.joined(separator: " ")
        if isPath(text) { return .leftOut("\(text) (a local path)") }
        let requirement: Requirement
        do {
            requirement = try Requirement(parsing: text)
        } catch {
            if text.contains("://") { return .leftOut("\(text) (a URL without a name; write it as NAME @ URL)") }
            return .leftOut("\(text) (\(error.reason))")
        }
        if let at = text.firstIndex(of: "@"), String(text[text.index(after: at)...]).trimmingSpaces.hasPrefix("file:") {
            return .leftOut("\(text) (a local path)")
        }
        return .requirement(requirement)
    }

    /// A bare path or archive: `./pkg`, `/srv/pkg.whl`, `~/src/x`, `dist/x-1.0.tar.gz`.
    static func isPath(_ text: String) -> Bool {
        if text.hasPrefix(".") || text.hasPrefix("/") || text.hasPrefix("~") || text.hasPrefix("file:") { return true }
        if text.contains("@") { return false }
        return [".whl", ".tar.gz", ".zip", ".tar.bz2"].contains { text.hasSuffix($0) } && !text.contains("://")
    }

    /// Lines with their `\` continuations joined.
    static func logicalLines(_ text: String) -> [String] {
        var out: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasSuffix("\\") && stripComment(line) == line {
                pending += String(line.dropLast()) + " "
                continue
            }
            out.append(pending + line)
            pending = ""
        }
        if !pending.isEmpty { out.append(pending) }
        return out
    }

    /// A comment starts with `#` at the start of a line or after white space (pip's rule: `#` in a URL stays).
    static func stripComment(_ line: String) -> String {
        var previous: Character = " "
        for index in line.indices {
            if line[index] == "#" && (previous == " " || previous == "\t") { return String(line[..<index]) }
            previous = line[index]
        }
        return line
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
