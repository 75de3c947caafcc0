import Foundation
import KilnProtocol
import KilnWorkspace

/// A built copy that a Jupyter kernel can be made for: settled, built from the spec that is there, its interpreter
/// present.
struct KernelCandidate {
    var location: CopyLocation
    var status: Status
    var specSHA256: String
    var python: String
    /// Its built environment in the store.
    var environment: String
    var fullName: String?
    /// Its build's lock pins ipykernel.
    var hasIPykernel: Bool

    var name: String { location.name }

    /// The copy in `location`, if it is built and usable; nil otherwise.
    init?(_ copy: EnvironmentCopy, layout: WorkspaceLayout) {
        guard copy.isSettled, copy.matchesBuild, let status = copy.status, let hash = status.specSHA256,
            let python = status.python, WorkspaceFiles.kind(python) != .missing, let environment = status.environment,
            case .contents(let bytes) = copy.spec
        else { return nil }
        location = copy.location
        self.status = status
        specSHA256 = hash
        self.python = python
        self.environment = environment
        fullName = KernelSpec.fullName(ofSpec: bytes)
        // The store's lock is the build's own; the copy's is a copy of it.
        let lock =
            WorkspaceFiles.readText(
                environment + "/" + BuiltEnvironment.metadataFolder + "/requirements.lock",
                limit: 16 << 20
            )
            ?? WorkspaceFiles.readText(layout.lock(copy.location), limit: 16 << 20) ?? ""
        hasIPykernel = KernelSpec.lockHasIPykernel(lock)
    }

    /// Why there is no kernel, and what to do.
    var noKernelReason: String {
        "build \(status.build.map(String.init) ?? "?") has no ipykernel; \(KernelSpec.missingIPykernelAdvice) "
            + "(`ipykernel` in `libraries` of \(location)/spec.toml, saved as a new version)"
    }

    /// A personal kernelspec pinned to this build.
    func personalKernelspec(workspace: String) -> KernelSpec {
        KernelSpec.personal(
            name: name,
            fullName: fullName,
            stage: location.stage,
            specSHA256: specSHA256,
            build: status.build,
            python: python,
            workspace: workspace
        )
    }

    /// The folder name of its personal kernelspec: `kiln-<name>`, and `kiln-<name>-draft` for a draft, so a draft and
    /// the published version can both be installed.
    var personalKernelName: String {
        location.stage == .draft ? "kiln-\(name)-draft" : "kiln-\(name)"
    }
}
