import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a workspace (or add what an existing one is missing)."
    )

    @Argument(help: "The folder to make a workspace of.")
    var directory: String

    func run() throws {
        let layout = WorkspaceLayout(root: WorkspaceLocator.absolute(directory))
        for stage in Stage.allCases {
            try WorkspaceFiles.makeDirectory(layout.folder(stage))
        }
        try WorkspaceFiles.makeDirectory(layout.requests)
        if WorkspaceFiles.kind(layout.settingsFile) == .missing {
            try WorkspaceFiles.writeAtomically(layout.settingsFile, Init.template)
        }
        print("workspace ready at \(layout.root); start the daemon with `kiln serve \(layout.root)`")
    }

    static let template = """
        # Kiln workspace settings; every key is optional.
        [daemon]
        rescan_interval = "auto"  # full rescan: "auto" = 10m on local disks, 30s on network mounts; "0s" = never
        settle = "200ms"          # quiet time before a change is acted on

        [build]
        on_save = "build"         # or "wait": a save rests as `saved` until `kiln build NAME`
        concurrency = 2
        timeout = "30m"
        # index_url = "https://mirror.example/simple"
        # find_links = ["/srv/wheels"]
        # no_index = true          # install from find_links only
        # only_binary = true
        # keep_pythons = false     # build from the host's Python where it is, not a copy in .kiln/pythons
        # skip_import_check = ["torch"]   # libraries not imported after a build (they need another host to load)
        # keep = "14d"             # built environments nothing refers to are collected after this

        # [policy]
        # allowed = ["pandas", "scikit-learn"]   # when set, the only libraries a spec may name
        # blocked = []
        # required = ["ipykernel"]               # added to every build
        # direct_urls = false                    # "name @ url"; a file: URL never

        # [python]
        # "3.11" = "/usr/bin/python3.11"

        """
}
