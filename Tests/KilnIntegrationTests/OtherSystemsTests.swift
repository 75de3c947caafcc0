import Foundation
import KilnProtocol
import Testing

/// A shared drive edited from Windows and macOS too (issue 10): Notepad's files, Finder's and Explorer's
/// droppings, and names Windows cannot open, with a real `kiln serve`.
@Suite("kiln serve: clients on other systems", .serialized)
struct OtherSystemsIntegrationTests {
    /// Writes `bytes` into the existing file's place, as Notepad does (no temporary file, no rename).
    static func writeInPlace(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func notepad(_ text: String) -> [UInt8] {
        [0xEF, 0xBB, 0xBF] + Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    @Test func notepadFilesWorkAndFinderAndExplorerFilesChangeNothing() async throws {
        let ws = try TestWorkspace(rescan: "1s")
        try ws.start()

        // A spec Notepad saved in place: a byte-order mark and CRLF line ends.
        try FileManager.default.createDirectory(atPath: ws.path("saved/notepad"), withIntermediateDirectories: true)
        let spec = Self.notepad("base = \"python:3.11\"\nlibraries = [\n  \"kiln-demo-greet==1.0.0\",\n]\n")
        try Self.writeInPlace(spec, to: ws.path("saved/notepad/spec.toml"))
        let ready = try await ws.waitForState("draft/notepad", .ready)
        #expect(ready.specSHA256 == SHA256Hex.of(spec), "the hash is of the file's bytes as they are")
        #expect(FileManager.default.contents(atPath: ws.path("draft/notepad/spec.toml")) == Data(spec))

        // A rejection whose review note Notepad wrote: the status message has no mark and no CR.
        try ws.mv("draft/notepad", "pending/notepad")
        try await ws.waitForState("pending/notepad", .awaitingApproval)
        try Self.writeInPlace(Self.notepad("Pin it, please.\nThanks.\n"), to: ws.path("pending/notepad/review"))
        try ws.mv("pending/notepad", "draft/notepad")
        let rejected = try await ws.waitForState("draft/notepad", .rejected)
        #expect(rejected.message == "Pin it, please.\nThanks.")
        try? FileManager.default.removeItem(atPath: ws.path("draft/notepad/review"))

        let statusBefore = FileManager.default.contents(atPath: ws.path("draft/notepad/status"))
        let journalBefore = try String(contentsOfFile: ws.layout.journal, encoding: .utf8)

        // What Finder and Explorer leave behind, as files and as folders, in stage folders and in an environment.
        let files = [
            "saved/._notepad", "saved/.DS_Store", "saved/Thumbs.db", "saved/desktop.ini",
            "draft/._spec.toml", "draft/DESKTOP.INI",
            "draft/notepad/._spec.toml", "draft/notepad/.DS_Store", "draft/notepad/Thumbs.db",
            "draft/notepad/desktop.ini",
        ]
        for file in files { try Self.writeInPlace(Array("junk\r\n".utf8), to: ws.path(file)) }
        // As folders they would be environments today (`thumbs.db` a valid name, `Desktop.ini` one moved to saved/).
        let folders = ["draft/thumbs.db", "pending/Desktop.ini", "published/._greet"]
        for folder in folders {
            try FileManager.default.createDirectory(atPath: ws.path(folder), withIntermediateDirectories: true)
            try Self.writeInPlace(Array("base = \"python:3.11\"\n".utf8), to: ws.path(folder + "/spec.toml"))
        }

        // A name Windows cannot open is invalid, with why and what to do; it is seen after the litter was.
        try ws.save("saved/con", "base = \"python:3.11\"\n")
        let con = try await ws.waitForState("saved/con", .invalid)
        #expect(con.message.contains("device name on Windows"), "\(con.message)")
        #expect(con.message.contains("use another name, e.g. 'con-env'"), "\(con.message)")
        // Two more rescans (one a second) list every stage folder meanwhile.
        try await Task.sleep(for: .seconds(2.5))

        #expect(FileManager.default.contents(atPath: ws.path("draft/notepad/status")) == statusBefore)
        for folder in folders {
            #expect(!ws.exists(folder + "/status"), "\(folder) got a status")
            #expect(ws.exists(folder + "/spec.toml"), "\(folder) was moved")
        }
        for file in files { #expect(ws.exists(file), "\(file) was removed") }
        let journal = try String(contentsOfFile: ws.layout.journal, encoding: .utf8)
        #expect(journal.hasPrefix(journalBefore))
        let added = journal.dropFirst(journalBefore.count).split(separator: "\n")
        // Only `con` may have a journal entry; none of the litter has one.
        #expect(added.allSatisfy { $0.contains("\"con\"") }, "\(added)")
        for name in ["notepad", "Thumbs", "desktop", "Desktop", "DS_Store", "._"] {
            #expect(!added.contains { $0.contains(name) }, "\(name): \(added)")
        }
        #expect(ws.daemonIsRunning)
        #expect(ws.stop() == 0)
    }
}
