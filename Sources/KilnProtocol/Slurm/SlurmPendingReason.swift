/// Slurm's reasons a pending job waits (`squeue -o %r`), as Kiln reads them. Most mean "later": `Priority`,
/// `Resources`, a node that is down, a limit of the account reached for now. A few mean the job, as it was asked
/// for, can never start on its partition: waiting would leave the build `building` forever.
public enum SlurmPendingReason {
    /// Why a job pending for `reason` can never start as it was asked, and what to change in `workspace.toml`; nil
    /// when it may still start.
    public static func cannotStart(_ reason: String) -> String? {
        switch reason {
        case "PartitionConfig":
            "it asks for more than any node of the partition has (CPUs, memory, nodes or GPUs): ask for less in "
                + "[slurm] options, or choose another [slurm] partition"
        case "PartitionTimeLimit":
            "its time limit is longer than the partition allows: lower [slurm] time_limit (by default the build "
                + "timeout plus a minute)"
        case "BadConstraints":
            "no node of the partition has the features it asks for: check --constraint and the like in [slurm] "
                + "options"
        case "InvalidAccount", "AccountNotAllowed":
            "its account may not use this partition: set [slurm] account to one that may"
        case "InvalidQOS", "QOSNotAllowed":
            "its QOS may not be used here: check --qos in [slurm] options"
        default:
            nil
        }
    }

    /// The reason as a status shows it; nil when Slurm has given none (`None`, or nothing yet).
    public static func shown(_ reason: String) -> String? {
        reason.isEmpty || reason == "None" ? nil : reason
    }
}
