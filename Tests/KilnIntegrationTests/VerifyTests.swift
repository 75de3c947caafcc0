import Foundation
import KilnProtocol
import Testing

/// Protocol rule 1's import check, end to end: a build whose library installs but does not import is `failed`, not
/// `ready`; `[build] skip_import_check` lets it through.
@Suite("kiln serve: builds are verified by importing their libraries", .serialized)
struct VerifyTests {
    let brokenSpec = """
        base = "python:3.11"
        libraries = ["kiln-demo-greet==1.0.0", "kiln-demo-broken==1.0.0"]
        """

    @Test func aLibraryWhoseImportFailsFailsTheBuildNamingTheModuleTheErrorAndTheHint() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/broken", brokenSpec)
        let failed = try await ws.waitForState("saved/broken", .failed)
        #expect(
            failed.message
                == "build 1 failed at 'verify': `import kiln_demo_broken` (kiln-demo-broken==1.0.0) failed: "
                + "\(brokenImportError); hint: a binary built for numpy 1 is running under numpy 2: pin `numpy<2` in "
                + "libraries; see logs/build-1.log"
        )
        #expect(!ws.exists("draft/broken"))
        // Nothing of the failed build is registered.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: ws.layout.environments)) ?? []).isEmpty)
        let log = try String(contentsOfFile: ws.path("saved/broken/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("kiln: step verify\n"), "\(log)")
        #expect(log.contains("kiln: import kiln_demo_greet (kiln-demo-greet 1.0.0): ok"), "\(log)")
        #expect(log.contains("kiln: import kiln_demo_broken (kiln-demo-broken 1.0.0): failed after"), "\(log)")
        #expect(log.contains("    \(brokenImportError)"), "the traceback is in the log: \(log)")
        #expect(log.contains("kiln: step verify failed after"), "\(log)")
        #expect(!log.contains("refuse to run"), "the pip guard is written only after the check passes")
    }

    @Test func skipImportCheckLetsItBecomeReady() async throws {
        let ws = try TestWorkspace(settings: "skip_import_check = [\"Kiln_Demo.Broken\"]")
        try ws.start()
        try ws.save("saved/broken", brokenSpec)
        let ready = try await ws.waitForState("draft/broken", .ready)
        #expect(ready.message.contains("2 distributions"), "\(ready.message)")
        let log = try String(contentsOfFile: ws.path("draft/broken/logs/build-1.log"), encoding: .utf8)
        #expect(log.contains("kiln: kiln-demo-broken: not imported, as [build] skip_import_check says"), "\(log)")
        #expect(log.contains("kiln: import kiln_demo_greet (kiln-demo-greet 1.0.0): ok"), "\(log)")
        #expect(log.contains(try Regex("kiln: step verify took \\d+\\.\\d\\d s")), "\(log)")
    }

    @Test func aGoodBuildIsVerifiedAndReady() async throws {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/report", reportSpec)
        try await ws.waitForState("draft/report", .ready)
        let log = try String(contentsOfFile: ws.path("draft/report/logs/build-1.log"), encoding: .utf8)
        // Only the library the spec names is imported; its dependency is imported by it.
        #expect(
            log.contains(try Regex("kiln: import kiln_demo_report \\(kiln-demo-report 2.1.0\\): ok, \\d+\\.\\d\\d s"))
        )
        #expect(!log.contains("import kiln_demo_greet"), "\(log)")
        #expect(log.contains(try Regex("kiln: step verify took \\d+\\.\\d\\d s")), "\(log)")
    }
}
