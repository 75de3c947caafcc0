import Hummingbird
import KilnProtocol
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `kiln serve --http`: the read-only web view and `/metrics`, one more service of the daemon's group. It stops with
/// the others on SIGTERM: the server stops accepting, finishes the requests in flight, and ends.
public struct WebService: Service {
    let listen: HTTPListen
    let view: WorkspaceView
    let registry: PrometheusCollectorRegistry
    let watches: @Sendable () -> Int
    let logger: Logger
    let stopping = StopFlag()

    /// - Parameters:
    ///   - mask: masks the package sources' credentials in everything served.
    ///   - watches: how many directories inotify watches now.
    public init(
        listen: HTTPListen,
        layout: WorkspaceLayout,
        registry: PrometheusCollectorRegistry,
        mask: @escaping @Sendable (String) -> String,
        watches: @escaping @Sendable () -> Int,
        logger: Logger
    ) {
        self.listen = listen
        view = WorkspaceView(layout: layout, mask: mask)
        self.registry = registry
        self.watches = watches
        self.logger = logger
    }

    public func run() async throws {
        let listen = listen
        let stopping = stopping
        let logger = logger
        let app = Application(
            responder: WebResponder(
                view: view,
                registry: registry,
                watches: watches,
                stopping: stopping,
                hosts: HostCheck(listen: listen)
            ),
            configuration: ApplicationConfiguration(
                address: .hostname(listen.host, port: listen.port),
                serverName: "kiln"
            ),
            onServerRunning: { channel in
                // With port 0 the system chose one: the log says which, for whoever started the daemon.
                let port = channel.localAddress?.port ?? listen.port
                logger.info("web view at http://\(HTTPListen(host: listen.host, port: port))/")
            },
            logger: logger
        )
        do {
            // The server stops with the group; the streams it is sending end first, or it would wait for them.
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                stopping.set()
            }
        } catch {
            throw WebServiceError(
                "cannot serve HTTP on \(listen): \(error); choose another address with --http or [http] listen "
                    + "in workspace.toml"
            )
        }
    }
}

/// The web view could not start (most often: the port is taken, or the address is not this host's).
public struct WebServiceError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
