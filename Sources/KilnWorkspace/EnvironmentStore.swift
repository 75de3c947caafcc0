import Foundation
import KilnProtocol

/// The environment store on disk (`.kiln/envs/<spec sha256>/`): which builds are registered.
public enum EnvironmentStore {
    /// Looks up a registered build; nil if there is none or it never finished.
    public static func find(_ specSHA256: String, in layout: WorkspaceLayout) -> BuiltEnvironment? {
        let path = layout.environment(specSHA256)
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        guard let summary = WorkspaceFiles.readText(metadata + "/complete", limit: 4096) else { return nil }
        return BuiltEnvironment(
            specSHA256: specSHA256,
            path: path,
            python: path + "/bin/python",
            summary: summary.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// The exact spec bytes a registered build was made from: what a published spec is restored to.
    public static func spec(of built: BuiltEnvironment) -> [UInt8]? {
        guard case .success(let bytes) = WorkspaceFiles.readFile(built.spec, limit: Spec.maximumSize) else {
            return nil
        }
        return bytes
    }
}
