import Foundation
import Testing

@testable import KilnProtocol

@Suite("Jupyter kernelspecs for environments")
struct KernelSpecTests {
    static let specSHA256 = String(repeating: "ab", count: 32)
    static let built = BuiltEnvironment(
        key: String(repeating: "cd", count: 32),
        path: "/ws/.kiln/envs/" + String(repeating: "ab", count: 32),
        python: "/ws/.kiln/envs/" + String(repeating: "ab", count: 32) + "/bin/python",
        summary: "built"
    )

    @Test func theWorkspaceKernelspecIsExactlyThis() {
        let spec = KernelSpec.published(
            name: "churn",
            fullName: "Churn models",
            specSHA256: Self.specSHA256,
            built: Self.built,
            build: 3
        )
        let hash = String(repeating: "ab", count: 32)
        let expected = """
            {
              "argv": [
                "/ws/.kiln/envs/\(hash)/bin/python",
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}"
              ],
              "display_name": "Churn models (Kiln)",
              "language": "python",
              "metadata": {
                "kiln": {
                  "build": 3,
                  "name": "churn",
                  "spec_sha256": "\(hash)"
                }
              }
            }

            """
        #expect(String(decoding: spec.rendered(), as: UTF8.self) == expected)
    }

    @Test func aPersonalKernelspecNamesItsStageBuildAndWorkspace() throws {
        let spec = KernelSpec.personal(
            name: "churn",
            fullName: nil,
            stage: .draft,
            specSHA256: Self.specSHA256,
            build: 2,
            python: Self.built.python,
            workspace: "/srv/ws"
        )
        #expect(spec.displayName == "churn (Kiln, draft build 2)")
        let origin = try #require(KernelSpec.origin(ofKernelJSON: spec.rendered()))
        #expect(origin == spec.origin)
        #expect(origin.stage == "draft")
        #expect(origin.workspace == "/srv/ws")
    }

    /// Whatever a full name holds, the file is valid JSON and says it back.
    @Test(arguments: ["plain", "with \"quotes\" and \\ back", "tab\there\nnew line", "\u{1}\u{1f}\u{7f}", "ünï 模型 🔥"])
    func anyFullNameRendersAsValidJSON(_ fullName: String) throws {
        let bytes = KernelSpec.published(
            name: "x",
            fullName: fullName,
            specSHA256: Self.specSHA256,
            built: Self.built,
            build: nil
        ).rendered()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["display_name"] as? String == fullName + " (Kiln)")
        #expect(object["language"] as? String == "python")
        #expect((object["argv"] as? [String])?.first == Self.built.python)
        #expect(KernelSpec.origin(ofKernelJSON: bytes)?.build == nil)
    }

    @Test func anEmptyFullNameFallsBackToTheName() {
        #expect(
            KernelSpec.published(name: "x", fullName: "  ", specSHA256: Self.specSHA256, built: Self.built, build: 1)
                .displayName == "x (Kiln)"
        )
    }

    @Test func kernelspecsThatAreNotKilnsHaveNoOrigin() {
        let other =
            #"{"argv": ["python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Python 3", "language": "python"}"#
        #expect(KernelSpec.origin(ofKernelJSON: Array(other.utf8)) == nil)
        #expect(KernelSpec.origin(ofKernelJSON: Array("not json".utf8)) == nil)
        let foreignMetadata = #"{"metadata": {"debugger": true}}"#
        #expect(KernelSpec.origin(ofKernelJSON: Array(foreignMetadata.utf8)) == nil)
    }

    @Test(arguments: [
        ("ipykernel==6.29.5 \\\n    --hash=sha256:00\n", true),
        ("comm==0.2.2\nIPyKernel==6.29.5\n", true),
        ("ipykernel-extras==1.0\nipython==8.0\n", false),
        ("# ipykernel==6.29.5\n", false),
        ("", false),
    ])
    func aLockHasIPykernelOnlyWhenItPinsIt(_ lock: String, _ has: Bool) {
        #expect(KernelSpec.lockHasIPykernel(lock) == has)
    }

    @Test func theFullNameComesFromTheSpec() {
        #expect(KernelSpec.fullName(ofSpec: Array("full_name = \"Churn\"\nbase = \"python:3.11\"\n".utf8)) == "Churn")
        #expect(KernelSpec.fullName(ofSpec: Array("base = \"python:3.11\"\n".utf8)) == nil)
        #expect(KernelSpec.fullName(ofSpec: Array("full_name = \n".utf8)) == nil)
    }
}
