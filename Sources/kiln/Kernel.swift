import ArgumentParser

/// `kiln kernel ...`: Jupyter kernels for environments.
struct Kernel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Jupyter kernels: use an environment from a notebook.",
        discussion: """
            The daemon keeps a kernelspec for every published environment whose build has ipykernel, in \
            <workspace>/.kiln/jupyter/kernels/<name>/; `export JUPYTER_PATH="$(kiln kernel path)"` makes Jupyter \
            find them all, and they follow each new approved version. `kiln kernel install` and `kiln kernel sync` \
            write personal ones instead, each pinned to the build it was made from (a draft's too).
            """,
        subcommands: [KernelPath.self, KernelList.self, KernelInstall.self, KernelSync.self]
    )
}
