import KilnBuild
import KilnProtocol
import KilnWorkspace

/// † Slurm builds across the daemon's restarts: a job keeps running while the daemon is down (killed, restarted,
/// upgraded), and its folder in `.kiln/jobs/` is the record of it. At start each is followed again, so it is
/// neither lost, nor built twice, nor left `building`.
extension Daemon {
    /// Follows every job an earlier run left in `.kiln/jobs/`, before the first look at the workspace: that look
    /// then finds their builds running, not interrupted. Of two jobs for one name only the newer build is wanted;
    /// the older is cancelled.
    func resumeJobs() {
        var newest: [String: (BuildJobFolder, BuildJobRecord)] = [:]
        for folder in BuildJobFolder.all(in: layout) {
            guard let record = folder.record else {
                logger.warning("\(folder.path) holds no readable job.toml: not a build job Kiln can follow; removed")
                folder.remove()
                continue
            }
            if let kept = newest[record.name], kept.1.build > record.build {
                abandon(folder, because: "a newer build of the same name replaced it")
            } else {
                if let older = newest[record.name] {
                    abandon(older.0, because: "a newer build of the same name replaced it")
                }
                newest[record.name] = (folder, record)
            }
        }
        for (folder, record) in newest.values.sorted(by: { $0.1.name < $1.1.name }) {
            guard let order = order(of: record, in: folder) else {
                abandon(folder, because: "\(folder.path) holds no spec.toml it can read again")
                continue
            }
            logger.info(
                "\(record.name): following Slurm job \(folder.jobID ?? "(id not recorded)") of build \(record.build) again"
            )
            hand(
                order,
                interpreter: record.interpreter,
                settings: settings,
                resume: folder,
                slurmJob: folder.jobID.map { SlurmJobSeen(id: $0, waiting: !folder.started) }
            )
        }
    }

    /// The build a job's folder describes, as the daemon queued it.
    private func order(of record: BuildJobRecord, in folder: BuildJobFolder) -> BuildOrder? {
        guard let bytes = folder.specBytes else { return nil }
        return try? record.order(specBytes: bytes, lock: folder.lock, settings: settings, path: folder.specFile).get()
    }

    /// Cancels a job nobody wants any more, and forgets its folder.
    private func abandon(_ folder: BuildJobFolder, because why: String) {
        guard let id = folder.jobID else {
            folder.remove()
            return
        }
        logger.warning("cancelling Slurm job \(id): \(why)")
        Task.detached {
            _ = try? await SlurmCommands().cancel(id)
            folder.remove()
        }
    }
}
