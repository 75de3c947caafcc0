import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real one-node Slurm cluster (munged, slurmctld, slurmd) in a temporary folder, started and stopped by
/// scripts/slurm-cluster.sh, for the tests of builds run as Slurm jobs. Clients reach it through `environment`
/// (SLURM_CONF). Stop it with `stop()` in a `defer`; `deinit` stops it too, so a failed test leaves no daemons behind.
final class SlurmCluster: Sendable {
    /// The folder holding everything the cluster writes: slurm.conf, the daemons' logs, state and pid files.
    let folder: String
    /// DIR/slurm.conf, as clients find it.
    let configFile: String
    private let stopped = Mutex(false)

    /// scripts/slurm-cluster.sh in this repository, found from this file the way the other tests find theirs.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/slurm-cluster.sh").path

    /// The states squeue reports for a job that has ended, whatever the reason.
    static let finalStates: Set<String> = [
        "BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
        "TIMEOUT",
    ]

    private init(folder: String) {
        self.folder = folder
        configFile = folder + "/slurm.conf"
    }

    /// Starts a new cluster on free ports and returns once its node is idle.
    static func start() throws -> SlurmCluster {
        let folder = NSTemporaryDirectory() + "kiln-slurm-\(UUID().uuidString.prefix(8))"
        let result = TestWorkspace.run("/bin/bash", [script, "start", folder])
        guard result.status == 0, result.output.contains("SLURM_CONF=\(folder)/slurm.conf") else {
            // The script stops what it started when it fails; this only removes the folder.
            _ = TestWorkspace.run("/bin/bash", [script, "stop", folder])
            try? FileManager.default.removeItem(atPath: folder)
            throw Failure("scripts/slurm-cluster.sh start \(folder) failed (\(result.status)):\n\(result.output)")
        }
        return SlurmCluster(folder: folder)
    }

    deinit { stop() }

    /// What a Slurm client (or a daemon that runs one) needs in its environment to reach this cluster.
    var environment: [String: String] { ["SLURM_CONF": configFile] }

