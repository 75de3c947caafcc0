import Foundation
import Testing
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Carries `UserAction`s out on a workspace the way people do (files written and renamed, `mv`, `cp -r`, `rm -rf`)
/// and remembers what the invariants need: every spec it wrote, what it removed, and a log of what each action
/// actually did, for a person replaying a failure.
final class ActionRunner {
    let ws: TestWorkspace
    /// Where directories are made before `cp -r` brings them in: outside the workspace.
    let outside: String
    /// One line per action: what it meant and what it did.
    private(set) var log: [String] = []
    /// The last spec bytes written for each name (a save, an edit or a copy brought in), and where they went.
    private(set) var lastWrite: [String: (bytes: [UInt8], at: String)] = [:]
    /// Names whose last write the test itself removed afterwards (`rm -rf` of the copy holding it).
    private(set) var lastWriteRemoved: Set<String> = []
    /// Every location `rm -rf` removed, by name.
    private(set) var removedLocations: [String: Set<String>] = [:]
    private var writes = 0

    init(ws: TestWorkspace) throws {
        self.ws = ws
        outside = ws.root + ".outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: outside) }

    /// Every run starts from one name with a published version and an archived one (two approvals, the second over
    /// the first), made by the same actions, so that rollbacks and updates of a published version happen in every
    /// run rather than in the rare plan that gets a name through the whole workflow twice.
    func prepare() async throws {
        let name = UserAction.names[0]
        for (kind, nested) in [(SpecKind.bare, false), (.greet, true)] {
            log.append("setup: \(perform(.save(name: 0, spec: kind)))")
            try await ws.waitForState("draft/\(name)", .ready)
            log.append("setup: \(perform(.submit(name: 0)))")
            try await ws.waitForState("pending/\(name)", .awaitingApproval)
            log.append("setup: \(perform(.approve(name: 0, nested: nested)))")
            let approved = SHA256Hex.of(lastWrite[name]?.bytes ?? [])
            try await ws.waitForStatus("published/\(name)") { $0.state == .published && $0.specSHA256 == approved }
        }
    }

    func run(_ plan: ActionPlan) async throws {
        for (index, batch) in plan.batches.enumerated() {
            for action in batch.actions {
                log.append("batch \(index): \(action): \(perform(action))")
            }
            try await Task.sleep(for: .milliseconds(batch.pauseMilliseconds))
        }
    }

    /// Does one action; returns what was done, or why nothing was.
    func perform(_ action: UserAction) -> String {
        switch action {
        case .save(let n, let kind):
            let name = UserAction.names[n]
            let dir = ws.path("saved/\(name)")
            mkdir(dir, 0o755)
            return write(kind, name: name, into: "saved/\(name)", inPlace: false)
        case .edit(let n, let pick, let kind, let inPlace):
            let name = UserAction.names[n]
            guard let location = copy(of: name, pick: pick) else { return "skipped: no copy of \(name)" }
            return write(kind, name: name, into: location, inPlace: inPlace)
        case .submit(let n):
            let name = UserAction.names[n]
            return mv("draft/\(name)", "pending/")
        case .approve(let n, let nested):
            let name = UserAction.names[n]
            return mv("pending/\(name)", nested ? "published/\(name)" : "published/")
        case .reject(let n, let note):
            let name = UserAction.names[n]
            guard ws.exists("pending/\(name)") else { return "skipped: no pending/\(name)" }
            var done = ""
            if note {
                let review = Array("Please pin versions (\(writes)).\n".utf8)
                done = writeAndRename(review, to: ws.path("pending/\(name)/review")) ? "wrote review; " : ""
            }
            return done + mv("pending/\(name)", "draft/")
        case .move(let n, let pick, let stage):
            let name = UserAction.names[n]
            guard let location = copy(of: name, pick: pick) else { return "skipped: no copy of \(name)" }
            return mv(location, "\(stage.rawValue)/")
        case .copyIn(let n, let stage, let kind, let withStatus):
            return copyIn(name: UserAction.names[n], to: stage, kind: kind, withStatus: withStatus)
        case .remove(let n, let pick):
            let name = UserAction.names[n]
            guard let location = copy(of: name, pick: pick) else { return "skipped: no copy of \(name)" }
            return remove(location, name: name)
        case .rollback(let n):
            let name = UserAction.names[n]
            guard ws.exists("published/\(name)") else { return "skipped: no published/\(name)" }
            let result = ws.kilnCommand("rollback", name, "--timeout", "20")
            let said = result.output.split(separator: "\n").last.map(String.init) ?? ""
            return "kiln rollback \(name): exit \(result.status): \(said)"
        }
    }

    // MARK: the operations

    /// The copies of `name` on disk now, as `stage/name`, in stage order; `pick` chooses one.
    func copy(of name: String, pick: Int) -> String? {
        let here = Stage.allCases.map { "\($0.rawValue)/\(name)" }.filter { ws.exists($0) }
        return here.isEmpty ? nil : here[pick % here.count]
    }

    private func write(_ kind: SpecKind, name: String, into location: String, inPlace: Bool) -> String {
        writes += 1
        let bytes = Array(kind.text(write: writes).utf8)
        let path = ws.path(location + "/spec.toml")
        let done = inPlace ? writeInPlace(bytes, to: path) : writeAndRename(bytes, to: path)
        guard done else { return "failed: \(location)/spec.toml (\(String(cString: strerror(errno))))" }
        lastWrite[name] = (bytes, location)
        lastWriteRemoved.remove(name)
        return "wrote \(location)/spec.toml (write \(writes))\(inPlace ? " in place" : "")"
    }

    /// An editor's save: a temporary file beside the target, renamed over it. Fails (false) if the directory is
    /// gone, as it may be when the daemon has just moved it.
    private func writeAndRename(_ bytes: [UInt8], to path: String) -> Bool {
        let temp = (path as NSString).deletingLastPathComponent + "/.kiln-test-\(writes).swp"
        guard writeFile(bytes, to: temp, flags: O_WRONLY | O_CREAT | O_EXCL) else { return false }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            return false
        }
        return true
    }

