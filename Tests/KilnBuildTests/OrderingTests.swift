import Testing

@testable import KilnBuild

/// What the build layer lists for people: interpreters in version order, step times a person can read.
struct OrderingTests {
    @Test func interpreterVersionsAreListedInNumericOrder() {
        #expect(
            PythonFinder.sortedVersions(["3.13", "2.7", "3.10", "3.9", "3.6", "3.11"])
                == ["2.7", "3.6", "3.9", "3.10", "3.11", "3.13"]
        )
        #expect(PythonFinder.sortedVersions(["3.10", "custom", "3.9"]) == ["3.9", "3.10", "custom"])
    }

    @Test func sortedInterpretersFollowTheVersionsAndKeepOverrides() {
        let finder = PythonFinder(environment: ["PATH": "", "HOME": "/nonexistent"])
        let listed = finder.sortedInterpreters(overrides: [
            "3.10": "/opt/py310/bin/python", "3.9": "/opt/py39/bin/python",
        ])
        let versions = listed.map(\.version)
        #expect(versions == PythonFinder.sortedVersions(versions))
        #expect(listed.first { $0.version == "3.10" }?.path == "/opt/py310/bin/python")
        #expect(versions.firstIndex(of: "3.9")! < versions.firstIndex(of: "3.10")!)
    }

    @Test func pyenvFoldersAreNewestFirstByNumber() {
        #expect(
            PythonFinder.newestFirst(["3.9.18", "3.13.0", "3.11.7", "3.11.10"])
                == ["3.13.0", "3.11.10", "3.11.7", "3.9.18"]
        )
    }

    @Test(arguments: [
        (Duration.milliseconds(123), "0.12 s"),
        (Duration.nanoseconds(68_023_797), "0.07 s"),
        (Duration.seconds(2) + .milliseconds(16), "2.02 s"),
        (Duration.seconds(125), "125.00 s"),
    ])
    func stepTimesAreRounded(duration: Duration, shown: String) {
        #expect(BuildLog.seconds(duration) == shown)
    }
}
