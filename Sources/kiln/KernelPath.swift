import ArgumentParser

struct KernelPath: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Print the folder to put in JUPYTER_PATH: export JUPYTER_PATH=\"$(kiln kernel path)\".",
        discussion: """
            Jupyter looks for kernelspecs in <folder>/kernels/; the daemon keeps one there for every published \
            environment whose build has ipykernel. The folder may not exist yet: it appears with the first one.
            """
    )

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        print(try options.layout().jupyter)
    }
}
