import Foundation
import Testing

@testable import KilnProtocol

@Suite("status (protocol section 3)")
struct StatusTests {
    let example = Status(
        stage: .draft,
        state: .ready,
        specSHA256: String(repeating: "9f2c", count: 16),
        build: 3,
        environment: "/srv/ws/.kiln/envs/9f2c",
        python: "/srv/ws/.kiln/envs/9f2c/bin/python",
        updated: Date(timeIntervalSince1970: 1_795_000_000),
        message: "built in 2.1 s: 14 distributions"
    )

    @Test func rendersTheProtocolsKeysInItsOrder() {
        let keys = example.rendered().split(separator: "\n").map { $0.split(separator: " ")[0] }
        #expect(keys == ["stage", "state", "spec_sha256", "build", "environment", "python", "updated", "message"])
        #expect(example.rendered().contains("updated = 2026-11-18T"))
    }

    @Test func roundTrips() throws {
        #expect(Status(parsing: example.rendered()) == example)
    }

    @Test func timesAreUTCWhateverTheZone() {
        #expect(UTCTime.seconds(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0) == 0)
        #expect(UTCTime.seconds(year: 2000, month: 2, day: 29, hour: 0, minute: 0, second: 0) == 951_782_400)
        #expect(UTCTime.seconds(year: 2026, month: 11, day: 18, hour: 11, minute: 6, second: 40) == 1_795_000_000)
        #expect(UTCTime.seconds(year: 1900, month: 2, day: 29, hour: 0, minute: 0, second: 0) == nil)
        #expect(UTCTime.seconds(year: 2026, month: 4, day: 31, hour: 0, minute: 0, second: 0) == nil)
        #expect(UTCTime.seconds(year: 2026, month: 1, day: 1, hour: 24, minute: 0, second: 0) == nil)
        var leapDay = example
        leapDay.approved = Date(timeIntervalSince1970: 951_782_400)  // 2000-02-29T00:00:00Z
        #expect(leapDay.rendered().contains("approved = 2000-02-29T00:00:00Z\n"))
        #expect(Status(parsing: leapDay.rendered()) == leapDay)
        // An offset is applied by the TOML reading.
        let text = example.rendered().replacingOccurrences(of: "Z\n", with: "+02:00\n")
        let shifted = Status(parsing: text)
        #expect(shifted?.updated == example.updated.addingTimeInterval(-7200), "\(text)")
    }

    @Test func aBuildingStatusRoundTripsWithItsPhase() throws {
        var building = example
        building.stage = .saved
        building.state = .building
        building.environment = nil
        building.python = nil
        building.phase = .installing
        building.message = "installing: 12 of 40 distributions; follow it with `kiln logs churn --follow`"
        let text = building.rendered()
        #expect(text.contains("\nphase = \"installing\"\n"))
        let keys = text.split(separator: "\n").map { $0.split(separator: " ")[0] }
        #expect(keys == ["stage", "state", "spec_sha256", "build", "phase", "updated", "message"])
        #expect(Status(parsing: text) == building)
    }

    /// A phase this version does not know (a newer daemon's) leaves the rest of the status readable.
    @Test func anUnknownPhaseIsNoPhase() throws {
        let text = example.rendered() + "phase = \"compiling\"\n"
        #expect(Status(parsing: text) == example)
    }

    @Test func awkwardMessagesSurviveTheRoundTrip() throws {
        var s = example
        s.message = "quote \" backslash \\ tab \t newline \n bell \u{07} ünïcödé"
        #expect(Status(parsing: s.rendered())?.message == s.message)
    }

    @Test(arguments: [
        "", "stage = \"draft\"", "state = \"ready\"", "stage = \"attic\"\nstate = \"ready\"", "not toml ===",
    ])
    func garbageIsNoStatus(_ text: String) {
        #expect(Status(parsing: text) == nil)
    }

    @Test func everyStateHasItsProtocolSpelling() {
        #expect(
            EnvironmentState.allCases.map(\.rawValue) == [
                "saved", "queued", "building", "failed", "invalid", "ready", "rejected", "awaiting-approval",
                "published",
            ]
        )
    }
}

@Suite("workspace.toml (protocol section 6)")
struct WorkspaceSettingsTests {
    @Test func theProtocolExampleParses() throws {
        let s = try WorkspaceSettings.parse(
            """
            [daemon]
            rescan_interval = "30s"
            settle = "200ms"
            [build]
            on_save = "wait"
            concurrency = 3
            timeout = "30m"
            index_url = "https://mirror.example/simple"
            find_links = ["/srv/wheels", "wheels"]
            only_binary = true
            [python]
            "3.11" = "/usr/bin/python3.11"
            """,
            path: "workspace.toml",
            workspaceRoot: "/ws"
        )
        #expect(s.rescanInterval == .every(.seconds(30)))
        #expect(s.settle == .milliseconds(200))
        #expect(s.onSave == .wait)
        #expect(s.concurrency == 3)
        #expect(s.timeout == .seconds(1800))
        #expect(s.findLinks == ["/srv/wheels", "/ws/wheels"])
        #expect(s.onlyBinary)
        #expect(s.pythons == ["3.11": "/usr/bin/python3.11"])
        #expect(s.skipImportCheck.isEmpty)
    }

