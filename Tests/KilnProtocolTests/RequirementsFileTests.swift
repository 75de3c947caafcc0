import KilnProtocol
import Testing

/// `kiln import --from requirements.txt`: every line is a requirement, an include, or left out with its reason.
@Suite struct RequirementsFileTests {
    static let lines: [(line: String, imported: String?, leftOut: String?)] = [
        ("pandas==2.2.3", "pandas==2.2.3", nil),
        ("pandas==2.2.3  # the one we tested", "pandas==2.2.3", nil),
        ("pandas==2.2.3 --hash=sha256:00 --hash=sha256:11", "pandas==2.2.3", nil),
        ("pandas==2.2.3 \\\n    --hash=sha256:00", "pandas==2.2.3", nil),
        ("requests[socks]>=2 ; python_version >= \"3.8\"", "requests[socks]>=2 ; python_version >= \"3.8\"", nil),
        ("x @ https://example.org/x-1.0.tar.gz#sha256=00", "x @ https://example.org/x-1.0.tar.gz#sha256=00", nil),
        ("# only a comment", nil, nil),
        ("-e ./src", nil, "-e ./src (an editable install)"),
        (
            "--editable=git+https://example.org/x.git", nil,
            "--editable=git+https://example.org/x.git (an editable install)"
        ),
        ("./dist/x-1.0-py3-none-any.whl", nil, "./dist/x-1.0-py3-none-any.whl (a local path)"),
        ("x @ file:///srv/x", nil, "x @ file:///srv/x (a local path)"),
        (
            "--index-url https://mirror", nil,
            "--index-url https://mirror (an installer option; the workspace's settings decide where libraries come from)"
        ),
        (
            "not a requirement!", nil,
            "not a requirement! (unexpected 'a requirement!' after the name; expected extras in '[...]', version "
                + "specifiers such as '>=1.0', '@ URL' or '; marker')"
        ),
    ]

    @Test(arguments: RequirementsFileTests.lines)
    func oneLine(_ line: String, imported: String?, leftOut: String?) {
        let contents = RequirementsFile.read("requirements.txt") { $0 == "requirements.txt" ? line + "\n" : nil }
        #expect(contents.requirements.map(\.text) == (imported.map { [$0] } ?? []))
        #expect(contents.leftOut == (leftOut.map { [$0] } ?? []))
    }

    @Test func includesAreReadOnceFromTheIncludingFilesFolderAndDuplicatesAreNamed() {
        let files = [
            "team/requirements.txt": "-r base.txt\nNumPy==2.0\n-r missing.txt\n",
            "team/base.txt": "numpy==1.26\n-r requirements.txt\n",
        ]
        let contents = RequirementsFile.read("team/requirements.txt") { files[$0] }
        #expect(contents.requirements.map(\.text) == ["numpy==1.26"])
        #expect(
            contents.leftOut == [
                "-r team/requirements.txt (included again from team/base.txt; read once)",
                "NumPy==2.0 (numpy is already listed as numpy==1.26)",
                "-r team/missing.txt (cannot be read)",
            ]
        )
    }
}
