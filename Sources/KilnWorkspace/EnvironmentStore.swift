import Foundation
import KilnProtocol

/// The environment store on disk (`.kiln/envs/<key>/`): which builds are registered.
public enum EnvironmentStore {
    /// Looks up a registered build; nil if there is none or it never finished.
    public static func find(_ key: String, in layout: WorkspaceLayout) -> BuiltEnvironment? {
        guard !key.isEmpty, !key.hasPrefix("."), !key.contains("/") else { return nil }
        let path = layout.environment(key)
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        guard let summary = WorkspaceFiles.readText(metadata + "/complete", limit: 4096) else { return nil }
        return BuiltEnvironment(
            key: key,
            path: path,
            python: path + "/bin/python",
            summary: summary.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// The exact bytes of an approved spec, for restoring an edited published spec (rule 8): kept in
    /// `.kiln/specs/` at approval, or (for approvals before that folder existed) the spec its build was made from.
    public static func approvedSpec(_ sha256: String, built: BuiltEnvironment?, in layout: WorkspaceLayout) -> [UInt8]?
    {
        for path in [layout.keptSpec(sha256), built?.spec].compactMap({ $0 }) {
            if case .success(let bytes) = WorkspaceFiles.readFile(path, limit: Spec.maximumSize),
                SHA256Hex.of(bytes) == sha256
            {
                return bytes
            }
        }
        return nil
    }
}
