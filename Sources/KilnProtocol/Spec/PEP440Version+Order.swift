/// PEP 440's order, exactly as `packaging.version.Version` compares (its `_cmpkey`): the epoch, the release without
/// trailing zeros (`1.0` is `1`), then a dev release before its pre-releases before the release before its
/// post-releases, and a local label after the public version it labels. `kiln diff` says upgraded or downgraded by it.
extension PEP440Version: Comparable {
    /// `Version.__eq__`: the same key, so `1.0 == 1.0.0` and `1.0+A == 1.0+a`.
    public static func == (a: PEP440Version, b: PEP440Version) -> Bool { a.order(b) == 0 }

    public static func < (a: PEP440Version, b: PEP440Version) -> Bool { a.order(b) < 0 }

    /// -1, 0 or 1, as `self` sorts before, with or after `other`.
    func order(_ other: PEP440Version) -> Int {
        let a = trimmed
        let b = other.trimmed
        var result = Self.compareNumbers(a.epoch, b.epoch)
        if result != 0 { return result }
        for (x, y) in zip(a.release, b.release) {
            result = Self.compareNumbers(x, y)
            if result != 0 { return result }
        }
        if a.release.count != b.release.count { return a.release.count < b.release.count ? -1 : 1 }
        result = Self.compare(a.preKey, b.preKey)
        if result != 0 { return result }
        result = Self.compare(a.postKey, b.postKey)
        if result != 0 { return result }
        result = Self.compare(a.devKey, b.devKey)
        if result != 0 { return result }
        return Self.compareLocal(a.local, b.local)
    }

    /// One part of the key: below everything, a value, or above everything (packaging's `NegativeInfinity` and
    /// `Infinity`).
    enum KeyPart {
        case below
        case value([String])
        case above
    }

    /// A dev release of a final release sorts before its pre-releases; a final release after them.
    var preKey: KeyPart {
        if let pre { return .value(pre) }
        return post == nil && dev != nil ? .below : .above
    }

    var postKey: KeyPart { post.map { .value([$0]) } ?? .below }

    var devKey: KeyPart { dev.map { .value([$0]) } ?? .above }

    /// A pre-release's letter (`a` < `b` < `rc`, as strings) and number; a post or dev number alone.
    static func compare(_ a: KeyPart, _ b: KeyPart) -> Int {
        switch (a, b) {
        case (.below, .below), (.above, .above): return 0
        case (.below, _), (_, .above): return -1
        case (_, .below), (.above, _): return 1
        case (.value(let x), .value(let y)):
            if x.count == 2, y.count == 2, x[0] != y[0] { return x[0] < y[0] ? -1 : 1 }
            return compareNumbers(x[x.count - 1], y[y.count - 1])
        }
    }

    /// No label sorts first; then segment by segment, a number above a word, numbers by value, words as strings,
    /// and a label that is a prefix of another before it.
    static func compareLocal(_ a: [String]?, _ b: [String]?) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?):
            for (p, q) in zip(x, y) {
                let pNumber = p.allSatisfy(\.isASCIIDigitCharacter)
                let qNumber = q.allSatisfy(\.isASCIIDigitCharacter)
                let result: Int
                switch (pNumber, qNumber) {
                case (true, true): result = compareNumbers(p, q)
                case (true, false): result = 1
                case (false, true): result = -1
                case (false, false): result = p == q ? 0 : (Requirement.pythonOrder(p, q) ? -1 : 1)
                }
                if result != 0 { return result }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        }
    }

    /// Decimal digits without leading zeros (as `PEP440Version` keeps them): longer is larger.
    static func compareNumbers(_ a: String, _ b: String) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return a == b ? 0 : (a < b ? -1 : 1)
    }
}
