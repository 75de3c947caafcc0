import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct KernelSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Install your own kernelspec for every published environment and your drafts; remove stale ones.",
        discussion: """
            Writes kiln-<name> for every published environment whose build has ipykernel, and kiln-<name>-draft for \
            every built draft you own (whose folder is yours), each pinned to its current build. Then removes the \
            kernelspecs Kiln installed from this workspace whose environment is gone. Kernelspecs without Kiln's \
            metadata, or from another workspace, are never touched.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @OptionGroup var target: PersonalKernelOptions

    func run() throws {
        let layout = try options.layout()
        let kernels = PersonalKernels(folder: try target.kernelsFolder())
        let me = getuid()
        /// (name, stage) of every copy that is still built: its kernelspecs stay.
        var alive = Set<String>()
        for name in WorkspaceReader(layout: layout).names().sorted() {
            for copy in MoveWait.read(name, in: layout) {
                guard copy.location.stage == .draft || copy.location.stage == .published, !copy.location.nested,
                    let candidate = KernelCandidate(copy, layout: layout)
                else { continue }
                alive.insert("\(copy.location)")
                if copy.location.stage == .draft && owner(of: layout.directory(copy.location)) != me { continue }
                guard candidate.hasIPykernel else {
                    note("skipped \(copy.location): \(candidate.noKernelReason)")
                    continue
                }
                let spec = candidate.personalKernelspec(workspace: layout.root)
                let kernel = candidate.personalKernelName
                if kernels.origin(of: kernel) == spec.origin { continue }
                try kernels.write(spec, as: kernel)
                print("installed \(kernel): \"\(spec.displayName)\"")
            }
        }
        for kernel in kernels.kernels() {
            guard let origin = kernels.origin(of: kernel), origin.workspace == layout.root,
                let stage = origin.stage, !alive.contains("\(stage)/\(origin.name)")
            else { continue }
            try kernels.remove(kernel)
            print("removed \(kernel): \(stage)/\(origin.name) is gone")
        }
    }

    private func owner(of path: String) -> uid_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_uid : nil
    }
}
