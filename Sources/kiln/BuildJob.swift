import ArgumentParser
import Foundation
import KilnBuild
import KilnProtocol

/// `kiln build-job FOLDER`: what a Slurm job runs (its script is written by the daemon). Not for people.
struct BuildJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-job",
        abstract: "Run one build as a Slurm job (the daemon submits it; not for people).",
        discussion: """
            Builds what the job folder's job.toml and spec.toml describe, exactly as the daemon builds locally, \
            writes the build's progress and, last, its result into the folder, and the build's output into the \
            environment's logs/build-N.log. Exit 0 built, 1 failed, 2 cancelled or the folder is unusable.
            """,
        shouldDisplay: false
    )

    @Option(help: "The uv binary to build with (the workspace's copy); without it, venv and pip.")
    var uv: String?

    @Argument(help: "The job's folder, .kiln/jobs/<name>.<build>.")
    var folder: String

    func run() async throws {
        let result: SlurmJobResult
        do {
            result = try await BuildJobRunner(folder: folder, uv: uv).run()
        } catch {
            throw CLIError.usage(error.description)
        }
        switch result {
        case .built: return
        case .failed(let message): throw CLIError.refused(message)
        case .cancelled: throw CLIError(.usage, "the build was cancelled")
        }
    }
}
