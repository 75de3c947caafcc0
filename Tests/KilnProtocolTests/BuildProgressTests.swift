import Foundation
import Testing

@testable import KilnProtocol

/// † A building status says what its build is doing: `phase`, and the counts at the start of `message`.
@Suite("build progress in the status")
struct BuildProgressTests {
    /// A copy whose build has started, and the decision's actions after each report.
    static func building() -> FakeWorkspace {
        var ws = FakeWorkspace()
        ws.put(.saved)
        ws.settle()
        ws.activeBuild?.started = true
        ws.settle()
        return ws
    }

    static func statusWrites(_ actions: [Action]) -> [Status] {
        actions.compactMap { if case .writeStatus(_, let status) = $0 { status } else { nil } }
    }

    @Test func theStatusShowsThePhaseAndTheCounts() throws {
        var ws = BuildProgressTests.building()
        #expect(ws.at(.saved)?.status?.state == .building)
        #expect(ws.at(.saved)?.status?.phase == nil)
        ws.activeBuild?.progress = BuildProgress(.installing, done: 12, total: 40)
        let actions = ws.decide()
        let status = try #require(BuildProgressTests.statusWrites(actions).first)
        #expect(status.state == .building)
        #expect(status.phase == .installing)
        #expect(
            status.message
                == "installing: 12 of 40 distributions; follow it with `tail -f logs/build-1.log` or "
                + "`kiln logs churn --follow`"
        )
        // A phase is not a transition: the journal records the start of the build, not each step of it.
        #expect(!actions.contains { if case .record = $0 { true } else { false } })
        #expect(BuildProgress(status) == BuildProgress(.installing, done: 12, total: 40))
    }

    @Test func anUnchangedProgressWritesNothing() {
        var ws = BuildProgressTests.building()
        ws.activeBuild?.progress = BuildProgress(.downloading, total: 40)
        ws.settle()
        #expect(ws.at(.saved)?.status?.phase == .downloading)
        ws.now += 5
        #expect(ws.decide().isEmpty)
        ws.activeBuild?.progress = BuildProgress(.verifying, done: 3, total: 5)
        #expect(BuildProgressTests.statusWrites(ws.decide()).map(\.phase) == [.verifying])
    }

    @Test func thePhaseEndsWithTheBuild() {
        var ws = BuildProgressTests.building()
        ws.activeBuild?.progress = BuildProgress(.installing, done: 40, total: 40)
        ws.settle()
        #expect(ws.at(.saved)?.status?.phase == .installing)
        ws.activeBuild = nil
        ws.registerBuild()
        ws.settle()
        #expect(ws.at(.draft)?.status?.state == .ready)
        #expect(ws.at(.draft)?.status?.phase == nil)
        #expect(ws.at(.draft)?.status?.rendered().contains("phase") == false)
    }

    /// † A build run as a Slurm job names it, in `slurm_job` and in the message, waiting for a node or running; the
    /// key goes with the build.
    @Test func aBuildRunAsASlurmJobNamesIt() throws {
        var ws = BuildProgressTests.building()
        ws.activeBuild?.slurmJob = SlurmJobSeen(id: "812", waiting: true)
        let waiting = try #require(BuildProgressTests.statusWrites(ws.decide()).first)
        #expect(waiting.slurmJob == "812")
        #expect(waiting.message.hasPrefix("waiting for a node in Slurm job 812 (pending); follow it with"))
        ws.settle()
        // Slurm's reason, once it gives one.
        ws.activeBuild?.slurmJob = SlurmJobSeen(id: "812", waiting: true, reason: "Priority")
        let why = try #require(BuildProgressTests.statusWrites(ws.decide()).first)
        #expect(why.message.hasPrefix("waiting for a node in Slurm job 812 (pending: Priority); follow it with"))
        #expect(Status(parsing: waiting.rendered())?.slurmJob == "812")
        #expect(waiting.rendered().contains("slurm_job = \"812\"\n"))
        ws.settle()
        ws.activeBuild?.slurmJob = SlurmJobSeen(id: "812", waiting: false)
        ws.activeBuild?.progress = BuildProgress(.installing, done: 3, total: 14)
        let running = try #require(BuildProgressTests.statusWrites(ws.decide()).first)
        #expect(running.slurmJob == "812")
        #expect(running.message.hasPrefix("installing: 3 of 14 distributions in Slurm job 812; follow it with"))
        ws.settle()
        ws.activeBuild = nil
        ws.registerBuild()
        ws.settle()
        #expect(ws.at(.draft)?.status?.state == .ready)
        #expect(ws.at(.draft)?.status?.slurmJob == nil)
        #expect(ws.at(.draft)?.status?.rendered().contains("slurm_job") == false)
    }

    @Test func aFailedBuildKeepsNoPhase() {
        var ws = BuildProgressTests.building()
        ws.activeBuild?.progress = BuildProgress(.resolving)
        ws.settle()
        let hash = ws.orders[0].specSHA256
        ws.activeBuild = nil
        ws.failure = BuildFailure(specSHA256: hash, build: 1, message: "no solution")
        ws.settle()
        #expect(ws.at(.saved)?.status?.state == .failed)
        #expect(ws.at(.saved)?.status?.phase == nil)
    }

    @Test(arguments: [
        BuildProgress(.resolving),
        BuildProgress(.downloading, total: 40),
        BuildProgress(.downloading, total: 1),
        BuildProgress(.installing, done: 0, total: 40),
        BuildProgress(.installing, done: 12, total: 40),
        BuildProgress(.installing, done: 7),
        BuildProgress(.verifying, done: 3, total: 5),
    ])
    func theCountsReadBackFromTheStatus(_ progress: BuildProgress) throws {
        var ws = BuildProgressTests.building()
        ws.activeBuild?.progress = progress
        ws.settle()
        let status = try #require(ws.at(.saved)?.status)
        let reread = try #require(Status(parsing: status.rendered()))
        #expect(reread.phase == progress.phase)
        #expect(BuildProgress(reread) == progress)
    }

    @Test func summariesAndBriefs() {
        #expect(BuildProgress(.installing, done: 12, total: 40).summary == "installing: 12 of 40 distributions")
        #expect(BuildProgress(.installing, done: 12, total: 40).brief == "installing 12/40")
        #expect(BuildProgress(.downloading, total: 1).summary == "downloading: 1 distribution")
        #expect(BuildProgress(.verifying, done: 3, total: 5).summary == "verifying: 3 of 5 modules")
        #expect(BuildProgress(.resolving).brief == "resolving")
    }

    @Test func onlyABuildingStatusHasProgress() {
        let ready = Status(stage: .draft, state: .ready, phase: .installing, updated: Date(), message: "installing")
        #expect(BuildProgress(ready) == nil)
    }
}
