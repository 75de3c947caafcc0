import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11: `kiln serve --http`, the daemon's read-only web view and metrics, against the real daemon on a temp
/// workspace. Requests go through curl with `--path-as-is`, so every hostile path reaches the server exactly as
/// written.
@Suite("kiln serve --http: the read-only web view, its API and /metrics", .serialized)
struct WebTests {
    static let secret = "s3cr3t-W3B-T0KEN"
    static let indexURL = "https://kiln:\(secret)@index.example/simple"
    /// Text that only files outside the workspace hold: no response may ever carry it.
    static let outsideMarker = "OUTSIDE-THE-WORKSPACE-7f3a"

    /// One answer: status, headers (names lower-cased) and body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// Sends one request with curl; `status` 0 when nothing answered.
    static func request(_ method: String, _ port: Int, _ path: String, headers: [String] = []) -> Answer {
        let base = NSTemporaryDirectory() + "kiln-web-\(UUID().uuidString.prefix(8))"
        defer {
            try? FileManager.default.removeItem(atPath: base + ".body")
            try? FileManager.default.removeItem(atPath: base + ".head")
        }
        var arguments = [
            "-s", "--path-as-is", "--max-time", "20", "-o", base + ".body", "-D", base + ".head", "-w", "%{http_code}",
        ]
        arguments += method == "HEAD" ? ["-I"] : ["-X", method]
        for header in headers { arguments += ["-H", header] }
        arguments.append("http://127.0.0.1:\(port)\(path)")
        let result = TestWorkspace.run("/usr/bin/curl", arguments)
        let head = (try? String(contentsOfFile: base + ".head", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? String(contentsOfFile: base + ".body", encoding: .utf8)) ?? ""
        return Answer(status: Int(result.output.suffix(3)) ?? 0, headers: fields, body: body)
    }

    static func get(_ port: Int, _ path: String) -> Answer { request("GET", port, path) }

    static func json(_ answer: Answer) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(answer.body.utf8))
    }

    /// Starts the daemon with `arguments` and returns the port its log says it serves on.
    static func startServing(_ ws: TestWorkspace, arguments: [String] = ["--http", "127.0.0.1:0"]) async throws -> Int {
        try ws.start(arguments: arguments)
        try await ws.waitForLog("web view at http://127.0.0.1:")
        let output = ws.daemonOutput
        guard let range = output.range(of: "web view at http://127.0.0.1:"),
            let port = Int(output[range.upperBound...].prefix { $0.isNumber })
        else { throw Failure("no port in the daemon's log:\n\(output)") }
        return port
    }

    /// Prometheus's text format, read as a reader would: `name{labels} value` lines, each value a number.
    static func metrics(_ text: String) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw Failure("not a Prometheus sample line: '\(line)'")
            }
            values[String(line[..<space])] = value
        }
        return values
    }

    @Test("each route shows what the statuses on disk say, secrets masked, read-only, contained")
    func routes() async throws {
        let ws = try TestWorkspace(settings: "index_url = \"\(Self.indexURL)\"")
        let port = try await Self.startServing(ws)
        var bodies: [String] = []
        func get(_ path: String) -> Answer {
            let answer = Self.get(port, path)
            bodies.append(answer.body)
            return answer
        }

        try ws.save(
            "saved/report",
            reportSpec + "\ndescription = \"mirrored from \(Self.indexURL) by the team\"\n"
        )
        try ws.save("saved/broken", "base = \"python:3.11\"\nlibraries = 3\n")
        let ready = try await ws.waitForState("draft/report", .ready)
        _ = try await ws.waitForState("saved/broken", .invalid)

        // The list: one object per copy, every key present, each as its status on disk says.
        let list = get("/api/environments")
        #expect(list.status == 200)
        #expect(list.headers["content-type"]?.hasPrefix("application/json") == true)
        let rows = try #require((try Self.json(list) as? [String: Any])?["environments"] as? [[String: Any]])
        #expect(rows.map { $0["location"] as? String } == ["saved/broken", "draft/report"])
        let keys: Set = [
            "name", "location", "stage", "state", "full_name", "base", "description", "spec_sha256", "build",
            "phase", "progress", "slurm_job", "approved", "updated", "message",
        ]
        for row in rows {
            #expect(Set(row.keys) == keys)
            let location = try #require(row["location"] as? String)
            let status = try #require(ws.status(location))
            #expect(row["stage"] as? String == status.stage.rawValue)
            #expect(row["state"] as? String == status.state.rawValue)
            #expect(row["message"] as? String == status.message)
            #expect((row["build"] as? Int) == status.build)
            #expect(row["spec_sha256"] as? String == status.specSHA256)
        }
        let report = try #require(rows.first { $0["name"] as? String == "report" })
        #expect(report["full_name"] as? String == "Report tools")
        #expect(report["base"] as? String == "python:3.11")
        #expect(report["build"] as? Int == ready.build)
        #expect((report["description"] as? String)?.contains("index.example") == true)
        #expect(report["updated"] is String)
        #expect(report["progress"] is NSNull)
        let broken = try #require(rows.first { $0["name"] as? String == "broken" })
        #expect(broken["base"] is NSNull)
        #expect((broken["message"] as? String)?.contains("libraries") == true)

        // One environment: its copies, spec, lock and history.
        let one = get("/api/environments/report")
        #expect(one.status == 200)
        let detail = try #require(try Self.json(one) as? [String: Any])
        #expect(detail["name"] as? String == "report")
        let copies = try #require(detail["copies"] as? [[String: Any]])
        #expect(copies.count == 1)
        let copy = try #require(copies.first)
        #expect((copy["status"] as? [String: Any])?["location"] as? String == "draft/report")
        let spec = try #require(copy["spec"] as? [String: Any])
        #expect(spec["libraries"] as? [String] == ["kiln-demo-report==2.1.0"])
        #expect((spec["text"] as? String)?.contains("kiln-demo-report==2.1.0") == true)
        let lockOnDisk = try String(contentsOfFile: ws.path("draft/report/requirements.lock"), encoding: .utf8)
        #expect(copy["lock"] as? String == lockOnDisk)
        let history = try #require(detail["history"] as? [[String: Any]])
        let journal = Journal(layout: ws.layout).entries(for: "report")
        #expect(history.count == journal.count)
        #expect(history.last?["to"] as? String == "draft/report")
        #expect(history.last?["state"] as? String == "ready")

        // The log: the file on disk, masked.
        let logPath = ws.path("draft/report/logs/build-\(ready.build ?? 0).log")
        let handle = try #require(FileHandle(forWritingAtPath: logPath))
        handle.seekToEndOfFile()
        handle.write(Data("a tool printed \(Self.indexURL)\n".utf8))
        try handle.close()
        let log = get("/api/environments/report/log")
        #expect(log.status == 200)
        #expect(log.headers["content-type"]?.hasPrefix("text/plain") == true)
        let logOnDisk = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(log.body == logOnDisk.replacingOccurrences(of: Self.secret, with: "****"))
        #expect(log.body.contains("kiln-demo-report"))
        #expect(get("/api/environments/broken/log").status == 404)
        #expect(get("/api/environments/nothing-here").status == 404)
        #expect(get("/api/environments/Upper").status == 404)

        // HEAD: the head of GET, no body (curl -I writes what it got, the head alone, where the body would go).
        let head = Self.request("HEAD", port, "/api/environments")
        #expect(head.status == 200)
        #expect(!head.body.contains("{"))
        #expect(head.headers["content-length"] == list.headers["content-length"])
        #expect(head.headers["content-type"]?.hasPrefix("application/json") == true)

        // Listening on 127.0.0.1, it answers requests for this host only: a rebound name gets nothing.
        let rebound = Self.request("GET", port, "/api/environments", headers: ["Host: evil.example:\(port)"])
        #expect(rebound.status == 403)
        #expect(!rebound.body.contains("report"))
        #expect(Self.request("GET", port, "/api/environments", headers: ["Host: localhost:\(port)"]).status == 200)

        // Read-only: every other method is refused, and changes nothing.
        let before = ws.status("draft/report")
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            for path in ["/", "/api/environments", "/api/environments/report", "/metrics"] {
                let refused = Self.request(method, port, path)
                #expect(refused.status == 405, "\(method) \(path)")
                #expect(refused.headers["allow"] == "GET, HEAD", "\(method) \(path)")
            }
        }
        #expect(ws.status("draft/report") == before)
        #expect(ws.exists("draft/report"))

        // /metrics: parseable, counting the build that happened and the copies on disk.
        let scrape = get("/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"]?.hasPrefix("text/plain") == true)
        let samples = try Self.metrics(scrape.body)
        #expect(samples["kiln_builds_started_total"] == 1)
        #expect(samples["kiln_builds_finished_total{result=\"built\"}"] == 1)
        #expect(samples["kiln_build_duration_seconds_count{result=\"built\"}"] == 1)
        #expect(samples["kiln_environments{stage=\"draft\",state=\"ready\"}"] == 1)
        #expect(samples["kiln_environments{stage=\"saved\",state=\"invalid\"}"] == 1)
        #expect(samples["kiln_environments{stage=\"published\",state=\"published\"}"] == 0)
        #expect((samples["kiln_rescan_duration_seconds_count"] ?? 0) >= 1)
        #expect((samples["kiln_reconcile_duration_seconds_count"] ?? 0) >= 2)
        #expect((samples["kiln_inotify_watches"] ?? 0) >= 4)
        #expect(samples["kiln_build_queue_length"] == 0)
        #expect(samples["kiln_builds_running"] == 0)
        #expect(scrape.body.contains("# TYPE kiln_build_duration_seconds histogram"))

        // Containment: outside files, reached by links and by every encoding of '..' and '/'.
        let outside = ws.root + ".outside"
        try FileManager.default.createDirectory(atPath: outside + "/logs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        for file in ["logs/build-1.log", "logs/build-\(ready.build ?? 0).log", "spec.toml", "secret.txt"] {
            try Self.outsideMarker.write(toFile: outside + "/" + file, atomically: true, encoding: .utf8)
        }
        try
            "stage = \"saved\"\nstate = \"failed\"\nbuild = 1\nupdated = 2026-01-01T00:00:00Z\nmessage = \"\(Self.outsideMarker)\"\n"
            .write(toFile: outside + "/status", atomically: true, encoding: .utf8)
        // An environment's logs folder swapped for a link to outside: its log is not served.
        try FileManager.default.removeItem(atPath: ws.path("draft/report/logs"))
        try FileManager.default.createSymbolicLink(
            atPath: ws.path("draft/report/logs"),
            withDestinationPath: outside + "/logs"
        )
        let linkedLog = get("/api/environments/report/log")
        #expect(linkedLog.status == 404)
        // A whole environment that is a link to outside: shown as a link, never read.
        try FileManager.default.createSymbolicLink(atPath: ws.path("published/linked"), withDestinationPath: outside)
        let linked = get("/api/environments/linked")
        #expect([200, 404].contains(linked.status))
        _ = get("/api/environments/linked/log")
        _ = get("/api/environments")
        let escapes = [
            "/..", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/environments/..",
            "/api/environments/%2e%2e", "/api/environments/%2E%2E/%2E%2E/etc/passwd",
            "/api/environments/..%2f..%2f..%2fetc%2fpasswd", "/api/environments/%252e%252e%252fetc%252fpasswd",
            "/api/environments/report%2f..%2f..%2fworkspace.toml/log",
            "/api/environments/report/..%2f..%2fworkspace.toml",
            "/api/environments/report/log/../../../../etc/passwd", "/api/environments/%2fetc%2fpasswd/log",
            "/api/environments/..%5c..%5cetc%5cpasswd", "/api/environments/%00", "/api/environments/report%00/log",
            "/api/environments/%c0%ae%c0%ae/log", "/api/environments/.kiln", "/api/environments/.kiln/log",
            "//etc/passwd", "/workspace.toml", "/.kiln/journal.jsonl", "/draft/report/spec.toml",
            "/api/environments/report/logs/build-1.log", "/api/environments/%2e%2e%2f.outside/log",
            "/api/environments/report/../../workspace.toml", "/api/environments/%", "/api/environments/%zz",
        ]
        for path in escapes {
            let answer = get(path)
            #expect([400, 404].contains(answer.status), "\(path): \(answer.status)")
        }
        for body in bodies {
            #expect(!body.contains(Self.outsideMarker))
            #expect(!body.contains("root:x:0:0"))
            #expect(!body.contains("rescan_interval"))
            #expect(!body.contains(Self.secret))
        }
        #expect(bodies.contains { $0.contains("****") })

        // SIGTERM stops the daemon and the server with it, cleanly.
        #expect(ws.stop() == 0)
        #expect(ws.daemonOutput.contains("stopped"))
        #expect(Self.get(port, "/api/environments").status == 0)
    }

    @Test("the address: from workspace.toml, refused when bad, and a port that is taken stops the start")
    func address() async throws {
        // [http] listen in workspace.toml, with no --http.
        let ws = try TestWorkspace()
        try ws.editSettings { $0 + "\n[http]\nlisten = \"127.0.0.1:0\"\n" }
        let port = try await Self.startServing(ws, arguments: [])
        let page = Self.get(port, "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(!page.body.contains("http://") && !page.body.contains("https://"))
        #expect(ws.stop() == 0)

        // A bad --http is refused before anything starts, saying why.
        for bad in ["127.0.0.1:99999", "host:port", "::1:80", "[::1]", "", "a b:80"] {
            let refused = TestWorkspace.run(TestWorkspace.kiln, ["serve", ws.root, "--http", bad])
            #expect(refused.status == 2, "--http \(bad)")
            #expect(refused.output.contains("--http"), "--http \(bad): \(refused.output)")
        }
        // A bad [http] listen is refused, naming the file and the line.
        try ws.editSettings { $0.replacingOccurrences(of: "listen = \"127.0.0.1:0\"", with: "listen = \"local:http\"") }
        let badFile = TestWorkspace.run(TestWorkspace.kiln, ["serve", ws.root])
        #expect(badFile.status == 3)
        #expect(badFile.output.contains("workspace.toml"))
        #expect(badFile.output.contains("[http] listen"))

        // A port that is taken: the daemon says so and stops, releasing its lock.
        try ws.editSettings { $0.replacingOccurrences(of: "listen = \"local:http\"", with: "") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0)
        #expect(listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let taken = Int(UInt16(bigEndian: address.sin_port))
        let busy = TestWorkspace.run(TestWorkspace.kiln, ["serve", ws.root, "--http", "127.0.0.1:\(taken)"])
        #expect(busy.status == 3)
        #expect(busy.output.contains("cannot serve HTTP on 127.0.0.1:\(taken)"), "\(busy.output)")
    }

    /// A slow build (a source distribution whose build outlasts the timeout): its log as server-sent events while it
    /// runs, to its result.
    @Test("the log of a running build as server-sent events, ending with its result")
    func events() async throws {
        let ws = try TestWorkspace(settings: "timeout = \"4s\"\nindex_url = \"\(Self.indexURL)\"")
        let port = try await Self.startServing(ws)
        try ws.save("saved/slow", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-slow==1.0.0\"]\n")
        let building = try await ws.waitForStatus("saved/slow") { $0.state == .building && $0.phase != nil }
        // While it builds, the list shows how far it got, as its status says.
        let rows = try #require((try Self.json(Self.get(port, "/api/environments")) as? [String: Any])?["environments"])
        let row = try #require((rows as? [[String: Any]])?.first { $0["name"] as? String == "slow" })
        #expect(row["state"] as? String == "building")
        let progress = try #require(row["progress"] as? [String: Any])
        #expect(progress["phase"] as? String == building.phase?.rawValue)
        #expect(row["phase"] as? String == building.phase?.rawValue)
        #expect((progress["summary"] as? String).map { building.message.hasPrefix($0) } == true)
        let stream = Self.request("GET", port, "/api/environments/slow/log", headers: ["Accept: text/event-stream"])
        #expect(stream.status == 200)
        #expect(stream.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        let failed = try #require(ws.status("saved/slow"))
        #expect(failed.state == .failed)
        // Every line of the log, in order, as one event each; then the result.
        let blocks = stream.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let data = blocks.filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst("data: ".count)) }
        let log = try String(contentsOfFile: ws.path("saved/slow/logs/build-1.log"), encoding: .utf8)
        #expect(data.joined(separator: "\n") + "\n" == log)
        #expect(data.first?.hasPrefix("kiln: build 1 of 'slow'") == true)
        let last = try #require(blocks.last)
        #expect(last.hasPrefix("event: result\ndata: "))
        let result = try JSONSerialization.jsonObject(with: Data(last.dropFirst("event: result\ndata: ".count).utf8))
        let fields = try #require(result as? [String: Any])
        #expect(fields["state"] as? String == "failed")
        #expect(fields["location"] as? String == "saved/slow")
        #expect(fields["build"] as? Int == 1)
        #expect(fields["message"] as? String == failed.message)
        #expect(!stream.body.contains(Self.secret))
        // An ended build: its whole log and its result at once; a name without builds: 404.
        let again = Self.request("GET", port, "/api/environments/slow/log", headers: ["Accept: text/event-stream"])
        #expect(again.body.hasSuffix(last + "\n\n"))
        let none = Self.request("GET", port, "/api/environments/nothing/log", headers: ["Accept: text/event-stream"])
        #expect(none.status == 404)
        // The metrics counted the failure.
        let samples = try Self.metrics(Self.get(port, "/metrics").body)
        #expect(samples["kiln_builds_started_total"] == 1)
        #expect(samples["kiln_builds_finished_total{result=\"failed\"}"] == 1)
        #expect(samples["kiln_builds_finished_total{result=\"built\"}"] == 0)
        #expect(samples["kiln_build_duration_seconds_count{result=\"failed\"}"] == 1)
        #expect((samples["kiln_build_duration_seconds_sum{result=\"failed\"}"] ?? 0) >= 4)
        #expect(samples["kiln_environments{stage=\"saved\",state=\"failed\"}"] == 1)
        #expect(ws.stop() == 0)
    }

    /// A client following a build's events does not hold the daemon up: SIGTERM ends the stream and the daemon.
    @Test("SIGTERM with a client following the event stream: the stream ends and the daemon stops cleanly")
    func stopWhileFollowed() async throws {
        let ws = try TestWorkspace()
        defer {
            for line in ws.buildProcesses() {
                if let pid = Int32(line.prefix { $0 != ":" }) { kill(pid, SIGKILL) }
            }
        }
        let port = try await Self.startServing(ws)
        try ws.save("saved/slow", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-slow==1.0.0\"]\n")
        _ = try await ws.waitForState("saved/slow", .building)
        let output = ws.root + ".events"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-s", "-N", "--max-time", "60", "-H", "Accept: text/event-stream", "-o", output,
            "http://127.0.0.1:\(port)/api/environments/slow/log",
        ]
        try curl.run()
        let following = await TestWorkspace.waitUntil(timeout: .seconds(20)) {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("data: kiln: build 1")
        }
        #expect(following)
        let asked = ContinuousClock.now
        #expect(ws.stop() == 0)
        #expect(ContinuousClock.now - asked < .seconds(10))
        let ended = await TestWorkspace.waitUntil(timeout: .seconds(10)) { !curl.isRunning }
        #expect(ended)
        if !ended { kill(curl.processIdentifier, SIGKILL) }
        let events = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(events.hasSuffix("event: end\ndata: the daemon is stopping\n\n"), "\(events)")
        #expect(ws.daemonOutput.contains("stopped"))
    }

    /// Where the browser test leaves its screenshot: `KILN_TEST_ARTIFACTS`, else `.build/test-artifacts/`.
    static let artifacts: String = {
        if let explicit = ProcessInfo.processInfo.environment["KILN_TEST_ARTIFACTS"] { return explicit }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/test-artifacts").path
    }()

    /// The page, rendered by a real browser (Debian's chromium, headless): the names and states the workspace holds
    /// are on it once its script has read the API, and nothing it needs comes from elsewhere.
    @Test("the page in a real browser shows every environment and its state")
    func browser() async throws {
        let ws = try TestWorkspace()
        let port = try await Self.startServing(ws)
        try await ws.publish(
            "greeting",
            "full_name = \"Greeting\"\nbase = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n"
        )
        try ws.save("saved/report", reportSpec)
        try ws.save("saved/typo", "base = \"python:3.11\"\nlibaries = [\"x\"]\n")
        _ = try await ws.waitForState("draft/report", .ready)
        _ = try await ws.waitForState("saved/typo", .invalid)
        // A submission: its changes against the published version are in the API, as the daemon wrote them.
        try ws.mv("draft/report", "pending/report")
        _ = try await ws.waitForState("pending/report", .awaitingApproval)
        let changesOnDisk = try String(contentsOfFile: ws.path("pending/report/changes"), encoding: .utf8)
        let detail = try #require(try Self.json(Self.get(port, "/api/environments/report")) as? [String: Any])
        let copy = try #require((detail["copies"] as? [[String: Any]])?.first)
        #expect(copy["changes"] as? String == changesOnDisk)
        #expect(changesOnDisk.contains("kiln-demo-report"))
        let published = try #require(try Self.json(Self.get(port, "/api/environments/greeting")) as? [String: Any])
        #expect((published["copies"] as? [[String: Any]])?.first?["changes"] is NSNull)

        let browser = [
            "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=\(ws.root).chromium", "--virtual-time-budget=5000",
        ]
        defer { try? FileManager.default.removeItem(atPath: ws.root + ".chromium") }
        let url = "http://127.0.0.1:\(port)/"
        let dom = TestWorkspace.run("/usr/bin/timeout", browser + ["--dump-dom", url])
        #expect(dom.status == 0, "\(dom.output.suffix(2000))")
        for location in ["published/greeting", "pending/report", "saved/typo"] {
            #expect(dom.output.contains("data-location=\"\(location)\""), "\(location) is not on the page")
        }
        for state in ["published", "awaiting-approval", "invalid"] {
            #expect(dom.output.contains("<span class=\"state \(state)\">\(state)</span>"), "no state \(state)")
        }
        #expect(dom.output.contains("Report tools"))
        #expect(dom.output.contains("unknown key 'libaries'"))
        // One environment's page, at its own address: its submission's changes, its spec and its log.
        let one = TestWorkspace.run("/usr/bin/timeout", browser + ["--dump-dom", url + "environments/report"])
        #expect(one.output.contains("changes against the published version"))
        #expect(one.output.contains("libraries = [\"kiln-demo-report==2.1.0\"]"))
        #expect(one.output.contains("kiln: build 1 of 'report'"))
        let missing = Self.get(port, "/environments/nothing-here")
        #expect(missing.status == 404 && missing.body.contains("no environment 'nothing-here'"), "\(missing)")

        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let picture = Self.artifacts + "/web-view.png"
        try? FileManager.default.removeItem(atPath: picture)
        let shot = TestWorkspace.run(
            "/usr/bin/timeout",
            browser + ["--window-size=1280,800", "--screenshot=\(picture)", url]
        )
        #expect(shot.status == 0, "\(shot.output.suffix(2000))")
        let png = try #require(FileManager.default.contents(atPath: picture))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 10_000)
        // And as a phone shows it (the table becomes one card per environment under 700 px), kept beside it.
        let phone = Self.artifacts + "/web-view-phone.png"
        try? FileManager.default.removeItem(atPath: phone)
        let small = TestWorkspace.run(
            "/usr/bin/timeout",
            browser + ["--window-size=390,844", "--screenshot=\(phone)", url + "environments/report"]
        )
        #expect(small.status == 0, "\(small.output.suffix(2000))")
        #expect(FileManager.default.contents(atPath: phone)?.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)
        #expect(ws.stop() == 0)
    }

    /// An inotify queue overflow (the daemon stopped while a flood of events waits, as in EventLossTests) is
    /// counted, with the rescan it causes.
    @Test("/metrics counts an inotify overflow and the rescan it causes")
    func overflowMetrics() async throws {
        let ws = try TestWorkspace()
        let port = try await Self.startServing(ws)
        try ws.save("saved/busy", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.1.0\"]\n")
        _ = try await ws.waitForState("draft/busy", .ready)
        try await ws.waitForLog("watching")
        let before = try Self.metrics(Self.get(port, "/metrics").body)
        #expect(before["kiln_inotify_overflows_total"] == 0)
        let pid = try #require(ws.daemonPID)
        let limit = try #require(
            Int(
                try String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        kill(pid, SIGSTOP)
        let flood = TestWorkspace.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import os,sys\nd=sys.argv[1]\nfor i in range(int(sys.argv[2])):\n p=os.path.join(d,'junk%d'%i)\n"
                    + " open(p,'w').close()\n os.remove(p)\n",
                ws.path("draft/busy"), "\(limit)",
            ]
        )
        kill(pid, SIGCONT)
        try #require(flood.status == 0, "\(flood.output)")
        try await ws.waitForLog("the inotify event queue overflowed")
        try await ws.waitForLog("looked at every environment", count: 2)
        let after = try Self.metrics(Self.get(port, "/metrics").body)
        #expect(after["kiln_inotify_overflows_total"] == 1)
        #expect(after["kiln_watcher_rescans_total"] == (before["kiln_watcher_rescans_total"] ?? 0) + 1)
        #expect(after["kiln_rescan_duration_seconds_count"] == (before["kiln_rescan_duration_seconds_count"] ?? 0) + 1)
        #expect(ws.stop() == 0)
    }
}
