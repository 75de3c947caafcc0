import Foundation
import KilnTestSupport
import Testing

@testable import KilnProtocol

@Suite("TOML: everything valid passes, nothing hostile crashes")
struct TOMLGateTests {
    @Test(arguments: [
        "a = 1\nb = -2_000\nc = 0x1F\nd = 0o17\ne = 0b101\nf = +inf\ng = -nan\nh = 6.02e23\ni = -0.0\n",
        "t = true\nf = false\n",
        "odt = 1979-05-27T07:32:00Z\nspace = 1979-05-27 07:32:00-08:00\nld = 1979-05-27\nlt = 07:32:00.999\n",
        "s = \"tab\\there \\u00E9 \\U0001F600 \\\\ \\\"\"\nl = 'C:\\Users\\nodejs'\n",
        "m = \"\"\"\nRoses are red\nViolets are \\\n    blue\"\"\"\nq = \"\"\"two quotes at the end\"\"\"\"\"\n",
        "lit = '''\nThe first newline is\ntrimmed in raw strings.\n'''\n",
        "a.b.c = 1\n\"quoted key\" = 2\n'lit key' = 3\nsite.\"google.com\" = true\n",
        "[table]\nx = 1\n[ dotted . header ]\ny = 2\n[[fruits]]\nname = \"apple\"\n[[fruits]]\nname = \"banana\"\n",
        "arr = [\n  1, # one\n  2,\n]\nnested = [[1, 2], ['a', \"b\"], [{x = 1}]]\nempty = []\n",
        "point = { x = 1, y = 2 }\nempty = {}\nanimal = { type.name = \"pug\" }\n",
        "# only a comment\n\n   \t\n",
        "key = \"value\" # trailing comment\r\nother = 1\r\n",
    ])
    func validTOMLPasses(_ text: String) {
        guard case .success = TOMLGate.parse(text) else {
            Issue.record("rejected valid TOML: \(TOMLGate.parse(text))")
            return
        }
    }

    /// Inputs that made toml++ abort before the gate existed.
    @Test(arguments: [
        "[[[", "[.a]", "[ .a]", "[[ .a]]", "x = [}", "x = {a = [}", "[\\build]\na = 1", "[\nbuild]\n",
        "x = {1a = 1, b = [}[12]}", "d = 1979-05-27Tinf07:32:0Z",
    ])
    func knownCrashersAreErrors(_ text: String) {
        guard case .failure(let p) = TOMLGate.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(p.line != nil)
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        #expect((try? TOMLGate.parse("a = " + String(repeating: "[", count: 100_000)).get()) == nil)
        #expect((try? TOMLGate.parse(String(repeating: "[", count: 100_000)).get()) == nil)
    }

    /// Found by HostileInputTests: toml++ recurses over the tables a dotted key or a header makes, so 30,000 parts
    /// overflowed the daemon's stack. Parts count with the header's and with arrays and inline tables.
    @Test(arguments: [
        "a" + String(repeating: ".a", count: 30_000) + " = 1\n",
        "[a" + String(repeating: ".a", count: 30_000) + "]\n",
        "[[a" + String(repeating: ".a", count: 30_000) + "]]\n",
        "[a" + String(repeating: ".a", count: 60) + "]\n" + "b" + String(repeating: ".b", count: 60) + " = 1\n",
        "a" + String(repeating: ".a", count: 60) + " = " + String(repeating: "{b = ", count: 60) + "1"
            + String(repeating: "}", count: 60) + "\n",
    ])
    func deepTablesAreAnErrorNotAStackOverflow(text: String) {
        guard case .failure(let problem) = TOMLGate.parse(text) else {
            Issue.record("accepted")
            return
        }
        #expect(problem.message == "arrays and tables are nested more than 100 deep")
    }

    @Test func tablesUpToTheLimitAreFine() throws {
        let text =
            "[a" + String(repeating: ".a", count: 48) + "]\n" + "b" + String(repeating: ".b", count: 48) + " = 1\n"
        _ = try TOMLGate.parse(text).get()
    }

