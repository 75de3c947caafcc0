import Foundation
import KilnProtocol
import KilnTestSupport
import Testing

/// `kiln diff` says upgraded or downgraded by PEP 440's order, and must order exactly as pip does. Random pairs of
/// versions, in every spelling, are ordered by Kiln and by `packaging.version.Version` (the `packaging` that
/// scripts/setup.sh pins, in one `python3` process, as `RequirementAgreementTests` does); every disagreement is an
/// issue. KILN_FUZZ_ITERATIONS sets the number of pairs and KILN_FUZZ_SEED the seed.
@Suite("PEP 440 order agrees with packaging")
struct VersionOrderAgreementTests {
    static let judge = PackagingJudge("judge_versions.py")

    /// packaging's order of each pair (-1, 0, 1; nil: not versions), from one `python3` process.
    static func packagingOrder(_ pairs: [(String, String)]) throws -> [Int?]? {
        try judge.verdicts(pairs.map { [$0.0, $0.1] }, as: Int?.self)
    }

    /// Compares Kiln's order with packaging's on every pair; returns how many pairs packaging found equal.
    @discardableResult
    static func agree(on pairs: [(String, String)]) throws -> (equal: Int, less: Int) {
        guard let verdicts = try packagingOrder(pairs) else { return (0, 0) }
        var disagreements: [String] = []
        var equal = 0
        var less = 0
        for ((a, b), theirs) in zip(pairs, verdicts) {
            let x = PEP440Version(parsing: a)
            let y = PEP440Version(parsing: b)
            guard let x, let y else {
                if theirs != nil { disagreements.append("\(a) / \(b): Kiln cannot read one, packaging can") }
                continue
            }
            guard let theirs else {
                disagreements.append("\(a) / \(b): Kiln reads both, packaging refuses one")
                continue
            }
            let ours = x < y ? -1 : (y < x ? 1 : 0)
            if ours == 0 { #expect(x == y, "\(a) and \(b) sort equal, so they must be ==") }
            if theirs == 0 { equal += 1 }
            if theirs == -1 { less += 1 }
            if ours != theirs { disagreements.append("\(a) / \(b): Kiln says \(ours), packaging \(theirs)") }
        }
        if !disagreements.isEmpty {
            let message =
                "\(disagreements.count) of \(pairs.count) pairs ordered otherwise than packaging does; the first "
                + "\(min(20, disagreements.count)):\n" + disagreements.prefix(20).joined(separator: "\n")
            Issue.record(Comment(rawValue: message))
        }
        return (equal, less)
    }

    @Test func randomPairsAgree() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["KILN_FUZZ_ITERATIONS"] ?? "") ?? 4_000
        let seed = UInt64(ProcessInfo.processInfo.environment["KILN_FUZZ_SEED"] ?? "") ?? 0x7065_7034_3430
        var corpus = VersionCorpus(seed: seed)
        let pairs = (0..<iterations).map { _ in corpus.pair() }
        let (equal, less) = try VersionOrderAgreementTests.agree(on: pairs)
        // Equal pairs (spellings of one version) and both orders must all be common, or the generator tests little.
        #expect(equal > iterations / 20, "\(equal) equal pairs")
        #expect(less > iterations / 5, "\(less) pairs in order")
    }

    /// The orders PEP 440 spells out, by hand.
    @Test func chosenPairsAgree() throws {
        let chain = [
            "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
            "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7",
            "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "2!0.1",
        ]
        var pairs: [(String, String)] = []
        for (i, a) in chain.enumerated() {
            for b in chain[i...] { pairs.append((a, b)) }
        }
        pairs += [
            ("1.0", "1.0.0"), ("1", "1.0.0.0"), ("0", "0.0"), ("1.0+a", "1.0+A"), ("1.0+1", "1.0+01"),
            ("1.0+a.1", "1.0+a"), ("1.0+a-1", "1.0+a.1"), ("v1.0", "1.0"), ("1.0-1", "1.0.post1"),
            ("1.0alpha1", "1.0a1"), ("1.0c1", "1.0rc1"), ("1.0pre1", "1.0rc1"), ("1.0-dev", "1.0.dev0"),
            ("0!1.0", "1.0"), ("1!1.0", "2.0"), ("1.0.post", "1.0.post0"), ("2024.1", "2023.4"), ("10", "9"),
            ("1.0a", "1.0a0"), ("1.0rev", "1.0.post0"), ("1.0.dev1+x", "1.0.dev1"), ("1.0a1+x", "1.0a1.post1"),
        ]
        let (equal, _) = try VersionOrderAgreementTests.agree(on: pairs)
        #expect(equal >= chain.count)
    }
}

/// Random versions in every spelling packaging reads, close enough to each other that pairs are often equal or
/// differ in one part.
struct VersionCorpus {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(random.next() % UInt64(choices.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func number() -> String { pick(["0", "1", "2", "10", "01", "00", "9", "11", "100"]) }

    mutating func version() -> String {
        var out = chance(5) ? pick(["v", "V"]) : ""
        if chance(15) { out += pick(["0", "1", "2"]) + "!" }
        out += (0..<pick([1, 1, 2, 2, 3, 4])).map { _ in number() }.joined(separator: ".")
        if chance(35) {
            out += pick(["", ".", "-", "_"]) + pick(["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "RC"])
            if chance(80) { out += pick(["", ".", "-", "_"]) + number() }
        }
        if chance(30) {
            if chance(20) {
                out += "-" + number()
            } else {
                out += pick(["", ".", "-", "_"]) + pick(["post", "rev", "r", "POST"])
                if chance(80) { out += pick(["", ".", "-", "_"]) + number() }
            }
        }
        if chance(30) {
            out += pick(["", ".", "-", "_"]) + pick(["dev", "DEV"])
            if chance(80) { out += pick(["", ".", "-", "_"]) + number() }
        }
        if chance(20) {
            out +=
                "+"
                + (0..<pick([1, 2, 3])).map { _ in pick(["1", "01", "2", "a", "abc", "A", "z9"]) }.joined(
                    separator: pick([".", "-", "_"])
                )
        }
        return out
    }

    /// Another spelling of the same version's parts, or one part changed.
    mutating func pair() -> (String, String) {
        let a = version()
        if chance(30) { return (a, version()) }
        // Re-spelled or nudged: padding zeros, case, a changed suffix.
        var b = a
        switch random.next() % 5 {
        case 0: b = a.replacingOccurrences(of: "+", with: ".0+").replacingOccurrences(of: "!", with: "!0.")
        case 1: b = a.uppercased()
        case 2: b = a + pick([".0", ".1", "a1", ".post1", ".dev0", "+1", "+a", "rc0"])
        case 3: b = a.replacingOccurrences(of: "1", with: "2")
        default: b = version()
        }
        return random.next() % 2 == 0 ? (a, b) : (b, a)
    }
}
