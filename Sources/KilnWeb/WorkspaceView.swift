import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// What the web view reads from disk, on a thread of its own (`DedicatedThreadExecutor`), as the daemon reads: the
/// statuses, specs and locks of each copy through `WorkspaceReader`, the journal through `Journal`. It keeps nothing
/// between two requests, so it never disagrees with the disk, and nothing it does blocks Swift's cooperative pool.
///
/// It opens only what the daemon itself would: files inside a stage's environment directory, never through a
/// symbolic link (an environment that is a link is shown as one, not followed; a `logs` folder that is a link is not
/// read), and the journal in `.kiln/`.
public actor WorkspaceView {
    let layout: WorkspaceLayout
    let reader: WorkspaceReader
    /// Masks the package sources' credentials in everything served, as the daemon masks its log.
    let mask: @Sendable (String) -> String
    private let executor = DedicatedThreadExecutor(name: "kiln-web")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The most of a build log one response carries: its end, where a failure is told.
    static let logLimit = 4 * 1024 * 1024
    /// The most a lock file shown in the API may weigh.
    static let lockLimit = 4 * 1024 * 1024
    /// The history of one environment the API shows: its latest transitions.
    static let historyLimit = 500

    public init(layout: WorkspaceLayout, mask: @escaping @Sendable (String) -> String) {
        self.layout = layout
        reader = WorkspaceReader(layout: layout)
        self.mask = mask
    }

    /// Every copy of every environment, by name, each name's copies in stage order.
    func copies() -> [EnvironmentCopy] {
        reader.names().sorted().flatMap { reader.copies(of: $0) }
    }

    /// `/api/environments`.
    func environments() -> [CopyJSON] {
        copies().map { CopyJSON($0, mask: mask) }
    }

    /// Every series the census has counted: one that had copies once is shown at zero when they are gone.
    private var censusSeries: Set<StageState> = StageState.usual

    /// How many copies are in each stage and state: the `kiln_environments` gauge. Every state a stage may hold is
    /// there, zero included, so a series never vanishes when its last copy moves on.
    func census() -> [StageState: Int] {
        var counts: [StageState: Int] = [:]
        for copy in copies() {
            let key = StageState(stage: copy.location.stage.rawValue, state: CopyJSON.state(of: copy))
            counts[key, default: 0] += 1
        }
        censusSeries.formUnion(counts.keys)
        for key in censusSeries where counts[key] == nil { counts[key] = 0 }
        return counts
    }

    /// `/api/environments/<name>`; nil when no stage holds it and the journal never saw it.
    func environment(_ name: String) -> EnvironmentJSON? {
        let copies = reader.copies(of: name)
        let history = Journal(layout: layout).latest(Self.historyLimit, of: name).entries
        guard !copies.isEmpty || !history.isEmpty else { return nil }
        return EnvironmentJSON(
            name: name,
            copies: copies.map { copy in
                EnvironmentJSON.Copy(
                    status: CopyJSON(copy, mask: mask),
                    spec: copy.isSymlink ? nil : SpecJSON(copy, mask: mask),
                    review: copy.review.map(mask),
                    lock: copy.isSymlink ? nil : text(layout.lock(copy.location)),
                    changes: copy.isSymlink || copy.location.stage != .pending
                        ? nil : text(layout.changes(copy.location))
                )
            },
            history: history.map { EnvironmentJSON.Transition($0, mask: mask) }
        )
    }

    /// The latest build log of `name` (the copy with the highest build number), or why there is none.
    func log(_ name: String) -> Result<String, LogProblem> {
        let copies = reader.copies(of: name).filter { !$0.isSymlink && $0.status?.build != nil }
        guard let latest = copies.max(by: { ($0.status?.build ?? 0) < ($1.status?.build ?? 0) }),
            let build = latest.status?.build
        else {
            return .failure(.notFound(name, "'\(name)' has no build log yet"))
        }
        // The folder is the environment's own, never a link to elsewhere: the log is then inside the workspace.
        guard WorkspaceFiles.kind(layout.logs(latest.location)) == .directory else {
            return .failure(.notFound(name, "build \(build) of '\(name)' has no log in \(latest.location)/logs"))
        }
        let path = layout.log(latest.location, build: build)
        guard WorkspaceFiles.kind(path) == .file, let bytes = Self.tail(path, limit: Self.logLimit) else {
            return .failure(.notFound(name, "build \(build) of '\(name)' has no log (\(latest.location))"))
        }
        return .success(mask(String(decoding: bytes, as: UTF8.self)))
    }

    /// The build `/log` with `Accept: text/event-stream` follows: the latest of `name`'s, running, queued or ended
    /// (then its whole log is sent and its result at once). Nil when no copy has a build.
    func followedBuild(_ name: String) -> Int? {
        reader.copies(of: name).filter { !$0.isSymlink }.compactMap { $0.status?.build }.max()
    }

    /// What build `build` of `name` added to its log past `offset`, and, once it is over, how it ended. The status is
    /// read before the log: a build's log is complete before its status says it ended, so nothing is lost between.
    /// The log is read wherever the copy holding that build is now (it moves from `saved/` to `draft/` with it).
    func logStep(_ name: String, build: Int, offset: Int) -> LogStep {
        let copies = reader.copies(of: name).filter { !$0.isSymlink }
        guard let holder = copies.first(where: { $0.status?.build == build }), let status = holder.status else {
            let newer = copies.contains { ($0.status?.build ?? 0) > build }
            return LogStep(
                bytes: [],
                ended: BuildEnd(
                    name: name,
                    build: build,
                    state: newer ? "replaced" : "gone",
                    location: nil,
                    message: newer
                        ? "a newer save replaced build \(build) of '\(name)'"
                        : "no copy of '\(name)' holds build \(build) any more"
                )
            )
        }
        let ended: BuildEnd? =
            status.state == .queued || status.state == .building
            ? nil
            : BuildEnd(
                name: name,
                build: build,
                state: status.state.rawValue,
                location: holder.location.description,
                message: mask(status.message)
            )
        var bytes: [UInt8] = []
        if WorkspaceFiles.kind(layout.logs(holder.location)) == .directory {
            let path = layout.log(holder.location, build: build)
            bytes = Self.read(path, from: offset, limit: Self.logLimit) ?? []
        }
        return LogStep(bytes: bytes, ended: ended)
    }

    /// A file the daemon writes in a copy (`requirements.lock`, `changes`), when it is a regular file of a sensible
    /// size.
    private func text(_ path: String) -> String? {
        guard WorkspaceFiles.kind(path) == .file,
            case .success(let bytes) = WorkspaceFiles.readFile(path, limit: Self.lockLimit),
            bytes.count <= Self.lockLimit
        else { return nil }
        return mask(String(decoding: bytes, as: UTF8.self))
    }

    /// The last `limit` bytes of a regular file, not following a link; nil when it cannot be opened.
    static func tail(_ path: String, limit: Int) -> [UInt8]? {
        read(path, from: nil, limit: limit)
    }

    /// At most `limit` bytes of a regular file from `offset` (nil: its last `limit` bytes), not following a link;
    /// nil when it cannot be opened.
    static func read(_ path: String, from offset: Int?, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let size = Int(info.st_size)
        if let offset {
            guard offset < size else { return [] }
            lseek(fd, off_t(offset), SEEK_SET)
        } else if size > limit {
            lseek(fd, off_t(size - limit), SEEK_SET)
        }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - out.count)) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

