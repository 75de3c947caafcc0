import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every environment and where it stands.",
        discussion: """
            Columns: location, state, base, full name, message. On a terminal, long names and messages are cut to \
            fit; in a pipe or a file nothing is cut. A copy whose status the daemon has not caught up with after a \
            move is shown as `moving`; a copy that is building shows what its build is doing, as \
            `building (installing 12/40)`.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Flag(help: "Print JSON, for scripts: one object per copy, every key always present (null when unknown).")
    var json = false

    func run() throws {
        let layout = try options.layout()
        let serving = DaemonPresence.isServing(layout)
        let rows = WorkspaceReader(layout: layout).names().sorted().flatMap { name in
            MoveWait.read(name, in: layout, limit: MoveWait.listLimit).map {
                Row($0, condition: CopyCondition($0, layout: layout), daemonServing: serving)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        if rows.isEmpty {
            print("no environments yet; create one with `kiln new NAME --base python:3.11 --lib ...`")
            return
        }
        let columns = terminalColumns()
        let cells = rows.map { [$0.location, $0.stateColumn, $0.base ?? "-", $0.fullName ?? "-"] }
        var widths = (0..<4).map { i in
            max(["LOCATION", "STATE", "BASE", "FULL NAME"][i].count, cells.map { $0[i].count }.max() ?? 0)
        }
        if columns != nil { widths[3] = min(widths[3], 30) }
        func line(_ values: [String], message: String) -> String {
            var out = ""
            for (value, width) in zip(values, widths) {
                out += cut(value, to: width).padding(toLength: width + 2, withPad: " ", startingAt: 0)
            }
            guard let columns else { return out + message }
            return out + cut(message, to: max(20, columns - out.count - 1))
        }
        print(line(["LOCATION", "STATE", "BASE", "FULL NAME"], message: "MESSAGE"))
        for (row, values) in zip(rows, cells) { print(line(values, message: row.message)) }
    }

    /// Cuts only on a terminal; `width` already allows for everything in a pipe.
    private func cut(_ text: String, to width: Int) -> String {
        text.count > width ? String(text.prefix(max(0, width - 1))) + "…" : text
    }

    /// One copy, as `--json` prints it.
    struct Row: Encodable {
        var name: String
        var location: String
        var stage: String
        var state: String
        var moving: Bool
        var fullName: String?
        var base: String?
        var description: String?
        var specSHA256: String?
        var build: Int?
        var environment: String?
        var python: String?
        /// What a building copy's build is doing (`phase` in its status).
        var phase: String?
        /// † The Slurm job a building copy's build runs as (`slurm_job` in its status).
        var slurmJob: String?
        var updated: String?
        var message: String
        /// The STATE column: the state, `moving`, or a build's phase and counts.
        var stateColumn: String

        init(_ copy: EnvironmentCopy, condition: CopyCondition, daemonServing: Bool) {
            let spec = SpecSummary(copy)
            name = copy.location.name
            location = copy.location.description
            stage = copy.location.stage.rawValue
            // A moving copy keeps the state its status names; `moving` says the status is not yet about this folder.
            state = copy.status?.state.rawValue ?? condition.stateText
            moving = condition.isMoving
            fullName = spec.fullName
            base = spec.base
            description = spec.description
            specSHA256 = copy.status?.specSHA256
            build = copy.status?.build
            environment = copy.status?.environment
            python = copy.status?.python
            phase = copy.status?.phase?.rawValue
            slurmJob = copy.status?.slurmJob
            // A status without `updated` reads as the epoch: unknown, not 1970.
            updated = copy.status.flatMap {
                $0.updated.timeIntervalSince1970 == 0 ? nil : $0.updated.formatted(.iso8601)
            }
            message = condition.summary(daemonServing: daemonServing)
            stateColumn =
                if moving {
                    "moving"
                } else if let status = copy.status, let progress = BuildProgress(status) {
                    "\(state) (\(progress.brief))"
                } else {
                    state
                }
        }

        enum CodingKeys: String, CodingKey {
            case name, location, stage, state, moving, base, description, build, environment, python, phase, updated
            case message
            case fullName = "full_name"
            case specSHA256 = "spec_sha256"
            case slurmJob = "slurm_job"
        }

        /// Every key, null when unknown, so a script can rely on the shape.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(location, forKey: .location)
            try c.encode(stage, forKey: .stage)
            try c.encode(state, forKey: .state)
            try c.encode(moving, forKey: .moving)
            try c.encode(fullName, forKey: .fullName)
            try c.encode(base, forKey: .base)
            try c.encode(description, forKey: .description)
            try c.encode(specSHA256, forKey: .specSHA256)
            try c.encode(build, forKey: .build)
            try c.encode(environment, forKey: .environment)
            try c.encode(python, forKey: .python)
            try c.encode(phase, forKey: .phase)
            try c.encode(slurmJob, forKey: .slurmJob)
            try c.encode(updated, forKey: .updated)
            try c.encode(message, forKey: .message)
        }
    }
}
