import Testing

@testable import KilnProtocol

private let pythons: Set<String> = ["3.10", "3.11", "3.12", "3.13"]

private func parse(_ text: String, name: String = "churn") -> Result<Spec, SpecProblem> {
    Spec.parse(.contents(Array(text.utf8)), path: "saved/\(name)/spec.toml", directoryName: name, pythons: pythons)
}

private func problem(_ text: String, name: String = "churn") -> SpecProblem? {
    if case .failure(let p) = parse(text, name: name) { return p }
    return nil
}

@Suite("spec.toml (protocol section 2)")
struct SpecTests {
    @Test func theProtocolExampleIsValid() throws {
        let spec = try parse(
            """
            full_name   = "Machine Learning Environment"
            base        = "python:3.11"                     # required: python:<major>.<minor>
            libraries   = ["pandas==2.2.3", "scikit-learn==1.5.2"]   # PEP 508 requirements
            description = "Models for the churn project"    # optional
            """
        ).get()
        #expect(spec.base == PythonVersion(text: "3.11"))
        #expect(spec.libraries.map(\.name) == ["pandas", "scikit-learn"])
        #expect(spec.fullName == "Machine Learning Environment")
        #expect(spec.description == "Models for the churn project")
    }

    @Test func onlyBaseIsRequired() throws {
        let spec = try parse("base = \"python:3.13\"\n").get()
        #expect(spec.libraries.isEmpty)
    }

