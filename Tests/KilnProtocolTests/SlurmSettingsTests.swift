import KilnProtocol
import Testing

@Suite("[build] executor and [slurm]: the settings of builds as Slurm jobs")
struct SlurmSettingsTests {
    func parse(_ text: String) throws(SpecProblem) -> WorkspaceSettings {
        try WorkspaceSettings.parse(text, path: "workspace.toml", workspaceRoot: "/ws")
    }

    @Test func localIsTheDefaultAndSlurmIsRead() throws {
        #expect(try parse("").executor == .local)
        let settings = try parse(
            """
            [build]
            executor = "slurm"
            timeout = "10m"

            [slurm]
            partition = "debug"
            account = "data-team"
            time_limit = "90m"
            options = ["--mem=4G", "--cpus-per-task=4", "--exclusive"]
            """
        )
        #expect(settings.executor == .slurm)
        #expect(settings.slurm.partition == "debug")
        #expect(settings.slurm.account == "data-team")
        #expect(settings.slurm.timeLimit == .seconds(5400))
        #expect(
            settings.slurm.sbatchArguments(buildTimeout: settings.timeout) == [
                "--partition=debug", "--account=data-team", "--time=90", "--mem=4G", "--cpus-per-task=4",
                "--exclusive",
            ]
        )
    }

    @Test func theTimeLimitFollowsTheBuildTimeoutWhenNotSet() throws {
        var slurm = SlurmSettings()
        // The build's timeout rounded up to the minute, and one more: the daemon's clearer message comes first.
        #expect(slurm.timeLimitMinutes(buildTimeout: .seconds(30 * 60)) == 31)
        #expect(slurm.timeLimitMinutes(buildTimeout: .seconds(61)) == 3)
        #expect(slurm.timeLimitMinutes(buildTimeout: .seconds(5)) == 2)
        slurm.timeLimit = .seconds(150)
        #expect(slurm.timeLimitMinutes(buildTimeout: .seconds(5)) == 3)
        #expect(slurm.sbatchArguments(buildTimeout: .seconds(5)) == ["--time=3"])
    }

    @Test(
        arguments: [
            ("executor = \"cluster\"", "'executor' must be \"local\""),
            ("executor = \"slurm\"\nkeep_pythons = false", "keep_pythons = false cannot go with executor"),
        ]
    )
    func badExecutorSettingsSayWhy(_ build: String, _ expected: String) {
        #expect {
            try parse("[build]\n" + build)
        } throws: { error in
            (error as? SpecProblem)?.description.contains(expected) == true
        }
    }

    @Test(
        arguments: [
            ("partition = \"\"", "must be a Slurm partition name"),
            ("partition = \"a b\"", "must be a Slurm partition name"),
            ("account = 3", "must be a Slurm account name"),
            ("time_limit = \"30s\"", "at least \"1m\""),
            ("time_limit = \"soon\"", "must be a duration"),
            ("options = \"--mem=4G\"", "a list of sbatch options"),
            ("options = [4]", "a list of strings"),
            ("options = [\"-c 4\"]", "is not a long option"),
            ("options = [\"--mem 4G\"]", "not an sbatch option"),
            ("options = [\"--output=/tmp/x\"]", "'--output' is set by Kiln"),
            ("options = [\"--partition=gpu\"]", "set [slurm] partition instead"),
            ("options = [\"--time=5\"]", "set [slurm] time_limit instead"),
            ("options = [\"--wrap=rm -rf /\"]", "'--wrap' is set by Kiln"),
            ("options = [\"--requeue\"]", "'--requeue' is set by Kiln"),
            ("options = [\"--mem=4G\\n--output=/x\"]", "control character or line break"),
            ("queue = \"x\"", "unknown key 'queue' in [slurm]"),
        ]
    )
    func badSlurmSettingsNameTheKeyAndTheFix(_ line: String, _ expected: String) {
        #expect {
            try parse("[slurm]\n" + line)
        } throws: { error in
            guard let problem = error as? SpecProblem else { return false }
            // The line of the key, so an editor can jump to it.
            return problem.description.contains(expected) && problem.line == 2
        }
    }

    @Test func aSlurmSectionWithAMisspeltNameIsGuessed() {
        #expect {
            try parse("[slurn]\npartition = \"debug\"")
        } throws: { error in
            (error as? SpecProblem)?.description.contains("did you mean [slurm]") == true
        }
    }
}

@Suite("Slurm jobs: how a build job's end is judged")
struct SlurmJobVerdictTests {
    func judge(
        id: String? = "42",
        _ state: SlurmJobState,
        result: SlurmJobResult? = nil,
        started: Bool = true,
        registered: Bool = false
    ) -> SlurmJobVerdict {
        SlurmJobVerdict.judge(
            jobID: id,
            state: state,
            result: result,
            started: started,
            registered: registered,
            timeLimitMinutes: 31,
            name: "churn"
        )
    }

