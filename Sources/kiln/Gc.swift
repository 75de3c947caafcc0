import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

struct Gc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove built environments and cached files that nothing refers to any more.",
        discussion: """
            A built environment in .kiln/envs/ is kept while a copy's status (saved, draft, pending, published), \
            a rollback target in .kiln/archive/, a replacement in progress or a running build refers to it. Once \
            nothing does, it is kept for [build] keep in workspace.toml (default "14d", counted from when a \
            collection first found it unreferenced; "0s": at once), then removed. The same holds for the copies of \
            base interpreters in .kiln/pythons/, and for the copies of kiln and uv in .kiln/tools/ that Slurm jobs \
            run (kept while a job's script names one, or while it is of this kiln); what interrupted builds left \
            behind goes at once; then \
            `uv cache prune` tidies .kiln/cache/uv. Prints one line for each thing removed with its size (hard \
            links counted once) and a total. The daemon does this once a day; this command works with or without \
            it running. Exit 0 when done, 1 when another collection is running, 3 for a workspace problem (a bad \
            workspace.toml, a folder that could not be removed).
            """
    )

    @OptionGroup var options: WorkspaceOptions

    @Flag(help: "Print what would be removed, and remove nothing (nor mark anything as unreferenced).")
    var dryRun = false

    func run() async throws {
        let layout = try options.layout()
        let settings = try workspaceSettings(layout)
        let collector = Collector(layout: layout, uv: ToolFinder().uv())
        let report: CollectionReport
        do {
            report = try await collector.run(keep: settings.keep, dryRun: dryRun, now: Date())
        } catch let busy as Collector.Busy {
            throw CLIError.refused(busy.description)
        } catch {
            throw CLIError.workspace("cannot collect in \(layout.kiln): \(error)")
        }
        for line in report.lines { emit(line) }
        if !report.failures.isEmpty {
            throw CLIError.workspace(
                "\(counted(report.failures.count, "folder", "folders")) could not be removed (the 'not removed' "
                    + "lines say why); what is left of them is tried again by the next collection"
            )
        }
    }
}
