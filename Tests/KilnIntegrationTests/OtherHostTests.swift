import Foundation
import KilnProtocol
import Testing

/// Another host that mounts the workspace at the same path but lacks the build host's Python, played by a mount
/// namespace (`unshare -m`) in which that installation is hidden under an empty tmpfs. Needs root and mount
/// namespaces; without them the test fails, since it is the only one that shows environments run elsewhere.
@Suite(.serialized) struct OtherHostTests {
    /// The shell script run inside the namespace: hide each path given after `--` (a folder under an empty tmpfs, a
    /// file under /dev/null), then run the environment's python and `kiln doctor`, then hide the workspace's copies
    /// of the interpreters too and run `kiln doctor` again.
    static let script = """
        set -u
        python=$1; kiln=$2; root=$3; shift 4
        for p in "$@"; do
            if [ -d "$p" ]; then mount -t tmpfs kiln-hidden "$p" || exit 90
            else mount --bind /dev/null "$p" || exit 90; fi
        done
        "$python" -c 'import kiln_demo_greet, sys; print("imported", kiln_demo_greet.__name__, sys.version.split()[0])'
        echo "python-exit=$?"
        "$kiln" doctor --workspace "$root" 2>&1
        echo "doctor-exit=$?"
        mount -t tmpfs kiln-hidden "$root/.kiln/pythons" || exit 91
        "$kiln" doctor --workspace "$root" 2>&1
        echo "doctor-hidden-exit=$?"
        """

    @Test func aPublishedEnvironmentRunsOnAHostWithoutTheBuildHostsPython() async throws {
        let ws = try TestWorkspace(keepPythons: true)
        try ws.start()
        try await ws.publish(
            "greet",
            """
            base = "python:3.11"
            libraries = ["kiln-demo-greet==1.1.0"]
            """
        )
        let status = try #require(ws.status("published/greet"))
        let environment = try #require(status.environment)
        let python = try #require(status.python)
        let log = try String(contentsOfFile: ws.path("published/greet/logs/build-1.log"), encoding: .utf8)

        // The environment's base is the workspace's copy, and the copy knows where it came from.
        let cfg = try String(contentsOfFile: environment + "/pyvenv.cfg", encoding: .utf8)
        let home = try #require(
            cfg.split(separator: "\n").first { $0.hasPrefix("home = ") }.map { String($0.dropFirst(7)) }
        )
        #expect(home.hasPrefix(ws.layout.pythons + "/"), "pyvenv.cfg home is \(home); build log:\n\(log)")
        let kept = (home as NSString).deletingLastPathComponent
        let marker = try String(contentsOfFile: kept + "/complete", encoding: .utf8)
        let source = try #require(
            marker.split(separator: "\n").first { $0.hasPrefix("source = ") }.map {
                String($0.dropFirst(9)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        )
        #expect(log.contains("step python took"))

        // What the other host lacks: the whole installation, or for a system Python (prefix /usr) its standard
        // library and the binary.
        let version = try #require(
            WorkspaceLayoutProbe.binaryName(in: kept + "/bin"),
            "no pythonX.Y in \(kept)/bin"
        )
        let hidden =
            ["/usr", "/usr/local"].contains(source)
            ? [source + "/lib/" + version, source + "/bin/" + version] : [source]
        let result = TestWorkspace.run(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c", OtherHostTests.script, "kiln-other-host", python,
                TestWorkspace.kiln, ws.root, "--",
            ] + hidden
        )
        let output = result.output
        #expect(result.status == 0, "unshare or a mount failed (mount namespaces are needed): \(output)")
        #expect(output.contains("imported kiln_demo_greet"), "\(output)")
        #expect(output.contains("python-exit=0"), "\(output)")
        #expect(output.contains("doctor-exit=0"), "\(output)")
        #expect(output.contains("ok: published/greet: runs Python 3.11"), "\(output)")
        #expect(output.contains("doctor-hidden-exit=1"), "\(output)")
        #expect(
            output.contains("missing: published/greet: the interpreter \(home)/\(version)"),
            "doctor should name the hidden copy: \(output)"
        )
        #expect(output.contains("lacks 1 thing"), "\(output)")
    }
}

/// Reads a kept interpreter's folder.
enum WorkspaceLayoutProbe {
    /// The `pythonX.Y` file in a `bin` folder.
    static func binaryName(in bin: String) -> String? {
        ((try? FileManager.default.contentsOfDirectory(atPath: bin)) ?? []).first {
            $0.wholeMatch(of: /python[0-9]+\.[0-9]+/) != nil
        }
    }
}
