/// The rule for an environment's directory name (protocol section 1): 1 to 64 characters of `a-z 0-9 . _ -`,
/// starting with a letter or digit, and a name that Windows can open too, since a shared drive is edited from
/// Windows clients as well.
public enum EnvironmentName {
    /// The device names Windows reserves in every folder, with or without an extension (`con`, `nul.txt`).
    static let windowsDevices = Set(["con", "prn", "aux", "nul"] + (1...9).flatMap { ["com\($0)", "lpt\($0)"] })

    /// Why `name` is not a valid environment name, or nil if it is.
    public static func problem(with name: String) -> String? {
        lookupProblem(with: name) ?? windowsProblem(with: name)
    }

    /// Why `name` cannot name an environment that may exist already: the rule without Windows's device names. A
    /// new environment may not take one (`problem(with:)`: saves, `kiln new`, `kiln import`), but one made before
    /// Kiln refused them can still be used, submitted and looked at by its name.
    public static func lookupProblem(with name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "an environment name cannot be empty" }
        if bytes.count > 64 { return "'\(name)' is \(bytes.count) characters long; names have at most 64" }
        func isLowerOrDigit(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        if !isLowerOrDigit(bytes[0]) {
            return "'\(name)' must start with a lower-case letter or a digit"
        }
        if let bad = bytes.first(where: { !isLowerOrDigit($0) && $0 != 46 && $0 != 95 && $0 != 45 }) {
            let shown = bad < 128 ? String(UnicodeScalar(bad)) : "non-ASCII"
            return "'\(name)' contains '\(shown)'; names use only a-z, 0-9, '.', '_' and '-'"
        }
        return nil
    }

    /// Why Windows could not open a folder called `name` (already known to use only the allowed characters).
    /// Windows ignores case and whatever follows the first dot when it matches a device name.
    static func windowsProblem(with name: String) -> String? {
        let stem = name.lowercased().prefix { $0 != "." }
        if windowsDevices.contains(String(stem)) {
            return "'\(name)' is a device name on Windows (con, prn, aux, nul, com1-com9, lpt1-lpt9, with or "
                + "without an extension), so Windows clients cannot open the folder; use another name, e.g. '\(stem)-env'"
        }
        if name.hasSuffix(".") || name.hasSuffix(" ") {
            return "'\(name)' ends with '\(name.suffix(1))', which Windows drops, so Windows clients cannot open "
                + "the folder; use the name without its last '\(name.suffix(1))'"
        }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { problem(with: name) == nil }
}