    @Test func skipImportCheckHoldsNormalisedNames() throws {
        let s = try WorkspaceSettings.parse(
            "[build]\nskip_import_check = [\"Torch\", \"nvidia_cudnn.CU12\"]\n",
            path: "workspace.toml",
            workspaceRoot: "/ws"
        )
        #expect(s.skipImportCheck == ["torch", "nvidia-cudnn-cu12"])
    }

    @Test(arguments: [
        ("[daemon]\nsettle = 5\n", "must be a duration"),
        ("[daemon]\nsetle = \"1s\"\n", "did you mean 'settle'?"),
        ("[build]\non_save = \"later\"\n", "\"build\" or \"wait\""),
        ("[build]\nconcurrency = 0\n", "from 1 to 64"),
        ("[biuld]\n", "did you mean [build]?"),
        ("[python]\n\"3.11\" = \"python3.11\"\n", "absolute interpreter path"),
        ("[policy]\nallowed = [\"pandas==2\"]\n", "distribution names such as"),
        ("[policy]\nblocked = \"numpy\"\n", "'blocked' must be a list"),
        ("[policy]\nrequired = [\"-e .\"]\n", "[policy] required:"),
        ("[policy]\ndirect_urls = \"yes\"\n", "'direct_urls' must be true or false"),
        ("[policy]\nalowed = []\n", "did you mean 'allowed'?"),
        ("[build]\nskip_import_check = \"torch\"\n", "line 2: 'skip_import_check' must be a list of library names"),
        ("[build]\nskip_import_check = [\"torch\", 3]\n", "must be a list of library names, such as [\"torch\"]"),
        ("[build]\nskip_import_check = [\"torch>=2\"]\n", "library names alone, such as \"torch\", not \"torch>=2\""),
        ("[build]\nskip_import_check = [\"\"]\n", "not \"\""),
        ("[build]\nskip_import_chek = []\n", "did you mean 'skip_import_check'?"),
    ])
    func mistakesAreNamed(_ text: String, _ says: String) {
        #expect {
            try WorkspaceSettings.parse(text, path: "workspace.toml", workspaceRoot: "/ws")
        } throws: { error in
            (error as? SpecProblem).map { "\($0)".contains(says) || $0.message.contains(says) } == true
        }
    }

    @Test func policyIsReadNormalised() throws {
        let text = """
            [policy]
            allowed = ["Scikit_Learn", "pandas"]
            blocked = ["evil.pkg"]
            required = ["ipykernel>=6"]
            direct_urls = true
            """
        let policy = try WorkspaceSettings.parse(text, path: "workspace.toml", workspaceRoot: "/ws").policy
        #expect(policy.allowed == ["scikit-learn", "pandas"])
        #expect(policy.blocked == ["evil-pkg"])
        #expect(policy.required.map(\.name) == ["ipykernel"])
        #expect(policy.directURLs)
    }

    @Test(arguments: [
        ("200ms", 200), ("30s", 30_000), ("30m", 1_800_000), ("1h", 3_600_000), ("0s", 0), ("1.5s", 1500),
        ("14d", 1_209_600_000), ("0.5d", 43_200_000), ("0d", 0),
    ])
    func durations(_ text: String, _ ms: Int64) {
        #expect(DurationText.parse(text) == .milliseconds(ms))
    }

    /// Found by `scripts/fuzz.sh`: a number of milliseconds beyond Int64 trapped in the conversion, so such a
    /// `rescan_interval` stopped the daemon at start instead of being refused with a message.
    @Test(arguments: ["3222222222222222222222222222220s", "1e300ms", "106751991167301d", "9223372036854775808ms"])
    func durationsTooLongAreNoDurations(_ text: String) throws {
        #expect(DurationText.parse(text) == nil)
        let toml = "[daemon]\nrescan_interval = \"\(text)\"\n"
        #expect(throws: SpecProblem.self) {
            try WorkspaceSettings.parse(toml, path: "workspace.toml", workspaceRoot: "/w")
        }
    }

    @Test func durationsAreWrittenInTheirLargestUnit() {
        #expect(DurationText.text(.seconds(14 * 86_400)) == "14d")
        #expect(DurationText.text(.seconds(90)) == "90s")
        #expect(DurationText.text(.milliseconds(200)) == "200ms")
        #expect(DurationText.text(.seconds(1800)) == "30m")
        #expect(DurationText.text(.zero) == "0s")
    }

    @Test(arguments: ["14", "d", "-1d", "14days", "two weeks", "1w"])
    func notDurations(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func keepIsFourteenDaysUnlessSet() throws {
        #expect(WorkspaceSettings().keep == .seconds(14 * 24 * 3600))
        let set = try WorkspaceSettings.parse("[build]\nkeep = \"0s\"\n", path: "workspace.toml", workspaceRoot: "/ws")
        #expect(set.keep == .zero)
        #expect(throws: SpecProblem.self) {
            try WorkspaceSettings.parse("[build]\nkeep = 14\n", path: "workspace.toml", workspaceRoot: "/ws")
        }
    }
}
