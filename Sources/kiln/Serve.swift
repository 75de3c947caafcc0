import ArgumentParser
import KilnProtocol
import KilnWorkspace
import KilnDaemon
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon on a workspace, in the foreground.",
        discussion: """
            Reconciles every environment on start, then acts on changes (after the settle time) and on a periodic \
            rescan. Stops cleanly on SIGTERM or SIGINT: running builds are stopped and queued again at the next start. \
            With --http (or [http] listen in workspace.toml), also serves a read-only web view of the environments, \
            their JSON (/api/environments) and Prometheus metrics (/metrics).
            """
    )

    @Argument(help: "The workspace folder (default: as for --workspace).")
    var workspace: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    @Option(
        help: ArgumentHelp(
            "Serve the read-only web view and /metrics at HOST:PORT (a port alone: 127.0.0.1); overrides [http] listen.",
            valueName: "host:port"
        )
    )
    var http: String?

    func validate() throws {
        if let http, case .failure(let problem) = HTTPListen.parse(http) {
            throw ValidationError("--http \(problem.message); write an address such as \(HTTPListen.examples)")
        }
    }

    func run() async throws {
        let layout = try WorkspaceOptions(workspace: workspace).layout()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            let listen = try http.map { try HTTPListen.parse($0).get() }
            try await Server.run(root: layout.root, http: listen, logger: Logger(label: "kiln.serve"))
        } catch let error as DaemonError {
            throw CLIError.workspace(error.description)
        } catch {
            throw CLIError.workspace("kiln serve stopped on \(layout.root): \(error)")
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension WorkspaceOptions {
    init(workspace: String?) {
        self.init()
        self.workspace = workspace
    }
}
