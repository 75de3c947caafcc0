/// One PEP 508 requirement string, accepted exactly when pip's own parser (`packaging.requirements.Requirement`)
/// accepts it, so a spec the installer would refuse is `invalid` at once instead of `failed` after a build.
///
/// The parser follows `packaging`'s (`_parser.py`, `_tokenizer.py`, `specifiers.py`, `version.py`) step by step,
/// including its quirks: a URL after `@` is any run of non-space characters, `name[]` is valid, and a version
/// specifier list is read first as a whole and then clause by clause. Requirement strings reach the installer as
/// separate arguments, never through a shell; this parser is also what keeps an argument such as `--index-url=...`
/// or `-e .` from passing as a library.
public struct Requirement: Sendable, Equatable {
    /// The text as the user wrote it, passed unchanged to the installer.
    public let text: String
    /// The distribution name, normalised (PEP 503: lower case, runs of `-_.` become `-`).
    public let name: String
    /// The extras, normalised (PEP 685), sorted, each once.
    public let extras: [String]
    /// The version clauses in the order written (empty for a URL or no constraint).
    public let specifiers: [VersionSpecifier]
    /// The direct reference after `@`, as written.
    public let url: String?
    /// The environment marker after `;`, as written without the spaces around it.
    public let marker: String?
    /// One spelling per meaning, as `str(Requirement(...))` prints it with the name and extras normalised: sorted
    /// extras, specifiers sorted and deduplicated as packaging does, the marker in packaging's normal form.
    public let canonical: String
    /// The requirement as one line of a requirements file: `text`, unless that holds a line break (packaging allows
    /// one in the white space after an operator and in a marker's quoted string); then `canonical` with the marker's
    /// values escaped, which means the same. So nothing after a line break can pass as an installer option.
    public let line: String

    public init(parsing text: String) throws(RequirementError) {
        var scanner = RequirementScanner(text)
        let parsed: RequirementScanner.Parsed
        do throws(RequirementSyntaxError) {
            parsed = try scanner.parseRequirement()
        } catch {
            throw RequirementError(text: text, reason: error.reason)
        }
        self.text = text
        name = Requirement.normalise(parsed.name)
        extras = Set(parsed.extras.map(Requirement.normalise)).sorted(by: Requirement.pythonOrder)
        specifiers = parsed.specifiers
        url = parsed.url
        marker = parsed.marker?.text
        let marker = parsed.marker.map { Marker(nodes: $0.nodes) }
        canonical = Requirement.printed(name, extras, specifiers, url, marker, escaping: false)
        // The name and extras as written: a normalised name such as `name-` (from `name_`) would not read back.
        line =
            text.unicodeScalars.contains(where: PythonText.isLineBreak)
            ? Requirement.printed(
                parsed.name,
                Set(parsed.extras).sorted(by: Requirement.pythonOrder),
                specifiers,
                url,
                marker,
                escaping: true
            ) : text
    }

    /// `str(Requirement(...))`'s layout.
    private static func printed(
        _ name: String,
        _ extras: [String],
        _ specifiers: [VersionSpecifier],
        _ url: String?,
        _ marker: Marker?,
        escaping: Bool
    ) -> String {
        var out = name
        if !extras.isEmpty { out += "[" + extras.joined(separator: ",") + "]" }
        out += VersionSpecifier.canonical(specifiers)
        if let url { out += " @ " + url + (marker == nil ? "" : " ") }
        if let marker { out += "; " + marker.canonical(escapingLineBreaks: escaping) }
        return out
    }

    /// Python's string order: by code point.
    static func pythonOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    /// PEP 503 normalisation, so `Scikit_Learn` and `scikit-learn` are one distribution.
    public static func normalise(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSeparator = false
        for c in name.lowercased().unicodeScalars {
            if c == "-" || c == "_" || c == "." {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(c)
                lastWasSeparator = false
            }
        }
        return String(out)
    }
}

/// Why a library string is not a PEP 508 requirement.
public struct RequirementError: Error, Sendable, Equatable {
    public let text: String
    public let reason: String
    public var message: String { "'\(text)' is not a valid requirement: \(reason)" }
}
