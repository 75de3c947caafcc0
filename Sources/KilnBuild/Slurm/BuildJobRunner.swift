import Foundation
import KilnProtocol
import KilnWorkspace

/// The job's side of a Slurm build (`kiln build-job FOLDER`, run by the job's script on a node): reads what to build
/// from the job's folder, builds it exactly as a local build does (the import check included), reporting its
/// progress into the folder, and writes the result there last. It writes nothing else but the store's environment
/// and the build's log.
public struct BuildJobRunner: Sendable {
    public let folder: BuildJobFolder
    public let uv: String?

    public init(folder: String, uv: String?) {
        self.folder = BuildJobFolder(path: folder)
        self.uv = uv
    }

    /// Why a folder cannot be run at all; the job then ends with this on its error output (in `slurm.out`).
    public struct Unrunnable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Builds, and returns how the build ended (also written to the folder's `result`).
    public func run() async throws(Unrunnable) -> SlurmJobResult {
        guard let record = folder.record else {
            throw Unrunnable(description: "\(folder.recordFile) is missing or damaged: not a build job's folder")
        }
        // <root>/.kiln/jobs/<name>.<build>
        let root =
            ((((folder.path as NSString).deletingLastPathComponent) as NSString).deletingLastPathComponent
            as NSString).deletingLastPathComponent
        let layout = WorkspaceLayout(root: root)
        guard layout.job(record.name, build: record.build) == folder.path else {
            throw Unrunnable(description: "\(folder.path) is not inside a workspace's .kiln/jobs folder")
        }
        let environment = ProcessInfo.processInfo.environment
        let job = environment["SLURM_JOB_ID"] ?? "?"
        let host = Self.hostName
        try? WorkspaceFiles.writeAtomically(
            folder.startedFile,
            "job \(job) on \(host) at \(TOMLText.dateTime(Date()))\n"
        )
        let result = await build(record, layout: layout, announce: "running as Slurm job \(job) on \(host)")
        try? WorkspaceFiles.writeAtomically(folder.resultFile, result.rendered)
        return result
    }

    /// The node's name, as `hostname` prints it (no name lookup).
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "an unnamed node" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func build(_ record: BuildJobRecord, layout: WorkspaceLayout, announce: String) async -> SlurmJobResult {
        let logPath = layout.log(CopyLocation(.saved, record.name), build: record.build)
        let settings: WorkspaceSettings
        do {
            settings = try WorkspaceSettings.read(layout)
        } catch {
            return .failed("the job could not read \(error.description)")
        }
        if case .success(let log) = BuildLog.open(logPath, settings: settings, name: record.name) { log.say(announce) }
        guard let bytes = folder.specBytes else { return .failed("the job's folder has no spec.toml") }
        let order: BuildOrder
        switch record.order(specBytes: bytes, lock: folder.lock, settings: settings, path: folder.specFile) {
        case .success(let read): order = read
        case .failure(let problem): return .failed("the job's spec.toml: \(problem.description)")
        }
        guard order.inputs.key == record.key else {
            return .failed(
                "workspace.toml changed the build's inputs since it was queued; the daemon builds it again with them"
            )
        }
        let progressFile = folder.progressFile
        let outcome = await EnvironmentBuilder(layout: layout, uv: uv).build(
            order,
            interpreter: record.interpreter,
            settings: settings,
            logPath: logPath,
            progress: { report in try? WorkspaceFiles.writeAtomically(progressFile, report.line + "\n") }
        )
        switch outcome {
        case .built: return .built
        case .failed(let message): return .failed(message)
        case .cancelled: return .cancelled
        }
    }
}
