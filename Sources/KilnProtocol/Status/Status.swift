import Foundation
import TOMLKit

/// The daemon's word on where an environment stands: the `status` file (protocol section 3).
public struct Status: Sendable, Equatable {
    public var stage: Stage
    public var state: EnvironmentState
    /// The spec this state is about.
    public var specSHA256: String?
    /// Build attempt number; `logs/build-<build>.log`.
    public var build: Int?
    /// Where the built environment lives.
    public var environment: String?
    /// The built environment's interpreter.
    public var python: String?
    /// † What a `building` build is doing now; nil in every other state, and before the builder has said.
    public var phase: BuildProgress.Phase?
    /// † The Slurm job a `building` build runs as (`[build] executor = "slurm"`), once Slurm has given its id; nil
    /// in every other state, and for a build on the daemon's host.
    public var slurmJob: String?
    /// † When an admin approved this version: set once, at approval, and kept while it is published or archived (a
    /// rollback brings it back with its own date). `updated` cannot say it: a status is rewritten for other reasons.
    public var approved: Date?
    /// When the daemon wrote it. No default: a decision takes the time from its context, never from the clock.
    public var updated: Date
    public var message: String

    public init(
        stage: Stage,
        state: EnvironmentState,
        specSHA256: String? = nil,
        build: Int? = nil,
        environment: String? = nil,
        python: String? = nil,
        phase: BuildProgress.Phase? = nil,
        slurmJob: String? = nil,
        approved: Date? = nil,
        updated: Date,
        message: String = ""
    ) {
        self.stage = stage
        self.state = state
        self.specSHA256 = specSHA256
        self.build = build
        self.environment = environment
        self.python = python
        self.phase = phase
        self.slurmJob = slurmJob
        self.approved = approved
        self.updated = updated
        self.message = message
    }

    /// The same status apart from its time: two such statuses need not be written twice.
    public func sameApartFromTime(_ other: Status) -> Bool {
        var a = self
        a.updated = other.updated
        return a == other
    }

    /// The file's text, keys in the protocol's order.
    public func rendered() -> String {
        var out = "stage = \(TOMLText.quote(stage.rawValue))\n"
        out += "state = \(TOMLText.quote(state.rawValue))\n"
        if let specSHA256 { out += "spec_sha256 = \(TOMLText.quote(specSHA256))\n" }
        if let build { out += "build = \(build)\n" }
        if let environment { out += "environment = \(TOMLText.quote(environment))\n" }
        if let python { out += "python = \(TOMLText.quote(python))\n" }
        if let phase { out += "phase = \(TOMLText.quote(phase.rawValue))\n" }
        if let slurmJob { out += "slurm_job = \(TOMLText.quote(slurmJob))\n" }
        if let approved { out += "approved = \(TOMLText.dateTime(approved))\n" }
        out += "updated = \(TOMLText.dateTime(updated))\n"
        out += "message = \(TOMLText.quote(message))\n"
        return out
    }

    /// Reads a status file's text; nil when it is not one (a person may have scribbled on it: the daemon then treats
    /// the environment as having no status).
    public init?(parsing text: String) {
        guard case .success(let table) = TOMLGate.parse(text),
            let stage = table["stage"]?.string.flatMap(Stage.init(rawValue:)),
            let state = table["state"]?.string.flatMap(EnvironmentState.init(rawValue:))
        else { return nil }
        self.stage = stage
        self.state = state
        specSHA256 = table["spec_sha256"]?.string
        build = table["build"]?.int
        environment = table["environment"]?.string
        python = table["python"]?.string
        // A phase this version does not know (a newer daemon's) is no reason to distrust the rest.
        phase = table["phase"]?.string.flatMap(BuildProgress.Phase.init(rawValue:))
        slurmJob = table["slurm_job"]?.string
        message = table["message"]?.string ?? ""
        approved = table["approved"]?.dateTime.flatMap(Status.instant)
        if let dt = table["updated"]?.dateTime, let date = Status.instant(dt) {
            updated = date
        } else {
            updated = Date(timeIntervalSince1970: 0)
        }
    }
}

extension Status {
    /// The instant a TOML date-time names, its offset applied (none: UTC), whatever the host's time zone: TOMLKit's
    /// `fDate` reads it in the host's zone and drops the offset, so an `approved` time would move at each rewrite on
    /// a host not on UTC.
    static func instant(_ dt: TOMLDateTime) -> Date? {
        guard
            let seconds = UTCTime.seconds(
                year: dt.date.year,
                month: dt.date.month,
                day: dt.date.day,
                hour: dt.time.hour,
                minute: dt.time.minute,
                second: dt.time.second
            )
        else { return nil }
        let offset = (dt.offset?.offset ?? 0) * 60
        return Date(timeIntervalSince1970: TimeInterval(seconds - offset) + TimeInterval(dt.time.nanoSecond) / 1e9)
    }
}
