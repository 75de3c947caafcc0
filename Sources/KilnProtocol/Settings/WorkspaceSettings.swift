import TOMLKit

/// `workspace.toml` (protocol section 6). Every key is optional.
public struct WorkspaceSettings: Sendable, Equatable {
    public enum OnSave: String, Sendable { case build, wait }

    /// `"auto"` by default: the daemon picks the period from the workspace's file system at start (``RescanChoice``).
    public var rescanInterval: RescanInterval = .auto
    public var settle: Duration = .milliseconds(200)
    public var onSave: OnSave = .build
    public var concurrency = 2
    public var timeout: Duration = .seconds(30 * 60)
    public var indexURL: String?
    /// Kiln's addition to the protocol: install from `find_links` only, never from an index.
    public var noIndex = false
    public var findLinks: [String] = []
    public var onlyBinary = false
    /// Kiln's addition: copy each base interpreter into `.kiln/pythons/` and build from the copy, so hosts without
    /// the build host's Python can run the environments.
    public var keepPythons = true
    /// Libraries (normalised distribution names) that the import check after a build leaves out: those that cannot
    /// be imported on the build host on purpose (they need a GPU, a licence server, another host's system library).
    public var skipImportCheck: [String] = []
    /// How long a built environment, or a copy of an interpreter, that nothing refers to any more is kept before
    /// collection (`kiln gc`, the daemon's daily run) removes it; zero removes it at the first collection.
    public var keep: Duration = .seconds(14 * 24 * 3600)
    /// `X.Y` -> interpreter path, overriding discovery on the build host.
    public var pythons: [String: String] = [:]
    /// What specs may name, and what every build gets (`[policy]`).
    public var policy = Policy()
    /// † `[http] listen`: where the daemon serves its read-only web view and metrics; nil (the default) serves none.
    /// Read at start, like `rescan_interval`; `kiln serve --http` overrides it.
    public var httpListen: HTTPListen?
    /// † `[build] executor`: builds on the daemon's host, or as Slurm jobs.
    public var executor: BuildExecutor = .local
    /// † `[slurm]`: the site's settings for build jobs; used when `executor` is `.slurm`.
    public var slurm = SlurmSettings()

    public init() {}

    static let knownKeys: [String: [String]] = [
        "daemon": ["rescan_interval", "settle"],
        "build": [
            "on_save", "concurrency", "timeout", "index_url", "no_index", "find_links", "only_binary",
            "keep_pythons", "skip_import_check", "keep", "executor",
        ],
        "policy": ["allowed", "blocked", "required", "direct_urls"],
        "python": [],
        "http": ["listen"],
        "slurm": SlurmSettings.keys,
    ]

    /// A PEP 508 name alone: letters and digits, with `-`, `_` and `.` inside.
    static func isDistributionName(_ name: String) -> Bool {
        guard let first = name.first, let last = name.last, first.isASCIIAlnum, last.isASCIIAlnum else { return false }
        return name.allSatisfy { $0.isASCIIAlnum || "-_.".contains($0) }
    }

