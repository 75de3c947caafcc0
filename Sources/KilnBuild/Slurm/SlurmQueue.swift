import KilnProtocol

/// What Slurm last said about the jobs the daemon follows, from one `squeue` for all of them at most once a second,
/// however many jobs are in flight: a controller serves a whole cluster, and a question per job per second adds up
/// (`concurrency = 64` was 64 `squeue`s a second).
///
/// A follower reads the latest answer whenever it likes (`state(of:)` never waits for Slurm); `askSoon()` brings
/// the next question forward, for a job whose end is near. Questions stop while nothing is followed.
public actor SlurmQueue {
    /// The most often Slurm is asked, unless a follower asks for sooner.
    public static let spacing: Duration = .seconds(1)
    static let tick: Duration = .milliseconds(50)

    private let commands: SlurmCommands
    /// Followed job ids: how many followers follow each, and how many questions had been asked when it was first
    /// followed (an answer to one of those does not count for it).
    private var followed: [String: (count: Int, since: Int)] = [:]
    private var latest: [String: SlurmJobState] = [:]
    private var asked = 0
    private var soon = false
    private var asking: Task<Void, Never>?

    public init(commands: SlurmCommands = SlurmCommands()) {
        self.commands = commands
    }

    /// Starts asking about job `id`, at the next tick. Its state is unknown until then: an answer to a question
    /// asked before it was followed never counts for it.
    public func follow(_ id: String) {
        if followed[id] == nil { soon = true }
        followed[id, default: (0, asked)].count += 1
        if asking == nil { asking = Task { await self.askWhileFollowed() } }
    }

    public func unfollow(_ id: String) {
        guard let following = followed[id] else { return }
        if following.count > 1 {
            followed[id]?.count -= 1
        } else {
            followed[id] = nil
            latest[id] = nil
        }
    }

    /// Where job `id` stood at the last answer that covered it; nil until the first. While Slurm cannot be asked
    /// (its controller is busy or down, squeue is gone) the last answer stands, and the question is asked again a
    /// second later.
    public func state(of id: String) -> SlurmJobState? {
        latest[id]
    }

    /// Asks at the next tick (50 ms), not after the whole second.
    public func askSoon() {
        soon = true
    }

    private func askWhileFollowed() async {
        var last: ContinuousClock.Instant?
        while !followed.isEmpty {
            while !soon, let last, ContinuousClock.now < last + Self.spacing {
                try? await Task.sleep(for: Self.tick)
            }
            guard !followed.isEmpty else { break }
            soon = false
            last = .now
            asked += 1
            let question = asked
            let ids = followed.keys.sorted()
            // Off this actor's turn: followers read, come and go meanwhile.
            guard let answers = try? await commands.states(ofJobs: ids) else { continue }
            // An id unfollowed while squeue ran, or followed again since, gets nothing from this answer.
            for (id, state) in answers where (followed[id]?.since ?? question) < question {
                latest[id] = state
            }
        }
        asking = nil
    }
}
