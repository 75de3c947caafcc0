/// Where an environment stands, as `status` says it (protocol section 3).
public enum EnvironmentState: String, CaseIterable, Sendable, Codable {
    case saved
    case queued
    case building
    case failed
    case invalid
    case ready
    case rejected
    case awaitingApproval = "awaiting-approval"
    case published

    /// The states a stage folder may hold; anything else there means the copy arrived by a move the daemon has not
    /// yet accepted.
    public static func allowed(in stage: Stage) -> Set<EnvironmentState> {
        switch stage {
        case .saved: [.saved, .queued, .building, .failed, .invalid]
        case .draft: [.ready, .rejected]
        case .pending: [.awaitingApproval]
        case .published: [.published]
        }
    }

    /// States that mean "built, and the build matches the spec hash in the status".
    public var isBuilt: Bool { [.ready, .rejected, .awaitingApproval, .published].contains(self) }
}
