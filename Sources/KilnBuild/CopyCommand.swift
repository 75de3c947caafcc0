import Subprocess

/// `cp`, with an argument list and its complaints in a build's log. The copies a build makes (an interpreter for
/// `.kiln/pythons`, `kiln` and `uv` for the Slurm nodes) are hundreds of megabytes: run as a process, they keep no
/// thread of Swift's cooperative pool waiting on the disk, and a cancelled build stops them.
enum CopyCommand {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// `cp OPTIONS -- SOURCES... DESTINATION`: into `destination` when it is a folder, else to that name.
    static func run(_ options: [String], _ sources: [String], to destination: String, log: BuildLog) async throws {
        try Task.checkCancellation()
        var platform = PlatformOptions()
        platform.createSession = true
        platform.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(3))]
        let result = try await Subprocess.run(
            .name("cp"),
            arguments: Arguments(options + ["--"] + sources + [destination]),
            platformOptions: platform,
            output: .fileDescriptor(log.descriptor, closeAfterSpawningProcess: false),
            error: .fileDescriptor(log.descriptor, closeAfterSpawningProcess: false)
        )
        try Task.checkCancellation()
        guard result.terminationStatus.isSuccess else {
            throw Failed(description: "cp into \(destination) ended with \(result.terminationStatus)")
        }
    }
}
