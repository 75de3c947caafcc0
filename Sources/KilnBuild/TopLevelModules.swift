import Foundation

/// What an environment's own interpreter says about one distribution the spec names: its version and the top-level
/// modules it installed. The import check (protocol rule 1) imports exactly these.
struct TopLevelModules: Sendable, Equatable, Decodable {
    /// The normalised distribution name, as asked.
    var name: String
    /// Nil when no distribution of that name is installed (a requirement whose marker excludes this host).
    var version: String?
    /// `top_level.txt`, or `RECORD` when the distribution has no `top_level.txt` (wheels built without setuptools).
    var source: String?
    /// Empty for a distribution with nothing to import: only scripts, or a metapackage.
    var modules: [String] = []

    enum CodingKeys: String, CodingKey { case name, version, source, modules }

    init(name: String, version: String? = nil, source: String? = nil, modules: [String] = []) {
        self.name = name
        self.version = version
        self.source = source
        self.modules = modules
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        modules = try c.decodeIfPresent([String].self, forKey: .modules) ?? []
    }

    /// Run as `python -I -c script NAME...` with normalised names; prints a JSON list with one object per name, or
    /// `{"unsupported": why}` on a Python without importlib.metadata (before 3.8).
    ///
    /// The rules: `top_level.txt` when present; else the first component of each path in `RECORD` that is a package
    /// folder, a `.py` module or an extension module (`.so`, named up to its first dot). `..` paths (scripts in
    /// `bin/`) and `__pycache__` are skipped, and `*.dist-info`, `*.data` and `*.libs` folders fail the identifier
    /// test. Private (`_`) modules count only when the distribution has no public one.
    static let script = """
        import json, re, sys
        try:
            from importlib import metadata
        except ImportError:
            print(json.dumps({"unsupported": "Python %d.%d has no importlib.metadata" % sys.version_info[:2]}))
            raise SystemExit


        def normalise(name):
            return re.sub(r"[-_.]+", "-", name).lower()


        def top_level(dist):
            text = dist.read_text("top_level.txt")
            if text is not None:
                return "top_level.txt", [line.strip().replace("/", ".") for line in text.splitlines()]
            names = []
            for path in dist.files or []:
                first = path.parts[0]
                if len(path.parts) > 1 and first not in ("..", "__pycache__"):
                    names.append(first)
                elif first.endswith(".py"):
                    names.append(first[:-3])
                elif first.endswith(".so"):
                    names.append(first.split(".")[0])
            return "RECORD", [n for n in names if n.isidentifier()]


        installed = None


        def find(name):
            global installed
            try:
                return metadata.distribution(name)
            except metadata.PackageNotFoundError:
                pass
            if installed is None:  # older Pythons match fewer spellings: read every distribution's own name
                installed = {}
                for dist in metadata.distributions():
                    installed.setdefault(normalise(dist.metadata["Name"] or ""), dist)
            return installed.get(name)


        answer = []
        for name in sys.argv[1:]:
            dist = find(name)
            if dist is None:
                answer.append({"name": name})
                continue
            source, names = top_level(dist)
            names = sorted({n for n in names if n and all(part.isidentifier() for part in n.split("."))})
            public = [n for n in names if not n.startswith("_")]
            answer.append({"name": name, "version": dist.version, "source": source, "modules": public or names})
        print(json.dumps(answer))
        """

    /// The script's answer, or why it cannot be used.
    enum Answer: Sendable, Equatable {
        case found([TopLevelModules])
        /// The interpreter cannot list distributions; the check is skipped, and the log says why.
        case unsupported(String)
    }

    static func decode(_ output: String) -> Answer? {
        let data = Data(output.utf8)
        if let list = try? JSONDecoder().decode([TopLevelModules].self, from: data) { return .found(list) }
        if let object = try? JSONDecoder().decode([String: String].self, from: data), let why = object["unsupported"] {
            return .unsupported(why)
        }
        return nil
    }

    /// Whether `module` can go after `import ` as it is: dotted identifiers only, so metadata from a wheel can never
    /// add code to the command line (the script filters the same way; this is the daemon's own guard).
    static func isModuleName(_ module: String) -> Bool {
        let parts = module.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard let first = part.first, first == "_" || first.isLetter else { return false }
            return part.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
        }
    }
}
