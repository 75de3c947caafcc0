import Foundation
import KilnProtocol
import KilnWorkspace
import SystemPackage

/// A build's log file, opened for appending: build tools write to it directly, so `tail -f` shows them live. When
/// the workspace's package sources carry secrets, every line is masked (`SecretMasker`): Kiln's own as it says it,
/// the tools' through `MaskedToolOutput`.
final class BuildLog: Sendable {
    let path: String
    let descriptor: FileDescriptor
    let masker: SecretMasker

    init(path: String, masker: SecretMasker = SecretMasker()) throws {
        self.path = path
        self.masker = masker
        descriptor = try FileDescriptor.open(
            FilePath(path),
            .writeOnly,
            options: [.create, .append, .closeOnExec, .noFollow],
            permissions: [.ownerReadWrite, .groupRead, .otherRead]
        )
    }

    deinit { try? descriptor.close() }

    /// A build's log at `logPath` (`<copy>/logs/build-N.log`), its folder made if need be, or why it cannot be
    /// written: a `logs` link (O_NOFOLLOW guards only the file itself, and a link would take the log outside the
    /// workspace), or a file system error. Every build opens its log here, on the daemon's host or on a node.
    static func open(_ logPath: String, settings: WorkspaceSettings, name: String) -> Result<BuildLog, BuildFailed> {
        let logs = (logPath as NSString).deletingLastPathComponent
        if WorkspaceFiles.kind(logs) == .symlink {
            return .failure(
                BuildFailed(
                    "\(logs) is a symbolic link, and Kiln never writes through a link a person placed: remove it, then "
                        + "run `kiln build \(name)`"
                )
            )
        }
        do {
            try WorkspaceFiles.makeDirectory(logs)
            return .success(try BuildLog(path: logPath, masker: SecretMasker(settings: settings)))
        } catch {
            return .failure(BuildFailed("cannot write the build log \(logPath): \(error)"))
        }
    }

    /// Why a build log could not be opened, as the build's failure message.
    struct BuildFailed: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// A line of Kiln's own, marked so it stands apart from the tools' output.
    func say(_ line: String) {
        _ = try? descriptor.writeAll(Array(("kiln: " + masker.mask(line) + "\n").utf8))
    }

    /// Runs a tool whose output goes to `body`'s descriptor: the log itself, or when there are secrets to mask, a
    /// pipe whose every line is masked on its way into the log. Returns once all the tool wrote is in the log.
    func withToolOutput<R>(_ body: (FileDescriptor) async throws -> R) async throws -> R {
        guard !masker.isEmpty else { return try await body(descriptor) }
        let output = try MaskedToolOutput(into: self, masker: masker)
        let result: R
        do {
            result = try await body(output.descriptor)
        } catch {
            await output.finish()
            throw error
        }
        await output.finish()
        return result
    }

    /// A step's time as the log shows it: seconds with two decimals ("0.12 s"), enough to compare steps.
    static func seconds(_ duration: Duration) -> String {
        let parts = duration.components
        let value = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
        return String(format: "%.2f s", value)
    }

    /// The byte offset where the next write lands.
    var size: Int { Int((try? descriptor.seek(offset: 0, from: .end)) ?? 0) }

    /// The tool's explanation of a failure: the lines written since `offset`, from the first error line on.
    func failureReason(since offset: Int) -> String {
        guard case .success(let bytes) = WorkspaceFiles.readFile(path, limit: 8 * 1024 * 1024) else { return "" }
        let text = String(decoding: bytes.dropFirst(offset), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("kiln: ") }
        let start =
            lines.firstIndex { $0.hasPrefix("×") || $0.lowercased().hasPrefix("error") } ?? max(0, lines.count - 3)
        var reason = lines[start...].prefix(6).joined(separator: " ")
        if reason.count > 600 { reason = String(reason.prefix(600)) + "…" }
        return reason
    }
}
