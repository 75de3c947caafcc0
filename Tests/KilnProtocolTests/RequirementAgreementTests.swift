import Foundation
import KilnProtocol
import Testing

/// Kiln must accept exactly the requirement strings that pip's parser (`packaging`, pinned by scripts/setup.sh)
/// accepts, and print the same canonical form. Thousands of generated strings are judged by both, packaging in one
/// `python3` process; every disagreement is an issue. KILN_FUZZ_ITERATIONS sets the count (`scripts/long-tests.sh`
/// runs a million) and KILN_FUZZ_SEED the seed.
@Suite("requirements agree with packaging")
struct RequirementAgreementTests {
    struct Verdict: Decodable {
        let valid: Bool
        let canonical: String?
        let error: String
    }

    static let judge = PackagingJudge("judge_requirements.py")

    /// packaging's verdicts for `texts`, from one `python3` process; nil (with an issue recorded) when it cannot run.
    static func packagingVerdicts(_ texts: [String]) throws -> [Verdict]? {
        try judge.verdicts(texts, as: Verdict.self)
    }

    /// Compares Kiln with packaging on `texts`; returns how many packaging accepted.
    @discardableResult
    static func agree(on texts: [String], label: String) throws -> Int {
        guard let verdicts = try packagingVerdicts(texts) else { return 0 }
        var examples: [String] = []
        var verdictDisagreements = 0
        var canonicalDisagreements = 0
        var accepted = 0
        for (text, theirs) in zip(texts, verdicts) {
            let ours = Result { () throws(RequirementError) in try Requirement(parsing: text) }
            switch (ours, theirs.valid) {
            case (.success(let requirement), true):
                accepted += 1
                if let canonical = theirs.canonical, canonical != requirement.canonical {
                    canonicalDisagreements += 1
                    examples.append(
                        "\(quoted(text)): Kiln's canonical \(quoted(requirement.canonical)), packaging's "
                            + quoted(canonical)
                    )
                }
            case (.failure, false): break
            case (.success(let requirement), false):
                verdictDisagreements += 1
                examples.append(
                    "\(quoted(text)): Kiln accepts (\(quoted(requirement.canonical))), packaging refuses "
                        + "(\(theirs.error))"
                )
            case (.failure(let error), true):
                verdictDisagreements += 1
                examples.append("\(quoted(text)): Kiln refuses (\(error.reason)), packaging accepts")
            }
        }
        let total = verdictDisagreements + canonicalDisagreements
        if total > 0 {
            Issue.record(
                """
                \(label): \(verdictDisagreements) verdicts and \(canonicalDisagreements) canonical forms of \
                \(texts.count) strings disagree with packaging; the first \(min(20, examples.count)):
                \(examples.prefix(20).joined(separator: "\n"))
                """
            )
        }
        return accepted
    }

