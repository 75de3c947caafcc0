/// The rule for an environment's directory name (protocol section 1): 1 to 64 characters of `a-z 0-9 . _ -`,
/// starting with a letter or digit.
public enum EnvironmentName {
    /// Why `name` is not a valid environment name, or nil if it is.
    public static func problem(with name: String) -> String? {
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

    public static func isValid(_ name: String) -> Bool { problem(with: name) == nil }
}
