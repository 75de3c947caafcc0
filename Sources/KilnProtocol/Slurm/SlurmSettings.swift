/// † `[build] executor`: where builds run.
public enum BuildExecutor: String, Sendable, Equatable {
    /// As child processes of the daemon, on its host (the default).
    case local
    /// As one Slurm job each, on a node that mounts the workspace at the same path.
    case slurm
}

/// † `[slurm]` in `workspace.toml`: what a site sets for the jobs Kiln submits when `[build] executor = "slurm"`.
/// Every key is optional; the cluster's defaults apply to what is left out.
public struct SlurmSettings: Sendable, Equatable {
    /// `partition`: `sbatch --partition`.
    public var partition: String?
    /// `account`: `sbatch --account`.
    public var account: String?
    /// `time_limit`: `sbatch --time`, in whole minutes (Slurm's unit). Nil: the build's own `timeout` and one
    /// minute more, so the daemon's timeout, with its clearer message, normally ends a build first.
    public var timeLimit: Duration?
    /// `options`: more `sbatch` arguments, each one long option (`--mem=4G`), checked by `problem(withOption:)`.
    public var options: [String] = []

    public init() {}

    static let keys = ["partition", "account", "time_limit", "options"]

    /// The options Kiln sets itself, or that would break what it relies on: where the job writes, what it is
    /// called and runs, that it is not requeued behind Kiln's back, and that `sbatch` answers at once.
    public static let reservedOptions: Set<String> = [
        "output", "error", "input", "job-name", "parsable", "wait", "wrap", "chdir", "partition", "account", "time",
        "array", "requeue", "no-requeue", "hold", "test-only", "uid", "gid", "open-mode", "export-file", "batch",
        "dependency", "kill-on-invalid-dep", "signal",
    ]

    /// Why `option` cannot be one of `[slurm] options`, or nil when it can. One argument each, a long option
    /// (`--name` or `--name=value`), never one Kiln sets itself, never a line break or control character.
    public static func problem(withOption option: String) -> String? {
        if option.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "'\(option.debugDescription.dropFirst().dropLast())' holds a control character or line break"
        }
        guard option.hasPrefix("--") else {
            return "'\(option)' is not a long option; write each as one argument such as \"--mem=4G\" or "
                + "\"--cpus-per-task=4\" (short options like \"-c 4\" are not accepted)"
        }
        let name = String(option.dropFirst(2).prefix { $0 != "=" })
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first),
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            return "'\(option)' is not an sbatch option: an option is \"--name\" or \"--name=value\", with a "
                + "lowercase name"
        }
        if reservedOptions.contains(name) {
            let instead: String =
                switch name {
                case "partition": "; set [slurm] partition instead"
                case "account": "; set [slurm] account instead"
                case "time": "; set [slurm] time_limit instead"
                default: ""
                }
            return "'--\(name)' is set by Kiln for every build job and cannot be changed\(instead)"
        }
        return nil
    }

    /// `sbatch --time` in minutes for a build with `timeout`: `time_limit` when set, else the timeout rounded up to
    /// the minute, plus one.
    public func timeLimitMinutes(buildTimeout: Duration) -> Int {
        func minutes(_ d: Duration) -> Int {
            let seconds = d.components.seconds + (d.components.attoseconds > 0 ? 1 : 0)
            return Int(max(1, (seconds + 59) / 60))
        }
        if let timeLimit { return minutes(timeLimit) }
        return minutes(buildTimeout) + 1
    }

    /// The arguments every build job gets from these settings: partition, account, time limit, then `options`.
    public func sbatchArguments(buildTimeout: Duration) -> [String] {
        var args: [String] = []
        if let partition { args.append("--partition=" + partition) }
        if let account { args.append("--account=" + account) }
        args.append("--time=\(timeLimitMinutes(buildTimeout: buildTimeout))")
        return args + options
    }
}