/// A stage and a state: one series of the `kiln_environments` gauge.
struct StageState: Hashable, Sendable {
    var stage: String
    var state: String

    /// The states each stage may hold, and a copy without a status yet.
    static let usual = Set(
        Stage.allCases.flatMap { stage in
            (EnvironmentState.allowed(in: stage).map(\.rawValue) + ["no-status"]).map {
                StageState(stage: stage.rawValue, state: $0)
            }
        }
    )
}

/// One look at a followed build: what its log gained, and how it ended once it has.
struct LogStep: Sendable {
    var bytes: [UInt8]
    var ended: BuildEnd?
}

/// The last event of a followed log: the build's result, as its status says it (`ready`, `failed`, ...), or
/// `replaced` (a newer save's build took its place) or `gone` (no copy holds it any more).
struct BuildEnd: Encodable, Sendable {
    var name: String
    var build: Int
    var state: String
    var location: String?
    var message: String

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(build, forKey: .build)
        try c.encode(state, forKey: .state)
        try c.encode(location, forKey: .location)
        try c.encode(message, forKey: .message)
    }

    enum CodingKeys: String, CodingKey { case name, build, state, location, message }
}

/// Why a log cannot be served.
enum LogProblem: Error {
    case notFound(String, String)
}

/// `/api/environments/<name>`: every copy with its status, spec, review and lock, and the history from the journal.
struct EnvironmentJSON: Encodable, Sendable {
    var name: String
    var copies: [Copy]
    var history: [Transition]

    struct Copy: Encodable, Sendable {
        var status: CopyJSON
        var spec: SpecJSON?
        var review: String?
        var lock: String?
        /// A pending copy's `changes`: what approving it would change against the published version.
        var changes: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(spec, forKey: .spec)
            try c.encode(review, forKey: .review)
            try c.encode(lock, forKey: .lock)
            try c.encode(changes, forKey: .changes)
        }

        enum CodingKeys: String, CodingKey { case status, spec, review, lock, changes }
    }

    /// One journal entry, as `kiln history --json` prints it.
    struct Transition: Encodable, Sendable {
        var time: Date
        var from: String
        var to: String
        var state: String
        var spec: String?
        var message: String

        init(_ entry: JournalEntry, mask: (String) -> String) {
            time = entry.time
            from = entry.from
            to = entry.to
            state = entry.state
            spec = entry.spec
            message = mask(entry.message)
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(time, forKey: .time)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(state, forKey: .state)
            try c.encode(spec, forKey: .spec)
            try c.encode(message, forKey: .message)
        }

        enum CodingKeys: String, CodingKey { case time, from, to, state, spec, message }
    }
}
