import Testing

@testable import KilnProtocol

/// Files written on Windows and macOS clients of a shared drive (issue 10, "Clients on other systems").
@Suite("Clients on other systems: byte-order marks, CRLF, reserved names, Finder's and Explorer's files")
struct OtherSystemsTests {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    static let pythons: Set<String> = ["3.10", "3.11", "3.12", "3.13"]

    /// As Windows Notepad saves it: a byte-order mark and CRLF line ends.
    static func notepad(_ text: String) -> [UInt8] {
        bom + Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    static func parse(_ bytes: [UInt8], name: String = "churn") -> Result<Spec, SpecProblem> {
        Spec.parse(.contents(bytes), path: "saved/\(name)/spec.toml", directoryName: name, pythons: pythons)
    }

    @Test func aNotepadSpecIsValidAndHashedAsItsBytes() throws {
        let text = "name = \"churn\"\nbase = \"python:3.11\"\nlibraries = [\n  \"pandas==2.2.3\",\n]\n"
        let bytes = Self.notepad(text)
        let spec = try Self.parse(bytes).get()
        let plain = try Self.parse(Array(text.utf8)).get()
        #expect(spec == plain)
        // The hash (status.spec_sha256, the store's keys) is of the file as it is, mark and CRs included.
        let file = SpecFile.contents(bytes)
        #expect(file.sha256 == SHA256Hex.of(bytes))
        #expect(file.sha256 != SpecFile.contents(Array(text.utf8)).sha256)
    }

    @Test func aNotepadSpecsProblemsNameTheRightLineWithoutACarriageReturn() throws {
        let cases: [(String, Int)] = [
            ("name = \"churn\"\nbase = \"python:3.11\"\nlibaries = []\n", 3),
            ("base = \"python:3.11\"\nname = \"other\"\n", 2),
            ("nmae = \"churn\"\nbase = \"python:3.11\"\n", 1),
            ("base = \"python:3.11\"\n\nlibraries = [\"pandas==\"]\n", 3),
            ("base = \"python:3.11\"\nx = [\n", 3),
        ]
        for (text, line) in cases {
            guard case .failure(let problem) = Self.parse(Self.notepad(text)) else {
                Issue.record("accepted \(text)")
                continue
            }
            #expect(problem.line == line, "\(problem)")
            #expect(!problem.description.contains("\r"), "\(problem)")
            #expect(!problem.description.unicodeScalars.contains("\u{FEFF}"), "\(problem)")
        }
    }

    @Test func onlyOneMarkIsDropped() {
        let twice = Self.bom + Self.bom + Array("base = \"python:3.11\"\n".utf8)
        guard case .failure(let problem) = Self.parse(twice) else {
            Issue.record("accepted two byte-order marks")
            return
        }
        #expect(problem.line == 1)
        #expect(problem.message.hasPrefix("not valid TOML"))
    }

    /// toml-test's two valid cases with a byte-order mark: one before a key, one before a comment (written here,
    /// as the copy of toml-test in reach has not got them).
    @Test(arguments: ["\u{FEFF}key = \"value\"\n", "\u{FEFF}# a comment\r\nkey = \"value\"\r\n"])
    func tomlTestsValidByteOrderMarkCases(_ text: String) throws {
        guard case .success(let table) = TOMLGate.parse(text) else {
            Issue.record("rejected \(text.debugDescription): \(TOMLGate.parse(text))")
            return
        }
        #expect(table["key"]?.string == "value")
        #expect(table.keys.count == 1)
    }

    /// toml-test's invalid cases: a mark anywhere but at the very start.
    @Test(arguments: ["key = \"value\"\n\u{FEFF}other = 1\n", "\u{FEFF}\u{FEFF}key = 1\n", "key = \u{FEFF}1\n"])
    func aMarkElsewhereIsInvalid(_ text: String) {
        guard case .failure = TOMLGate.parse(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
    }

    @Test func aReviewNoteLosesItsMarkAndCarriageReturns() {
        let note = PersonText.note("\u{FEFF}Pin pandas, please.\r\nThe rest is fine.\r\n\r\n")
        #expect(note == "Pin pandas, please.\nThe rest is fine.")
        #expect(PersonText.note("old Mac\rline ends\r") == "old Mac\nline ends")
        #expect(PersonText.note("\u{FEFF}\r\n  ").isEmpty)
    }

    @Test func workspaceTomlWithAMarkAndCRLFIsRead() throws {
        let text = "\u{FEFF}[daemon]\r\nsettle = \"3s\"\r\n[policy]\r\nblocked = [\"left-pad\"]\r\n"
        let settings = try WorkspaceSettings.parse(text, path: "workspace.toml", workspaceRoot: "/ws")
        #expect(settings.settle == .seconds(3))
        #expect(settings.policy.blocked == ["left-pad"])
        do {
            _ = try WorkspaceSettings.parse(
                "\u{FEFF}[deamon]\r\nsettle = \"3s\"\r\n",
                path: "workspace.toml",
                workspaceRoot: "/ws"
            )
            Issue.record("accepted an unknown section")
        } catch {
            #expect(error.line == 1, "\(error)")
            #expect(!error.description.contains("\r"))
        }
    }

    @Test(arguments: [
        "con", "prn", "aux", "nul", "com1", "com9", "lpt1", "lpt9", "con.txt", "nul.tar.gz", "aux.", "lpt3.env",
    ])
    func windowsDeviceNamesAreRefused(_ name: String) throws {
        let problem = try #require(EnvironmentName.problem(with: name))
        #expect(problem.contains("device name on Windows"), "\(problem)")
        #expect(problem.contains("use another name"), "\(problem)")
    }

    @Test(arguments: ["churn.", "a..", "v1.0."])
    func aTrailingDotIsRefused(_ name: String) throws {
        let problem = try #require(EnvironmentName.problem(with: name))
        #expect(problem.contains("Windows drops"), "\(problem)")
        #expect(problem.contains("use the name without its last '.'"), "\(problem)")
    }

    @Test(arguments: ["console", "nullable", "auxiliary", "com10", "com0", "lpt", "com", "con-env", "my.con", "prn2"])
    func namesThatOnlyLookLikeDevicesAreValid(_ name: String) {
        #expect(EnvironmentName.problem(with: name) == nil)
    }

    @Test func finderAndExplorerFilesAreLitter() {
        for name in ["._spec.toml", "._churn", ".DS_Store", "Thumbs.db", "thumbs.db", "desktop.ini", "Desktop.ini"] {
            #expect(ClientLitter.contains(name), "\(name)")
        }
        for name in ["spec.toml", "churn", "desktop", "thumbs", "_x", ".git", "review"] {
            #expect(!ClientLitter.contains(name), "\(name)")
        }
    }
}
