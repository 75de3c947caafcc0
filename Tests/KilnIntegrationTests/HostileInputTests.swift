import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The hostile-input catalogue (issue 10), against one real daemon: specs, names and links a careless or malicious
/// person could leave in `saved/`. Each gets an `invalid` status whose message names the problem (or, for a hidden
/// name, is left alone), and nothing else changes: not a file outside the workspace that a link points to, not
/// another environment's status, not the stage folders. The daemon's other tests hold the cases they already had
/// (DaemonTests: an empty, binary, 70 KB, `[`-nested, NUL and `--index-url` spec, a linked spec, a name with a space;
/// LinkTests: a linked `logs`); this suite holds the rest.
@Suite("kiln serve: the hostile-input catalogue")
struct HostileInputTests {
    /// One hostile thing in `saved/<name>`: its directory name as bytes (a name need not be UTF-8), the spec written
    /// there, and what its status message must contain (nil: the daemon leaves the folder alone).
    struct Case: Sendable {
        var label: String
        var name: [UInt8]
        var spec: [UInt8]
        var message: String?

        init(_ label: String, name: String, spec: String, _ message: String?) {
            self.init(label, name: Array(name.utf8), spec: Array(spec.utf8), message)
        }

        init(_ label: String, name: [UInt8], spec: [UInt8], _ message: String?) {
            self.label = label
            self.name = name
            self.spec = spec
            self.message = message
        }
    }

    static let valid = "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"

