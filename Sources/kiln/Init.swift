import ArgumentParser
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a workspace (or add what an existing one is missing).",
        discussion: """
            With --admins, also sets owners, modes and ACLs for a team (run as root): the daemon's user owns the \
            stage folders and .kiln/; members of the users' group write saved/ and move their own environments; only \
            the admins' group writes published/ and moves submissions out of pending/. Run it again on an existing \
            workspace to set them right: it changes owners and modes only, and deletes nothing.
            """
    )

    @Argument(help: "The folder to make a workspace of.")
    var directory: String

    @Option(help: "The group whose members may approve (write published/); sets owners and modes for a team.")
    var admins: String?

    @Option(help: "The group whose members use the workspace (with --admins).")
    var users = "users"

    @Option(help: "The user `kiln serve` runs as, which owns .kiln/ and the stage folders (with --admins).")
    var daemonUser = "kiln"

    func validate() throws {
        if admins == nil, users != "users" || daemonUser != "kiln" {
            throw ValidationError("--users and --daemon-user set permissions, which --admins GROUP turns on: add it")
        }
    }

    func run() throws {
        let layout = WorkspaceLayout(root: WorkspaceLocator.absolute(directory))
        // Before anything is made: a name this host lacks is refused with nothing touched.
        var permissions: WorkspacePermissions?
        if let admins {
            do {
                permissions = try WorkspacePermissions.named(users: users, admins: admins, daemon: daemonUser)
            } catch {
                throw CLIError.refused(error.description)
            }
        }
        for stage in Stage.allCases {
            try WorkspaceFiles.makeDirectory(layout.folder(stage))
        }
        try WorkspaceFiles.makeDirectory(layout.requests)
        if WorkspaceFiles.kind(layout.settingsFile) == .missing {
            try WorkspaceFiles.writeAtomically(layout.settingsFile, Init.template)
        }
        if let permissions {
            do {
                try permissions.apply(to: layout)
            } catch {
                guard error.errno != .notPermitted || geteuid() == 0 else {
                    throw CLIError.refused(
                        "setting the workspace's owners needs root (\(error)): run `\(permissions.fixCommand(layout))`"
                    )
                }
                throw error
            }
            print(
                "permissions set: \(permissions.daemon.name) (the daemon's user) owns the stage folders and .kiln/; "
                    + "group \(permissions.users.name) uses the workspace; only group \(permissions.admins.name) "
                    + "may publish. Run the daemon as \(permissions.daemon.name)."
            )
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
        # executor = "slurm"       # each build a Slurm job, on a node that mounts this workspace at the same path

        # [slurm]                                # with executor = "slurm"; `kiln doctor` checks the setup
        # partition = "build"                    # default: the cluster's default partition
        # account = "data-team"                  # default: the user's default account
        # time_limit = "90m"                     # sbatch --time; default: the build timeout plus a minute
        # options = ["--mem=8G", "--cpus-per-task=4"]   # more sbatch options, one long option each

        # [policy]
        # allowed = ["pandas", "scikit-learn"]   # when set, the only libraries a spec may name
        # blocked = []
        # required = ["ipykernel"]               # added to every build
        # direct_urls = false                    # "name @ url"; a file: URL never

        # [python]
        # "3.11" = "/usr/bin/python3.11"

        # [http]
        # listen = "127.0.0.1:8080"              # the read-only web view and /metrics; a port alone: 127.0.0.1

        """
}
