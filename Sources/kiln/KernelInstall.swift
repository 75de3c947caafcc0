import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct KernelInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install your own Jupyter kernelspec for an environment, pinned to its current build.",
        discussion: """
            Takes the published version if it is built, else the draft (--stage chooses), as `kiln activate` does. \
            The kernelspec is kiln-<name> (kiln-<name>-draft for a draft), named "<full name> (Kiln, <stage> build \
            <N>)", and keeps running that build even after a newer version is published: run it again, or `kiln \
            kernel sync`, to move on. The environment's build must have ipykernel. \
            Exit 1 if the environment is not built or has no ipykernel.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Option(help: "draft or published (default: the published one if built, else the draft).")
    var stage: Stage?
    @OptionGroup var target: PersonalKernelOptions

    func validate() throws {
        if let stage, stage != .draft && stage != .published {
            throw ValidationError("--stage must be draft or published")
        }
    }

    func run() throws {
        let layout = try options.layout()
        let usable = try usableEnvironment(name, in: layout, stages: stage.map { [$0] } ?? [.published, .draft])
        let copy = WorkspaceReader(layout: layout).read(usable.location)
        guard let candidate = KernelCandidate(copy, layout: layout) else {
            throw CLIError.workspace("\(usable.location) changed while it was read; try again")
        }
        guard candidate.hasIPykernel else {
            throw CLIError.refused("no Jupyter kernel for \(usable.location): \(candidate.noKernelReason)")
        }
        let kernels = PersonalKernels(folder: try target.kernelsFolder())
        let spec = candidate.personalKernelspec(workspace: layout.root)
        try kernels.write(spec, as: candidate.personalKernelName)
        print(
            "installed \(kernels.folder)/\(candidate.personalKernelName): \"\(spec.displayName)\", "
                + "running \(candidate.python)"
        )
    }
}