    /// Specs that are too large, garbage or nested past any sense.
    static let specs: [Case] = [
        Case(
            "a 50 MB spec",
            name: Array("fifty-mb".utf8),
            spec: Array(repeating: UInt8(ascii: "#"), count: 50 * 1024 * 1024),
            "a spec may be at most 65536 bytes"
        ),
        Case(
            "64 KB of binary garbage",
            name: Array("garbage".utf8),
            spec: [0xFF, 0xFE] + (0..<(64 * 1024 - 2)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) },
            "not valid UTF-8"
        ),
        Case(
            "arrays nested 30,000 deep",
            name: "nested-arrays",
            spec: "base = " + String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000),
            "nested more than 100 deep"
        ),
        Case(
            "inline tables nested 10,000 deep",
            name: "nested-tables",
            spec: "base = " + String(repeating: "{a = ", count: 10_000) + "1" + String(repeating: "}", count: 10_000),
            "nested more than 100 deep"
        ),
        Case(
            "a dotted key 30,000 tables deep",
            name: "dotted-key",
            spec: "a" + String(repeating: ".a", count: 30_000) + " = 1\n",
            "nested more than 100 deep"
        ),
        Case(
            "a table header 30,000 tables deep",
            name: "deep-header",
            spec: "[a" + String(repeating: ".a", count: 30_000) + "]\n",
            "nested more than 100 deep"
        ),
    ]

    /// Requirement strings that try to become installer options or shell code. `MARKER` is replaced by a path
    /// outside the workspace, which must never appear.
    static let requirementTexts = [
        "-e .", "-r /etc/passwd", "--extra-index-url http://127.0.0.1:1/", "numpy --hash=sha256:00",
        "--install-option=--prefix=/tmp", "numpy; touch MARKER", "$(touch MARKER)", "`touch MARKER`",
        "numpy && touch MARKER", "numpy | touch MARKER", "numpy\n-e .", "numpy\r\n--index-url http://127.0.0.1:1/",
        "numpy==1.0\n--pre", "numpy==1.0 ; python_version > '3' \n--no-deps",
    ]

    static func requirementCases(marker: String) -> [Case] {
        requirementTexts.enumerated().map { index, text in
            let escaped = text.replacingOccurrences(of: "MARKER", with: marker)
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
            return Case(
                "requirement \(text.debugDescription)",
                name: "injection-\(index)",
                spec: "base = \"python:3.11\"\nlibraries = [\"\(escaped)\"]\n",
                "is not a valid requirement"
            )
        }
    }

    /// Directory names the protocol does not allow, each holding a valid spec.
    static let names: [Case] = [
        Case("a name with a newline", name: "new\nline", spec: valid, "names use only"),
        Case("a name with spaces", name: "two words here", spec: valid, "names use only"),
        Case("a name with a tab", name: "tab\there", spec: valid, "names use only"),
        Case("a name of 255 characters", name: String(repeating: "a", count: 255), spec: valid, "at most 64"),
        Case("a name of 65 characters", name: String(repeating: "b", count: 65), spec: valid, "at most 64"),
        Case("a name in capitals", name: "Upper", spec: valid, "must start with a lower-case letter or a digit"),
        Case("a name with a slash-like character", name: "a\u{2215}b", spec: valid, "names use only"),
        Case(
            // Left alone, not yet given a status: the daemon reads names as text, and cannot write into a folder
            // whose name it only has with replacement characters. It makes no second folder either.
            "a name that is not UTF-8 (left alone)",
            name: [UInt8]("bad".utf8) + [0xFF, 0xFE] + [UInt8]("name".utf8),
            spec: [UInt8](valid.utf8),
            nil
        ),
        Case("a Windows device name", name: "con", spec: valid, "device name on Windows"),
        Case("a name ending with a dot", name: "data.", spec: valid, "which Windows drops"),
        Case("a name starting with '..' (hidden: left alone)", name: "..sneaky", spec: valid, nil),
        Case("'..' inside a name (a valid name)", name: "a..b", spec: "libaries = []\n", "unknown key 'libaries'"),
    ]

    @Test func everyHostileInputIsInvalidAndTouchesNothingElse() async throws {
        let ws = try TestWorkspace()
        let outside = ws.root + ".outside"
        try FileManager.default.createDirectory(atPath: outside + "/envdir", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try "kept as it is\n".write(toFile: outside + "/status-target", atomically: true, encoding: .utf8)
        try "LINKED NOTE\n".write(toFile: outside + "/review-target", atomically: true, encoding: .utf8)
        try HostileInputTests.valid.write(toFile: outside + "/spec-target", atomically: true, encoding: .utf8)
        try HostileInputTests.valid.write(toFile: outside + "/envdir/spec.toml", atomically: true, encoding: .utf8)
        let marker = outside + "/pwned"

        try ws.start()
        // Two environments that must come through untouched: one built and resting in draft/, one to be approved
        // while its `review` note is a link to a file outside.
        try ws.save("saved/bystander", reportSpec)
        try ws.save("saved/reviewed", HostileInputTests.valid)
        try await ws.waitForState("draft/bystander", .ready)
        try await ws.waitForState("draft/reviewed", .ready)
        try ws.mv("draft/reviewed", "pending/reviewed")
        try await ws.waitForState("pending/reviewed", .awaitingApproval)
        let bystander = try Data(contentsOf: URL(fileURLWithPath: ws.path("draft/bystander/status")))
        let before = HostileInputTests.snapshot(outside)

        let cases =
            HostileInputTests.specs + HostileInputTests.requirementCases(marker: marker) + HostileInputTests.names
        for c in cases { try HostileInputTests.place(ws.path("saved"), c) }
        // Links to files and folders outside the workspace: a spec, a status and a whole environment folder.
        try FileManager.default.createDirectory(atPath: ws.path("saved/spec-link"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("saved/spec-link/spec.toml"),
            withDestinationPath: outside + "/spec-target"
        )
        try FileManager.default.createDirectory(atPath: ws.path("saved/status-link"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("saved/status-link/status"),
            withDestinationPath: outside + "/status-target"
        )
        try ws.save("saved/status-link", "libaries = []\n")
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("saved/folder-link"),
            withDestinationPath: outside + "/envdir"
        )
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("pending/reviewed/review"),
            withDestinationPath: outside + "/review-target"
        )
        try ws.mv("pending/reviewed", "published/reviewed")

        for c in cases {
            let path = Array((ws.path("saved") + "/").utf8) + c.name
            guard let expected = c.message else { continue }
            let status = await HostileInputTests.waitForInvalid(path)
            #expect(
                status?.state == .invalid,
                "\(c.label): \(status.map { "\($0.state): \($0.message)" } ?? "no status")"
            )
            #expect(status?.message.contains(expected) == true, "\(c.label): \(status?.message ?? "no status")")
            #expect(
                HostileInputTests.contents(path + Array("/spec.toml".utf8)) == c.spec,
                "\(c.label): the spec changed"
            )
        }
        let specLink = try await ws.waitForState("saved/spec-link", .invalid)
        #expect(specLink.message.contains("symbolic link"), "\(specLink.message)")
        let statusLink = try await ws.waitForState("saved/status-link", .invalid)
        #expect(statusLink.message.contains("unknown key 'libaries'"), "\(statusLink.message)")
        #expect(WorkspaceFiles.kind(ws.path("saved/status-link/status")) == .file, "the link was written through")
        let approved = try await ws.waitForState("published/reviewed", .published)
        #expect(!approved.message.contains("LINKED NOTE"), "a linked review was read: \(approved.message)")

        // Everything settled: a status for every case that gets one (the last one written settles the daemon).
        _ = try await ws.waitForStatus("saved/spec-link") { _ in true }
        #expect(
            HostileInputTests.contents(Array(ws.path("saved/..sneaky/status").utf8)) == nil,
            "a hidden folder was read"
        )
        #expect(HostileInputTests.snapshot(outside) == before, "a file outside the workspace changed")
        #expect(!FileManager.default.fileExists(atPath: marker), "a requirement ran as shell code")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.path("draft/bystander/status"))) == bystander)
        #expect(WorkspaceFiles.list(ws.path("draft")).sorted() == ["bystander"])
        #expect(WorkspaceFiles.list(ws.path("pending")).isEmpty)
        #expect(WorkspaceFiles.list(ws.path("published")) == ["reviewed"])
        // Only what the test put in saved/ (a name that is not UTF-8 read back with a replacement character must not
        // have become a second folder).
        #expect(
            WorkspaceFiles.list(ws.path("saved")).count == cases.count + 3,
            "\(WorkspaceFiles.list(ws.path("saved")).sorted())"
        )
        #expect(ws.daemonIsRunning, "\(ws.daemonOutputForReport)")
        print("hostile inputs tried against one daemon: \(cases.count + 4)")
        #expect(ws.stop() == 0)
    }

    // MARK: files by raw path

    /// Makes `saved/<name>` and its spec with the system calls, so any byte can be in the name.
    static func place(_ saved: String, _ c: Case) throws {
        let dir = Array((saved + "/").utf8) + c.name
        guard cPath(dir, { mkdir($0, 0o755) }) == 0 else { throw Failure("mkdir \(c.label): errno \(errno)") }
        let temp = dir + Array("/.spec.toml.swp".utf8)
        let fd = cPath(temp) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        guard fd >= 0 else { throw Failure("create \(c.label): errno \(errno)") }
        var written = 0
        while written < c.spec.count {
            let n = c.spec[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            written += n
        }
        close(fd)
        let renamed = cPath(temp) { from in cPath(dir + Array("/spec.toml".utf8)) { rename(from, $0) } }
        guard written == c.spec.count, renamed == 0 else { throw Failure("write \(c.label): errno \(errno)") }
    }

    static func cPath<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// A file's bytes (not through a link), or nil.
    static func contents(_ path: [UInt8]) -> [UInt8]? {
        let fd = cPath(path) { open($0, O_RDONLY | O_NOFOLLOW) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return out }
            out += chunk[0..<n]
        }
    }

    static func waitForInvalid(_ directory: [UInt8]) async -> Status? {
        var last: Status?
        _ = await TestWorkspace.waitUntil(timeout: .seconds(60)) {
            last = contents(directory + Array("/status".utf8)).flatMap {
                Status(parsing: String(decoding: $0, as: UTF8.self))
            }
            return last?.state == .invalid
        }
        return last
    }

    /// Every file under `root` with its bytes, and every link with its target.
    static func snapshot(_ root: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for path in FileManager.default.subpaths(atPath: root) ?? [] {
            let full = root + "/" + path
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
                files[path] = Data(("link: " + target).utf8)
            } else {
                files[path] = FileManager.default.contents(atPath: full) ?? Data("(a folder)".utf8)
            }
        }
        return files
    }
}