    /// Cancels every job and stops the daemons; the folder goes too. Safe to call more than once.
    func stop() {
        let first = stopped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let result = TestWorkspace.run("/bin/bash", [SlurmCluster.script, "stop", folder])
        if result.status != 0 { print("slurm-cluster.sh stop \(folder) failed: \(result.output)") }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a Slurm command (`sbatch`, `squeue`, `scancel`, `sinfo`, `scontrol`: `args[0]`, found on PATH) against
    /// this cluster; `output` is its standard output followed by its standard error.
    func run(_ args: [String]) -> (status: Int32, output: String) {
        var env = ProcessInfo.processInfo.environment
        env["SLURM_CONF"] = configFile
        return TestWorkspace.run("/usr/bin/env", args, environment: env)
    }

    // MARK: jobs

    /// Every job the controller still knows (finished ones for MinJobAge, 300 s), as squeue prints them.
    func jobs() -> [(id: String, name: String, state: String)] {
        let result = run(["squeue", "-h", "-t", "all", "-o", "%i|%j|%T"])
        guard result.status == 0 else { return [] }
        return result.output.split(separator: "\n").compactMap { line in
            // The name is whatever the submitter chose, `|` included: the id is first and the state last.
            guard let first = line.firstIndex(of: "|"), let last = line.lastIndex(of: "|"), first < last else {
                return nil
            }
            return (
                String(line[..<first]), String(line[line.index(after: first)..<last]),
                String(line[line.index(after: last)...])
            )
        }
    }

    /// The job's state as squeue prints it (`RUNNING`, `COMPLETED`, ...), nil once the controller has forgotten it.
    func state(of id: String) -> String? {
        jobs().first { $0.id == id }?.state
    }

    /// Polls squeue every 50 ms until the job is in one of `states` (by default any final one); returns that state,
    /// or nil after `timeout`. It waits without holding a thread: the test process's cooperative pool has one thread
    /// per core (two here), and a test blocked on one for seconds starves every other test's polling.
    func waitForState(
        of id: String,
        in states: Set<String> = SlurmCluster.finalStates,
        timeout: Duration = .seconds(30)
    ) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let state = state(of: id), states.contains(state) { return state }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// The lines of DIR/jobcomp.txt: one lasting record per ended job (`JobId=N ... JobState=X ... ExitCode=N:S`).
    var jobCompRecords: [String] {
        guard let data = FileManager.default.contents(atPath: folder + "/jobcomp.txt") else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The jobcomp record of one job, once it has ended.
    func jobCompRecord(of id: String) -> String? {
        jobCompRecords.first { $0.hasPrefix("JobId=\(id) ") }
    }

    // MARK: failures

    /// slurmd's process id, from DIR/slurmd.pid.
    var slurmdPID: pid_t? {
        guard let data = FileManager.default.contents(atPath: folder + "/slurmd.pid") else { return nil }
        return pid_t(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// SIGKILLs slurmd alone, and waits until it is gone. Its jobs' slurmstepd processes and the jobs go on, as
    /// they do when only the daemon dies; `killJobProcesses()` ends them as a dead node would.
    func killSlurmd() {
        guard let pid = slurmdPID, SlurmCluster.isRunning(pid) else { return }
        kill(pid, SIGKILL)
        SlurmCluster.waitUntilGone([pid])
    }

    /// Starts a new slurmd, and returns once it has registered and the node is back in service.
    func restartSlurmd() throws {
        let result = TestWorkspace.run("/bin/bash", [SlurmCluster.script, "restart-slurmd", folder])
        guard result.status == 0 else {
            throw Failure(
                "scripts/slurm-cluster.sh restart-slurmd \(folder) failed (\(result.status)):\n\(result.output)"
            )
        }
    }

    /// This cluster's slurmstepd processes: each keeps slurmd's log (DIR/log/slurmd.log) open.
    func stepdPIDs() -> [pid_t] {
        SlurmCluster.processes().filter { $0.name == "slurmstepd" }.map(\.pid).filter { pid in
            let fds = "/proc/\(pid)/fd"
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []
            return entries.contains { entry in
                // "... (deleted)" once stop() has removed the folder.
                (try? FileManager.default.destinationOfSymbolicLink(atPath: fds + "/" + entry))?
                    .hasPrefix(folder + "/log/slurmd.log") == true
            }
        }
    }

    /// SIGKILLs every slurmstepd of this cluster and all their descendants (the jobs' scripts and what they
    /// started), as the death of the node would, and waits until they are gone. Returns how many processes died.
    @discardableResult
    func killJobProcesses() -> Int {
        let all = SlurmCluster.processes()
        let stepds = Set(stepdPIDs())
        var doomed = stepds
        // Descendants, found by parent id, until no new one appears.
        while true {
            let more = all.filter { !doomed.contains($0.pid) && doomed.contains($0.parent) }.map(\.pid)
            if more.isEmpty { break }
            doomed.formUnion(more)
        }
        // Every one is stopped first, slurmstepd before its children: a slurmstepd that saw its child die would
        // tell slurmctld the job FAILED before the node is found dead, where a dead node says nothing.
        for pid in stepds { kill(pid, SIGSTOP) }
        for pid in doomed.subtracting(stepds) { kill(pid, SIGSTOP) }
        for pid in doomed { kill(pid, SIGKILL) }
        SlurmCluster.waitUntilGone(Array(doomed))
        return doomed.count
    }

    /// This cluster's daemons and slurmstepd processes that are still alive (zombies do not count).
    func liveProcesses() -> [(pid: pid_t, name: String)] {
        let daemons = SlurmCluster.processes().filter { process in
            ["munged", "slurmctld", "slurmd"].contains(process.name)
                && SlurmCluster.commandLine(process.pid).contains(folder + "/")
        }
        let stepds = Set(stepdPIDs())
        let all = SlurmCluster.processes().filter { stepds.contains($0.pid) } + daemons
        return all.filter { SlurmCluster.isRunning($0.pid) }.map { ($0.pid, $0.name) }
    }

    // MARK: /proc

    /// Every process: id, parent id and name (from /proc/PID/stat).
    static func processes() -> [(pid: pid_t, parent: pid_t, name: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), let stat = FileManager.default.contents(atPath: "/proc/\(entry)/stat")
            else { return nil }
            let text = String(decoding: stat, as: UTF8.self)
            // The name is in parentheses and may hold spaces or parentheses itself: the fields follow the last ")".
            guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = pid_t(fields[1]) else { return nil }
            return (pid, parent, String(text[text.index(after: open)..<close]))
        }
    }

    static func commandLine(_ pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// Alive and not a zombie: the daemons are orphans, reaped by init whenever it gets to it.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        let state = text[text.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    static func waitUntilGone(_ pids: [pid_t], timeout: Duration = .seconds(10)) {
        let deadline = ContinuousClock.now + timeout
        while pids.contains(where: isRunning), ContinuousClock.now < deadline { usleep(20_000) }
    }
}
