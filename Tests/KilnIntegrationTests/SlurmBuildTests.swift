import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// `[build] executor = "slurm"` with the real daemon and a real one-node Slurm cluster (munged, slurmctld, slurmd)
/// started for each test by `scripts/slurm-cluster.sh`, driven by file operations as a person would.
@Suite("Builds as Slurm jobs, on a real one-node cluster", .serialized)
struct SlurmBuildTests {
    static let greet = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
    /// Its import check takes 4 s: the build is still running when the test acts.
    static let sleepy = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-sleepy==1.0.0\"]\n"
    /// Its import check takes 10 minutes: the job still runs whenever the test stops it (4 s was once not enough
    /// for a re-save on a loaded CI machine: the first job completed before the cancel).
    static let drowsy = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-drowsy==1.0.0\"]\n"

    /// A workspace whose builds go to `cluster`, its daemon started with the cluster's `SLURM_CONF`.
    func workspace(_ cluster: SlurmCluster, settings: String = "") throws -> TestWorkspace {
        let ws = try TestWorkspace(
            settings: "executor = \"slurm\"\n\(settings)\n[slurm]\npartition = \"debug\"\n",
            keepPythons: true
        )
        try ws.start(environment: cluster.environment)
        return ws
    }

    /// The cluster's jobs that built `name`, found by their job name (`kiln-NAME-BUILD-HEX`).
    func jobs(of name: String, in cluster: SlurmCluster) -> [(id: String, name: String, state: String)] {
        cluster.jobs().filter { $0.name.hasPrefix("kiln-\(name)-") }
    }

