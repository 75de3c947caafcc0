/// The folder an environment sits in: its place in the life cycle (protocol section 1).
public enum Stage: String, CaseIterable, Sendable, Codable, Comparable {
    case saved
    case draft
    case pending
    case published

    /// Saved, draft and pending hold a version still in progress; a name may have at most one of those.
    public var isInProgress: Bool { self != .published }

    /// How far along the life cycle a stage is, for choosing which of two copies came first.
    var order: Int {
        switch self {
        case .saved: 0
        case .draft: 1
        case .pending: 2
        case .published: 3
        }
    }

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.order < rhs.order }
}
