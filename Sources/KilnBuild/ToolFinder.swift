import Foundation
import KilnProtocol
import KilnWorkspace

/// Finds `uv`. A pyenv shim works only for pyenv's global version and costs a shell start, so the real binary is
/// preferred.
public struct ToolFinder: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// `KILN_UV` if set, else `uv` on PATH outside pyenv's shims, else one under pyenv's versions, else the shim.
    public func uv() -> String? {
        if let explicit = environment["KILN_UV"] { return explicit.isEmpty ? nil : explicit }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let home = environment["HOME"] ?? NSHomeDirectory()
        let pyenv = environment["PYENV_ROOT"] ?? home + "/.pyenv"
        var candidates = path.filter { !$0.contains("/shims") }.map { $0 + "/uv" }
        candidates.append(home + "/.local/bin/uv")
        // Newest first by number: string order would put 3.9 ahead of 3.13.
        candidates += PythonFinder.newestFirst(WorkspaceFiles.list(pyenv + "/versions")).map {
            "\(pyenv)/versions/\($0)/bin/uv"
        }
        candidates += path.filter { $0.contains("/shims") }.map { $0 + "/uv" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
