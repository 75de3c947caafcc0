import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// How long a command waits for the daemon to catch up with a move: a folder and its status disagree for a moment
/// (70-300 ms) after every move, and nothing is reported or done from that moment.
enum MoveWait {
    /// 3 s, or `KILN_MOVE_WAIT` seconds: a slow network mount, or a busy daemon host, may need longer.
    static let limit: Duration = {
        let text = ProcessInfo.processInfo.environment["KILN_MOVE_WAIT"] ?? ""
        guard let seconds = Double(text), seconds >= 0, seconds <= 3600 else { return .seconds(3) }
        return .milliseconds(Int(seconds * 1000))
    }()
    /// `kiln list` shows a copy as moving rather than wait long.
    static let listLimit: Duration = .milliseconds(300)
    static let pollMicroseconds: useconds_t = 50_000

    /// Reads the copies of `name` until no move is in progress or `limit` passes; returns the last reading.
    static func read(_ name: String, in layout: WorkspaceLayout, limit: Duration = limit) -> [EnvironmentCopy] {
        let reader = WorkspaceReader(layout: layout)
        let deadline = ContinuousClock.now + limit
        while true {
            let copies = reader.copies(of: name)
            let moving = copies.contains { CopyCondition($0, layout: layout).isMoving }
            if !moving || ContinuousClock.now >= deadline { return copies }
            usleep(pollMicroseconds)
        }
    }
}

/// Checks a name given on the command line for an environment that may exist (one made before Windows's device
/// names were refused included).
func validName(_ name: String) throws -> String {
    if let problem = EnvironmentName.lookupProblem(with: name) { throw CLIError.usage(problem) }
    return name
}

/// The copies of a name once no move is in progress; an error when there are none, when a move stays in progress
/// (the daemon is not catching up), or when a status is damaged.
func copies(of name: String, in layout: WorkspaceLayout) throws -> [EnvironmentCopy] {
    let copies = MoveWait.read(try validName(name), in: layout)
    guard !copies.isEmpty else {
        throw CLIError.refused("no environment named '\(name)' in \(layout.root); `kiln list` shows what there is")
    }
    for copy in copies {
        switch CopyCondition(copy, layout: layout) {
        case .moving(let reason), .damaged(let reason): throw CLIError.workspace(reason)
        default: continue
        }
    }
    return copies
}

/// One copy in the given stage, with an error naming where it is instead.
func copy(_ name: String, in stage: Stage, of layout: WorkspaceLayout, action: String) throws -> EnvironmentCopy {
    let all = try copies(of: name, in: layout)
    guard let found = all.first(where: { $0.location == CopyLocation(stage, name) }) else {
        throw CLIError.refused(
            "cannot \(action) '\(name)': it is not in \(stage.rawValue)/ (\(whereabouts(all, in: layout)))"
        )
    }
    return found
}

/// Where every copy is and how it stands, for messages: "saved/x is building; published/x is published".
func whereabouts(_ copies: [EnvironmentCopy], in layout: WorkspaceLayout) -> String {
    let serving = DaemonPresence.isServing(layout)
    return copies.map { copy in
        switch CopyCondition(copy, layout: layout) {
        case .settled(let status): "\(copy.location) \(phrase(status.state))"
        case let other: "\(copy.location): \(other.summary(daemonServing: serving))"
        }
    }.joined(separator: "; ")
}

/// Refuses a move onto a place that is taken: a move never replaces.
func ensureFree(_ location: CopyLocation, in layout: WorkspaceLayout, action: String) throws {
    guard WorkspaceFiles.kind(layout.directory(location)) == .missing else {
        throw CLIError.refused(
            "cannot \(action) '\(location.name)': \(location) already exists; a move never replaces one"
        )
    }
}

/// A state as the end of a sentence about a copy: "saved/x failed to build".
func phrase(_ state: EnvironmentState) -> String {
    switch state {
    case .saved: "waits for `kiln build`"
    case .queued: "is queued for a build"
    case .building: "is building"
    case .failed: "failed to build"
    case .invalid: "has an invalid spec"
    case .ready: "is ready"
    case .rejected: "was rejected"
    case .awaitingApproval: "is awaiting approval"
    case .published: "is published"
    }
}
