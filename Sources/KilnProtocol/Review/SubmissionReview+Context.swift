extension SubmissionReview {
    /// The review of the submission `copy` from what a decision has: the copies of the name (the published one's
    /// status and spec) and the files the daemon read into `context.submission` (the locks).
    init(name: String, copy: EnvironmentCopy, copies: [EnvironmentCopy], context: ReconcileContext) {
        let files = context.submission ?? SubmissionFiles()
        var spec: [UInt8]?
        if case .contents(let bytes) = copy.spec { spec = bytes }
        let published = copies.first { $0.location == CopyLocation(.published, name) }.map {
            published -> (status: Status?, spec: [UInt8]?, lock: String?) in
            var approvedSpec: [UInt8]?
            if case .contents(let bytes) = published.spec { approvedSpec = bytes }
            // An edit of the published spec waits to be undone (rule 8): what is published is the approved spec.
            if published.specSHA256 != published.status?.specSHA256, let kept = context.approvedSpec {
                approvedSpec = kept
            }
            return (published.status, approvedSpec, files.publishedLock.map { String(decoding: $0, as: UTF8.self) })
        }
        self.init(
            name: name,
            pending: (spec, files.lock.map { String(decoding: $0, as: UTF8.self) }, copy.specSHA256),
            published: published
        )
    }
}
