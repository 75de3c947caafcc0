import KilnProtocol
import Logging
import Synchronization

/// The secrets of every package source the daemon has used since it started (`SecretMasker`): a masker only grows,
/// so a build started under earlier settings, or a line about them, is still masked after `workspace.toml` changes.
final class SecretsInUse: Sendable {
    private let masker: Mutex<SecretMasker>

    init(_ settings: WorkspaceSettings) { masker = Mutex(SecretMasker(settings: settings)) }

    func add(_ settings: WorkspaceSettings) { masker.withLock { $0.add(SecretMasker(settings: settings)) } }

    func mask(_ text: String) -> String { masker.withLock { $0 }.mask(text) }
}

/// The daemon's log handler: every message and metadata value is masked before the handler it wraps (stderr)
/// sees it, so no line of the daemon's log carries a package source's secret.
struct MaskingLogHandler: LogHandler {
    var wrapped: any LogHandler
    let secrets: SecretsInUse

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: secrets.mask(event.message.description))
        event.metadata = event.metadata?.mapValues { .string(secrets.mask($0.description)) }
        wrapped.log(event: event)
    }

    /// The logger with its handler wrapped.
    static func masking(_ logger: Logger, with secrets: SecretsInUse) -> Logger {
        var masked = logger
        masked.handler = MaskingLogHandler(wrapped: logger.handler, secrets: secrets)
        return masked
    }
}
