import Foundation
import KilnProtocol
import Subprocess
import SystemPackage

/// Slurm's commands, run with argument lists (never a shell line), in the daemon's environment (`SLURM_CONF` and
/// `PATH` come from there). Each answer is read whole; none takes long.
public struct SlurmCommands: Sendable {
    public init() {}

    /// One command's answer.
    public struct Answer: Sendable {
        public var succeeded: Bool
        public var output: String
        public var error: String
        /// What went wrong, in the command's own words, for a message.
        public var complaint: String {
            let text = (error.isEmpty ? output : error).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "no output" : String(text.prefix(600))
        }
    }

    /// A command that could not be run at all (most often: not installed, or not on PATH).
    public struct Missing: Error, CustomStringConvertible {
        public var command: String
        public var reason: String
        public var description: String {
            "`\(command)` could not be run (\(reason)); install Slurm's client commands on PATH (Debian: `apt-get "
                + "install slurm-client`) or set [build] executor = \"local\" in workspace.toml"
        }
    }

    public func run(_ command: String, _ arguments: [String]) async throws -> Answer {
        do {
            let result = try await Subprocess.run(
                .name(command),
                arguments: Arguments(arguments),
                output: .string(limit: 1 << 20),
                error: .string(limit: 64 * 1024)
            )
            return Answer(
                succeeded: result.terminationStatus.isSuccess,
                output: result.standardOutput,
                error: result.standardError
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Missing(command: command, reason: "\(error)")
        }
    }

    /// Submits `script`; the job's id. `--parsable` prints `ID` or `ID;CLUSTER`.
    public func submit(_ arguments: [String], script: String) async throws -> Result<String, SubmitRefused> {
        let answer = try await run("sbatch", ["--parsable"] + arguments + [script])
        let id = answer.output.split(separator: "\n").first.map { String($0.prefix { $0 != ";" }) } ?? ""
        guard answer.succeeded, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            return .failure(SubmitRefused(reason: answer.complaint))
        }
        return .success(id)
    }

    public struct SubmitRefused: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "sbatch refused the build job: \(reason)" }
    }

    /// Where job `id` stands; `.forgotten` when Slurm no longer knows it. Nil when Slurm could not be asked
    /// (its controller is down): ask again later.
    public func state(ofJob id: String) async throws -> SlurmJobState? {
        try await states(ofJobs: [id])?[id]
    }

    /// Where each of the jobs `ids` stands, in one `squeue`: a job Slurm no longer knows is `.forgotten`; one listed
    /// with a word Kiln does not know is left out. Nil when Slurm could not be asked (its controller is down): ask
    /// again later.
    public func states(ofJobs ids: [String]) async throws -> [String: SlurmJobState]? {
        guard !ids.isEmpty else { return [:] }
        let answer = try await run(
            "squeue",
            ["--noheader", "--states=all", "--jobs=" + ids.joined(separator: ","), "--format=%i|%T|%r"]
        )
        if !answer.succeeded {
            // squeue says this when the only id it was asked about is one its controller has forgotten (asked about
            // several, it lists those it knows).
            guard answer.error.contains("Invalid job id") else { return nil }
            return Dictionary(ids.map { ($0, SlurmJobState.forgotten) }) { first, _ in first }
        }
        return SlurmJobState.read(squeueAnswer: answer.output, asked: ids)
    }

    /// The id of the job named `name`, if Slurm knows one: for a job submitted just before the daemon died, whose id
    /// was never recorded.
    public func job(named name: String) async throws -> String? {
        let answer = try await run("squeue", ["--noheader", "--states=all", "--name=" + name, "--format=%i"])
        guard answer.succeeded else { return nil }
        return answer.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// Asks Slurm to stop job `id`, with the whole process tree its node runs for it.
    public func cancel(_ id: String) async throws -> Answer {
        try await run("scancel", [id])
    }
}