    /// Random mutations of real specs, parsed in this process: a crash fails the run. KILN_FUZZ_ITERATIONS sets the
    /// count (`scripts/long-tests.sh` runs a million).
    @Test func mutatedSpecsNeverCrash() {
        let iterations = Int(ProcessInfo.processInfo.environment["KILN_FUZZ_ITERATIONS"] ?? "") ?? 20_000
        var rng = SplitMix64(seed: 0x6b69_6c6e)
        let seeds = [
            "full_name = \"ML\"\nbase = \"python:3.11\"\nlibraries = [\"pandas==2.2.3\", \"scikit-learn>=1.5\"]\n",
            "[build]\nfind_links = [\"/srv/wheels\"]\n[python]\n\"3.11\" = \"/usr/bin/python3.11\"\n",
            "x = {a = 1, b = [1, 2.5, 'c']}\nd = 1979-05-27T07:32:00Z\nm = \"\"\"\nmulti \\\n line\"\"\"\n",
        ]
        let alphabet =
            Array("[]{}.=\"',#\n\t \\abc019-+:_eTZ\u{0}\u{7f}é'''\"\"\"").map { String($0) } + [
                "\"\"\"", "'''", "\r\n", "\\u", "0x", "inf",
            ]
        var accepted = 0
        for _ in 0..<iterations {
            var text = Array(seeds[Int(rng.next() % UInt64(seeds.count))].utf8)
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                let at = Int(rng.next() % UInt64(text.count + 1))
                if rng.next() % 3 == 0, !text.isEmpty, at < text.count {
                    text.remove(at: at)
                } else {
                    text.insert(contentsOf: Array(alphabet[Int(rng.next() % UInt64(alphabet.count))].utf8), at: at)
                }
            }
            if let trace = ProcessInfo.processInfo.environment["KILN_FUZZ_TRACE"] {
                _ = FileManager.default.createFile(atPath: trace, contents: Data(text))
            }
            let result = Spec.parse(.contents(text), path: "saved/f/spec.toml", directoryName: "f", pythons: ["3.11"])
            if case .success = result { accepted += 1 }
            _ = Status(parsing: String(decoding: text, as: UTF8.self))
        }
        // Most mutations break the file; some must survive, or the mutator tests nothing.
        #expect(accepted > 0)
        #expect(accepted < iterations)
    }

    @Test func everyScalarShapeCompiles() {
        #expect(ScalarShapes.patterns.count == 8)
    }

    /// The hand-checked shapes are a shortcut, never a widening: each token it accepts, a pattern accepts too; and
    /// it does accept the shapes a status holds, or it saves nothing.
    @Test(arguments: [
        "true", "false", "0", "7", "12", "1234567890", "2026-11-29T03:42:26Z", "1979-05-27T00:00:00Z",
        "01", "00", "-1", "+1", "1_000", "1.5", "1e5", "tru", "falsey", "True", "", "12345678901234567890",
        "2026-11-29T03:42:26z", "2026-11-29 03:42:26Z", "2026-11-29T03:42:26", "2026-11-29T3:42:26Z",
        "2026-11-29T03:42:26.5Z", "2026-11-29T03:42:26+01:00", "2026-1l-29T03:42:26Z", "20261129T034226Zxxxxx",
        "0x1F", "inf", "nan", "1979-05-27Tinf07:32:0Z", "aaaaaaaaaaaaaaaaaaaa",
    ])
    func theHandCheckedShapesAreTheRegularOnes(token: String) {
        let byHand = ScalarShapes.isCommon(Array(token.utf8))
        let byPattern = ScalarShapes.patterns.contains { token.wholeMatch(of: $0) != nil }
        if byHand { #expect(byPattern, "\(token) accepted by hand, by no pattern") }
        #expect(ScalarShapes.matches(token) == byPattern)
    }

    @Test func aStatusIsCheckedByHand() {
        for token in ["true", "false", "0", "3", "17", "2026-11-29T03:42:26Z"] {
            #expect(ScalarShapes.isCommon(Array(token.utf8)), "\(token)")
        }
    }
}
