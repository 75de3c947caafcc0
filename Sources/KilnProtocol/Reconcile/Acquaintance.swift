/// How the daemon knows a name it decides about. A known name with no copy left was removed, and the removal is
/// journalled (rule 10); a name the daemon does not know and finds nowhere is nothing to record.
public enum Acquaintance: Sendable, Equatable {
    /// This daemon saw a copy of the name on disk.
    case seenOnDisk
    /// Only the journal knows the name: its last entry there is not a removal, but at start no copy was on disk.
    /// It was removed while no daemon ran, and the removal is recorded as such.
    case journalOnly
}
