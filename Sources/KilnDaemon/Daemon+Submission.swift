import KilnProtocol
import KilnWorkspace

/// The files a submission's summary needs (`SubmissionReview`), read only for a name with a copy in pending/: its
/// lock, the published version's lock, and the `changes` file written last time, so it is written again only when
/// it would say something new.
extension Daemon {
    func submissionFiles(_ name: String, copies: [EnvironmentCopy], context: ReconcileContext) -> SubmissionFiles? {
        let pending = CopyLocation(.pending, name)
        guard let copy = copies.first(where: { $0.location == pending }) else { return nil }
        var files = SubmissionFiles()
        files.lock = lock(of: copy, context: context)
        if let published = copies.first(where: { $0.location == CopyLocation(.published, name) }) {
            files.publishedLock = lock(of: published, context: context)
        }
        if case .success(let bytes) = WorkspaceFiles.readFile(layout.changes(pending), limit: 16 * 1024 * 1024) {
            files.changes = bytes
        }
        return files
    }

    /// A built copy's `requirements.lock`, else the lock of the build its status names.
    private func lock(of copy: EnvironmentCopy, context: ReconcileContext) -> [UInt8]? {
        let limit = 16 * 1024 * 1024
        if case .success(let bytes) = WorkspaceFiles.readFile(layout.lock(copy.location), limit: limit) { return bytes }
        guard let built = context.build(namedBy: copy.status),
            case .success(let bytes) = WorkspaceFiles.readFile(built.lock, limit: limit)
        else { return nil }
        return bytes
    }
}
