import Foundation
import Testing

@testable import KilnBuild

/// Without uv, the lock comes from pip's install report: a report that cannot be read fails the build instead of
/// writing an empty lock.
struct PipReportTests {
    private func report(_ text: String?) throws -> String {
        let path = NSTemporaryDirectory() + "kiln-pip-report-\(UUID().uuidString).json"
        if let text { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    @Test func aGoodReportGivesPinsWithHashes() throws {
        let path = try report(
            """
            {"install": [{"metadata": {"name": "Kiln_Demo", "version": "1.0"},
              "download_info": {"archive_info": {"hashes": {"sha256": "\(String(repeating: "a", count: 64))"}}}}]}
            """
        )
        let lock = try PipReport.lock(fromReportAt: path)
        #expect(lock.contains("kiln-demo==1.0 \\\n    --hash=sha256:" + String(repeating: "a", count: 64)))
    }

    @Test(arguments: [nil, "not json", "{\"version\": \"1\"}", "{\"install\": [{\"metadata\": {}}]}"])
    func anUnreadableReportIsAnError(_ text: String?) throws {
        let path = try report(text)
        #expect(throws: PipReport.Unreadable.self) { try PipReport.lock(fromReportAt: path) }
    }
}
