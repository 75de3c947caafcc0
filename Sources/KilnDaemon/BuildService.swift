import ServiceLifecycle

/// Owns the builds' lifetime: on shutdown, every running build is stopped and awaited.
struct BuildService: Service {
    let daemon: Daemon

    func run() async throws {
        try? await gracefulShutdown()
        await daemon.stopBuilds()
    }
}
