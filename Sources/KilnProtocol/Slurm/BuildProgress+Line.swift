extension BuildProgress {
    /// One line a build job writes to its `progress` file for the daemon to read: the phase, then the done and total
    /// counts, `-` for an unknown one (`installing 12 40`, `resolving - -`).
    public var line: String {
        "\(phase.rawValue) \(done.map(String.init) ?? "-") \(total.map(String.init) ?? "-")"
    }

    /// Reads `line`'s form back; nil for anything else (a file caught half-written, a damaged one).
    public init?(line: String) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, let phase = Phase(rawValue: String(parts[0])) else { return nil }
        func count(_ part: Substring) -> Int?? {
            if part == "-" { return .some(nil) }
            guard let n = Int(part), n >= 0 else { return nil }
            return .some(n)
        }
        guard let done = count(parts[1]), let total = count(parts[2]) else { return nil }
        self.init(phase, done: done, total: total)
    }
}
