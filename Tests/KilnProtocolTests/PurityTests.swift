import Foundation
import Testing

/// KilnProtocol decides; it never touches a file, a process or the clock. Its target depends on nothing of ours that
/// could (Package.swift), and this test keeps Foundation's own ways to do so out of its source.
@Suite("the protocol target is pure")
struct PurityTests {
    static let forbidden = [
        "FileManager", "FileHandle", "ProcessInfo", "Process(", "Date()", "Date.now", "ContinuousClock",
        "SuspendingClock", "import Glibc", "import Darwin", "import SystemPackage", "import KilnWorkspace",
        "contentsOf", "contentsOfFile", "fileURLWithPath", "Thread", "Dispatch", "Task.sleep", "getenv", "fopen",
        "opendir", "lstat", "stat(", "unlink", "rename(",
    ]

    static let sources: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/KilnProtocol")
        let walker = FileManager.default.enumerator(atPath: root.path)
        var files: [String] = []
        while let next = walker?.nextObject() as? String {
            if next.hasSuffix(".swift") { files.append(root.appendingPathComponent(next).path) }
        }
        return files.sorted()
    }()

    @Test func thereIsSourceToCheck() {
        #expect(PurityTests.sources.count > 10)
        #expect(PurityTests.sources.contains { $0.hasSuffix("Reconcile/Reconciler.swift") })
    }

    @Test(arguments: PurityTests.sources)
    func noFileProcessOrClockAccess(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
            for word in PurityTests.forbidden where line.contains(word) {
                Issue.record("\(path):\(number + 1) uses \(word): decisions take what they need as arguments")
            }
        }
    }
}
