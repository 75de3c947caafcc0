import Foundation
import Testing

@testable import KilnWatch

#if canImport(Glibc)
import Glibc
#endif

/// A real workspace in a unique temporary directory, removed by `remove()`.
struct TestWorkspace {
    static let allStages = ["saved", "draft", "pending", "published"]

    let root: String

    /// Creates the root, the given stage folders and `.kiln/requests`.
    init(stages: [String] = allStages) throws {
        root = NSTemporaryDirectory() + "kiln-watch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/.kiln/requests", withIntermediateDirectories: true)
        for stage in stages {
            try makeDirectory(stage)
        }
    }

    func configuration(stages: [String] = allStages) -> WatchConfiguration {
        WatchConfiguration(
            root: root,
            stages: stages,
            requestsFolder: ".kiln/requests",
            interestingFiles: ["spec.toml", "review"]
        )
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
    }

    /// open(O_TRUNC) + write + close, as an editor saving in place does.
    func write(_ relative: String, _ contents: String = "x = 1\n") throws {
        let fd = open(path(relative), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let written = contents.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        guard written >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Writes a temporary file beside `relative`, then renames it over: the atomic save most tools do.
    func writeAndRename(_ relative: String, temporaryName: String, _ contents: String = "x = 2\n") throws {
        let directory = (relative as NSString).deletingLastPathComponent
        let temporary = directory.isEmpty ? temporaryName : directory + "/" + temporaryName
        try write(temporary, contents)
        try move(temporary, to: relative)
    }

    func move(_ relative: String, to destination: String) throws {
        guard rename(path(relative), path(destination)) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    func removeItem(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