    @Test func aBuildThroughSlurmIsReadyWithAWorkingInterpreter() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/greet", Self.greet)
        let ready = try await ws.waitForState("draft/greet", .ready)
        // Ready means it runs: its interpreter imports the library, here and as a person would use it.
        let python = try #require(ready.python)
        let ran = TestWorkspace.run(python, ["-c", "import kiln_demo_greet; print(kiln_demo_greet.greet())"])
        #expect(ran.status == 0 && ran.output.contains("hello from kiln-demo-greet 1.0.0"))
        let kilnRun = TestWorkspace.run(
            TestWorkspace.kiln,
            ["run", "--workspace", ws.root, "greet", "--draft", "--", "python", "-c", "import kiln_demo_greet"]
        )
        #expect(kilnRun.status == 0, "\(kilnRun.output)")
        // It was built by a Slurm job, which the log names, on a node running only what is inside the workspace.
        let built = jobs(of: "greet", in: cluster)
        #expect(built.count == 1 && built.first?.state == "COMPLETED")
        let log = try String(contentsOfFile: ws.path("draft/greet/logs/build-1.log"), encoding: .utf8)
        let id = try #require(built.first?.id)
        #expect(log.contains("submitted as Slurm job \(id)"))
        #expect(log.contains("running as Slurm job \(id) on "))
        #expect(log.contains("installer: uv (\(ws.root)/.kiln/tools/uv-"))
        #expect(log.contains("python 3.11: \(ws.root)/.kiln/pythons/"))
        #expect(log.contains("import kiln_demo_greet (kiln-demo-greet 1.0.0): ok"))
        // The daemon removed the job's folder once it had acted on its end.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: ws.layout.jobs))?.isEmpty ?? true)
    }

    @Test func kilnLogsFollowsAJobsBuildLiveToItsEnd() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/watched", Self.sleepy)
        try await ws.waitForStatus("saved/watched") { $0.state == .building }
        // Written by the job on its node while the build runs, read by a person's `kiln logs --follow`.
        let followed = await OwnThread.run("test-command") { ws.kilnCommand("logs", "watched", "--follow") }
        #expect(followed.status == 0, "\(followed.output)")
        #expect(followed.output.contains("running as Slurm job"))
        #expect(followed.output.contains("import kiln_demo_sleepy (kiln-demo-sleepy 1.0.0): ok"))
        #expect(ws.status("draft/watched")?.state == .ready)
    }

    @Test func aFailingBuildThroughSlurmFailsWithItsLogAndTheJobsID() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/broken", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-broken==1.0.0\"]\n")
        let failed = try await ws.waitForState("saved/broken", .failed)
        let id = try #require(jobs(of: "broken", in: cluster).first?.id)
        #expect(failed.message.contains("failed at 'verify'"))
        #expect(failed.message.contains("Slurm job \(id)"))
        let log = try String(contentsOfFile: ws.path("saved/broken/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains(brokenImportError))
        #expect(log.contains("running as Slurm job \(id)"))
        // Nothing was registered: a failed build is never used.
        let store = (try? FileManager.default.contentsOfDirectory(atPath: ws.layout.environments)) ?? []
        #expect(
            store.allSatisfy {
                !FileManager.default.fileExists(atPath: ws.layout.environments + "/\($0)/.kiln-build/complete")
            }
        )
    }

    @Test func aResaveCancelsTheRunningJobAndItsProcesses() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/churn", Self.drowsy)
        let building = try await ws.waitForStatus("saved/churn") { $0.state == .building && $0.phase == .verifying }
        let first = try #require(jobs(of: "churn", in: cluster).first)
        #expect(building.message.contains("in Slurm job \(first.id)"))
        #expect(building.slurmJob == first.id)
        let listed = try JSONSerialization.jsonObject(with: Data(ws.kilnCommand("list", "--json").output.utf8))
        let row = (listed as? [[String: Any]])?.first { $0["name"] as? String == "churn" }
        #expect(row?["slurm_job"] as? String == first.id)
        // An editor's save: write beside, rename over.
        try ws.save("saved/churn", Self.greet)
        let ready = try await ws.waitForState("draft/churn", .ready)
        #expect(ready.build == 2)
        #expect(ready.slurmJob == nil)
        let all = jobs(of: "churn", in: cluster)
        #expect(all.count == 2)
        #expect(all.first { $0.id == first.id }?.state == "CANCELLED")
        // The whole process tree of the cancelled job is gone: no import check still sleeping.
        #expect(processes(matching: ws.root + "/.kiln/").isEmpty)
        let log = try String(contentsOfFile: ws.path("draft/churn/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("cancelled: Slurm job \(first.id) was cancelled"))
    }

    @Test func aBuildPastItsTimeoutFailsSayingSo() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster, settings: "timeout = \"2s\"")
        try ws.save("saved/slow", Self.drowsy)
        let failed = try await ws.waitForState("saved/slow", .failed)
        let id = try #require(jobs(of: "slow", in: cluster).first?.id)
        #expect(failed.message.contains("took longer than the timeout"))
        #expect(failed.message.contains("Slurm job \(id)"))
        #expect(processes(matching: ws.root + "/.kiln/").isEmpty)
    }

    /// The daemon's own timeout, for a job that cannot stop itself (its `kiln build-job` frozen with SIGSTOP, as a
    /// hung process on a node would be): a minute past the build's timeout, counted from when the job began on its
    /// node, the daemon cancels it, and the build fails saying so. It takes a little over a minute.
    @Test func aJobThatCannotStopItselfIsCancelledByTheDaemonAfterTheTimeoutAndItsGrace() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster, settings: "timeout = \"5s\"")
        try ws.save("saved/frozen", Self.drowsy)
        try await ws.waitForStatus("saved/frozen") { $0.state == .building && $0.message.contains("in Slurm job") }
        let runner = "build-job .*" + ws.layout.jobs + "/frozen"
        var frozen: [String] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while frozen.isEmpty, ContinuousClock.now < deadline {
            frozen = processes(matching: runner)
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(!frozen.isEmpty, "no `kiln build-job` process for the job")
        for pid in frozen { kill(pid_t(pid)!, SIGSTOP) }
        let job = try #require(jobs(of: "frozen", in: cluster).first)
        let failed = try await ws.waitForStatus("saved/frozen", timeout: .seconds(150)) { $0.state == .failed }
        #expect(
            failed.message.contains("Slurm job \(job.id) took longer than the timeout (5s) and was cancelled"),
            "\(failed.message)"
        )
        let log = try String(contentsOfFile: ws.path("saved/frozen/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("the daemon cancelled Slurm job \(job.id): it ran past the build timeout and its grace"))
        #expect(await cluster.waitForState(of: job.id, in: ["CANCELLED"], timeout: .seconds(60)) == "CANCELLED")
        // Slurm continues and kills the frozen processes too.
        let gone = ContinuousClock.now + .seconds(60)
        while !processes(matching: ws.root + "/.kiln/").isEmpty, ContinuousClock.now < gone {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(processes(matching: ws.root + "/.kiln/").isEmpty)
    }

    /// Slurm's own time limit, below the build's timeout: Slurm stops the job (it checks limits once a minute, so
    /// this takes one to two minutes), and the build fails naming the limit. The build resolves a source
    /// distribution whose backend sleeps for ten minutes: no limit of Kiln's ends it first.
    @Test func aJobStoppedAtItsSlurmTimeLimitFailsSayingSo() async throws {
        let wheels = NSTemporaryDirectory() + "kiln-slurm-wheels-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: wheels) }
        let made = TestWorkspace.run(
            "/usr/bin/env",
            [
                "KILN_SLOW_BUILD_SECONDS=600", "python3", TestWorkspace.makeWheels, wheels, "--slow-build",
                "kiln-demo-endless==1.0.0",
            ]
        )
        try #require(made.status == 0, "\(made.output)")
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try TestWorkspace(
            settings: "executor = \"slurm\"\ntimeout = \"10m\"\n[slurm]\ntime_limit = \"1m\"\n",
            extraLinks: [wheels],
            keepPythons: true
        )
        try ws.start(environment: cluster.environment)
        try ws.save("saved/endless", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-endless==1.0.0\"]\n")
        let failed = try await ws.waitForStatus("saved/endless", timeout: .seconds(240)) {
            $0.state != .building && $0.state != .queued
        }
        let job = try #require(jobs(of: "endless", in: cluster).first)
        #expect(job.state == "TIMEOUT")
        #expect(failed.state == .failed)
        #expect(failed.message.contains("Slurm job \(job.id) reached its Slurm time limit (1 min)"))
        let log = try String(contentsOfFile: ws.path("saved/endless/logs/build-1.log"), encoding: .utf8)
        // Slurm's own words are in the log.
        #expect(log.contains("DUE TO TIME LIMIT"))
        #expect(processes(matching: ws.root + "/.kiln/").isEmpty)
    }

    /// Killed (SIGKILL) or stopped (SIGTERM: it leaves its jobs running, and says so), the daemon follows its job
    /// again at its next start.
    @Test(arguments: [SIGKILL, SIGTERM])
    func aJobSubmittedBeforeTheDaemonStoppedIsFollowedToReadyAndRunsOnce(_ signal: Int32) async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/survivor", Self.sleepy)
        // Submitted: its import check takes 4 s, so it is most often still running when the daemon goes.
        try await ws.waitForStatus("saved/survivor") { $0.state == .building && $0.slurmJob != nil }
        // The job runs only what is inside the workspace (and the system's loader and shell).
        let folder = try #require(
            try FileManager.default.contentsOfDirectory(atPath: ws.layout.jobs).first.map { ws.layout.jobs + "/" + $0 }
        )
        let script = try String(contentsOfFile: folder + "/job.sh", encoding: .utf8)
        let paths = script.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "'" }).filter { $0.hasPrefix("/") }
        #expect(!paths.isEmpty)
        #expect(paths.allSatisfy { $0.hasPrefix(ws.root + "/") || $0.contains("/ld-linux") || $0 == "/bin/sh" })
        ws.stop(signal: signal)
        #expect(ws.status("saved/survivor")?.state == .building)
        if signal == SIGTERM {
            let log = try String(contentsOfFile: ws.path("saved/survivor/logs/build-1.log"), encoding: .utf8)
            #expect(log.contains("the daemon is stopping; Slurm job"))
        }
        try ws.start(environment: cluster.environment)
        let ready = try await ws.waitForState("draft/survivor", .ready)
        #expect(ready.build == 1)
        // Exactly one job ran: the restarted daemon followed it rather than building again.
        let all = jobs(of: "survivor", in: cluster)
        #expect(all.count == 1 && all.first?.state == "COMPLETED")
        let log = try String(contentsOfFile: ws.path("draft/survivor/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("the daemon started again and follows Slurm job \(all.first?.id ?? "?")"))
        let journal = try String(contentsOfFile: ws.layout.journal, encoding: .utf8)
        #expect(journal.components(separatedBy: "build 1 started").count == 2)
        #expect(!journal.contains("build 2"))
    }

    /// A job the restarted daemon cannot follow (its copy's `logs` became a link out of the workspace while the daemon
    /// was down) is cancelled, not left running unjudged, and the build fails saying why. Nothing is written through
    /// the link.
    @Test func aJobWhoseLogCannotBeOpenedAfterARestartIsCancelled() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/linked", Self.drowsy)
        try await ws.waitForStatus("saved/linked") { $0.state == .building && $0.phase == .verifying }
        let job = try #require(jobs(of: "linked", in: cluster).first)
        ws.stop(signal: SIGKILL)
        let outside = NSTemporaryDirectory() + "kiln-outside-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: outside + "/logs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.moveItem(atPath: ws.path("saved/linked/logs"), toPath: outside + "/old-logs")
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("saved/linked/logs"),
            withDestinationPath: outside + "/logs"
        )
        try ws.start(environment: cluster.environment)
        let failed = try await ws.waitForState("saved/linked", .failed)
        #expect(failed.message.contains("logs is a symbolic link"), "\(failed.message)")
        #expect(failed.message.contains("Slurm job \(job.id) was cancelled"), "\(failed.message)")
        #expect(await cluster.waitForState(of: job.id, in: ["CANCELLED"]) == "CANCELLED")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside + "/logs").isEmpty)
        #expect(jobs(of: "linked", in: cluster).count == 1)
    }

    @Test func aNodeThatDiesMidJobEndsTheBuildFailedNotBuildingForever() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/orphan", Self.drowsy)
        try await ws.waitForStatus("saved/orphan") { $0.state == .building && $0.phase == .verifying }
        // The node dies: its slurmd, and every process of the job with it.
        cluster.killSlurmd()
        // This cluster's only: another suite's cluster may run beside it.
        #expect(cluster.killJobProcesses() >= 2)
        let failed = try await ws.waitForStatus("saved/orphan", timeout: .seconds(120)) { $0.state != .building }
        #expect(failed.state == .failed)
        // Slurm marks the node down and the job NODE_FAIL (SlurmdTimeout); the daemon says so.
        #expect(failed.message.contains("ended because its node failed"), "\(failed.message)")
        #expect(ws.daemonIsRunning)
        // The node comes back (ReturnToService=2) and the next build runs there: it installs and reaches its
        // (10-minute) import check on the node.
        try cluster.restartSlurmd()
        #expect(ws.kilnCommand("build", "orphan").status == 0)
        try await ws.waitForStatus("saved/orphan") { $0.build == 2 && $0.state == .building && $0.phase == .verifying }
        #expect(jobs(of: "orphan", in: cluster).contains { $0.state == "RUNNING" })
    }

    @Test func aJobAnAdminCancelsEndsFailedSayingSo() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        try ws.save("saved/stopped", Self.drowsy)
        try await ws.waitForStatus("saved/stopped") { $0.state == .building && $0.phase == .verifying }
        let job = try #require(jobs(of: "stopped", in: cluster).first)
        // The cluster's admin, not Kiln.
        #expect(cluster.run(["scancel", job.id]).status == 0)
        let failed = try await ws.waitForState("saved/stopped", .failed)
        #expect(failed.message.contains("Slurm job \(job.id) was cancelled outside Kiln"), "\(failed.message)")
        #expect(failed.message.contains("kiln build stopped"))
        // Not built again behind the admin's back: one job, and the next one only when a person asks.
        #expect(jobs(of: "stopped", in: cluster).count == 1)
        #expect(ws.kilnCommand("build", "stopped").status == 0)
        // Building again as a new job, once Slurm has given its id.
        let again = try await ws.waitForStatus("saved/stopped") {
            $0.build == 2 && $0.state == .building && $0.slurmJob != nil
        }
        #expect(again.slurmJob != job.id)
        #expect(jobs(of: "stopped", in: cluster).count == 2)
    }

    /// A restarted daemon whose job's record Slurm no longer has (here: a new cluster, as after a controller lost its
    /// state) judges the job from its folder and the store: built when it registered its environment, failed when
    /// it was killed before it could.
    @Test func aJobSlurmHasForgottenIsJudgedFromWhatItLeftOnDisk() async throws {
        let first = try SlurmCluster.start()
        defer { first.stop() }
        let ws = try workspace(first)
        try ws.save("saved/finished", Self.sleepy)
        try ws.save(
            "saved/killed",
            "base = \"python:3.11\"\nlibraries = [\"kiln-demo-drowsy==1.0.0\", \"kiln-demo-greet==1.0.0\"]\n"
        )
        for name in ["finished", "killed"] {
            try await ws.waitForStatus("saved/\(name)") { $0.state == .building && $0.slurmJob != nil }
        }
        ws.stop(signal: SIGKILL)
        // One job is killed on its node; the other finishes while no daemon follows it.
        let killed = try #require(jobs(of: "killed", in: first).first)
        #expect(first.run(["scancel", killed.id]).status == 0)
        let finished = try #require(jobs(of: "finished", in: first).first)
        #expect(await first.waitForState(of: finished.id, in: ["COMPLETED"], timeout: .seconds(60)) == "COMPLETED")
        first.stop()
        let second = try SlurmCluster.start()
        defer { second.stop() }
        try ws.start(environment: second.environment)
        let ready = try await ws.waitForState("draft/finished", .ready)
        #expect(ready.build == 1)
        let failed = try await ws.waitForState("saved/killed", .failed)
        #expect(failed.message.contains("Slurm no longer knows it"), "\(failed.message)")
        // Nothing was submitted to the new cluster: both were judged from disk.
        #expect(second.jobs().isEmpty)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: ws.layout.jobs))?.isEmpty ?? true)
    }

    @Test func kilnDoctorChecksTheSlurmSetup() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster)
        // On a thread of its own: a doctor waits seconds for its test job, and the test process's cooperative pool has
        // one thread per core (two here); a test blocked on one starves every other test's polling.
        let configFile = cluster.configFile
        let doctor = { (workspace: String, more: [String]) in
            await OwnThread.run("test-command") {
                TestWorkspace.run(
                    "/usr/bin/env",
                    ["SLURM_CONF=" + configFile, TestWorkspace.kiln, "doctor", "--workspace", workspace] + more
                )
            }
        }
        let healthy = await doctor(ws.root, [])
        #expect(healthy.output.contains("ok: Slurm: partition 'debug' is up"), "\(healthy.output)")
        #expect(healthy.output.contains("saw the workspace at \(ws.root)"), "\(healthy.output)")
        #expect(!healthy.output.contains("missing: Slurm"))
        // A partition the cluster does not have.
        try ws.editSettings { $0.replacingOccurrences(of: "partition = \"debug\"", with: "partition = \"gpu\"") }
        let wrong = await doctor(ws.root, [])
        #expect(wrong.status == 1)
        #expect(wrong.output.contains("missing: Slurm: there is no partition 'gpu' (the cluster has: debug)"))
        try ws.editSettings { $0.replacingOccurrences(of: "partition = \"gpu\"", with: "partition = \"debug\"") }
        // A partition its admins have set down: jobs would wait, and no test job is submitted.
        #expect(cluster.run(["scontrol", "update", "PartitionName=debug", "State=DOWN"]).status == 0)
        let down = await doctor(ws.root, [])
        #expect(down.status == 1)
        #expect(
            down.output.contains("missing: Slurm: partition 'debug' is down, so build jobs would wait"),
            "\(down.output)"
        )
        #expect(!cluster.jobs().contains { $0.name.hasPrefix("kiln-doctor-") && $0.state == "PENDING" })
        #expect(cluster.run(["scontrol", "update", "PartitionName=debug", "State=UP"]).status == 0)
        // Its only node drained: the test job waits for a node, and the doctor gives up after --slurm-wait,
        // cancelling it.
        let drain = ["scontrol", "update", "NodeName=localhost", "State=DRAIN", "Reason=kiln-test"]
        #expect(cluster.run(drain).status == 0)
        let waited = await doctor(ws.root, ["--slurm-wait", "3s"])
        #expect(waited.status == 1)
        #expect(
            waited.output.contains("did not finish within 3s: it was still waiting for a node (Slurm's reason: "),
            "\(waited.output)"
        )
        let probe = try #require(cluster.jobs().first { $0.name.hasPrefix("kiln-doctor-") && $0.state != "COMPLETED" })
        #expect(await cluster.waitForState(of: probe.id, in: ["CANCELLED"]) == "CANCELLED")
        #expect(cluster.run(["scontrol", "update", "NodeName=localhost", "State=RESUME"]).status == 0)
        let soon = await doctor(ws.root, ["--slurm-wait", "soon"])
        #expect(soon.status == 2)
        #expect(soon.output.contains("--slurm-wait takes a duration such as \"90s\" or \"5m\", not 'soon'"))
        // A workspace the node does not see at the same path: mounted there only in the doctor's own namespace.
        let hidden = NSTemporaryDirectory() + "kiln-hidden-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: hidden, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: hidden) }
        let unseen = TestWorkspace.run(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind \"$1\" \"$2\" && SLURM_CONF=\"$3\" \"$4\" doctor --workspace \"$2\"", "sh", ws.root,
                hidden, cluster.configFile, TestWorkspace.kiln,
            ]
        )
        #expect(unseen.status == 1)
        #expect(unseen.output.contains("its node does not see the workspace at \(hidden)"), "\(unseen.output)")
        // Without Slurm's commands on PATH.
        let bare = TestWorkspace.run(
            "/usr/bin/env",
            ["PATH=/nonexistent", TestWorkspace.kiln, "doctor", "--workspace", ws.root]
        )
        #expect(bare.status == 1)
        #expect(bare.output.contains("not on PATH, and [build] executor = \"slurm\" submits every build with them"))
    }

    /// A job that asks for more than any node has (`--cpus-per-task=64` on a node of 2) is accepted by `sbatch` and
    /// would wait forever (`PartitionConfig`): it is cancelled, and the build fails saying what to change. The doctor
    /// says the same of its test job, at once rather than after its wait.
    @Test func aJobThatCanNeverStartFailsInsteadOfWaitingForever() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try TestWorkspace(
            settings: "executor = \"slurm\"\n[slurm]\npartition = \"debug\"\noptions = [\"--cpus-per-task=64\"]\n",
            keepPythons: true
        )
        try ws.start(environment: cluster.environment)
        try ws.save("saved/greedy", Self.greet)
        let failed = try await ws.waitForState("saved/greedy", .failed)
        let job = try #require(jobs(of: "greedy", in: cluster).first)
        #expect(
            failed.message.contains(
                "Slurm job \(job.id) cannot start: it asks for more than any node of the partition has"
            ),
            "\(failed.message)"
        )
        #expect(failed.message.contains("(Slurm's reason: PartitionConfig)"))
        #expect(await cluster.waitForState(of: job.id, in: ["CANCELLED"]) == "CANCELLED")
        let log = try String(contentsOfFile: ws.path("saved/greedy/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("cannot start"))
        let configFile = cluster.configFile
        let root = ws.root
        let doctor = await OwnThread.run("test-command") {
            TestWorkspace.run(
                "/usr/bin/env",
                ["SLURM_CONF=" + configFile, TestWorkspace.kiln, "doctor", "--workspace", root]
            )
        }
        #expect(doctor.status == 1)
        #expect(
            doctor.output.contains("submitted as build jobs are, cannot start: it asks for more"),
            "\(doctor.output)"
        )
        // Said as soon as Slurm says it, not after the minute the test job may wait for a node.
        #expect(!doctor.output.contains("did not finish within"))
    }

    @Test func aJobWaitingForANodeSaysSoUntilItRuns() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        // Someone else's job holds the whole node.
        let blocker = cluster.run([
            "sbatch", "--parsable", "--exclusive", "--output=/dev/null", "--job-name=other-team", "--wrap", "sleep 120",
        ])
        let blockerID = blocker.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(await cluster.waitForState(of: blockerID, in: ["RUNNING"]) == "RUNNING")
        let ws = try workspace(cluster)
        try ws.save("saved/patient", Self.greet)
        // With Slurm's reason, once its scheduler has given one.
        let waiting = try await ws.waitForStatus("saved/patient") { $0.message.contains("(pending: Resources)") }
        let job = try #require(jobs(of: "patient", in: cluster).first)
        #expect(waiting.state == .building)
        #expect(waiting.message.hasPrefix("waiting for a node in Slurm job \(job.id) (pending: Resources)"))
        #expect(cluster.run(["scancel", blockerID]).status == 0)
        try await ws.waitForState("draft/patient", .ready)
    }

    @Test func concurrencyIsTheNumberOfJobsInFlight() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let ws = try workspace(cluster, settings: "concurrency = 1")
        try ws.save("saved/one", Self.sleepy)
        try ws.save(
            "saved/two",
            "base = \"python:3.11\"\nlibraries = [\"kiln-demo-sleepy==1.0.0\", \"kiln-demo-greet==1.0.0\"]\n"
        )
        var most = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let inFlight = cluster.jobs().filter {
                $0.name.hasPrefix("kiln-") && ["PENDING", "RUNNING", "COMPLETING", "CONFIGURING"].contains($0.state)
            }
            most = max(most, inFlight.count)
            if ws.status("draft/one")?.state == .ready, ws.status("draft/two")?.state == .ready { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ws.status("draft/one")?.state == .ready && ws.status("draft/two")?.state == .ready)
        #expect(most == 1)
        #expect(cluster.jobs().filter { $0.name.hasPrefix("kiln-") }.count == 2)
    }

    /// However many jobs are in flight, the daemon asks Slurm about all of them in one `squeue` a second: `squeue`
    /// on the daemon's PATH is a wrapper that notes each call and runs the real one.
    @Test func oneSqueueASecondAsksAboutEveryJobInFlight() async throws {
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let wrappers = NSTemporaryDirectory() + "kiln-squeue-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: wrappers, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: wrappers) }
        let calls = wrappers + "/calls"
        let real = TestWorkspace.run("/bin/sh", ["-c", "command -v squeue"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(real.hasPrefix("/"))
        try "#!/bin/sh\nprintf '%s %s\\n' \"$(date +%s.%N)\" \"$*\" >> '\(calls)'\nexec '\(real)' \"$@\"\n"
            .write(toFile: wrappers + "/squeue", atomically: true, encoding: .utf8)
        #expect(chmod(wrappers + "/squeue", 0o755) == 0)
        let ws = try TestWorkspace(
            settings: "executor = \"slurm\"\nconcurrency = 3\n[slurm]\npartition = \"debug\"\n",
            keepPythons: true
        )
        var environment = cluster.environment
        environment["PATH"] = wrappers + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        try ws.start(environment: environment)
        let names = ["first": "", "second": ", \"kiln-demo-greet==1.0.0\"", "third": ", \"kiln-demo-greet==1.1.0\""]
        for (name, more) in names {
            try ws.save(
                "saved/\(name)",
                "base = \"python:3.11\"\nlibraries = [\"kiln-demo-drowsy==1.0.0\"\(more)]\n"
            )
        }
        // (time, job ids asked about) of each squeue the daemon ran.
        func asked() -> [(at: Double, jobs: Int)] {
            let text = (try? String(contentsOfFile: calls, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let at = line.split(separator: " ").first.flatMap({ Double($0) }),
                    let jobs = line.split(separator: " ").first(where: { $0.hasPrefix("--jobs=") })
                else { return nil }
                return (at, jobs.split(separator: ",").count)
            }
        }
        for name in names.keys {
            try await ws.waitForStatus("saved/\(name)") { $0.state == .building && $0.message.contains("Slurm job") }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !asked().contains(where: { $0.jobs == 3 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let from = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(5))
        let during = asked().filter { $0.at >= from && $0.at < from + 5 }
        // One a second for all three (one job each, as before, would be 15), and still asking.
        #expect((3...7).contains(during.count), "\(during)")
        #expect(during.allSatisfy { $0.jobs == 3 }, "\(during)")
        #expect(cluster.jobs().filter { $0.name.hasPrefix("kiln-") }.count == 3)
    }
}

/// The ids of processes whose command line contains `text` (`pgrep -f`).
func processes(matching text: String) -> [String] {
    let found = TestWorkspace.run("/usr/bin/pgrep", ["-f", "--", text])
    return found.output.split(separator: "\n").map(String.init).filter { $0.allSatisfy(\.isNumber) }
}