    @Test func nameMustEqualTheDirectory() {
        #expect((try? parse("name = \"churn\"\nbase = \"python:3.11\"").get()) != nil)
        let p = problem("base = \"python:3.11\"\nname = \"other\"\n")
        #expect(p?.line == 2)
        #expect(p?.message.contains("'churn'") == true)
    }

    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var line: Int?
        var says: String
        var description: String { says }
    }

    static let invalid: [Case] = [
        Case(text: "base = \"python:3.11\"\nlibaries = []\n", line: 2, says: "did you mean 'libraries'?"),
        Case(text: "bse = \"python:3.11\"\n", line: 1, says: "did you mean 'base'?"),
        Case(text: "base = \"python:3.11\"\ncolour = \"red\"\n", line: 2, says: "unknown key 'colour'"),
        Case(text: "libraries = []\n", line: nil, says: "'base' is missing"),
        Case(text: "base = 3.11\n", line: 1, says: "'base' must be a string, not a number"),
        Case(text: "base = \"3.11\"\n", line: 1, says: "not of the form \"python:X.Y\""),
        Case(text: "base = \"python:3\"\n", line: 1, says: "not of the form"),
        Case(text: "base = \"python:3.11.4\"\n", line: 1, says: "not of the form"),
        Case(text: "base = \"pypy:3.10\"\n", line: 1, says: "not of the form"),
        Case(text: "base = \"python:3.9\"\n", line: 1, says: "has no Python 3.9 (it has: 3.10, 3.11, 3.12, 3.13)"),
        Case(text: "base = \"python:3.11\"\nlibraries = \"pandas\"\n", line: 2, says: "must be a list of strings"),
        Case(text: "base = \"python:3.11\"\nlibraries = [1]\n", line: 2, says: "must be a string; found an integer"),
        Case(
            text: "base = \"python:3.11\"\nlibraries = [\n  \"pandas==2.2.3\",\n  \"--index-url=http://x\",\n]\n",
            line: 4,
            says: "not a valid requirement"
        ),
        Case(
            text: "base = \"python:3.11\"\nlibraries = [\"pandas==\"]\n",
            line: 2,
            says: "must be followed by a version"
        ),
        Case(
            text: "base = \"python:3.11\"\nlibraries = [\"pandas>=1; \"]\n",
            line: 2,
            says: "marker after ';' is empty"
        ),
        Case(text: "base = \"python:3.11\"\nlibraries = [\"pandas\", \"Pandas==2\"]\n", line: 2, says: "listed twice"),
        Case(text: "base = \"python:3.11\"\ndescription = [\"a\"]\n", line: 2, says: "'description' must be a string"),
        Case(text: "base = \"python:3.11\"\nfull_name = true\n", line: 2, says: "'full_name' must be a string"),
        Case(text: "base = \"python:3.11\"\n[extra]\nx = 1\n", line: 2, says: "unknown key 'extra'"),
        Case(text: "base = \"python:3.11\"\nbase = \"python:3.12\"\n", line: 2, says: "not valid TOML"),
        Case(text: "base = \"python:3.11\nlibraries = []\n", line: 1, says: "not valid TOML"),
    ]

    @Test(arguments: invalid)
    func invalidSpecsNameTheLineAndTheProblem(_ c: Case) throws {
        let p = try #require(problem(c.text))
        #expect(p.path == "saved/churn/spec.toml")
        #expect(p.line == c.line)
        #expect(p.message.contains(c.says), "\(p)")
    }

    @Test func theMessageReadsFileLineWhat() throws {
        let p = try #require(problem("base = \"python:3.11\"\nlibaries = []\n"))
        #expect(
            p.description.hasPrefix("saved/churn/spec.toml, line 2: unknown key 'libaries'; did you mean 'libraries'?")
        )
    }

    @Test func aSymlinkIsInvalid() throws {
        let r = Spec.parse(.symlink, path: "saved/x/spec.toml", directoryName: "x", pythons: pythons)
        guard case .failure(let p) = r else {
            Issue.record("accepted a symlink")
            return
        }
        #expect(p.message.contains("symbolic link"))
    }

    @Test func aLargeSpecIsInvalid() throws {
        let r = Spec.parse(.tooLarge(bytes: 70_000), path: "saved/x/spec.toml", directoryName: "x", pythons: pythons)
        guard case .failure(let p) = r else {
            Issue.record("accepted a large spec")
            return
        }
        #expect(p.message.contains("64 KiB"))
    }

    @Test func invalidUTF8IsInvalidWithItsLine() throws {
        let bytes = Array("base = \"python:3.11\"\ndescription = \"caf".utf8) + [0xE9, 0x22, 0x0A]
        let r = Spec.parse(.contents(bytes), path: "saved/x/spec.toml", directoryName: "x", pythons: pythons)
        guard case .failure(let p) = r else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(p.message.contains("not valid UTF-8"))
        #expect(p.line == 2)
    }

    @Test func renderedSpecsParseBackToTheSameSpec() throws {
        let spec = Spec(
            fullName: "Quote \" and \\ backslash",
            base: PythonVersion(text: "3.12")!,
            libraries: [try Requirement(parsing: "pandas==2.2.3"), try Requirement(parsing: "requests[socks]>=2,<3")],
            description: "line\nbreak"
        )
        let again = try parse(spec.rendered(), name: "x").get()
        #expect(again == spec)
    }
}

@Suite("PEP 508 requirements")
struct RequirementTests {
    @Test(arguments: [
        "pandas", "pandas==2.2.3", "scikit-learn==1.5.2", "Scikit_Learn>=1.0", "requests[socks,security]>=2.31,<3",
        "numpy (>=1.26)", "attrs ~= 23.1", "six==1.*", "pywin32; sys_platform == 'win32'",
        "pip @ https://example.com/pip-24.0-py3-none-any.whl", "a.b-c_d===1.0",
        // pip's parser takes any run of non-space characters after '@' as the URL, and allows empty extras.
        "pkg @ notaurl", "name[]",
    ])
    func valid(_ text: String) throws {
        let r = try Requirement(parsing: text)
        #expect(r.text == text)
    }

    @Test(arguments: [
        "", "-e .", "--index-url=https://evil", "pandas==", "pandas==2.2.3 extra", "pandas[unclosed", "==1.0",
        "pandas (>=1", "pandas>=1.*", "pandas; ", "pandas\n--index-url http://x", "_private", "name==1.0.org1",
        "kilnprobe; os_name == \"posix\" or junk",
        "pandas; python_version > '3",
    ])
    func invalid(_ text: String) {
        #expect(throws: RequirementError.self) { try Requirement(parsing: text) }
    }

