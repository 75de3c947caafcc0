import TOMLKit

/// The fields of a spec a review compares, read leniently: a spec for a Python this host lacks, or with a library
/// the parser refuses, still shows what it says. Libraries are keyed by distribution (PEP 503 name) and compared by
/// their canonical form, so `Scikit_Learn >= 1.0` and `scikit-learn>=1.0` are one unchanged library.
struct SpecFields: Equatable {
    /// `full_name`, `base` and `description`, by key, as the report shows them (free text quoted).
    var values: [String: String] = [:]
    /// Distribution -> the requirement's canonical form (its text, when it is not a valid requirement).
    var libraries: [String: String] = [:]

    static let keys = ["full_name", "base", "description"]

    init() {}

    /// Nil when the bytes are not UTF-8 TOML.
    init?(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), case .success(let table) = TOMLGate.parse(text)
        else { return nil }
        for key in SpecFields.keys {
            guard let value = table[key] else { continue }
            if let string = value.string {
                values[key] = key == "base" ? string : TOMLText.quote(string)
            } else {
                values[key] = "(not a string)"
            }
        }
        for item in table["libraries"]?.array ?? [] {
            guard let string = item.string else { continue }
            if let requirement = try? Requirement(parsing: string) {
                libraries[requirement.name] = libraries[requirement.name] ?? requirement.canonical
            } else {
                libraries[string] = libraries[string] ?? string
            }
        }
    }
}