    @Test func squeueWordsAreRead() {
        #expect(SlurmJobState(squeueWord: "PENDING") == .pending(reason: ""))
        #expect(SlurmJobState(squeueWord: "PENDING", reason: " Priority ") == .pending(reason: "Priority"))
        #expect(SlurmJobState(squeueWord: "RUNNING") == .running)
        #expect(SlurmJobState(squeueWord: "COMPLETING") == .running)
        #expect(SlurmJobState(squeueWord: "COMPLETED ") == .ended("COMPLETED"))
        #expect(SlurmJobState(squeueWord: "NODE_FAIL") == .ended("NODE_FAIL"))
        #expect(SlurmJobState(squeueWord: "") == nil)
        #expect(SlurmJobState(squeueWord: "BOGUS") == nil)
        #expect(SlurmJobState.forgotten.isOver && SlurmJobState.ended("FAILED").isOver)
        #expect(!SlurmJobState.pending(reason: "").isOver && !SlurmJobState.running.isOver)
    }

    /// One `squeue` answers for every followed job: as a real one-node cluster printed it for jobs 1 and 2 and an
    /// id it never had (squeue lists the jobs it knows and leaves the others out).
    @Test func oneSqueueAnswerIsReadForEveryJobAskedAbout() {
        let answer = "2|COMPLETING|None\n1|RUNNING|None\n3|PENDING|ReqNodeNotAvail, UnavailableNodes:n[1-2]|x\n"
        let states = SlurmJobState.read(squeueAnswer: answer, asked: ["1", "2", "3", "999"])
        #expect(
            states == [
                "1": .running, "2": .running, "3": .pending(reason: "ReqNodeNotAvail, UnavailableNodes:n[1-2]|x"),
                "999": .forgotten,
            ]
        )
        // A word Kiln does not know leaves its job out (asked again), a line without a state is ignored, and a job
        // listed but not asked about is not answered.
        let odd = SlurmJobState.read(squeueAnswer: "7|SOMETHING_NEW\n8\n9|TIMEOUT\n", asked: ["7", "8"])
        #expect(odd == ["8": .forgotten])
        #expect(SlurmJobState.read(squeueAnswer: "", asked: ["3", "4"]) == ["3": .forgotten, "4": .forgotten])
    }

    /// A pending job's reason: most mean later, a few that the job as asked can never start (as a real cluster said
    /// of `--cpus-per-task=4` on a node of 2: `PartitionConfig`).
    @Test func aPendingReasonSaysWhetherTheJobCanEverStart() throws {
        for later in ["Priority", "Resources", "None", "", "ReqNodeNotAvail, UnavailableNodes:n1", "AssocGrpCpuLimit"] {
            #expect(SlurmPendingReason.cannotStart(later) == nil)
        }
        let config = try #require(SlurmPendingReason.cannotStart("PartitionConfig"))
        #expect(config.contains("ask for less in [slurm] options"))
        #expect(SlurmPendingReason.cannotStart("PartitionTimeLimit")?.contains("[slurm] time_limit") == true)
        #expect(SlurmPendingReason.cannotStart("InvalidAccount")?.contains("[slurm] account") == true)
        #expect(SlurmPendingReason.shown("None") == nil && SlurmPendingReason.shown("") == nil)
        #expect(SlurmPendingReason.shown("Priority") == "Priority")
    }

    @Test func theJobsOwnResultComesFirst() {
        #expect(judge(.ended("COMPLETED"), result: .built, registered: true) == .built)
        #expect(judge(.running, result: .built, registered: true) == .built)
        #expect(judge(.forgotten, result: .built, registered: true) == .built)
        #expect(
            judge(.ended("FAILED"), result: .failed("build 1 failed at 'verify': boom"))
                == .failed("build 1 failed at 'verify': boom (Slurm job 42)")
        )
    }

    @Test func aResultOfBuiltWithoutTheEnvironmentInTheStoreIsAFailure() {
        guard case .failed(let message) = judge(.ended("COMPLETED"), result: .built, registered: false) else {
            Issue.record("not a failure")
            return
        }
        #expect(message.contains("Slurm job 42") && message.contains("no complete environment"))
    }

    @Test func theStoreIsTheRecordWhenTheJobDiedAfterRegistering() {
        #expect(judge(.ended("NODE_FAIL"), registered: true) == .built)
        #expect(judge(.forgotten, registered: true) == .built)
    }

    @Test(
        arguments: [
            (SlurmJobState.ended("TIMEOUT"), "reached its Slurm time limit (31 min)"),
            (.ended("CANCELLED"), "cancelled outside Kiln"),
            (.ended("NODE_FAIL"), "its node failed"),
            (.ended("OUT_OF_MEMORY"), "--mem="),
            (.ended("PREEMPTED"), "preempted"),
            (.ended("FAILED"), "ended (FAILED) without a result"),
            (.forgotten, "Slurm no longer knows it"),
        ]
    )
    func withoutAResultSlurmsWordSaysWhy(_ state: SlurmJobState, _ expected: String) {
        guard case .failed(let message) = judge(state) else {
            Issue.record("not a failure")
            return
        }
        #expect(message.contains(expected))
        #expect(message.contains("Slurm job 42"))
    }

    @Test func aJobNeverSubmittedIsQueuedAgainNotFailed() {
        #expect(judge(id: nil, .forgotten, started: false) == .neverRan)
        // Once it ran, or once it had an id, it is judged.
        #expect(judge(id: nil, .forgotten, started: true) != .neverRan)
        #expect(judge(id: "7", .forgotten, started: false) != .neverRan)
    }
}

