/// Where a job stands, as Slurm says it (`squeue -o %T`), or that Slurm no longer knows it.
public enum SlurmJobState: Sendable, Equatable {
    /// Waiting for a node, or held: it has not run yet. `reason` is Slurm's word for why (`squeue -o %r`:
    /// `Priority`, `Resources`, `PartitionConfig`, ...; `None` or empty when it has not said).
    case pending(reason: String)
    /// Running, or finishing on its node.
    case running
    /// Over, with Slurm's word for how (`COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, `NODE_FAIL`, ...).
    case ended(String)
    /// Slurm has forgotten the job (`MinJobAge` passed, or its controller lost its state): only the disk can tell.
    case forgotten

    /// `squeue`'s `%T` word, and for a pending job its `%r` reason; nil for an empty or unknown word (read again
    /// later).
    public init?(squeueWord word: String, reason: String = "") {
        switch word.trimmingCharacters(in: .whitespaces) {
        case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED",
            "RESV_DEL_HOLD", "POWER_UP_NODE":
            self = .pending(reason: reason.trimmingCharacters(in: .whitespaces))
        case "RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "STOPPED", "UPDATE_DB":
            self = .running
        case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY",
            "PREEMPTED", "SPECIAL_EXIT", "REVOKED":
            self = .ended(word.trimmingCharacters(in: .whitespaces))
        default:
            return nil
        }
    }

    /// Over, or forgotten: nothing more will run.
    public var isOver: Bool {
        switch self {
        case .pending, .running: false
        case .ended, .forgotten: true
        }
    }

    public var isPending: Bool {
        if case .pending = self { true } else { false }
    }

    /// Reads one successful answer of `squeue --noheader --states=all --jobs=ID,ID,... --format=%i|%T|%r` to the
    /// ids in `asked`: each job listed with its state (and a pending one's reason, which may hold spaces and `|`),
    /// and each one not listed as forgotten (squeue lists every job its controller still knows, in any state). A
    /// job listed with a word this reader does not know is left out: it is asked about again.
    public static func read(squeueAnswer output: String, asked: [String]) -> [String: SlurmJobState] {
        var listed: [String: SlurmJobState?] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "|", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2 else { continue }
            listed[fields[0]] = SlurmJobState(squeueWord: fields[1], reason: fields.count > 2 ? fields[2] : "")
        }
        var states: [String: SlurmJobState] = [:]
        for id in asked {
            switch listed[id] {
            case .none: states[id] = .forgotten
            case .some(.some(let state)): states[id] = state
            case .some(.none): continue
            }
        }
        return states
    }
}

/// † The Slurm job a build runs as, as the daemon last saw it: the `building` status names it, and says when it
/// still waits for a node.
public struct SlurmJobSeen: Sendable, Equatable {
    public var id: String
    /// Pending: Slurm has not started it yet (the partition is busy, or the job is held).
    public var waiting: Bool
    /// Slurm's word for why it waits (`Priority`, `Resources`, ...), when it has given one.
    public var reason: String?

    public init(id: String, waiting: Bool, reason: String? = nil) {
        self.id = id
        self.waiting = waiting
        self.reason = waiting ? reason : nil
    }
}

/// What a build job wrote last into its folder: how its build ended, in its own words.
public enum SlurmJobResult: Sendable, Equatable {
    case built
    case failed(String)
    case cancelled
}

/// How a build that ran as a Slurm job ended, judged from what Slurm says and what the job left on disk, so a job
/// the daemon did not see end (it was restarted, Slurm forgot the job, the node died) gets a verdict all the same.
public enum SlurmJobVerdict: Sendable, Equatable {
    case built
    case failed(String)
    /// The job never began (no job id was recorded and Slurm knows none): the build is queued again, as an
    /// interrupted local build is.
    case neverRan

    /// What the disk and Slurm together say about build job `jobID` (nil: its id was never recorded). `started`: the
    /// job wrote that it began; `registered`: the store holds a complete environment for the build's key.
    public static func judge(
        jobID: String?,
        state: SlurmJobState,
        result: SlurmJobResult?,
        started: Bool,
        registered: Bool,
        timeLimitMinutes: Int,
        name: String
    ) -> SlurmJobVerdict {
        let job = jobID.map { "Slurm job \($0)" } ?? "the Slurm job"
        let again = "save the spec again or run `kiln build \(name)` to build it again"
        switch result {
        case .built?:
            if registered { return .built }
            return .failed(
                "\(job) said the build was done, but the store holds no complete environment for it; \(again)"
            )
        case .failed(let message)?:
            return .failed("\(message) (\(job))")
        case .cancelled?, nil:
            break
        }
        // The job ended between registering the environment and writing its result: the store is the record.
        if registered { return .built }
        if jobID == nil, !started, state == .forgotten { return .neverRan }
        switch state {
        case .ended("TIMEOUT"):
            return .failed(
                "\(job) reached its Slurm time limit (\(timeLimitMinutes) min) and was stopped; raise [slurm] "
                    + "time_limit (or [build] timeout) in workspace.toml if the build needs more"
            )
        case .ended("CANCELLED"):
            return .failed("\(job) was cancelled outside Kiln (by `scancel` or the cluster's admins); \(again)")
        case .ended("NODE_FAIL"), .ended("BOOT_FAIL"):
            return .failed("\(job) ended because its node failed; \(again)")
        case .ended("OUT_OF_MEMORY"):
            return .failed(
                "\(job) ran out of memory; ask for more with [slurm] options = [\"--mem=...\"] in workspace.toml"
            )
        case .ended("PREEMPTED"):
            return .failed("\(job) was preempted by the cluster; \(again)")
        case .ended("DEADLINE"):
            return .failed("\(job) passed its deadline before it could finish; \(again)")
        case .ended(let word):
            return .failed(
                "\(job) ended (\(word)) without a result: Kiln could not run on its node, or was killed; the end of "
                    + "the build log has Slurm's own output"
            )
        case .forgotten:
            return .failed(
                started
                    ? "\(job) ended without a result, and Slurm no longer knows it (its node may have died); \(again)"
                    : "\(job) never started, and Slurm no longer knows it; \(again)"
            )
        case .pending, .running:
            return .failed("\(job) is still \(state.isPending ? "waiting" : "running")")
        }
    }
}
