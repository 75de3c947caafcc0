import Foundation

/// What a submission waiting in `pending/<name>` shows an admin: the status message sums up what approving it would
/// change against the published version, and `pending/<name>/changes` holds the whole `EnvironmentDiff`.
///
/// Both are computed from the copies and the context on every look, so they follow the published version while a
/// submission waits (a rollback, a first version approved meanwhile) and are written only when they differ.
public struct SubmissionReview: Sendable, Equatable {
    public var diff: EnvironmentDiff
    public var message: String
    /// The bytes of `pending/<name>/changes`.
    public var changes: [UInt8]

    /// - Parameters:
    ///   - pending: the submission's spec bytes and lock.
    ///   - published: the published copy (its status says when it was approved), with its approved spec's bytes and
    ///     its lock; nil when nothing is published.
    public init(
        name: String,
        pending: (spec: [UInt8]?, lock: String?, specSHA256: String?),
        published: (status: Status?, spec: [UInt8]?, lock: String?)?
    ) {
        let to = ReviewedVersion(
            spec: pending.spec,
            lock: pending.lock,
            label: ReviewedVersion.label("pending", specSHA256: pending.specSHA256)
        )
        let approved = published?.status.map { $0.approved ?? $0.updated }
        let from =
            published.map {
                ReviewedVersion(
                    spec: $0.spec,
                    lock: $0.lock,
                    label: ReviewedVersion.label("published", approved: approved, specSHA256: $0.status?.specSHA256)
                )
            } ?? .nothing("nothing published")
        diff = EnvironmentDiff(from: from, to: to)
        let what: String
        if published != nil {
            what =
                diff.summary + (approved.map { ", against the published version of \(ReviewedVersion.day($0))" } ?? "")
        } else if let pinned = diff.pinned {
            what = "a new environment of \(pinned) distribution\(pinned == 1 ? "" : "s")"
        } else {
            what = "a new environment (its lock cannot be read)"
        }
        message =
            "awaiting approval: \(what); the whole diff is in pending/\(name)/changes; an admin approves it with "
            + "`mv pending/\(name) published/\(name)` or `kiln approve \(name)`"
        changes = Array(diff.rendered(name: name).utf8)
    }
}
