import Foundation
import KilnProtocol
import Testing

/// `kiln diff` and a submission's `changes`: what one version changes against another.
@Suite("EnvironmentDiff: the spec's fields and every distribution of the locks")
struct EnvironmentDiffTests {
    static func spec(_ libraries: [String], base: String = "python:3.11", fullName: String? = nil) -> [UInt8] {
        var text = "base = \"\(base)\"\nlibraries = [" + libraries.map { "\"\($0)\"" }.joined(separator: ", ") + "]\n"
        if let fullName { text = "full_name = \"\(fullName)\"\n" + text }
        return Array(text.utf8)
    }

    static func lock(_ pins: [String]) -> String {
        pins.map { "\($0) \\\n    --hash=sha256:" + String(repeating: "a", count: 64) + "\n    # via x\n" }.joined()
    }

    static func diff(_ old: [String], _ new: [String]) -> EnvironmentDiff {
        EnvironmentDiff(
            from: ReviewedVersion(spec: spec([]), lock: lock(old), label: "old"),
            to: ReviewedVersion(spec: spec([]), lock: lock(new), label: "new")
        )
    }

    @Test func locksReadAsPinsByCanonicalName() {
        let text = """
            # uv pip compile
            NumPy==2.1.0 \\
                --hash=sha256:\(String(repeating: "a", count: 64)) \\
                --hash=sha256:\(String(repeating: "b", count: 64))
                # via pandas
            scikit_learn==1.5.2 ; python_version >= "3.9"
            --index-url https://mirror.example/simple
            foo>=1.0
            bar @ https://example.com/bar.whl
            scikit-learn==9.9
            """
        #expect(LockPins.read(text) == ["numpy": "2.1.0", "scikit-learn": "1.5.2"])
        #expect(LockPins.read(Array([0xFF, 0x0A] + Array("a==1\n".utf8))) == ["a": "1"])
    }

