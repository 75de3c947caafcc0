import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

@Suite("kiln serve: links a person placed are never followed")
struct LinkTests {
    /// A `logs` folder that is a link to somewhere else: the build fails, saying so, and nothing is written there.
    @Test func aLogsLinkIsNotWrittenThrough() async throws {
        let ws = try TestWorkspace()
        let outside = ws.root + ".outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.createDirectory(atPath: ws.path("saved/linked"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: ws.path("saved/linked/logs"), withDestinationPath: outside)
        try ws.start()
        try ws.save("saved/linked", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        let failed = try await ws.waitForState("saved/linked", .failed)
        #expect(failed.message.contains("symbolic link"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }
}