    /// `vi`'s or `echo >`'s way: the existing file truncated and written, one `write`.
    private func writeInPlace(_ bytes: [UInt8], to path: String) -> Bool {
        writeFile(bytes, to: path, flags: O_WRONLY | O_TRUNC)
    }

    private func writeFile(_ bytes: [UInt8], to path: String, flags: Int32) -> Bool {
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    private func mv(_ from: String, _ to: String) -> String {
        guard ws.exists(from) else { return "skipped: no \(from)" }
        let result = TestWorkspace.run("/bin/mv", [ws.path(from), ws.path(to)])
        let line = "mv \(from) \(to)"
        return result.status == 0 ? line : "\(line) refused: \(result.output.trimmingCharacters(in: .newlines))"
    }

    private func copyIn(name: String, to stage: Stage, kind: SpecKind, withStatus: Bool) -> String {
        let target = "\(stage.rawValue)/\(name)"
        // `cp -r` onto an existing directory merges into it; people copy in a new environment.
        guard !ws.exists(target) else { return "skipped: \(target) exists" }
        writes += 1
        let source = outside + "/\(writes)/\(name)"
        let bytes = Array(kind.text(write: writes).utf8)
        do {
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: source + "/spec.toml"))
            if withStatus {
                try Data(foreignStatus(stage: stage, spec: bytes).utf8).write(
                    to: URL(fileURLWithPath: source + "/status")
                )
            }
        } catch {
            return "failed to prepare \(source): \(error)"
        }
        let result = TestWorkspace.run("/bin/cp", ["-r", source, ws.path(stage.rawValue) + "/"])
        guard result.status == 0 else { return "cp -r refused: \(result.output)" }
        lastWrite[name] = (bytes, target)
        lastWriteRemoved.remove(name)
        return
            "cp -r outside/\(writes)/\(name) \(stage.rawValue)/ (write \(writes))\(withStatus ? " with a status" : "")"
    }

    /// The status another workspace's daemon would have written for a copy in `stage`: built there, on an
    /// environment this workspace does not have (in `saved/`, a failed build).
    private func foreignStatus(stage: Stage, spec: [UInt8]) -> String {
        let state: EnvironmentState =
            switch stage {
            case .saved: .failed
            case .draft: .ready
            case .pending: .awaitingApproval
            case .published: .published
            }
        let env = "/elsewhere/.kiln/envs/" + String(repeating: "e", count: 64)
        let built = state.isBuilt ? "environment = \"\(env)\"\npython = \"\(env)/bin/python\"\n" : ""
        return """
            stage = "\(stage.rawValue)"
            state = "\(state.rawValue)"
            spec_sha256 = "\(SHA256Hex.of(spec))"
            build = 1
            \(built)updated = 2026-11-01T10:00:00Z
            message = "from another workspace"

            """
    }

    private func remove(_ location: String, name: String) -> String {
        // The copy's spec files, read just before: if they hold the last write, the test removed it itself.
        if let last = lastWrite[name] {
            let held = ["spec.toml", "spec.toml.edited"].contains {
                FileManager.default.contents(atPath: ws.path("\(location)/\($0)")).map(Array.init) == last.bytes
            }
            if held { lastWriteRemoved.insert(name) }
        }
        let result = TestWorkspace.run("/bin/rm", ["-rf", ws.path(location)])
        removedLocations[name, default: []].insert(location)
        return result.status == 0 ? "rm -rf \(location)" : "rm -rf \(location) failed: \(result.output)"
    }
}
