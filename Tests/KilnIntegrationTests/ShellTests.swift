import Foundation
import KilnProtocol
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln activate`, `kiln shell` and the pip guard in real bash, zsh and fish, on an environment the daemon built
/// from the test wheels.
@Suite struct ShellTests {
    static let shells = ["bash", "zsh", "fish"]

    /// A workspace with `greeting` built and ready in draft/, and a home folder with no startup files.
    static func greeting() async throws -> (TestWorkspace, Status) {
        let ws = try TestWorkspace()
        try ws.start()
        try ws.save("saved/greeting", "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n")
        let status = try await ws.waitForState("draft/greeting", .ready)
        return (ws, status)
    }

    /// The variables a shell starts with: the host's PATH (with its own pip, which the guard must shadow), an empty
    /// home, and a prompt to restore.
    static func environment(home: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home
        env["PS1"] = "base$ "
        env["SHELL"] = "/bin/sh"
        env["KILN_WORKSPACE"] = nil
        env["VIRTUAL_ENV"] = nil
        env["VIRTUAL_ENV_PROMPT"] = nil
        env["XDG_CONFIG_HOME"] = nil
        env["XDG_DATA_HOME"] = nil
        return env
    }

    static func temporaryFolder(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "kiln-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A script for `shell -c`: activate (twice: the second undoes the first), import, show the prompt, try pip,
    /// deactivate.
    static func activationScript(_ shell: String, workspace: String) -> String {
        let kiln = "'\(TestWorkspace.kiln)' activate greeting --workspace '\(workspace)' --shell \(shell)"
        switch shell {
        case "fish":
            return """
                set before (string join : $PATH)
                \(kiln) | source
                \(kiln) | source
                python -c 'import kiln_demo_greet, sys; print("import:", kiln_demo_greet.greet(), sys.prefix)'
                echo "name=[$VIRTUAL_ENV_PROMPT] env=[$VIRTUAL_ENV]"
                echo "prompt=["(fish_prompt)"]"
                pip install kiln-demo-report
                echo "pip exit=$status"
                deactivate
                if test (string join : $PATH) = $before; echo "path restored"; end
                echo "after=[$VIRTUAL_ENV_PROMPT]"
                """
        default:
            let printPrompt = shell == "zsh" ? #"print -r -- "prompt=[$PS1]""# : #"echo "prompt=[$PS1]""#
            return """
                before="$PATH"
                ps1_before="$PS1"
                eval "$(\(kiln))"
                eval "$(\(kiln))"
                python -c 'import kiln_demo_greet, sys; print("import:", kiln_demo_greet.greet(), sys.prefix)'
                echo "name=[$VIRTUAL_ENV_PROMPT] env=[$VIRTUAL_ENV]"
                \(printPrompt)
                pip install kiln-demo-report
                echo "pip exit=$?"
                deactivate
                if [ "$PATH" = "$before" ]; then echo "path restored"; fi
                if [ "$PS1" = "$ps1_before" ]; then echo "prompt restored"; fi
                echo "after=[${VIRTUAL_ENV_PROMPT-}]"
                """
        }
    }

    @Test func activateWorksInBashZshAndFish() async throws {
        let (ws, status) = try await ShellTests.greeting()
        let environment = try #require(status.environment)
        let hash = try #require(status.specSHA256)
        let home = try ShellTests.temporaryFolder("home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        for shell in ShellTests.shells {
            let result = TestWorkspace.run(
                "/usr/bin/env",
                [shell, "-c", ShellTests.activationScript(shell, workspace: ws.root)],
                environment: ShellTests.environment(home: home)
            )
            let out = result.output
            #expect(result.status == 0, "\(shell): \(out)")
            #expect(out.contains("import: hello from kiln-demo-greet 1.0.0 \(environment)\n"), "\(shell): \(out)")
            #expect(out.contains("name=[greeting] env=[\(environment)]"), "\(shell): \(out)")
            #expect(out.contains("prompt=[(greeting) "), "\(shell): \(out)")
            #expect(!out.contains("prompt=[(\(hash.prefix(8)))"), "\(shell): \(out)")
            #expect(!out.contains("(greeting) (greeting)"), "\(shell): \(out)")
            #expect(!out.contains("must be sourced"), "\(shell) ran pyenv's deactivate: \(out)")
            #expect(out.contains("pip: this environment is shared and managed by Kiln"), "\(shell): \(out)")
            #expect(out.contains("pip exit=1"), "\(shell): \(out)")
            #expect(out.contains("path restored"), "\(shell): \(out)")
            #expect(out.contains("after=[]"), "\(shell): \(out)")
            if shell != "fish" { #expect(out.contains("prompt restored"), "\(shell): \(out)") }
        }
    }

    /// Every name pip goes by refuses, installs nothing, and `python -m pip` has no pip to run.
    @Test func pipInsideAnEnvironmentRefusesAndInstallsNothing() async throws {
        let (ws, status) = try await ShellTests.greeting()
        let environment = try #require(status.environment)
        for pip in ["pip", "pip3", "pip3.11"] {
            let result = TestWorkspace.run(
                TestWorkspace.kiln,
                ["run", "greeting", "--workspace", ws.root, "--", pip, "install", "kiln-demo-report"]
            )
            #expect(result.status == 1, "\(pip): \(result.output)")
            #expect(
                result.output.contains(
                    "pip: this environment is shared and managed by Kiln; edit its spec.toml, or `kiln export` a "
                        + "personal copy"
                ),
                "\(pip): \(result.output)"
            )
        }
        let module = TestWorkspace.run(
            TestWorkspace.kiln,
            ["run", "greeting", "--workspace", ws.root, "--", "python", "-m", "pip", "install", "kiln-demo-report"]
        )
        #expect(module.status != 0)
        #expect(module.output.contains("No module named pip"), "\(module.output)")
        let imported = TestWorkspace.run(
            TestWorkspace.kiln,
            ["run", "greeting", "--workspace", ws.root, "--", "python", "-c", "import kiln_demo_report"]
        )
        #expect(imported.status != 0, "kiln_demo_report got installed: \(imported.output)")
        // The guard went in before registration: the build is registered, and its lock names only what the spec
        // asked for.
        #expect(FileManager.default.fileExists(atPath: environment + "/.kiln-build/complete"))
        let lock = try String(contentsOfFile: environment + "/.kiln-build/requirements.lock", encoding: .utf8)
        #expect(lock.contains("kiln-demo-greet==1.0.0") && !lock.contains("kiln-demo-report"))
    }

    /// `kiln shell` in each shell: the person's own startup file runs (here it puts a folder before the
    /// environment on PATH, as pyenv's would), the environment still comes first, the prompt names it, and the
    /// startup files Kiln wrote are gone.
    @Test func shellStartsEachShellWithTheEnvironmentOn() async throws {
        let (ws, status) = try await ShellTests.greeting()
        let environment = try #require(status.environment)
        let home = try ShellTests.temporaryFolder("home")
        let scratch = try ShellTests.temporaryFolder("tmp")
        defer {
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let shims = home + "/shims"
        try FileManager.default.createDirectory(atPath: shims, withIntermediateDirectories: true)
        try "KILN_RC=read; PATH='\(shims)':\"$PATH\"\n".write(
            toFile: home + "/.bashrc",
            atomically: true,
            encoding: .utf8
        )
        try "KILN_RC=read; PATH='\(shims)':\"$PATH\"\n".write(
            toFile: home + "/.zshrc",
            atomically: true,
            encoding: .utf8
        )
        try FileManager.default.createDirectory(atPath: home + "/.config/fish", withIntermediateDirectories: true)
        try "set -g KILN_RC read\nset -gx PATH '\(shims)' $PATH\n".write(
            toFile: home + "/.config/fish/config.fish",
            atomically: true,
            encoding: .utf8
        )
        for shell in ShellTests.shells {
            let prompt = shell == "fish" ? #"echo "prompt=["(fish_prompt)"]""# : #"echo "prompt=[$PS1]""#
            let input = """
                python -c 'import kiln_demo_greet, sys; print("import:", kiln_demo_greet.greet(), sys.prefix)'
                echo "name=[$VIRTUAL_ENV_PROMPT] rc=[$KILN_RC]"
                \(prompt)
                exit

                """
            var env = ShellTests.environment(home: home)
            env["TMPDIR"] = scratch
            let result = try ShellTests.run(
                [TestWorkspace.kiln, "shell", "greeting", "--workspace", ws.root, "--shell", shell],
                input: input,
                environment: env
            )
            #expect(result.status == 0, "\(shell): \(result.output)")
            #expect(
                result.output.contains("import: hello from kiln-demo-greet 1.0.0 \(environment)\n"),
                "\(shell): \(result.output)"
            )
            #expect(result.output.contains("name=[greeting] rc=[read]"), "\(shell): \(result.output)")
            #expect(result.output.contains("prompt=[(greeting) "), "\(shell): \(result.output)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "\(shell) left files")
        }
    }

    /// Runs a program with `input` on its standard input; output and errors together.
    static func run(
        _ argv: [String],
        input: String,
        environment: [String: String]
    ) throws -> (
        status: Int32, output: String
    ) {
        let base = NSTemporaryDirectory() + "kiln-shell-test-\(UUID().uuidString.prefix(8))"
        try input.write(toFile: base + ".in", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".in")
            try? FileManager.default.removeItem(atPath: base + ".out")
        }
        guard let stdin = FileHandle(forReadingAtPath: base + ".in"),
            let stdout = FileHandle(forWritingAtPath: base + ".out")
        else { throw Failure("cannot open \(base).in/.out") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.environment = environment
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stdout
        try p.run()
        p.waitUntilExit()
        try? stdout.close()
        let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        return (p.terminationStatus, output)
    }
}
