/// One distribution whose pin differs between two locks.
public struct DistributionChange: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case added, removed, upgraded, downgraded
        /// The versions differ, but one of them is not a PEP 440 version, so neither way can be told.
        case changed
    }

    /// The PEP 503 name.
    public var name: String
    public var kind: Kind
    /// The version pinned before, and after (nil where the distribution is not pinned).
    public var old: String?
    public var new: String?

    public init(name: String, kind: Kind, old: String?, new: String?) {
        self.name = name
        self.kind = kind
        self.old = old
        self.new = new
    }

    /// Every distribution whose pin differs: by kind (added, removed, upgraded, downgraded, changed), then by name.
    /// Versions that PEP 440 counts equal (`1.0` and `1.0.0`) are no change.
    static func between(_ old: [String: String], _ new: [String: String]) -> [DistributionChange] {
        var changes: [DistributionChange] = []
        for name in Set(old.keys).union(new.keys) {
            switch (old[name], new[name]) {
            case (nil, let version?):
                changes.append(DistributionChange(name: name, kind: .added, old: nil, new: version))
            case (let version?, nil):
                changes.append(DistributionChange(name: name, kind: .removed, old: version, new: nil))
            case (let a?, let b?):
                let kind: Kind
                if let x = PEP440Version(parsing: a), let y = PEP440Version(parsing: b) {
                    if x == y { continue }
                    kind = x < y ? .upgraded : .downgraded
                } else {
                    if a == b { continue }
                    kind = .changed
                }
                changes.append(DistributionChange(name: name, kind: kind, old: a, new: b))
            case (nil, nil): continue
            }
        }
        let rank = Dictionary(uniqueKeysWithValues: Kind.allCases.enumerated().map { ($1, $0) })
        return changes.sorted {
            rank[$0.kind] != rank[$1.kind]
                ? rank[$0.kind, default: 0] < rank[$1.kind, default: 0] : Requirement.pythonOrder($0.name, $1.name)
        }
    }
}