    @Test func everyKindOfChangeInAStableOrder() {
        let d = EnvironmentDiffTests.diff(
            ["numpy==1.26.4", "six==1.16.0", "pytz==2024.1", "same==1.0"],
            ["numpy==2.1.0", "pytz==2023.4", "same==1.0.0", "requests==2.32.3", "certifi==2024.8.30"]
        )
        #expect(
            d.changes == [
                DistributionChange(name: "certifi", kind: .added, old: nil, new: "2024.8.30"),
                DistributionChange(name: "requests", kind: .added, old: nil, new: "2.32.3"),
                DistributionChange(name: "six", kind: .removed, old: "1.16.0", new: nil),
                DistributionChange(name: "numpy", kind: .upgraded, old: "1.26.4", new: "2.1.0"),
                DistributionChange(name: "pytz", kind: .downgraded, old: "2024.1", new: "2023.4"),
            ]
        )
        #expect(d.summary == "2 added, 1 removed, 1 upgraded, 1 downgraded")
        #expect(d.pinned == 5)
    }

    @Test(arguments: [
        ("1.0", "1!0.1", DistributionChange.Kind.upgraded), ("2.0rc1", "2.0", .upgraded),
        ("2.0", "2.0rc1", .downgraded),
        ("2.0.dev1", "2.0a1", .upgraded), ("2.0", "2.0.post1", .upgraded), ("2.0+local", "2.0", .downgraded),
        ("1.10", "1.9", .downgraded), ("2!1.0", "1!9.0", .downgraded),
    ])
    func epochsAndPreReleasesOrderAsPEP440(_ old: String, _ new: String, _ kind: DistributionChange.Kind) {
        let d = EnvironmentDiffTests.diff(["x==\(old)"], ["x==\(new)"])
        #expect(d.changes.map(\.kind) == [kind])
    }

    @Test func aRenamedSpellingIsTheSameDistribution() {
        let d = EnvironmentDiffTests.diff(
            ["Scikit_Learn==1.5.2", "ruamel.yaml==0.18.6"],
            ["scikit-learn==1.5.2", "Ruamel-YAML==0.18.6"]
        )
        #expect(d.changes.isEmpty)
        #expect(d.summary == "no change in distributions")
        let libraries = EnvironmentDiff(
            from: ReviewedVersion(spec: EnvironmentDiffTests.spec(["Scikit_Learn >= 1.0"]), lock: "", label: "a"),
            to: ReviewedVersion(spec: EnvironmentDiffTests.spec(["scikit-learn>=1.0"]), lock: "", label: "b")
        )
        #expect(libraries.spec == [])
    }

    @Test func specFieldsAndLibraries() {
        let d = EnvironmentDiff(
            from: ReviewedVersion(
                spec: EnvironmentDiffTests.spec(["pandas==2.2.2", "six"], fullName: "Churn"),
                lock: "",
                label: "published"
            ),
            to: ReviewedVersion(
                spec: EnvironmentDiffTests.spec(["pandas==2.2.3", "requests>=2"], base: "python:3.12"),
                lock: "",
                label: "draft"
            )
        )
        #expect(
            d.rendered(name: "churn") == """
                churn: published -> draft

                spec: 5 changes
                  full_name         removed: "Churn"
                  base              python:3.11 -> python:3.12
                  library pandas    pandas==2.2.2 -> pandas==2.2.3
                  library requests  added: requests>=2
                  library six       removed: six

                distributions: no change in distributions (full_name, base, libraries changed) (0 pinned)

                """
        )
    }

    @Test func aVersionNotBuiltSaysSo() {
        let built = ReviewedVersion(
            spec: EnvironmentDiffTests.spec(["a"]),
            lock: EnvironmentDiffTests.lock(["a==1"]),
            label: "published"
        )
        let unbuilt = ReviewedVersion(spec: EnvironmentDiffTests.spec(["a", "b"]), lock: nil, label: "saved")
        let d = EnvironmentDiff(from: built, to: unbuilt)
        #expect(d.changes.isEmpty)
        #expect(d.pinned == nil)
        #expect(d.summary == "saved is not built, so there are no distributions to compare")
        #expect(d.spec?.map(\.subject) == ["library b"])
        #expect(EnvironmentDiff(from: unbuilt, to: built).summary.hasPrefix("saved is not built"))
    }

    @Test func nothingPublishedMeansEverythingIsAdded() {
        let new = ReviewedVersion(
            spec: EnvironmentDiffTests.spec(["a"]),
            lock: EnvironmentDiffTests.lock(["a==1", "b==2"]),
            label: "draft"
        )
        let d = EnvironmentDiff(from: .nothing("nothing published"), to: new)
        #expect(d.summary == "2 added")
        #expect(d.spec?.map(\.subject) == ["base", "library a"])
    }

    @Test func aSpecThatIsNotTOMLIsSaidToBe() {
        let d = EnvironmentDiff(
            from: ReviewedVersion(spec: Array("base = [".utf8), lock: "", label: "a"),
            to: ReviewedVersion(spec: EnvironmentDiffTests.spec([]), lock: "", label: "b")
        )
        #expect(d.spec == nil)
        #expect(d.rendered(name: "x").contains("not valid TOML"))
    }

    @Test func aSubmissionsSummary() {
        let pending = (
            spec: Optional(EnvironmentDiffTests.spec(["a"])),
            lock: Optional(EnvironmentDiffTests.lock(["a==2", "b==1"])), specSHA256: Optional("ab")
        )
        let first = SubmissionReview(name: "x", pending: pending, published: nil)
        #expect(first.message.hasPrefix("awaiting approval: a new environment of 2 distributions; "))
        var status = Status(stage: .published, state: .published, updated: Date(timeIntervalSince1970: 0))
        status.approved = Date(timeIntervalSince1970: 1_795_000_000)
        let update = SubmissionReview(
            name: "x",
            pending: pending,
            published: (
                status: status, spec: EnvironmentDiffTests.spec(["a"]), lock: EnvironmentDiffTests.lock(["a==1"])
            )
        )
        #expect(
            update.message
                == "awaiting approval: 1 added, 1 upgraded, against the published version of 2026-11-18; the whole "
                + "diff is in pending/x/changes; an admin approves it with `mv pending/x published/x` or `kiln approve x`"
        )
        #expect(update.changes == Array(update.diff.rendered(name: "x").utf8))
    }
}
