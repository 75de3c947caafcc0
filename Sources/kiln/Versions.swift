import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct Versions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the published version of an environment and the archived ones a rollback can bring back.",
        discussion: """
            One line per version, the published one first, then the archived ones, the most recently replaced \
            first: its label (what `kiln rollback NAME --to` and `kiln diff` take; 6 or more hex digits of the spec \
            hash do too), when an admin approved it, its spec hash, its built environment (`gone` when the store no \
            longer has it: it cannot be published again) and the admin's review note. --json prints the same as a \
            JSON array.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Flag(help: "Print a JSON array, one object per version.") var json = false

    struct Row: Encodable {
        var version: String
        var published: Bool
        var approved: String?
        var specSHA256: String?
        var environment: String?
        var environmentExists: Bool
        var note: String?

        enum CodingKeys: String, CodingKey {
            case version, published, approved, note, environment
            case specSHA256 = "spec_sha256"
            case environmentExists = "environment_exists"
        }
    }

    func run() throws {
        let layout = try options.layout()
        let name = try validName(name)
        let published = MoveWait.read(name, in: layout).first { $0.location == CopyLocation(.published, name) }
        var rows: [Row] = []
        if let published {
            rows.append(row("published", status: published.status, note: published.review, layout: layout))
        }
        for version in ArchivedVersions(layout: layout, name: name).all() {
            rows.append(row(version.label, status: version.status, note: version.review, layout: layout))
        }
        guard !rows.isEmpty else {
            throw CLIError.refused(
                "'\(name)' has no published version and nothing in .kiln/archive/\(name)/; `kiln list` shows what "
                    + "there is"
            )
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        let table =
            [["VERSION", "APPROVED", "SPEC", "ENVIRONMENT", "NOTE"]]
            + rows.map { row in
                [
                    row.version,
                    row.approved ?? "-",
                    row.specSHA256.map { String($0.prefix(12)) } ?? "-",
                    row.environment.map {
                        shortEnvironment($0, layout: layout) + (row.environmentExists ? "" : " (gone)")
                    }
                        ?? "-",
                    row.note.map(oneLine) ?? "-",
                ]
            }
        for line in alignedColumns(table) { emit(line) }
    }

    func row(_ version: String, status: Status?, note: String?, layout: WorkspaceLayout) -> Row {
        let environment = status?.environment
        return Row(
            version: version,
            published: version == "published",
            approved: status?.approved.map(TOMLText.dateTime),
            specSHA256: status?.specSHA256,
            environment: environment,
            environmentExists: environment.map {
                EnvironmentStore.find(BuildInputs.key(ofEnvironment: $0), in: layout) != nil
            } ?? false,
            note: note
        )
    }

    /// `.kiln/envs/` and the first 12 digits of the key: enough to tell builds apart on one line.
    func shortEnvironment(_ path: String, layout: WorkspaceLayout) -> String {
        let key = BuildInputs.key(ofEnvironment: path)
        return path.hasPrefix(layout.environments + "/") ? ".kiln/envs/" + key.prefix(12) : path
    }

    func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 60 ? line.prefix(59) + "…" : line
    }
}
