/// The pins of a `requirements.lock`: distribution (PEP 503 name) -> version as written, for comparing two builds.
///
/// Read leniently, line by line as `LockFile` reads them (continuations joined, comments dropped, `--hash` words
/// set aside): a line that is not an exact pin (an option such as `--index-url`) pins nothing and is skipped. A lock
/// that names a distribution twice (under two markers) keeps the first.
public enum LockPins {
    public static func read(_ text: String) -> [String: String] {
        var pins: [String: String] = [:]
        for (_, line) in LockFile.logicalLines(text) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).filter { !$0.hasPrefix("--hash=") }
            guard let requirement = try? Requirement(parsing: words.joined(separator: " ")),
                requirement.url == nil, requirement.isExactPin, pins[requirement.name] == nil
            else { continue }
            pins[requirement.name] = requirement.specifiers[0].version
        }
        return pins
    }

    /// The same from a lock's bytes; invalid UTF-8 is read with replacement characters, which pin nothing.
    public static func read(_ bytes: [UInt8]) -> [String: String] {
        read(String(decoding: bytes, as: UTF8.self))
    }
}
