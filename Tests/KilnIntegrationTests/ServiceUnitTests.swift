import Foundation
import Testing

/// contrib/kiln@.service, the unit an admin installs: systemd itself judges it (`systemd-analyze verify`, the only
/// check possible without systemd running), and the options that make it a service worth installing are there.
@Suite("contrib/kiln@.service")
struct ServiceUnitTests {
    static let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contrib/kiln@.service").path

    /// The unit as installed for `workspace`, with this build's kiln in ExecStart (verify checks that it exists).
    static func instance(for workspace: String, in folder: String, text: String) throws -> String {
        let escaped = TestWorkspace.run("/usr/bin/env", ["systemd-escape", "--path", workspace])
        guard escaped.status == 0 else { throw Failure("systemd-escape failed: \(escaped.output)") }
        let path = folder + "/kiln@\(escaped.output.trimmingCharacters(in: .whitespacesAndNewlines)).service"
        try text.replacingOccurrences(of: "/usr/local/bin/kiln", with: TestWorkspace.kiln)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func verify(_ path: String) -> (status: Int32, output: String) {
        TestWorkspace.run("/usr/bin/env", ["systemd-analyze", "verify", "--man=no", path])
    }

    /// `key=value` lines of one section, in order.
    static func options(_ text: String, section: String) -> [(key: String, value: String)] {
        var current = ""
        var out: [(String, String)] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") {
                current = line
            } else if current == "[\(section)]", !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") {
                out.append((String(line[..<eq]), String(line[line.index(after: eq)...])))
            }
        }
        return out
    }

    @Test func systemdFindsNothingToSayAboutIt() throws {
        let folder = NSTemporaryDirectory() + "kiln-unit-\(UUID().uuidString.prefix(8))"
        let workspace = folder + "/team workspace"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = try String(contentsOfFile: ServiceUnitTests.unit, encoding: .utf8)

        let installed = try ServiceUnitTests.instance(for: workspace, in: folder, text: text)
        let verdict = ServiceUnitTests.verify(installed)
        #expect(verdict.status == 0, "\(verdict.output)")
        let aboutIt = verdict.output.split(separator: "\n").filter { $0.contains("kiln") }
        #expect(aboutIt.isEmpty, "\(verdict.output)")

        // The premise: verify does speak up about a misspelt option (it still exits 0, hence the output check).
        let misspelt = try ServiceUnitTests.instance(
            for: workspace + "2",
            in: folder,
            text: text.replacingOccurrences(of: "ProtectSystem=", with: "ProtectSistem=")
        )
        let warned = ServiceUnitTests.verify(misspelt)
        #expect(warned.output.contains("Unknown key 'ProtectSistem'"), "\(warned.output)")
    }

    @Test func itRunsAsItsOwnUserRestartsAndCanWriteOnlyTheWorkspace() throws {
        let text = try String(contentsOfFile: ServiceUnitTests.unit, encoding: .utf8)
        let service = ServiceUnitTests.options(text, section: "Service")
        func value(_ key: String) -> String? { service.last { $0.key == key }?.value }
        #expect(value("User") == "kiln")
        #expect(value("Group") == "kiln")
        // The instance name is the workspace's escaped path; %f is that path again.
        #expect(value("ExecStart") == "/usr/local/bin/kiln serve %f")
        #expect(value("Restart") == "on-failure")
        #expect(value("NoNewPrivileges") == "yes")
        #expect(value("ProtectSystem") == "strict")
        #expect(value("ReadWritePaths") == "%f")
        #expect(value("ProtectHome") == "read-only")
        #expect(value("PrivateTmp") == "yes")
        #expect(value("CapabilityBoundingSet") == "")
        // Hardening that would break builds stays out: Python's ctypes and some wheels need writable, executable
        // memory, and a build reaches the package index.
        #expect(value("MemoryDenyWriteExecute") == nil)
        #expect(value("PrivateNetwork") == nil)
        #expect(value("RestrictAddressFamilies")?.contains("AF_INET") == true)
        let unitSection = ServiceUnitTests.options(text, section: "Unit")
        #expect(unitSection.contains { $0.key == "RequiresMountsFor" && $0.value == "%f" })
        #expect(ServiceUnitTests.options(text, section: "Install").contains { $0.key == "WantedBy" })
    }

    @Test func itBuildsWhenEverythingButTheWorkspaceIsReadOnly() async throws {
        // ProtectSystem=strict with ReadWritePaths= the workspace, and ProtectHome=read-only, as a private mount
        // namespace shows them: the root file system (home folders and /tmp included) read-only, the workspace a
        // writable bind mount of itself. The build copies its interpreter and fills uv's cache, all in the workspace.
        let ws = try TestWorkspace(keepPythons: true)
        defer { ws.stop() }
        let readOnlyButTheWorkspace = """
            mount --bind "$1" "$1" && mount -o remount,bind,ro / || exit 9
            if touch "$1.outside" 2>/dev/null; then echo "the root file system is still writable"; exit 9; fi
            shift
            exec "$@"
            """
        try ws.start(wrapper: [
            "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", readOnlyButTheWorkspace, "sh",
            ws.root,
        ])
        try ws.save("saved/greet", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        let ready = try await ws.waitForStatus("draft/greet") { $0.state == .ready || $0.state == .failed }
        #expect(ready.state == .ready, "\(ready.message)\n\(ws.daemonOutputForReport)")
        #expect(!ws.daemonOutput.contains("Read-only file system"), "\(ws.daemonOutputForReport)")
        #expect(!FileManager.default.fileExists(atPath: ws.root + ".outside"))
        #expect(ws.stop() == 0)
    }
}
