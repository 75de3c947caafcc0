import Foundation
import Testing

@testable import KilnProtocol

@Suite("collection: what kiln gc removes")
struct CollectionPlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 24 * 3600
    static let keep: Duration = .seconds(14 * 24 * 3600)

    func plan(
        _ entries: [CollectionEntry],
        referenced: Set<String> = [],
        buildRunning: Bool = false,
        keep: Duration = CollectionPlanTests.keep
    ) -> CollectionPlan {
        CollectionPlan.decide(
            entries: entries,
            referenced: referenced,
            buildRunning: buildRunning,
            now: CollectionPlanTests.now,
            keep: keep
        )
    }

    func env(
        _ name: String,
        registered: Bool = true,
        locked: Bool = false,
        daysUnreferenced: Double? = nil,
        pythons: Set<String> = []
    ) -> CollectionEntry {
        CollectionEntry(
            kind: .environment,
            name: name,
            registered: registered,
            locked: locked,
            unreferencedSince: daysUnreferenced.map {
                CollectionPlanTests.now.addingTimeInterval(-$0 * CollectionPlanTests.day)
            },
            pythons: pythons
        )
    }

    func python(_ name: String, daysUnreferenced: Double? = nil) -> CollectionEntry {
        CollectionEntry(
            kind: .python,
            name: name,
            unreferencedSince: daysUnreferenced.map {
                CollectionPlanTests.now.addingTimeInterval(-$0 * CollectionPlanTests.day)
            }
        )
    }

    @Test func aReferencedEnvironmentStaysUnmarked() {
        let p = plan([env("a")], referenced: ["a"])
        #expect(p == CollectionPlan())
    }

    @Test func theFirstCollectionToFindItUnreferencedMarksIt() {
        let p = plan([env("a")])
        #expect(p.remove.isEmpty)
        #expect(p.mark == [env("a")])
        #expect(
            p.waiting == [
                .init(entry: env("a"), until: CollectionPlanTests.now.addingTimeInterval(14 * CollectionPlanTests.day))
            ]
        )
    }

    @Test(arguments: [(13.9, false), (14.0, true), (30.0, true)])
    func itGoesOnceUnreferencedForKeep(_ days: Double, _ goes: Bool) {
        let p = plan([env("a", daysUnreferenced: days)])
        #expect(p.mark.isEmpty)
        #expect(p.remove.map(\.entry.name) == (goes ? ["a"] : []))
        #expect(p.waiting.count == (goes ? 0 : 1))
    }

    @Test func referredToAgainItIsUnmarked() {
        let p = plan([env("a", daysUnreferenced: 30)], referenced: ["a"])
        #expect(p.remove.isEmpty)
        #expect(p.unmark.map(\.name) == ["a"])
    }

    @Test func keepZeroCollectsAtOnceWithoutAMark() {
        let p = plan([env("a"), env("b")], referenced: ["b"], keep: .zero)
        #expect(p.remove == [.init(entry: env("a"), reason: .unreferenced(since: nil))])
        #expect(p.mark.isEmpty)
    }

    @Test func toolCopiesAgeUnlessAJobNamesThemOrABuildRuns() {
        let named = CollectionEntry(kind: .tool, name: "kiln-a", unreferencedSince: CollectionPlanTests.now)
        let fresh = CollectionEntry(kind: .tool, name: "uv-b")
        let old = CollectionEntry(
            kind: .tool,
            name: "kiln-c",
            unreferencedSince: CollectionPlanTests.now.addingTimeInterval(-15 * CollectionPlanTests.day)
        )
        let p = CollectionPlan.decide(
            entries: [named, fresh, old],
            referenced: [],
            buildRunning: false,
            now: CollectionPlanTests.now,
            keep: CollectionPlanTests.keep,
            toolsInUse: ["kiln-a"]
        )
        #expect(p.unmark == [named])
        #expect(p.mark == [fresh])
        #expect(p.remove == [.init(entry: old, reason: .unreferenced(since: old.unreferencedSince))])
        // While a build runs, a job may be choosing one: nothing is marked or removed.
        let running = CollectionPlan.decide(
            entries: [named, fresh, old],
            referenced: [],
            buildRunning: true,
            now: CollectionPlanTests.now,
            keep: .zero
        )
        #expect(running.remove.isEmpty && running.mark.isEmpty)
    }

    @Test func aRunningBuildIsNeverRemoved() {
        // Unregistered and locked: a build writing into it now.
        let building = env("a", registered: false, locked: true)
        // Registered and locked: a build of the same key about to say "already built".
        let reused = env("b", locked: true, daysUnreferenced: 30)
        let p = plan([building, reused], keep: .zero)
        #expect(p.remove.isEmpty)
        #expect(p.unmark == [reused])
    }

    @Test func anInterruptedBuildGoesAtOnce() {
        let p = plan([env("a", registered: false)], referenced: ["a"])
        #expect(p.remove == [.init(entry: env("a", registered: false), reason: .interrupted)])
    }

    @Test func scratchGoesUnlessItsBuildRuns() {
        let p = plan([
            CollectionEntry(kind: .scratch, name: "a", registered: false, locked: true),
            CollectionEntry(kind: .scratch, name: "b", registered: false),
            CollectionEntry(kind: .leftover, name: ".gc-environment-c-1", registered: false),
        ])
        #expect(p.remove.map(\.entry.name) == [".gc-environment-c-1", "b"])
        #expect(p.remove.map(\.reason) == [.leftover, .interrupted])
    }

    @Test func aPythonIsKeptWhileAStayingEnvironmentUsesIt() {
        let p = plan(
            [env("a", pythons: ["python3.11-x"]), python("python3.11-x", daysUnreferenced: 30)],
            referenced: ["a"]
        )
        #expect(p.remove.isEmpty)
        #expect(p.unmark.map(\.name) == ["python3.11-x"])
    }

    @Test func anEnvironmentBeingBuiltKeepsItsPython() {
        let p = plan(
            [env("a", registered: false, locked: true, pythons: ["p"]), python("p", daysUnreferenced: 30)],
            keep: .zero
        )
        #expect(p.remove.isEmpty)
    }

    @Test func aPythonStartsAgingWhenItsLastEnvironmentGoes() {
        let p = plan([env("a", daysUnreferenced: 20, pythons: ["p"]), python("p")])
        #expect(p.remove.map(\.entry.name) == ["a"])
        #expect(p.mark.map(\.name) == ["p"])
        let atOnce = plan([env("a", pythons: ["p"]), python("p")], keep: .zero)
        #expect(atOnce.remove.map(\.entry.name) == ["a", "p"])
    }

    @Test func noPythonGoesWhileABuildRuns() {
        let p = plan([python("p", daysUnreferenced: 30), python("q")], buildRunning: true, keep: .zero)
        #expect(p.remove.isEmpty)
        #expect(p.mark.isEmpty)
    }

    @Test func referencesAreFoundAsPathsInAnyText() {
        let status = """
            stage = "published"
            environment = "/srv/ws/.kiln/envs/abc123"
            python = "/srv/ws/.kiln/envs/abc123/bin/python"
            """
        #expect(CollectionReferences.environments(in: status) == ["abc123"])
        let kernel = #"{"argv": ["/ws/.kiln/envs/k1/bin/python", "-m"], "x": "/ws/.kiln/envs/k2"}"#
        #expect(CollectionReferences.environments(in: kernel) == ["k1", "k2"])
        #expect(
            CollectionReferences.pythons(in: "home = /ws/.kiln/pythons/python3.11-0123456789ab/bin\n") == [
                "python3.11-0123456789ab"
            ]
        )
        #expect(CollectionReferences.environments(in: "garbage /.kiln/envs/ and /.kiln/envs/..") == [])
    }
}