    @Test func namesAreNormalised() throws {
        #expect(try Requirement(parsing: "Scikit__Learn.Extra==1").name == "scikit-learn-extra")
    }

    @Test func fieldsAreParsed() throws {
        let r = try Requirement(parsing: " Requests[Socks, security,SOCKS] (>=2.31 , <3) ; python_version < '3.11'  ")
        #expect(r.name == "requests")
        #expect(r.extras == ["security", "socks"])
        #expect(r.specifiers.map(\.description) == [">=2.31", "<3"])
        #expect(r.url == nil)
        #expect(r.marker == "python_version < '3.11'")
        #expect(r.canonical == "requests[security,socks]<3,>=2.31; python_version < \"3.11\"")
        let u = try Requirement(parsing: "pip @ https://example.com/pip.whl ; os_name == 'posix'")
        #expect(u.url == "https://example.com/pip.whl")
        #expect(u.specifiers.isEmpty)
        #expect(u.canonical == "pip @ https://example.com/pip.whl ; os_name == \"posix\"")
    }

    /// The canonical form keys the environment store: spellings of one requirement share it.
    @Test(arguments: [
        ("Scikit_Learn >= 1.0, != 1.1", "scikit-learn (!=1.1,>=1.0)"),
        ("a[Y,x]; os.name=='posix' and (extra=='Foo_Bar')", "A [x , y] ;(os_name == \"posix\") and extra == 'foo-bar'"),
        ("a==1.0,==1.0.0", "a==1.0"),
        ("a; python_implementation == 'CPython'", "a; platform_python_implementation==\"CPython\""),
    ])
    func spellingsShareTheCanonicalForm(_ pair: (String, String)) throws {
        #expect(try Requirement(parsing: pair.0).canonical == Requirement(parsing: pair.1).canonical)
    }

    /// Refusals say what is wrong in words a user acts on (they end up in `status`).
    @Test(arguments: [
        ("name==1.0.org1", "'name==1.0.org1' is not a valid requirement: '1.0.org1' is not a PEP 440 version"),
        ("kilnprobe; os_name == \"posix\" or junk", "a variable (such as python_version"),
        ("a~=1", "'~=' needs a version with at least two numbers"),
        ("a>=1.*", "a wildcard ('.*') only follows '==' or '!='"),
        ("a>=1.0+local", "a local version ('+...') only follows '==' or '!='"),
        ("a==1.0a1.*", "a wildcard ('.*') cannot follow a pre-, post- or dev-release"),
        ("pandas[unclosed", "the '[' of the extras is never closed"),
        ("a @ u\nx", "must be followed by a space or a tab"),
        ("a; os_name == 'posix", "is never closed"),
        ("a; (os_name == 'posix'", "is never closed"),
        ("-e .", "it must start with a distribution name such as 'pandas'"),
        ("", "it is empty"),
    ])
    func refusalsSayWhatIsWrong(_ pair: (String, String)) {
        #expect(throws: RequirementError.self) { try Requirement(parsing: pair.0) }
        do {
            _ = try Requirement(parsing: pair.0)
        } catch {
            #expect(error.message.contains(pair.1), "\(error.message)")
        }
    }
}

@Suite("environment names (protocol section 1)")
struct EnvironmentNameTests {
    @Test(arguments: ["a", "churn", "ml-2024.v2", "x_y", "0day", String(repeating: "a", count: 64)])
    func valid(_ name: String) { #expect(EnvironmentName.isValid(name)) }

    @Test(arguments: ["", "Churn", "-x", ".x", "_x", "a b", "a/b", "café", String(repeating: "a", count: 65)])
    func invalid(_ name: String) { #expect(!EnvironmentName.isValid(name)) }
}
