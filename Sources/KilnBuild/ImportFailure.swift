import Foundation

/// The first library of a spec whose module does not import in the built environment: why the build is `failed`
/// (protocol rule 1). Its `description` is the status message's reason.
public struct ImportFailure: Sendable, Equatable, Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The import ended with an error; `lastLine` is the last line it wrote (the exception, usually).
        case raised(lastLine: String)
        /// The import ran longer than the time limit and was stopped, with every process it started.
        case timedOut(Duration)
    }

    /// The normalised distribution name, as the spec names it.
    public var distribution: String
    public var version: String
    public var module: String
    public var kind: Kind
    /// What to do about it, when the error is one Kiln recognises.
    public var hint: String?

    public init(distribution: String, version: String, module: String, kind: Kind, hint: String?) {
        self.distribution = distribution
        self.version = version
        self.module = module
        self.kind = kind
        self.hint = hint
    }

    /// An import that ended badly, with the whole output it wrote (traceback and all) and how it ended.
    init(distribution: String, version: String, module: String, output: String, ending: String) {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let last = lines.last { !$0.isEmpty } ?? "no output, \(ending)"
        self.init(
            distribution: distribution,
            version: version,
            module: module,
            kind: .raised(lastLine: last.count > 400 ? String(last.prefix(400)) + "…" : last),
            hint: ImportFailure.hint(for: output, distribution: distribution)
        )
    }

    public var description: String {
        let what = "`import \(module)` (\(distribution)==\(version))"
        var text: String
        switch kind {
        case .raised(let lastLine): text = "\(what) failed: \(lastLine)"
        case .timedOut(let limit):
            text = "\(what) took longer than \(ImportFailure.seconds(limit)) and was stopped"
        }
        if let hint { text += "; hint: \(hint)" }
        return text
    }

    /// The hint for an import's output, when the error is a known one.
    static func hint(for output: String, distribution: String) -> String? {
        // numpy's own words for a binary built against numpy 1 running under numpy 2, old and new.
        let numpyABI = [
            "numpy.dtype size changed", "compiled using NumPy 1.x cannot be run in", "_ARRAY_API not found",
        ]
        if numpyABI.contains(where: output.contains) {
            return "a binary built for numpy 1 is running under numpy 2: pin `numpy<2` in libraries"
        }
        let missing = ": cannot open shared object file"
        if let range = output.range(of: missing) {
            let before = output[..<range.lowerBound]
            let library = before.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" }).last.map {
                String($0).trimmingCharacters(in: CharacterSet(charactersIn: "'\":"))
            }
            let name = library.flatMap { $0.isEmpty ? nil : "`\($0)`" } ?? "a system library"
            return "the build host lacks the system library \(name): install it there, or add \"\(distribution)\" "
                + "to [build] skip_import_check in workspace.toml"
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> String {
        let parts = duration.components
        let value = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// The import check could not run at all: the environment's interpreter did not answer for its distributions.
public struct ImportCheckError: Error, CustomStringConvertible {
    public var description: String
}
