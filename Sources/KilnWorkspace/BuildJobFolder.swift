import Foundation
import KilnProtocol

/// † The folder of one build that runs as a Slurm job, `.kiln/jobs/<name>.<build>/`: the daemon writes what to build
/// (`job.toml`, `spec.toml`, `requirements.lock`, `job.sh`) and, once Slurm accepts it, the job's id (`job-id`);
/// the job writes that it began (`started`), how far it got (`progress`) and last how it ended (`result`). Slurm
/// writes its own lines to `slurm.out`. Only the daemon removes the folder, once it has acted on the job's end.
public struct BuildJobFolder: Sendable, Equatable {
    public let path: String

    public init(path: String) { self.path = path }

    public init(_ layout: WorkspaceLayout, name: String, build: Int) {
        path = layout.job(name, build: build)
    }

    /// Every job folder of the workspace, oldest build first for each name.
    public static func all(in layout: WorkspaceLayout) -> [BuildJobFolder] {
        WorkspaceFiles.list(layout.jobs).filter { !$0.hasPrefix(".") }.sorted()
            .map { BuildJobFolder(path: layout.jobs + "/" + $0) }
            .filter { WorkspaceFiles.kind($0.path) == .directory }
    }

    public var recordFile: String { path + "/job.toml" }
    public var specFile: String { path + "/spec.toml" }
    public var lockFile: String { path + "/requirements.lock" }
    public var scriptFile: String { path + "/job.sh" }
    public var jobIDFile: String { path + "/job-id" }
    public var startedFile: String { path + "/started" }
    public var progressFile: String { path + "/progress" }
    public var resultFile: String { path + "/result" }
    public var slurmOutput: String { path + "/slurm.out" }

    public var record: BuildJobRecord? {
        WorkspaceFiles.readText(recordFile, limit: 64 * 1024).flatMap(BuildJobRecord.init(parsing:))
    }

    public var specBytes: [UInt8]? {
        guard case .success(let bytes) = WorkspaceFiles.readFile(specFile, limit: Spec.maximumSize) else { return nil }
        return bytes
    }

    public var lock: [UInt8]? {
        guard case .success(let bytes) = WorkspaceFiles.readFile(lockFile, limit: 16 * 1024 * 1024) else { return nil }
        return bytes
    }

    /// The Slurm job id, once `sbatch` answered.
    public var jobID: String? {
        guard let text = WorkspaceFiles.readText(jobIDFile, limit: 64) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return !id.isEmpty && id.allSatisfy(\.isASCII) && id.allSatisfy(\.isNumber) ? id : nil
    }

    public var started: Bool { WorkspaceFiles.kind(startedFile) == .file }

    public var progress: BuildProgress? {
        WorkspaceFiles.readText(progressFile, limit: 256).flatMap {
            BuildProgress(line: $0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    public var result: SlurmJobResult? {
        WorkspaceFiles.readText(resultFile, limit: 64 * 1024).flatMap(SlurmJobResult.init(parsing:))
    }

    /// Removes the folder: the daemon's last step for a job whose end it has acted on.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
