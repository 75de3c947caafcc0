import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

@Suite struct ListTests {
    @Test func emptyWorkspace() async throws {
        let ws = try await CLIWorkspace()
        let result = await ws.kiln("list")
        #expect(result.status == 0)
        #expect(result.stdout.contains("no environments yet"))
        let json = await ws.kiln("list", "--json")
        #expect(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || json.stdout.contains("[]"))
    }

    @Test func columnsShowFullNameAndBaseAndNothingIsCutInAPipe() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml", fullName: "Machine Learning Environment for the churn project, long")
        let long = String(repeating: "a long message that goes on ", count: 10) + "END"
        let hash = try ws.spec("saved/web", base: "python:3.12")
        try ws.status(
            "saved/web",
            Status(stage: .saved, state: .failed, specSHA256: hash, build: 2, updated: Date(), message: long)
        )
        let result = await ws.kiln("list")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("LOCATION") == true)
        for header in ["STATE", "BASE", "FULL NAME", "MESSAGE"] { #expect(lines.first?.contains(header) == true) }
        let ml = try #require(lines.first { $0.hasPrefix("draft/ml") })
        #expect(ml.contains("python:3.11") && ml.contains("Machine Learning Environment for the churn project, long"))
        let web = try #require(lines.first { $0.hasPrefix("saved/web") })
        #expect(web.contains("failed") && web.contains("python:3.12") && web.hasSuffix(long))
    }

    @Test func jsonCarriesEveryKey() async throws {
        let ws = try await CLIWorkspace()
        let built = try ws.built("ml", fullName: "Machine Learning")
        try ws.write("saved/bad/spec.toml", "base = 3\n")
        let result = await ws.kiln("list", "--json")
        #expect(result.status == 0, "\(result)")
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        )
        #expect(rows.count == 2)
        let keys: Set<String> = [
            "name", "location", "stage", "state", "moving", "full_name", "base", "description", "spec_sha256", "build",
            "environment", "python", "phase", "slurm_job", "updated", "message",
        ]
        for row in rows { #expect(Set(row.keys) == keys) }
        let ml = try #require(rows.first { $0["name"] as? String == "ml" })
        #expect(ml["full_name"] as? String == "Machine Learning")
        #expect(ml["base"] as? String == "python:3.11")
        #expect(ml["state"] as? String == "ready")
        #expect(ml["build"] as? Int == 1)
        #expect(ml["environment"] as? String == built.environment)
        let updated = try #require(ml["updated"] as? String)
        #expect(ISO8601DateFormatter().date(from: updated) != nil, "\(updated) is not ISO 8601")
        let bad = try #require(rows.first { $0["name"] as? String == "bad" })
        #expect(bad["base"] is NSNull && bad["full_name"] is NSNull && bad["updated"] is NSNull)
        #expect(bad["state"] as? String == "unknown")
    }

    /// † A building copy shows what its build is doing: in the STATE column, and as `phase` in `--json`.
    @Test func aBuildingCopyShowsItsPhaseAndCounts() async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/web")
        try ws.status(
            "saved/web",
            Status(
                stage: .saved,
                state: .building,
                specSHA256: hash,
                build: 2,
                phase: .installing,
                updated: Date(),
                message: "installing: 12 of 40 distributions; follow it with `kiln logs web --follow`"
            )
        )
        try ws.built("ml")
        let table = await ws.kiln("list")
        #expect(table.status == 0, "\(table)")
        let web = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("saved/web") })
        #expect(web.contains("building (installing 12/40)"), "\(web)")
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(await ws.kiln("list", "--json").stdout.utf8))
                as? [[String: Any]]
        )
        #expect(rows.first { $0["name"] as? String == "web" }?["phase"] as? String == "installing")
        #expect(rows.first { $0["name"] as? String == "web" }?["state"] as? String == "building")
        #expect(rows.first { $0["name"] as? String == "ml" }?["phase"] is NSNull)
    }

    @Test func noStatusSaysWhetherADaemonHoldsTheWorkspace() async throws {
        let ws = try await CLIWorkspace()
        try ws.spec("saved/fresh")
        #expect(await ws.kiln("list").stdout.contains("no status yet: start `kiln serve`"))
        try ws.holdDaemonLock()
        #expect(await ws.kiln("list").stdout.contains("waiting for the daemon"))
    }

    @Test func aCopyInTheMiddleOfAMoveIsShownMoving() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("ml")
        try ws.move("draft/ml", "pending/ml")
        let result = await ws.kiln("list", "--json")
        #expect(result.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["moving"] as? Bool == true)
        #expect(await ws.kiln("list").stdout.contains("moving"))
    }
}
