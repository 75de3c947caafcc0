import Foundation
import KilnProtocol
import KilnWorkspace
import PropertyBased
import Testing

/// Random sequences of what people do (saves, edits in every stage, every `mv`, `cp -r` from outside, `rm -rf`,
/// several at once) against a real `kiln serve` on a temporary workspace; once the daemon has answered everything,
/// the protocol's invariants must hold (`ProtocolInvariants`).
///
/// Each run is one generated `ActionPlan` on a new workspace. `KILN_PROPERTY_RUNS` (default 4) and
/// `KILN_PROPERTY_STEPS` (batches a run, default 8) size it; `scripts/long-tests.sh` runs 40 of 12. A failure prints
/// the plan, what each action did, the journal and the daemon's log, and PropertyBased prints the seed:
/// `KILN_PROPERTY_SEED=<that seed>` replays the plan (the daemon's timing may still differ). Shrinking is off: every
/// candidate is a whole daemon run of many seconds, and whether it fails depends on timing, so a shrunk plan would
/// cost minutes and could mislead; `KILN_PROPERTY_SHRINK=1` turns it on for a person with the time.
@Suite("kiln serve: random user actions keep the protocol's invariants", .serialized)
struct PropertyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let runs = Int(environment["KILN_PROPERTY_RUNS"] ?? "") ?? 4
    static let batches = Int(environment["KILN_PROPERTY_STEPS"] ?? "") ?? 8

    @Test(.shrinking(environment["KILN_PROPERTY_SHRINK"] == "1"))
    func randomUserActionsKeepTheInvariants() async throws {
        let plans = ActionPlan.generator(batches: Self.batches)
        if let seed = Self.environment["KILN_PROPERTY_SEED"] {
            guard var rng = Xoshiro(seed: seed) else {
                Issue.record("KILN_PROPERTY_SEED=\(seed) is not a seed PropertyBased printed (base64 of 32 bytes)")
                return
            }
            let plan = plans.run(using: &rng)
            print("property test: replaying KILN_PROPERTY_SEED=\(seed):\n\(plan)")
            try await Self.check(plan, seed: seed)
            return
        }
        print("property test: \(Self.runs) runs of \(Self.batches) batches")
        await propertyCheck(count: Self.runs, input: plans) { plan in
            try await Self.check(plan, seed: nil)
        }
    }

    /// One run: a new workspace and daemon, the plan's actions, a wait for quiet, the invariants.
    static func check(_ plan: ActionPlan, seed: String?) async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try await ws.waitForLog("watching", timeout: .seconds(60))
        let runner = try ActionRunner(ws: ws)
        try await runner.prepare()
        try await runner.run(plan)
        // What the run exercised, so a person can tell a run that moved things along from one that mostly skipped.
        let did = { (marker: String) in runner.log.filter { $0.contains(marker) }.count }
        print(
            "property run: \(runner.log.count - did("setup:")) actions, \(did("skipped")) skipped; \(did(": mv ")) moves, "
                + "\(did("rm -rf")) removals, \(did("exit 0: rolled back")) rollbacks carried out"
        )
        let notQuiet = await WorkspaceQuiet.wait(ws, timeout: .seconds(120))
        var failures = notQuiet.map { "the workspace never became quiet: \($0)" }
        if notQuiet.isEmpty { failures += ProtocolInvariants(ws: ws, runner: runner).violations() }
        if !ws.daemonIsRunning { failures.append("the daemon died") }
        var unknown = 0
        for failure in failures {
            if let known = knownIssues.first(where: { $0.applies(failure) }) {
                // A warning, not a failure: PropertyBased counts known issues as failures, and these are reported.
                Issue.record("known daemon bug, not yet fixed: \(known.comment)\n\(failure)", severity: .warning)
            } else {
                Issue.record("\(failure)")
                unknown += 1
            }
        }
        if unknown > 0 { Issue.record("\(report(plan, seed: seed, runner: runner, ws: ws))") }
        ws.stop()
    }

    /// A violation the daemon is known to commit, reported and not yet fixed: recorded as a warning, so that it
    /// stays visible in the output without failing the run, while every other violation still fails it.
    struct KnownIssue: Sendable {
        var comment: String
        var applies: @Sendable (_ failure: String) -> Bool
    }

    static let knownIssues: [KnownIssue] = [
        KnownIssue(
            comment:
                "rule 7: a folder copied into saved/ with a `failed` status from another workspace is taken for this "
                + "workspace's own failed build: never built, and its arrival never journaled"
        ) { failure in failure.contains("(saved, failed: from another workspace)") }
    ]

    /// What a person needs to replay and understand a failure.
    static func report(_ plan: ActionPlan, seed: String?, runner: ActionRunner, ws: TestWorkspace) -> String {
        let copies = UserAction.names.flatMap { WorkspaceReader(layout: ws.layout).copies(of: $0) }.map {
            "  \($0.location): \($0.status.map { "\($0.stage.rawValue) \($0.state.rawValue): \($0.message)" } ?? "no status")"
        }
        let journal = (WorkspaceFiles.readText(ws.layout.journal) ?? "").split(separator: "\n").map { "  \($0)" }
        let seedText = seed ?? "<the seed in PropertyBased's `.fixedSeed(...)` line>"
        return """
            replay: KILN_PROPERTY_SEED='\(seedText)' KILN_PROPERTY_STEPS=\(batches) \
            swift test --skip-build --filter PropertyTests
            the plan:
            \(plan)
            what each action did:
            \(runner.log.joined(separator: "\n"))
            the copies now:
            \(copies.joined(separator: "\n"))
            the journal:
            \(journal.joined(separator: "\n"))
            the daemon's log (end):
            \(ws.daemonOutputForReport)
            """
    }
}