@Suite("Slurm jobs: the files a build job and the daemon share")
struct BuildJobFilesTests {
    @Test func aRecordReadsBackAsWritten() {
        let record = BuildJobRecord(
            name: "churn",
            build: 3,
            specSHA256: String(repeating: "a", count: 64),
            key: String(repeating: "b", count: 64),
            python: "3.11.7",
            interpreter: "/ws/.kiln/pythons/python3.11-x/bin/python3.11",
            jobName: "kiln-churn-3-abc",
            fromLock: true
        )
        #expect(BuildJobRecord(parsing: record.rendered()) == record)
        #expect(BuildJobRecord(parsing: "name = \"churn\"") == nil)
        var outside = record
        outside.key = "../../etc"
        #expect(BuildJobRecord(parsing: outside.rendered()) == nil)
        // A key is a store folder's name: hex digits only, so never `..`.
        outside.key = ".."
        #expect(BuildJobRecord(parsing: outside.rendered()) == nil)
        var badName = record
        badName.name = "../x"
        #expect(BuildJobRecord(parsing: badName.rendered()) == nil)
    }

    @Test func aRecordGivesBackTheBuildItWasWrittenFor() throws {
        let bytes = Array("base = \"python:3.11\"\nlibraries = [\"pandas==2.2.3\"]\n".utf8)
        var record = BuildJobRecord(
            name: "churn",
            build: 2,
            specSHA256: SHA256Hex.of(bytes),
            key: "",
            python: "3.11.7",
            interpreter: "/ws/.kiln/pythons/python3.11-x/bin/python3.11",
            jobName: "kiln-churn-2-abc",
            fromLock: false
        )
        let lock = Array("pandas==2.2.3 \\\n    --hash=sha256:00\n".utf8)
        let order = try record.order(specBytes: bytes, lock: lock, settings: WorkspaceSettings(), path: "spec.toml")
            .get()
        #expect(order.name == "churn" && order.build == 2 && order.specBytes == bytes)
        #expect(order.inputs.python == "3.11.7" && order.inputs.libraries == ["pandas==2.2.3"])
        // A lock beside a resolving build's spec is not installed.
        #expect(order.lock == nil && order.inputs.lockSHA256 == nil)
        record.fromLock = true
        let fromLock = try record.order(specBytes: bytes, lock: lock, settings: WorkspaceSettings(), path: "spec.toml")
            .get()
        #expect(fromLock.lock == lock && fromLock.inputs.lockSHA256 == SHA256Hex.of(lock))
        record.python = "3.12.1"
        #expect(throws: SpecProblem.self) {
            try record.order(specBytes: bytes, lock: nil, settings: WorkspaceSettings(), path: "spec.toml").get()
        }
    }

    @Test(arguments: [SlurmJobResult.built, .cancelled, .failed("step \"verify\" failed:\nboom")])
    func resultsReadBackAsWritten(_ result: SlurmJobResult) {
        #expect(SlurmJobResult(parsing: result.rendered) == result)
    }

    @Test func progressLinesReadBackAsWritten() {
        for progress in [
            BuildProgress(.resolving), BuildProgress(.installing, done: 3, total: 40),
            BuildProgress(.downloading, total: 40), BuildProgress(.verifying, done: 2),
        ] {
            #expect(BuildProgress(line: progress.line) == progress)
        }
        #expect(BuildProgress(line: "installing 3") == nil)
        #expect(BuildProgress(line: "installing -1 3") == nil)
        #expect(BuildProgress(line: "dancing - -") == nil)
        #expect(BuildProgress(line: "") == nil)
    }
}
