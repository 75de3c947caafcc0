import Foundation
import KilnProtocol
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Which copy `kiln activate`, `kiln shell` and `kiln run` use: the published one unless `--draft`, a draft only by
/// its owner, and nothing that is not built.
@Suite struct WhichCopyTests {
    @Test func thePublishedCopyWinsUnlessTheDraftIsAskedFor() async throws {
        let ws = try await CLIWorkspace()
        let published = try ws.built("ml", in: .published, state: .published)
        let draft = try ws.built("ml", in: .draft, libraries: ["pandas==2.2.2"])
        #expect(published.environment != draft.environment)
        let plain = await ws.kiln("run", "ml", "--", "python", "-c", "import os; print(os.environ['VIRTUAL_ENV'])")
        #expect(plain.stdout == (published.environment ?? "?") + "\n", "\(plain)")
        for flag in [["--draft"], ["--stage", "draft"]] {
            let chosen = await CLIWorkspace.run(
                ["run", "ml", "--workspace", ws.root] + flag + [
                    "--", "python", "-c", "import os; print(os.environ['VIRTUAL_ENV'])",
                ]
            )
            #expect(chosen.stdout == (draft.environment ?? "?") + "\n", "\(flag): \(chosen)")
        }
        let activated = await ws.kiln("activate", "ml", "--shell", "bash")
        #expect(activated.stdout.contains("VIRTUAL_ENV='\(published.environment ?? "?")'"), "\(activated)")
        let onlyPublished = await ws.kiln("activate", "ml", "--stage", "published", "--shell", "bash")
        #expect(onlyPublished.stdout.contains("VIRTUAL_ENV='\(published.environment ?? "?")'"), "\(onlyPublished)")
    }

    @Test func aDraftAloneIsUsedWithoutTheFlag() async throws {
        let ws = try await CLIWorkspace()
        let draft = try ws.built("ml")
        let result = await ws.kiln("activate", "ml", "--shell", "bash")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("VIRTUAL_ENV='\(draft.environment ?? "?")'"))
    }

    @Test(arguments: [
        (EnvironmentState.saved, "saved/ml waits for `kiln build`"),
        (.failed, "saved/ml failed to build"),
        (.invalid, "saved/ml has an invalid spec"),
        (.queued, "saved/ml is queued for a build"),
    ])
    func whatIsNotBuiltIsRefused(state: EnvironmentState, message: String) async throws {
        let ws = try await CLIWorkspace()
        let hash = try ws.spec("saved/ml")
        try ws.status("saved/ml", Status(stage: .saved, state: state, specSHA256: hash, build: 1, updated: Date()))
        for command in [
            ["activate", "ml"], ["shell", "ml"], ["run", "ml", "--", "true"], ["activate", "ml", "--draft"],
        ] {
            let result = await CLIWorkspace.run([command[0], "--workspace", ws.root] + command.dropFirst())
            #expect(result.status == 1, "\(command): \(result)")
            #expect(result.stderr.contains("'ml' cannot be used") && result.stderr.contains(message), "\(result)")
            #expect(result.stdout.isEmpty)
        }
    }

    /// A draft is its owner's: another user is refused and told whose it is; the owner can use it; the published
    /// copy of the same name is anyone's.
    @Test func aDraftIsOnlyItsOwners() async throws {
        let owner = try TestUser()
        let other = try TestUser()
        defer {
            owner.remove()
            other.remove()
        }
        let ws = try await CLIWorkspace()
        try ws.built("ml")
        try owner.own(ws.path("draft/ml"))
        for command in [
            ["activate", "ml"], ["activate", "ml", "--draft"], ["run", "ml", "--", "true"], ["shell", "ml"],
        ] {
            let refused = other.kiln(command, workspace: ws.root)
            #expect(refused.status == 1, "\(command): \(refused.output)")
            #expect(
                refused.output.contains("draft/ml is \(owner.name)'s draft, and only its owner can use a draft"),
                "\(command): \(refused.output)"
            )
        }
        // root is not the owner either.
        let asRoot = await ws.kiln("activate", "ml")
        #expect(asRoot.status == 1 && asRoot.stderr.contains("\(owner.name)'s draft"), "\(asRoot)")
        let mine = owner.kiln(["activate", "ml", "--shell", "bash"], workspace: ws.root)
        #expect(mine.status == 0, "\(mine.output)")
        #expect(mine.output.contains("VIRTUAL_ENV_PROMPT='ml'"))

        try ws.built("ml", in: .published, state: .published)
        let published = other.kiln(["activate", "ml", "--shell", "bash"], workspace: ws.root)
        #expect(published.status == 0, "\(published.output)")
        let draft = other.kiln(["activate", "ml", "--draft"], workspace: ws.root)
        #expect(draft.status == 1)
        #expect(draft.output.contains("without --draft you get the published 'ml'"), "\(draft.output)")
    }
}

/// A user made with `useradd` for one test (the tests run as root), removed with `userdel`.
struct TestUser {
    let name: String

    init() throws {
        name = "kiln" + UUID().uuidString.prefix(8).lowercased()
        let made = TestUser.run("/usr/sbin/useradd", ["--no-create-home", "--shell", "/bin/sh", name])
        guard made.status == 0 else { throw Failure("useradd \(name): \(made.output)") }
    }

    func remove() { _ = TestUser.run("/usr/sbin/userdel", [name]) }

    func own(_ path: String) throws {
        let changed = TestUser.run("/usr/bin/chown", ["-R", name, path])
        guard changed.status == 0 else { throw Failure("chown \(name) \(path): \(changed.output)") }
    }

    /// `kiln` as this user, through runuser; output and errors together.
    func kiln(_ arguments: [String], workspace: String) -> (status: Int32, output: String) {
        TestUser.run(
            "/usr/sbin/runuser",
            ["-u", name, "--", CLIWorkspace.kiln, arguments[0], "--workspace", workspace] + arguments.dropFirst()
        )
    }

    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let outputPath = NSTemporaryDirectory() + "kiln-user-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        guard let out = FileHandle(forWritingAtPath: outputPath) else { return (-1, "cannot create \(outputPath)") }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return (-1, "\(error)") }
        p.waitUntilExit()
        try? out.close()
        return (p.terminationStatus, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}
