import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one-node test cluster itself (scripts/slurm-cluster.sh through SlurmCluster): jobs run and end in the states
/// the Slurm executor relies on, with lasting records, and nothing of the cluster outlives `stop()`. The figures it
/// prints are the ones the executor's timing is judged against.
@Suite("the Slurm test cluster", .serialized)
struct SlurmClusterTests {
    /// A temporary folder for the jobs' output, removed by the caller.
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "kiln-slurm-jobs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `sbatch --parsable` with `arguments`; the job id it prints.
    static func submit(_ cluster: SlurmCluster, _ arguments: [String]) throws -> String {
        let result = cluster.run(["sbatch", "--parsable"] + arguments)
        let id = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw Failure("sbatch \(arguments) failed (\(result.status)): \(result.output)")
        }
        return id
    }

    /// Waits until `path` has a complete first line; how long that took, nil after `timeout`.
    static func waitForFirstLine(_ path: String, timeout: Duration = .seconds(20)) async -> Duration? {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now < start + timeout {
            if let data = FileManager.default.contents(atPath: path), data.contains(UInt8(ascii: "\n")) {
                return clock.now - start
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s", value)
    }

    @Test func aJobRunsWritesItsOutputLiveAndCompletes() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        print("slurm cluster: started in \(Self.seconds(clock.now - started))")
        let jobs = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: jobs) }

        let output = jobs + "/hello.out"
        let submitted = clock.now
        let id = try Self.submit(
            cluster,
            [
                "--job-name=kiln-hello", "--chdir=\(jobs)", "--output=\(output)",
                "--wrap", "echo \"hello from job $SLURM_JOB_ID\"; sleep 0.5; echo bye",
            ]
        )
        let firstLine = try #require(await Self.waitForFirstLine(output), "the job wrote nothing into \(output)")
        print("slurm cluster: sbatch to the job's first output line: \(Self.seconds(firstLine))")
        let contents = try String(contentsOfFile: output, encoding: .utf8)
        #expect(contents.hasPrefix("hello from job \(id)\n"))

        let state = await cluster.waitForState(of: id)
        let ended = clock.now
        #expect(state == "COMPLETED")
        print("slurm cluster: sbatch to COMPLETED in squeue: \(Self.seconds(ended - submitted))")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "hello from job \(id)\nbye\n")
        #expect(cluster.jobs().contains { $0.id == id && $0.name == "kiln-hello" && $0.state == "COMPLETED" })
        let record = try #require(cluster.jobCompRecord(of: id), "no jobcomp record: \(cluster.jobCompRecords)")
        #expect(record.contains(" JobState=COMPLETED "))
        #expect(record.contains(" Name=kiln-hello "))
        #expect(record.contains(" ExitCode=0:0"))
    }

    /// From the moment the job's last command ends (it writes the time) to squeue's final state.
    @Test func squeueShowsTheEndPromptly() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let jobs = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        let stamp = jobs + "/ended"
        let id = try Self.submit(
            cluster,
            ["--chdir=\(jobs)", "--output=/dev/null", "--wrap", "date +%s.%N > \(stamp)"]
        )
        #expect(await cluster.waitForState(of: id) == "COMPLETED")
        let seen = Date().timeIntervalSince1970
        let text = try String(contentsOfFile: stamp, encoding: .utf8)
        let ended = try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        print("slurm cluster: job end to a final state in squeue: \(String(format: "%.2f s", seen - ended))")
        #expect(seen - ended < 5, "squeue showed the end \(seen - ended) s after it")
    }

    @Test func aJobThatExitsNonZeroFailsWithItsExitCode() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let jobs = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        let id = try Self.submit(
            cluster,
            ["--chdir=\(jobs)", "--output=\(jobs)/fail.out", "--wrap", "echo failing; exit 3"]
        )
        #expect(await cluster.waitForState(of: id) == "FAILED")
        let record = try #require(cluster.jobCompRecord(of: id), "no jobcomp record: \(cluster.jobCompRecords)")
        #expect(record.contains(" JobState=FAILED "))
        #expect(record.contains(" ExitCode=3:0"))
        #expect(try String(contentsOfFile: jobs + "/fail.out", encoding: .utf8) == "failing\n")
    }

    @Test func scancelEndsARunningJobAndItsProcesses() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let jobs = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        let pidFile = jobs + "/pid"
        let id = try Self.submit(
            cluster,
            ["--chdir=\(jobs)", "--output=/dev/null", "--wrap", "echo $$ > \(pidFile); exec sleep 60"]
        )
        #expect(await cluster.waitForState(of: id, in: ["RUNNING"]) == "RUNNING")
        #expect(await Self.waitForFirstLine(pidFile) != nil)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let sleeper = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(SlurmCluster.isRunning(sleeper))

        let clock = ContinuousClock()
        let cancelled = clock.now
        let result = cluster.run(["scancel", id])
        #expect(result.status == 0, "scancel: \(result.output)")
        #expect(await cluster.waitForState(of: id, timeout: .seconds(10)) == "CANCELLED")
        print("slurm cluster: scancel of a running job to CANCELLED: \(Self.seconds(clock.now - cancelled))")
        SlurmCluster.waitUntilGone([sleeper])
        #expect(!SlurmCluster.isRunning(sleeper), "the job's sleep outlived scancel")
        let record = try #require(cluster.jobCompRecord(of: id), "no jobcomp record: \(cluster.jobCompRecords)")
        #expect(record.contains(" JobState=CANCELLED "))
    }

    @Test func scancelOfAPendingJobCancelsIt() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let id = try Self.submit(cluster, ["--hold", "--output=/dev/null", "--wrap", "true"])
        #expect(cluster.state(of: id) == "PENDING")
        #expect(cluster.run(["scancel", id]).status == 0)
        #expect(await cluster.waitForState(of: id, timeout: .seconds(10)) == "CANCELLED")
        #expect(cluster.jobCompRecord(of: id)?.contains(" JobState=CANCELLED ") == true)
    }

    @Test func anUnknownJobIsAnErrorForSqueue() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let result = cluster.run(["squeue", "-h", "-t", "all", "-j", "424242", "-o", "%T"])
        #expect(result.status == 1)
        #expect(result.output.contains("Invalid job id specified"))
        #expect(cluster.state(of: "424242") == nil)
    }

    /// slurmd dies and the job's processes with it, as when the node goes down: the controller notices within
    /// SlurmdTimeout and MessageTimeout and ends the job NODE_FAIL (with --no-requeue; by default Slurm would
    /// requeue the batch job instead). A new slurmd brings the node back.
    @Test func aJobOnANodeThatDiesEndsNodeFail() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let jobs = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        let id = try Self.submit(
            cluster,
            ["--no-requeue", "--chdir=\(jobs)", "--output=\(jobs)/long.out", "--wrap", "echo started; sleep 300"]
        )
        #expect(await cluster.waitForState(of: id, in: ["RUNNING"]) == "RUNNING")
        #expect(await Self.waitForFirstLine(jobs + "/long.out") != nil)
        #expect(!cluster.stepdPIDs().isEmpty, "no slurmstepd of this cluster runs the job")

        let clock = ContinuousClock()
        let died = clock.now
        cluster.killSlurmd()
        // slurmstepd, the batch script and its sleep.
        #expect(cluster.killJobProcesses() >= 3)
        let state = await cluster.waitForState(of: id, timeout: .seconds(90))
        #expect(state == "NODE_FAIL")
        print("slurm cluster: node death to \(state ?? "no final state"): \(Self.seconds(clock.now - died))")
        #expect(cluster.jobCompRecord(of: id)?.contains(" JobState=NODE_FAIL ") == true)
        #expect(cluster.run(["sinfo", "-h", "-n", "localhost", "-o", "%t"]).output.hasPrefix("down"))

        try cluster.restartSlurmd()
        let after = try Self.submit(cluster, ["--chdir=\(jobs)", "--output=/dev/null", "--wrap", "true"])
        #expect(await cluster.waitForState(of: after) == "COMPLETED")
    }

    /// Two clusters side by side, each with its own ports; stop() cancels what runs and leaves none of the
    /// cluster's processes nor its folder, and a second stop() is harmless.
    @Test func twoClustersRunSideBySideAndStopCompletely() async throws {
        let one = try SlurmCluster.start()
        defer { one.stop() }
        let two = try SlurmCluster.start()
        defer { two.stop() }
        #expect(
            try String(contentsOfFile: one.configFile, encoding: .utf8)
                != String(contentsOfFile: two.configFile, encoding: .utf8)
        )
        let running = try Self.submit(one, ["--output=/dev/null", "--wrap", "sleep 60"])
        let quick = try Self.submit(two, ["--output=/dev/null", "--wrap", "true"])
        #expect(await one.waitForState(of: running, in: ["RUNNING"]) == "RUNNING")
        #expect(await two.waitForState(of: quick) == "COMPLETED")
        // Each cluster numbers its own jobs: the same id names a running job in one and an ended job in the other.
        #expect(one.state(of: running) == "RUNNING")
        #expect(!one.stepdPIDs().isEmpty)
        #expect(one.liveProcesses().count >= 4)

        let clock = ContinuousClock()
        let stopping = clock.now
        one.stop()
        print("slurm cluster: stop with a running job: \(Self.seconds(clock.now - stopping))")
        #expect(one.liveProcesses().isEmpty, "left behind: \(one.liveProcesses())")
        #expect(!FileManager.default.fileExists(atPath: one.folder))
        one.stop()
        // The other cluster is untouched.
        #expect(two.run(["sinfo", "-h", "-n", "localhost", "-o", "%t"]).output.hasPrefix("idle"))
        two.stop()
        #expect(two.liveProcesses().isEmpty, "left behind: \(two.liveProcesses())")
    }
}
