import Foundation
import Testing

/// `kiln new` and `kiln import` refuse a name Windows clients of the shared drive could not open (protocol section 1).
@Suite struct WindowsNameTests {
    @Test(arguments: ["con", "nul.txt", "com1", "lpt9.env", "data."])
    func newAndImportRefuseIt(_ name: String) async throws {
        let ws = try await CLIWorkspace()
        try ws.write("requirements.txt", "kiln-demo-greet==1.0.0\n")
        let new = await ws.kiln("new", name, "--base", "python:3.11")
        #expect(new.status == 2, "\(new)")
        #expect(new.stderr.contains("Windows"), "\(new)")
        let imported = await ws.kiln("import", name, "--from", ws.path("requirements.txt"), "--base", "python:3.11")
        #expect(imported.status == 2, "\(imported)")
        #expect(imported.stderr.contains("Windows"), "\(imported)")
        #expect(!ws.exists("saved/\(name)"))
    }

    /// An environment made before the rule keeps working under its name: only new ones may not take it.
    @Test func anExistingEnvironmentWithSuchANameIsStillUsable() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("aux", in: .published, state: .published)
        let status = await ws.kiln("status", "aux")
        #expect(status.status == 0, "\(status)")
        let run = await ws.kiln("run", "aux", "--", "true")
        #expect(run.status == 0, "\(run)")
    }
}
