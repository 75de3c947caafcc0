import TOMLKit

/// † `job.toml` in a build job's folder (`.kiln/jobs/<name>.<build>/`): what the daemon asked the job to build,
/// written before the job is submitted, so the job reads its work from it and a restarted daemon knows what the
/// job is for. The spec's exact bytes sit beside it as `spec.toml` (and the lock as `requirements.lock` for
/// `kiln build --from-lock`).
public struct BuildJobRecord: Sendable, Equatable {
    public var name: String
    public var build: Int
    public var specSHA256: String
    /// The store key the build's inputs give: the folder in `.kiln/envs/` the job fills.
    public var key: String
    /// The base interpreter's exact version, a build input.
    public var python: String
    /// The interpreter the job builds with: the workspace's copy (`.kiln/pythons/`), so a node needs nothing but
    /// the mount.
    public var interpreter: String
    /// The Slurm job's name, unique to this record, so the job can be found even if its id was never recorded.
    public var jobName: String
    /// `kiln build --from-lock`: `requirements.lock` beside this file is installed as it is.
    public var fromLock: Bool

    public init(
        name: String,
        build: Int,
        specSHA256: String,
        key: String,
        python: String,
        interpreter: String,
        jobName: String,
        fromLock: Bool
    ) {
        self.name = name
        self.build = build
        self.specSHA256 = specSHA256
        self.key = key
        self.python = python
        self.interpreter = interpreter
        self.jobName = jobName
        self.fromLock = fromLock
    }

    public func rendered() -> String {
        var out = "name = \(TOMLText.quote(name))\n"
        out += "build = \(build)\n"
        out += "spec_sha256 = \(TOMLText.quote(specSHA256))\n"
        out += "key = \(TOMLText.quote(key))\n"
        out += "python = \(TOMLText.quote(python))\n"
        out += "interpreter = \(TOMLText.quote(interpreter))\n"
        out += "job_name = \(TOMLText.quote(jobName))\n"
        out += "from_lock = \(fromLock)\n"
        return out
    }

    /// Nil for a file that is not such a record (damaged, or written by someone else).
    public init?(parsing text: String) {
        guard case .success(let t) = TOMLGate.parse(text),
            let name = t["name"]?.string, let build = t["build"]?.int, let spec = t["spec_sha256"]?.string,
            let key = t["key"]?.string, let python = t["python"]?.string, let interpreter = t["interpreter"]?.string,
            let jobName = t["job_name"]?.string, let fromLock = t["from_lock"]?.bool,
            EnvironmentName.isValid(name), build > 0, spec.count == 64, !key.isEmpty, key.allSatisfy(\.isHexDigit),
            interpreter.hasPrefix("/")
        else { return nil }
        self.init(
            name: name,
            build: build,
            specSHA256: spec,
            key: key,
            python: python,
            interpreter: interpreter,
            jobName: jobName,
            fromLock: fromLock
        )
    }
}

extension BuildJobRecord {
    /// The build this record describes, as the daemon queued it, from the spec's exact bytes beside it (and the lock,
    /// for `kiln build --from-lock`), with `settings` as they are now: the job builds from it, and a restarted daemon
    /// follows it. Fails when the spec no longer reads (`path` names it in the message).
    public func order(
        specBytes: [UInt8],
        lock: [UInt8]?,
        settings: WorkspaceSettings,
        path: String
    ) -> Result<BuildOrder, SpecProblem> {
        let major = python.split(separator: ".").prefix(2).joined(separator: ".")
        let lock = fromLock ? lock : nil
        return Spec.parse(.contents(specBytes), path: path, directoryName: name, pythons: [major]).map { spec in
            BuildOrder(
                name: name,
                specSHA256: specSHA256,
                build: build,
                spec: spec,
                specBytes: specBytes,
                inputs: BuildInputs(spec: spec, settings: settings, pythonVersion: python, lock: lock),
                lock: lock
            )
        }
    }
}

extension SlurmJobResult {
    /// The `result` file a build job writes last: `outcome = "built" | "failed" | "cancelled"`, and a `message`.
    public var rendered: String {
        switch self {
        case .built: "outcome = \"built\"\n"
        case .failed(let message): "outcome = \"failed\"\nmessage = \(TOMLText.quote(message))\n"
        case .cancelled: "outcome = \"cancelled\"\n"
        }
    }

    public init?(parsing text: String) {
        guard case .success(let t) = TOMLGate.parse(text), let outcome = t["outcome"]?.string else { return nil }
        switch outcome {
        case "built": self = .built
        case "cancelled": self = .cancelled
        case "failed": self = .failed(t["message"]?.string ?? "the build job failed without saying why")
        default: return nil
        }
    }
}
