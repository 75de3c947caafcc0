import Foundation
import KilnProtocol
import KilnWorkspace
import KilnTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Protocol section 5: killed at any instant, the daemon restarts into a consistent workspace. Each round does what
/// a user does, kills the daemon with SIGKILL at a random moment, restarts it, waits for it to settle, and checks
/// every invariant. KILN_CRASH_ROUNDS sets the rounds (`scripts/long-tests.sh` runs 200); the seed is printed so a
/// failure can be replayed with KILN_CRASH_SEED.
@Suite("kiln serve: killed at any instant", .serialized)
struct CrashTests {
    @Test func killedAtRandomMomentsTheWorkspaceStaysConsistent() async throws {
        let rounds = Int(ProcessInfo.processInfo.environment["KILN_CRASH_ROUNDS"] ?? "") ?? 8
        let seed =
            UInt64(ProcessInfo.processInfo.environment["KILN_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        print("crash test: \(rounds) rounds, KILN_CRASH_SEED=\(seed)")
        var rng = SplitMix64(seed: seed)
        let ws = try TestWorkspace()
        // Every spec text the test ever wrote: whatever is on disk must be one of them, byte for byte.
        var written = Set<[UInt8]>()
        let names = ["alpha", "beta", "gamma"]
        let versions = ["1.0.0", "1.1.0"]

        for round in 0..<rounds {
            try ws.start()
            let name = names[Int(rng.next() % UInt64(names.count))]
            let choice = rng.next() % 4
            if choice == 0 || !names.contains(where: { ws.exists("draft/\($0)") || ws.exists("pending/\($0)") }) {
                let spec =
                    "# round \(round)\nbase = \"python:3.1\(1 + rng.next() % 2)\"\nlibraries = [\"kiln-demo-greet==\(versions[Int(rng.next() % 2)])\"]\n"
                written.insert(Array(spec.utf8))
                let target =
                    ws.exists("draft/\(name)")
                    ? "draft/\(name)" : ws.exists("pending/\(name)") ? "pending/\(name)" : "saved/\(name)"
                try ws.save(target, spec)
            } else if choice == 1,
                let n = names.first(where: { ws.exists("draft/\($0)") && !ws.exists("pending/\($0)") })
            {
                try ws.mv("draft/\(n)", "pending/\(n)")
            } else if choice == 2, let n = names.first(where: { ws.exists("published/\($0)") }) {
                // An edit of a published spec: restored, and the edit becomes the next version.
                let spec = "# round \(round), edited while published\nbase = \"python:3.11\"\n"
                written.insert(Array(spec.utf8))
                try ws.save("published/\(n)", spec)
            } else if let n = names.first(where: { ws.exists("pending/\($0)") }) {
                // An approval, nested into the published version if there is one, exactly as mv does it.
                try ws.mv("pending/\(n)", "published/\(n)")
            }
            try await Task.sleep(for: .milliseconds(Int(rng.next() % 400)))
            #expect(ws.stop(signal: SIGKILL) != nil, "SIGKILL did not end the daemon in 60 s:\n\(ws.stuckReport)")

            try ws.start()
            // The first full look must be over before quiet means settled: until then the statuses on disk are
            // the ones the killed daemon left, consistent or not with what the new one will decide.
            try await ws.waitForLog("watching", timeout: .seconds(120))
            try await waitUntilSettled(ws)
            try checkInvariants(ws, written: written, round: round, seed: seed)
            #expect(ws.stop() != nil, "SIGTERM did not stop the daemon in 60 s:\n\(ws.stuckReport)")
        }
    }

    /// Every environment settled, no build waiting or running, for half a second.
    func waitUntilSettled(_ ws: TestWorkspace) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        var quietSince: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            let copies = WorkspaceReader(layout: ws.layout).names().flatMap {
                WorkspaceReader(layout: ws.layout).copies(of: $0)
            }
            let busy = copies.contains {
                !$0.isSettled || [.queued, .building].contains($0.status?.state) || $0.location.nested
            }
            if busy {
                quietSince = nil
            } else if let since = quietSince, ContinuousClock.now - since > .milliseconds(500) {
                return
            } else if quietSince == nil {
                quietSince = ContinuousClock.now
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("never settled; daemon log:\n\(ws.daemonOutputForReport)")
        throw Failure("never settled")
    }

    func checkInvariants(_ ws: TestWorkspace, written: Set<[UInt8]>, round: Int, seed: UInt64) throws {
        let reader = WorkspaceReader(layout: ws.layout)
        for name in reader.names() {
            let copies = reader.copies(of: name)
            let inProgress = copies.filter { $0.location.stage.isInProgress && $0.status?.state != .invalid }
            #expect(inProgress.count <= 1, "round \(round) seed \(seed): \(name) has \(inProgress.map(\.location))")
            for copy in copies {
                let at = "round \(round) seed \(seed): \(copy.location)"
                #expect(copy.isSettled, "\(at) is not settled: \(String(describing: copy.status))")
                guard case .contents(let bytes) = copy.spec else {
                    Issue.record("\(at): spec unreadable: \(copy.spec)")
                    continue
                }
                #expect(written.contains(bytes), "\(at): spec.toml is not byte-for-byte one the test wrote")
                if let status = copy.status, status.state.isBuilt {
                    #expect(copy.matchesBuild, "\(at): \(status.state) but the spec does not match its build")
                    let built = status.environment.flatMap {
                        EnvironmentStore.find(BuildInputs.key(ofEnvironment: $0), in: ws.layout)
                    }
                    #expect(built != nil, "\(at): \(status.state) without a registered build")
                    #expect(
                        built.map { FileManager.default.isExecutableFile(atPath: $0.python) } ?? false,
                        "\(at): no interpreter"
                    )
                }
            }
        }
        #expect(ws.daemonIsRunning, "round \(round) seed \(seed): the daemon died")
    }
}