    /// Swift's own escapes, so white space and control characters show.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20 || (0x7F...0xA0).contains(c.value) || c.properties.isWhitespace:
                out += "\\u{\(String(c.value, radix: 16))}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// A requirement with a line break reaches the requirements file as its one-line form: packaging must read that
    /// as the same requirement, and nothing may follow a line break.
    @Test func oneLineFormsMeanTheSame() throws {
        var corpus = RequirementCorpus(seed: 0x6c69_6e65)
        var broken: [Requirement] = []
        while broken.count < 300 {
            let text = corpus.next()
            guard text.unicodeScalars.contains(where: { "\n\r\u{0B}\u{0C}\u{85}\u{2028}".unicodeScalars.contains($0) }),
                let requirement = try? Requirement(parsing: text)
            else { continue }
            broken.append(requirement)
        }
        broken += try [
            "a===\n--index-url=http://evil", "a; os_name == \"x\\n--index-url=y\"", "a>=\n1.0",
            "a; os_name == \"x\\\n--index-url=y\"", "a; os_name == \"\\ud800\\\r\n\u{2028}\"",
            // Found by libFuzzer: a backslash before a vertical tab, in a value that cannot be printed plainly.
            "a; os_name == '\\ud800\\\u{0B}--index-url=y'", "a; os_name == '\\udbad\\\u{2029}\\\u{85}x'",
        ].map { text throws(RequirementError) in try Requirement(parsing: text) }
        for requirement in broken {
            // Every line break Python's str.splitlines() knows, which a requirements-file reader may split at.
            let breaks = "\n\r\u{0B}\u{0C}\u{1C}\u{1D}\u{1E}\u{85}\u{2028}\u{2029}".unicodeScalars
            #expect(!requirement.line.unicodeScalars.contains { breaks.contains($0) }, "\(requirement.line)")
            #expect(
                (try? Requirement(parsing: requirement.line))?.canonical == requirement.canonical,
                "\(RequirementAgreementTests.quoted(requirement.text)) -> \(RequirementAgreementTests.quoted(requirement.line))"
            )
        }
        let accepted = try RequirementAgreementTests.agree(on: broken.map(\.line), label: "one-line forms")
        #expect(accepted == broken.count)
    }

    @Test func generatedStringsAgree() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["KILN_FUZZ_ITERATIONS"] ?? "") ?? 5_000
        let seed = UInt64(ProcessInfo.processInfo.environment["KILN_FUZZ_SEED"] ?? "") ?? 0x7065_7035_3038
        var corpus = RequirementCorpus(seed: seed)
        let texts = (0..<iterations).map { _ in corpus.next() }
        let accepted = try RequirementAgreementTests.agree(on: texts, label: "generated strings")
        // Both verdicts must be common, or the generator tests only one side.
        #expect(accepted > iterations / 5)
        #expect(accepted < iterations * 4 / 5)
    }

    /// Spellings chosen by hand: the examples from issue 8, the quirks of packaging's grammar, and canonical forms.
    static let corpus = [
        "name==1.0.org1", "kilnprobe; os_name == \"posix\" or junk", "name[]", "name[ ]", "name_", "pkg @ notaurl",
        "a @ http://x;os_name==\"a\"", "a @ http://x ;os_name==\"a\"", "a @ http://x\n; os_name == 'a'",
        "a>= 1,<2,", "a>=1,,", "a(>=1)", "a()", "a( >=1 , <2 )", "a>=\n1.0", "a>=\u{3000}1.0", "a===\u{1}",
        "a===a,>=1", "a===a,b", "a>=1, >=1.0, ==1.0.0, ==1", "x[B,a,b_c,B-C]~=1.0", "a>=V1.0", "a~=1", "a~=1.0",
        "a==1.*", "a>=1.*", "a==1.0a1.*", "a==1.0+local", "a>=1.0+local", "a>=1.0+LOCAL", "a!=1.0+Ab.1", "a==1!2.0",
        "a==1.0-1", "a==1.0.post", "a==1.0rev2", "a==1.0-dev", "a == 01.00", "a<=1.0a.post.dev",
        "a; extra == 'Foo_Bar' and (os.name=='x')", "a ; \"X_y\" in extras", "a;\"G\" in dependency_groups",
        "a; python_implementation == 'CPython'", "a; (python_version >= '3.8')", "a; ((os_name == 'a'))",
        "a; (os_name == 'a' or os_name == 'b') and python_version > '3'", "a; os_name == 'a' or (os_name == 'b')",
        "a; os_name not  in 'posix'", "a; os_name notin 'posix'", "a; os_name === 'x'", "a; 'a' == 'b'",
        "a; os_name == os_name", "a; os_name=='a'and python_version>'3'", "a; os_name == \"a\\x41\"",
        "a; os_name == \"\\N{LATIN SMALL LETTER A}\"", "a; os_name == \"\\N{BOGUS NAME}\"", "a; os_name == \"\\x4\"",
        "a; os_name == \"a\\\"", "a; os_name == 'x\"y'", "a; os_name == \"a\\x27\\x22\"", "a; os_name == \"a\nb\"",
        "a; os_name == \"a\\\nb\"", "a; os_name == 'é'", "a;", "a; ", "a; (", "a; os_name ==",
        "a; " + String(repeating: "(", count: 200) + "os_name == 'a'" + String(repeating: ")", count: 200),
        "a; " + String(repeating: "(", count: 201) + "os_name == 'a'" + String(repeating: ")", count: 201),
        "", " ", "-e .", "--index-url=https://evil", "pandas\n--index-url http://x", "_private", "a-", "é",
        "Scikit__Learn.Extra[Socks] (>=1.0 , !=1.1) ; sys_platform=='linux'", "a\u{A0}", "a ", "\ta\t",
        // Python's notion of words, white space and string literals.
        "a; os_name == \"\\N{BOM}\"", "a; os_name == \"\\N{LINE FEED}\"", "a; os_name == \"\\N{latin small letter a}\"",
        "a; os_name == \"\\N{CJK UNIFIED IDEOGRAPH-4E00}\"", "a; os_name == \"\\N{HANGUL SYLLABLE GA}\"",
        "a; os_name == \"\\N{}\"", "a; os_name == \"\\N\"", "a==\u{663}", "a\u{301}", "aé", "a²", "a_\u{301}",
        "a; os_name == 'x' and\u{A0}os_name == 'y'", "a; os_name=='a'or'b'==os_name", "a; extra=='A.B'",
        "a; extra == extra", "a[b]@u", "a@u", "a @u;", "a@", "a @ ", "a @ u\u{A0};x", "a @ u\t", "a>=1.0\u{A0}",
        "a>=\u{A0}1.0", "a>=\u{A0}1.0,<2", "a (>=\u{A0}1.0)", "a===\u{A0}x", "a==1" + String(repeating: "0", count: 30),
        "a==1.0.post0", "a==1.0-0", "a==1.0a", "a~=1.0.0, ~=1.0", "a==1.0, ==1.0.0", "a!=1.*, !=1.0.*",
        "a==1.0+Local.01", "a; platform.python_implementation == 'x'",
        "a; (os_name == 'a') and (os_name == 'b' or os_name == 'c')",
        "a; os_name == 'a' and (os_name == 'b') or (os_name == 'c' and (os_name == 'd'))", "a ; os_name == 'a'",
        "a;os_name=='a'  ", "a\r\n", "a; os_name == '\u{0}'", "a; os_name == '\u{1}'", "a; os_name == '\u{2028}'",
        "a; os_name == '\u{85}'", "a; os_name == '\u{C}'", "a; os_name == 'x\\\r\ny'", "a; os_name == 'x\\\r\ry'",
        "a; os_name == '\\ud800'", "a; os_name == '\\U00110000'", "a; os_name == '\\777'", "a; os_name == '\\8'",
        "a; os_name == 'A\\N{COMBINING ACUTE ACCENT}'", "a==1.0\u{212A}", "a==1.0+\u{212A}", "a==1.0\u{131}",
        "a[\u{131}]", "a; os_name in 'x'", "a; os_name in'x'", "a; 'x'in os_name", "a; os_namein 'x'",
        "a; extra == 'Ab' or \"AB_c\" in extras or 'X' == extra",
    ]

    @Test func chosenStringsAgree() throws {
        try RequirementAgreementTests.agree(on: RequirementAgreementTests.corpus, label: "chosen strings")
    }
}