    /// Parses `workspace.toml`; `path` is used in messages. Relative `find_links` are taken from `workspaceRoot`.
    public static func parse(
        _ text: String,
        path: String,
        workspaceRoot: String
    ) throws(SpecProblem) -> WorkspaceSettings {
        let table: TOMLTable
        switch TOMLGate.parse(text) {
        case .success(let t): table = t
        case .failure(let problem): throw SpecProblem(path, problem.line, "not valid TOML: \(problem.message)")
        }
        let lines = SourceLines(text)
        var s = WorkspaceSettings()
        for key in table.keys {
            guard knownKeys[key] != nil, table[key]?.table != nil else {
                var message = "unknown section '\(key)'"
                if let guess = closest(to: key, among: Array(knownKeys.keys)) {
                    message += "; did you mean [\(guess)]?"
                }
                throw SpecProblem(
                    path,
                    lines.line(containing: key),
                    message + " (sections: [daemon], [build], [policy], [python], [http], [slurm])"
                )
            }
        }
        func check(_ section: String) throws(SpecProblem) -> TOMLTable? {
            guard let t = table[section]?.table else { return nil }
            let known = knownKeys[section] ?? []
            if section != "python" {
                for key in t.keys where !known.contains(key) {
                    var message = "unknown key '\(key)' in [\(section)]"
                    if let guess = closest(to: key, among: known) { message += "; did you mean '\(guess)'?" }
                    throw SpecProblem(path, lines.line(ofKey: key), message)
                }
            }
            return t
        }
        func duration(_ t: TOMLTable, _ key: String) throws(SpecProblem) -> Duration? {
            guard let v = t[key] else { return nil }
            guard let text = v.string, let d = DurationText.parse(text) else {
                throw SpecProblem(
                    path,
                    lines.line(ofKey: key),
                    "'\(key)' must be a duration such as \"200ms\", \"30s\", \"30m\" or \"14d\""
                )
            }
            return d
        }
        func wrongType(_ key: String, _ what: String) -> SpecProblem {
            SpecProblem(path, lines.line(ofKey: key), "'\(key)' must be \(what)")
        }
        func flag(_ t: TOMLTable, _ key: String) throws(SpecProblem) -> Bool? {
            guard let v = t[key] else { return nil }
            guard let flag = v.bool else { throw wrongType(key, "true or false") }
            return flag
        }
        if let d = try check("daemon") {
            if let v = d["rescan_interval"] {
                guard let text = v.string, let interval = RescanInterval.parse(text) else {
                    throw SpecProblem(
                        path,
                        lines.line(ofKey: "rescan_interval"),
                        "'rescan_interval' must be \"auto\" or a duration such as \"30s\" or \"10m\" (\"0s\": no rescans)"
                    )
                }
                s.rescanInterval = interval
            }
            if let v = try duration(d, "settle") { s.settle = v }
        }
        if let b = try check("build") {
            if let v = b["on_save"] {
                guard let text = v.string, let mode = OnSave(rawValue: text) else {
                    throw wrongType("on_save", "\"build\" or \"wait\"")
                }
                s.onSave = mode
            }
            if let v = b["concurrency"] {
                guard let n = v.int, n >= 1, n <= 64 else {
                    throw wrongType("concurrency", "a whole number from 1 to 64")
                }
                s.concurrency = n
            }
            if let v = try duration(b, "timeout") { s.timeout = v }
            if let v = try duration(b, "keep") { s.keep = v }
            if let v = b["index_url"] {
                guard let text = v.string, !text.isEmpty else { throw wrongType("index_url", "a URL string") }
                s.indexURL = text
            }
            if let v = try flag(b, "no_index") { s.noIndex = v }
            if let v = try flag(b, "keep_pythons") { s.keepPythons = v }
            if let v = b["executor"] {
                guard let text = v.string, let executor = BuildExecutor(rawValue: text) else {
                    throw wrongType(
                        "executor",
                        "\"local\" (builds on the daemon's host) or \"slurm\" (one Slurm job each)"
                    )
                }
                s.executor = executor
            }
            if let v = try flag(b, "only_binary") { s.onlyBinary = v }
            if let v = b["find_links"] {
                guard let array = v.array else { throw wrongType("find_links", "a list of folders or URLs") }
                for item in array {
                    guard let text = item.string, !text.isEmpty else {
                        throw wrongType("find_links", "a list of strings")
                    }
                    s.findLinks.append(
                        text.hasPrefix("/") || text.contains("://") ? text : workspaceRoot + "/" + text
                    )
                }
            }
            if let v = b["skip_import_check"] {
                guard let array = v.array else {
                    throw wrongType("skip_import_check", "a list of library names, such as [\"torch\"]")
                }
                for item in array {
                    guard let name = item.string else {
                        throw wrongType("skip_import_check", "a list of library names, such as [\"torch\"]")
                    }
                    guard isDistributionName(name) else {
                        throw wrongType(
                            "skip_import_check",
                            "a list of library names alone, such as \"torch\", not \"\(name)\""
                        )
                    }
                    s.skipImportCheck.append(Requirement.normalise(name))
                }
            }
        }
        if let p = try check("policy") {
            func names(_ key: String) throws(SpecProblem) -> [String] {
                guard let v = p[key] else { return [] }
                guard let array = v.array else { throw wrongType(key, "a list of distribution names") }
                var out: [String] = []
                for item in array {
                    guard let text = item.string, let requirement = try? Requirement(parsing: text),
                        requirement.canonical == requirement.name
                    else {
                        throw wrongType(key, "a list of distribution names such as \"pandas\" (no versions)")
                    }
                    out.append(requirement.name)
                }
                return out
            }
            s.policy.allowed = try names("allowed")
            s.policy.blocked = try names("blocked")
            if let v = try flag(p, "direct_urls") { s.policy.directURLs = v }
            if let v = p["required"] {
                guard let array = v.array else { throw wrongType("required", "a list of requirements") }
                for item in array {
                    guard let text = item.string else { throw wrongType("required", "a list of strings") }
                    do {
                        s.policy.required.append(try Requirement(parsing: text))
                    } catch {
                        throw SpecProblem(path, lines.line(containing: text), "[policy] required: \(error.message)")
                    }
                }
            }
        }
        if let h = try check("http"), let v = h["listen"] {
            guard let text = v.string else {
                throw wrongType("listen", "an address such as \(HTTPListen.examples)")
            }
            switch HTTPListen.parse(text) {
            case .success(let listen): s.httpListen = listen
            case .failure(let problem):
                throw SpecProblem(
                    path,
                    lines.line(ofKey: "listen"),
                    "[http] listen: \(problem.message); write an address such as \(HTTPListen.examples)"
                )
            }
        }
        if s.executor == .slurm, !s.keepPythons {
            throw SpecProblem(
                path,
                lines.line(ofKey: "keep_pythons"),
                "[build] keep_pythons = false cannot go with executor = \"slurm\": a Slurm node runs the copy of each "
                    + "interpreter kept inside the workspace; remove keep_pythons, or build locally"
            )
        }
        if let t = try check("slurm") {
            func name(_ key: String) throws(SpecProblem) -> String? {
                guard let v = t[key] else { return nil }
                guard let text = v.string, !text.isEmpty,
                    text.allSatisfy({ $0.isASCIIAlnum || "-_.".contains($0) })
                else {
                    throw wrongType(key, "a Slurm \(key) name: letters, digits, '-', '_' or '.'")
                }
                return text
            }
            s.slurm.partition = try name("partition")
            s.slurm.account = try name("account")
            if let limit = try duration(t, "time_limit") {
                guard limit >= .seconds(60) else {
                    throw wrongType("time_limit", "at least \"1m\": Slurm counts time limits in minutes")
                }
                s.slurm.timeLimit = limit
            }
            if let v = t["options"] {
                guard let array = v.array else {
                    throw wrongType("options", "a list of sbatch options, one argument each, such as [\"--mem=4G\"]")
                }
                for item in array {
                    guard let option = item.string else {
                        throw wrongType("options", "a list of strings, such as [\"--mem=4G\", \"--cpus-per-task=4\"]")
                    }
                    if let problem = SlurmSettings.problem(withOption: option) {
                        throw SpecProblem(path, lines.line(ofKey: "options"), "[slurm] options: \(problem)")
                    }
                    s.slurm.options.append(option)
                }
            }
        }
        if let p = try check("python") {
            for key in p.keys {
                guard PythonVersion(text: key) != nil else {
                    throw SpecProblem(
                        path,
                        lines.line(containing: key),
                        "[python] keys are versions such as \"3.11\", not '\(key)'"
                    )
                }
                guard let interpreter = p[key]?.string, interpreter.hasPrefix("/") else {
                    throw SpecProblem(
                        path,
                        lines.line(containing: key),
                        "[python] \"\(key)\" must be an absolute interpreter path"
                    )
                }
                s.pythons[key] = interpreter
            }
        }
        return s
    }
}
