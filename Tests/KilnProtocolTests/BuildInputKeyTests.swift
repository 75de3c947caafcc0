import Testing

@testable import KilnProtocol

/// The store key is made of what determines a build's result (issue 8: "inputs, not bytes").
@Suite("build inputs: what keys the environment store")
struct BuildInputKeyTests {
    static func spec(_ text: String) throws -> Spec {
        try Spec.parse(.contents(Array(text.utf8)), path: "spec.toml", directoryName: "x", pythons: ["3.11"]).get()
    }

    static func key(
        _ text: String,
        settings: WorkspaceSettings = WorkspaceSettings(),
        python: String? = "3.11.7"
    )
        throws -> String
    {
        BuildInputs(spec: try spec(text), settings: settings, pythonVersion: python).key
    }

    static let base = "base = \"python:3.11\"\nlibraries = [\"pandas>=2.0\", \"numpy<2\"]\n"

    @Test func namesDescriptionsCommentsAndOrderDoNotCount() throws {
        let same = [
            "full_name = \"Churn\"\n" + BuildInputKeyTests.base,
            BuildInputKeyTests.base + "description = \"models\"\n# a comment\n",
            "base = \"python:3.11\"\nlibraries = [\"numpy<2\", \"pandas>=2.0\"]\n",
            "base = \"python:3.11\"\nlibraries = [\"Pandas >= 2.0\", \"NumPy < 2\"]\n",
        ]
        let expected = try BuildInputKeyTests.key(BuildInputKeyTests.base)
        for text in same { #expect(try BuildInputKeyTests.key(text) == expected, "\(text)") }
    }

    @Test func everyInputCounts() throws {
        let expected = try BuildInputKeyTests.key(BuildInputKeyTests.base)
        #expect(
            try BuildInputKeyTests.key(BuildInputKeyTests.base.replacingOccurrences(of: "numpy<2", with: "numpy<3"))
                != expected
        )
        #expect(try BuildInputKeyTests.key(BuildInputKeyTests.base, python: "3.11.9") != expected)
        var settings = WorkspaceSettings()
        settings.onlyBinary = true
        #expect(try BuildInputKeyTests.key(BuildInputKeyTests.base, settings: settings) != expected)
        settings = WorkspaceSettings()
        settings.policy.required = [try Requirement(parsing: "ipykernel")]
        #expect(try BuildInputKeyTests.key(BuildInputKeyTests.base, settings: settings) != expected)
        settings = WorkspaceSettings()
        settings.findLinks = ["/srv/wheels"]
        #expect(try BuildInputKeyTests.key(BuildInputKeyTests.base, settings: settings) != expected)
        settings = WorkspaceSettings()
        settings.indexURL = "https://mirror.example/simple"
        #expect(try BuildInputKeyTests.key(BuildInputKeyTests.base, settings: settings) != expected)
        let lock = Array("pandas==2.2.3 --hash=sha256:\(String(repeating: "0", count: 64))\n".utf8)
        #expect(
            BuildInputs(
                spec: try BuildInputKeyTests.spec(BuildInputKeyTests.base),
                settings: WorkspaceSettings(),
                pythonVersion: "3.11.7",
                lock: lock
            ).key != expected
        )
    }

    @Test func settingsThatDoNotChangeTheResultDoNotCount() throws {
        let expected = try BuildInputKeyTests.key(BuildInputKeyTests.base)
        var settings = WorkspaceSettings()
        settings.concurrency = 7
        settings.skipImportCheck = ["pandas"]
        settings.policy.blocked = ["evil"]
        settings.onSave = .wait
        #expect(try BuildInputKeyTests.key(BuildInputKeyTests.base, settings: settings) == expected)
    }

    @Test func aStatusNamesItsBuildByTheEnvironmentFolder() {
        #expect(BuildInputs.key(ofEnvironment: "/srv/ws/.kiln/envs/abc123") == "abc123")
        #expect(BuildInputs.key(ofEnvironment: "/srv/ws/.kiln/envs/abc123/") == "abc123")
        #expect(BuildInputs.key(ofEnvironment: "abc123") == "abc123")
        #expect(BuildInputs.key(ofEnvironment: "/srv//ws/é-ß//") == "é-ß")
        #expect(BuildInputs.key(ofEnvironment: "/") == "")
        #expect(BuildInputs.key(ofEnvironment: "") == "")
    }

    @Test func hashesAreLowerCaseHex() {
        #expect(SHA256Hex.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hex.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    static let hash = String(repeating: "a", count: 64)
    static let locks: [(String, String?)] = [
        ("pandas==2.2.3 \\\n    --hash=sha256:\(hash)\n    # via x\n", nil),
        ("pandas==2.2.3\n", "has no --hash=sha256:"),
        ("--index-url https://evil.invalid/simple\n", "is not a pinned requirement"),
        ("pandas>=2 --hash=sha256:\(hash)\n", "is not pinned to one version"),
        ("pandas==2.* --hash=sha256:\(hash)\n", "is not pinned to one version"),
        ("pandas==2 --hash=md5:abc\n", "is not a --hash=sha256:"),
        ("# nothing\n", "pins nothing"),
    ]

    @Test(arguments: BuildInputKeyTests.locks)
    func locksAreOnlyHashedPins(_ text: String, _ problem: String?) {
        let found = LockFile.problem(Array(text.utf8), path: "saved/x/requirements.lock")
        if let problem {
            #expect(found?.contains(problem) == true, "\(found ?? "accepted")")
        } else {
            #expect(found == nil, "\(found ?? "")")
        }
    }
}
