/// Durations as `workspace.toml` writes them: `"200ms"`, `"30s"`, `"30m"`, `"1h"`, `"14d"`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends in "s": only accept a number before the suffix.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            // Beyond Int64's milliseconds (about 292 million years) is no duration, not a crash (found by fuzzing).
            guard let ms = Int64(exactly: (value * seconds * 1000).rounded()) else { return nil }
            return .milliseconds(ms)
        }
        return nil
    }

    /// A duration as `workspace.toml` would write it, in the largest unit that divides it (`"14d"`, `"30s"`,
    /// `"200ms"`), for logs and messages.
    public static func text(_ duration: Duration) -> String {
        let parts = duration.components
        let ms = parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        for (suffix, unit) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where ms % unit == 0 {
            return "\(ms / unit)\(suffix)"
        }
        return "\(ms)ms"
    }
}
