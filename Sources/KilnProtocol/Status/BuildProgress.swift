/// What a running build is doing: its phase and, when they are known, how far it has got. The builder reports it,
/// the daemon hands it to the decision, and the decision writes it into the `building` status: the `phase` key,
/// and the counts at the start of `message` ("installing: 12 of 40 distributions; follow it with ...").
public struct BuildProgress: Sendable, Equatable {
    /// A build's phases, in the order they run, spelt as the status's `phase` key spells them.
    public enum Phase: String, Sendable, CaseIterable {
        /// Working out the pins of the lock from the spec's libraries.
        case resolving
        /// Fetching (and, for a source distribution, building) what the lock pins, before anything is installed.
        case downloading
        /// Putting the distributions into the environment.
        case installing
        /// Importing the spec's libraries in the new environment.
        case verifying

        /// What the counts of this phase count.
        var unit: (singular: String, plural: String) {
            switch self {
            case .resolving, .downloading, .installing: ("distribution", "distributions")
            case .verifying: ("module", "modules")
            }
        }
    }

    public var phase: Phase
    /// How many are done, when the builder can tell.
    public var done: Int?
    /// How many there are in all, when known (the pins of the lock, the modules to import).
    public var total: Int?

    public init(_ phase: Phase, done: Int? = nil, total: Int? = nil) {
        self.phase = phase
        self.done = done
        self.total = total
    }

    /// "installing: 12 of 40 distributions", "downloading: 40 distributions", "resolving": the start of a
    /// `building` status's message, and what the build log says.
    public var summary: String {
        let unit = phase.unit
        switch (done, total) {
        case (let done?, let total?): return "\(phase.rawValue): \(done) of \(total) \(total == 1 ? unit.0 : unit.1)"
        case (nil, let total?): return "\(phase.rawValue): \(total) \(total == 1 ? unit.0 : unit.1)"
        case (let done?, nil): return "\(phase.rawValue): \(done) \(done == 1 ? unit.0 : unit.1) so far"
        case (nil, nil): return phase.rawValue
        }
    }

    /// "installing 12/40", "downloading 40", "resolving": short enough for a column of `kiln list`.
    public var brief: String {
        switch (done, total) {
        case (let done?, let total?): "\(phase.rawValue) \(done)/\(total)"
        case (nil, let total?): "\(phase.rawValue) \(total)"
        case (let done?, nil): "\(phase.rawValue) \(done)"
        case (nil, nil): phase.rawValue
        }
    }

    /// The progress a `building` status shows: its `phase`, and the counts its message begins with (as `summary`
    /// wrote them). Nil for a status without a phase.
    public init?(_ status: Status) {
        guard status.state == .building, let phase = status.phase else { return nil }
        self.init(phase)
        let prefix = phase.rawValue + ": "
        guard status.message.hasPrefix(prefix) else { return }
        let counts = status.message.dropFirst(prefix.count).prefix { $0 != ";" }.split(separator: " ")
        if counts.count >= 4, counts[1] == "of", let done = Int(counts[0]), let total = Int(counts[2]) {
            self.done = done
            self.total = total
        } else if counts.count >= 3, counts[2] == "so", let done = Int(counts[0]) {
            self.done = done
        } else if counts.count == 2, let total = Int(counts[0]) {
            self.total = total
        }
    }
}
