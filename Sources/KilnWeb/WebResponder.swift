import Foundation
import Hummingbird
import KilnProtocol
import Metrics
import Prometheus

/// Answers every request of the web view: read-only (GET and HEAD; anything else is 405 with `Allow`), each route
/// read from disk at the time of the request (`WorkspaceView`), nothing written anywhere.
struct WebResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let view: WorkspaceView
    let registry: PrometheusCollectorRegistry
    /// Directories inotify watches now, asked at each scrape.
    let watches: @Sendable () -> Int
    /// Set when the daemon begins to stop: open event streams end.
    let stopping: StopFlag
    /// Which `Host` names are answered (`HostCheck`).
    let hosts: HostCheck

    static let allowed = "GET, HEAD"

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.text(
                .methodNotAllowed,
                "\(request.method) is not allowed: the web view is read-only (GET and HEAD)\n",
                headers: [.allow: Self.allowed]
            )
        }
        guard hosts.allows(request.head.authority) else {
            return Self.text(
                .forbidden,
                "this web view answers requests for localhost, 127.0.0.1 or [::1] only, the address it listens on; "
                    + "to serve it under another name, listen on that address ([http] listen or --http)\n"
            )
        }
        let route = WebRoute(path: request.uri.path)
        if case .log(let name) = route, request.headers[.accept]?.contains("text/event-stream") == true {
            return await events(name, head: request.method == .head)
        }
        let response = await answer(route)
        guard request.method == .head else { return response }
        // The same head as GET, without the body.
        return Response(status: response.status, headers: response.headers, body: .init())
    }

    private func answer(_ route: WebRoute) async -> Response {
        switch route {
        case .page:
            return Self.respond(.ok, Array(WebPage.html.utf8), type: "text/html; charset=utf-8")
        case .environmentPage(let name):
            // The same page, which opens the environment its address names; a name with nothing on disk is a 404.
            guard await view.environment(name) != nil else {
                return Self.text(.notFound, "no environment '\(name)' in this workspace\n")
            }
            return Self.respond(.ok, Array(WebPage.html.utf8), type: "text/html; charset=utf-8")
        case .environments:
            return Self.json(.ok, EnvironmentsJSON(environments: await view.environments()))
        case .environment(let name):
            guard let environment = await view.environment(name) else {
                return Self.json(.notFound, ErrorJSON(error: "no environment '\(name)' in this workspace"))
            }
            return Self.json(.ok, environment)
        case .log(let name):
            switch await view.log(name) {
            case .success(let text): return Self.text(.ok, text)
            case .failure(.notFound(_, let why)): return Self.text(.notFound, why + "\n")
            }
        case .metrics:
            await recordCensus()
            return Self.respond(
                .ok,
                registry.emitToBuffer(),
                type: "text/plain; version=0.0.4; charset=utf-8"
            )
        case .notFound(let why):
            return Self.json(.notFound, ErrorJSON(error: why))
        case .badPath(let why):
            return Self.json(.badRequest, ErrorJSON(error: why))
        }
    }

    /// The log of `name`'s latest build as server-sent events, to the build's end (`LogEvents`).
    private func events(_ name: String, head: Bool) async -> Response {
        guard let build = await view.followedBuild(name) else {
            return Self.text(.notFound, "'\(name)' has no build to follow\n")
        }
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
        guard !head else { return Response(status: .ok, headers: headers) }
        return Response(
            status: .ok,
            headers: headers,
            body: LogEvents(view: view, name: name, build: build, stopping: stopping).body()
        )
    }

    /// Counts the copies on disk by stage and state, and the watches, for this scrape.
    private func recordCensus() async {
        for (key, count) in await view.census() {
            Gauge(label: KilnMetrics.environments, dimensions: [("stage", key.stage), ("state", key.state)])
                .record(count)
        }
        Gauge(label: KilnMetrics.inotifyWatches).record(watches())
    }

    // MARK: responses

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else {
            return text(.internalServerError, "the answer could not be encoded as JSON\n")
        }
        return respond(status, Array(data), type: "application/json; charset=utf-8")
    }

    static func text(
        _ status: HTTPResponse.Status,
        _ text: String,
        headers extra: HTTPFields = [:]
    ) -> Response {
        respond(status, Array(text.utf8), type: "text/plain; charset=utf-8", headers: extra)
    }

    static func respond(
        _ status: HTTPResponse.Status,
        _ bytes: [UInt8],
        type: String,
        headers extra: HTTPFields = [:]
    ) -> Response {
        var headers = extra
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// `/api/environments`.
struct EnvironmentsJSON: Encodable {
    var environments: [CopyJSON]
}

/// The body of a refusal, for scripts: `{"error": "..."}`.
struct ErrorJSON: Encodable {
    var error: String
}
