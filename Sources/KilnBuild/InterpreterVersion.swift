import Foundation
import Subprocess
import SystemPackage

/// The exact version of an interpreter (`3.11.9`), asked of the interpreter itself: a build input, so a patch
/// release of the base Python builds anew instead of reusing environments made with the previous one.
public enum InterpreterVersion {
    /// `X.Y` -> exact version, for each interpreter that answers within a few seconds; the others are left out (their
    /// builds are keyed by `X.Y` alone, and fail later with the interpreter's own words if it cannot run).
    public static func exact(of interpreters: [String: String]) async -> [String: String] {
        await withTaskGroup(of: (String, String?).self) { group in
            for (minor, path) in interpreters {
                group.addTask { (minor, await exact(of: path)) }
            }
            var found: [String: String] = [:]
            for await (minor, version) in group {
                if let version { found[minor] = version }
            }
            return found
        }
    }

    /// One interpreter's version, or nil if it does not answer.
    public static func exact(of interpreter: String) async -> String? {
        let asked = Task {
            try await Subprocess.run(
                .path(FilePath(interpreter)),
                arguments: ["-I", "-S", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                environment: .inherit.updating(["PYTHONHOME": nil, "PYTHONPATH": nil]),
                output: .string(limit: 1024),
                error: .discarded
            )
        }
        let timer = Task {
            try await Task.sleep(for: .seconds(10))
            asked.cancel()
        }
        defer { timer.cancel() }
        guard let result = try? await asked.value, result.terminationStatus.isSuccess else { return nil }
        let version = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return version.isEmpty ? nil : version
    }
}
