import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

/// † `kiln doctor` with `[build] executor = "slurm"`: Slurm's commands are on PATH, the partition exists and is up,
/// and a tiny job, submitted as build jobs are, runs on a node that sees the workspace at the same path.
extension Doctor {
    /// How long the test job may wait for a node and run before the check gives up (and cancels it), unless
    /// `--slurm-wait` says otherwise.
    static let slurmProbeLimit: Duration = .seconds(60)

    /// Reads `--slurm-wait`.
    static func slurmWait(_ text: String) throws -> Duration {
        guard let wait = DurationText.parse(text), wait > .zero else {
            throw ValidationError("--slurm-wait takes a duration such as \"90s\" or \"5m\", not '\(text)'")
        }
        return wait
    }

    static func slurmFindings(
        _ layout: WorkspaceLayout,
        _ settings: WorkspaceSettings,
        waiting limit: Duration
    ) async -> [Finding] {
        let commands = ["sbatch", "squeue", "scancel", "sinfo"]
        let absent = commands.filter { onPath($0) == nil }
        guard absent.isEmpty else {
            return [
                Finding(
                    isMissing: true,
                    text: "Slurm: \(absent.map { "`\($0)`" }.joined(separator: ", ")) not on PATH, and [build] "
                        + "executor = \"slurm\" submits every build with them; install Slurm's client commands "
                        + "(Debian: `apt-get install slurm-client`) and set SLURM_CONF if the cluster's slurm.conf is "
                        + "not in /etc/slurm, or set executor = \"local\""
                )
            ]
        }
        var findings = [Finding(isMissing: false, text: "Slurm: sbatch, squeue, scancel and sinfo are on PATH")]
        let slurm = SlurmCommands()
        let partition: Finding
        do {
            partition = try await partitionFinding(settings.slurm.partition, slurm)
        } catch {
            return findings + [Finding(isMissing: true, text: "Slurm: \(error)")]
        }
        findings.append(partition)
        if partition.isMissing { return findings }
        findings.append(await probeFinding(layout, settings, slurm, limit: limit))
        return findings
    }

    /// The partition builds go to (`[slurm] partition`, else the cluster's default) exists and is up.
    private static func partitionFinding(_ wanted: String?, _ slurm: SlurmCommands) async throws -> Finding {
        let answer = try await slurm.run("sinfo", ["--noheader", "--format=%P|%a|%D"])
        guard answer.succeeded else {
            return Finding(isMissing: true, text: "Slurm: `sinfo` cannot reach the cluster: \(answer.complaint)")
        }
        // "debug*|up|1": a `*` marks the default partition.
        let rows = answer.output.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
            .filter { $0.count == 3 }
        let names = rows.map { $0[0].hasSuffix("*") ? String($0[0].dropLast()) : $0[0] }
        let index =
            wanted.map { wanted in names.firstIndex(of: wanted) } ?? rows.firstIndex { $0[0].hasSuffix("*") }
        guard let index else {
            let known = names.isEmpty ? "none" : names.joined(separator: ", ")
            return Finding(
                isMissing: true,
                text: wanted.map {
                    "Slurm: there is no partition '\($0)' (the cluster has: \(known)); fix [slurm] partition in "
                        + "workspace.toml"
                } ?? "Slurm: the cluster has no default partition (it has: \(known)); set [slurm] partition"
            )
        }
        let name = names[index]
        guard rows[index][1] == "up" else {
            return Finding(
                isMissing: true,
                text: "Slurm: partition '\(name)' is \(rows[index][1]), so build jobs would wait; ask the cluster's "
                    + "admins, or choose another in [slurm] partition"
            )
        }
        return Finding(isMissing: false, text: "Slurm: partition '\(name)' is up, with \(rows[index][2]) node(s)")
    }

    /// Submits a job as build jobs are submitted, which reads a file the doctor wrote into the workspace and writes
    /// it back with its node's name: the node sees the workspace at the same path.
    private static func probeFinding(
        _ layout: WorkspaceLayout,
        _ settings: WorkspaceSettings,
        _ slurm: SlurmCommands,
        limit: Duration
    ) async -> Finding {
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let probe = layout.scratch + "/doctor-\(token)"
        let seen = probe + ".seen"
        let script = probe + ".sh"
        defer { for file in [probe, seen, script] { try? FileManager.default.removeItem(atPath: file) } }
        do {
            try WorkspaceFiles.makeDirectory(layout.scratch)
            try WorkspaceFiles.writeAtomically(probe, token + "\n")
            try WorkspaceFiles.writeAtomically(
                script,
                "#!/bin/sh\n{ cat \(shellQuoted(probe)) && hostname; } > \(shellQuoted(seen))\n"
            )
        } catch {
            return Finding(isMissing: true, text: "Slurm: cannot write the test job's files: \(error)")
        }
        let arguments =
            ["--job-name=kiln-doctor-\(token)", "--output=/dev/null", "--chdir=/", "--no-requeue"]
            + settings.slurm.sbatchArguments(buildTimeout: .seconds(60))
        let id: String
        do {
            switch try await slurm.submit(arguments, script: script) {
            case .success(let submitted): id = submitted
            case .failure(let refused):
                return Finding(isMissing: true, text: "Slurm: \(refused); check [slurm] in workspace.toml")
            }
        } catch {
            return Finding(isMissing: true, text: "Slurm: \(error)")
        }
        let deadline = ContinuousClock.now + limit
        var state: SlurmJobState = .pending(reason: "")
        while ContinuousClock.now < deadline {
            if let asked = try? await slurm.state(ofJob: id) { state = asked }
            if state.isOver { break }
            if case .pending(let reason) = state, let why = SlurmPendingReason.cannotStart(reason) {
                _ = try? await slurm.cancel(id)
                return Finding(
                    isMissing: true,
                    text: "Slurm: the test job \(id), submitted as build jobs are, cannot start: \(why) (Slurm's "
                        + "reason: \(reason)); every build would fail so"
                )
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        guard state.isOver else {
            _ = try? await slurm.cancel(id)
            let doing =
                if case .pending(let reason) = state {
                    "was still waiting for a node (Slurm's reason: \(SlurmPendingReason.shown(reason) ?? "none given"))"
                } else {
                    "was still running"
                }
            return Finding(
                isMissing: true,
                text: "Slurm: the test job \(id) did not finish within \(DurationText.text(limit)): it \(doing), and "
                    + "was cancelled; on a busy partition build jobs wait as long (a longer --slurm-wait tells whether "
                    + "it runs at all)"
            )
        }
        let lines = (WorkspaceFiles.readText(seen) ?? "").split(separator: "\n").map(String.init)
        guard lines.first == token else {
            return Finding(
                isMissing: true,
                text: "Slurm: the test job \(id) ended (\(state)) without reading \(probe): its node does not see "
                    + "the workspace at \(layout.root); mount it there on every node of the partition"
            )
        }
        let node = lines.count > 1 ? lines[1] : "its node"
        return Finding(
            isMissing: false,
            text: "Slurm: a test job (\(id)) on \(node) saw the workspace at \(layout.root)"
        )
    }
}
