import KilnProtocol
import KilnWorkspace
import Logging

extension Daemon {
    /// Before the first look: the names whose last journal entry is not a removal. The first look looks at each;
    /// one with no copy on disk was removed while no daemon ran, and its removal is recorded
    /// (`Acquaintance.journalOnly`); one still in a stage folder is looked at as any other, and nothing changes.
    /// The names whose last entry is a removal are kept too: one found on disk came back, and that is recorded.
    ///
    /// The whole journal is read once per start, scanned without decoding (`Journal.namesLastSeenPresent`), so a
    /// long history costs little of the start-up.
    func recallJournal() {
        guard !stopping else { return }
        let started = ContinuousClock.now
        let (present, removed) = journal.lastWords()
        journalOnly = present.subtracting(known)
        recordedRemoved = removed
        // The benchmarks read this: what reading the journal costs a start.
        logger.debug(
            "read the journal",
            metadata: [
                "names": "\(present.count)", "took": "\(ContinuousClock.now - started)",
            ]
        )
    }
}
