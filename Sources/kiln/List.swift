import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every environment and where it stands.")

    @OptionGroup var options: WorkspaceOptions
    @Flag(help: "Print JSON, for scripts.")
    var json = false

    func run() throws {
        let layout = try options.layout()
        let reader = WorkspaceReader(layout: layout)
        let rows = reader.names().sorted().flatMap { reader.copies(of: $0) }.map(Row.init)
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
        let nameWidth = max(4, rows.map(\.location.count).max() ?? 0)
        print("LOCATION".padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0) + "STATE              MESSAGE")
        for row in rows {
            let message = row.message.count > 80 ? String(row.message.prefix(79)) + "…" : row.message
            print(
                row.location.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0)
                    + row.state.padding(toLength: 19, withPad: " ", startingAt: 0) + message
            )
        }
    }

    struct Row: Encodable {
        var name: String
        var location: String
        var stage: String
        var state: String
        var spec_sha256: String?
        var build: Int?
        var python: String?
        var message: String

        init(_ copy: EnvironmentCopy) {
            name = copy.location.name
            location = copy.location.description
            stage = copy.location.stage.rawValue
            state = copy.status?.state.rawValue ?? "unknown"
            spec_sha256 = copy.status?.specSHA256
            build = copy.status?.build
            python = copy.status?.python
            message = copy.status?.message ?? "no status yet: is `kiln serve` running?"
        }
    }
}
