import KilnProtocol
import Testing

/// `rescan_interval = "auto"`: the period follows from the workspace's file system, and an explicit one wins.
@Suite("rescan_interval: auto and explicit")
struct RescanChoiceTests {
    @Test(arguments: [
        (UInt32(0xEF53), "ext4"), (0x5846_5342, "xfs"), (0x9123_683E, "btrfs"), (0x0102_1994, "tmpfs"),
        (0x2FC1_2FC1, "zfs"), (0xF2F5_2010, "f2fs"), (0x794C_7630, "overlayfs"),
    ])
    func localFileSystemsAreTrustedAndRescannedEveryTenMinutes(magic: UInt32, name: String) {
        let kind = FileSystemKind(magic: magic)
        #expect(kind.isLocal)
        let choice = RescanChoice.choose(.auto, fileSystem: kind)
        #expect(choice.interval == .seconds(600))
        #expect(choice.reason == "workspace on \(name): inotify trusted, safety rescan every 10m")
    }

    @Test(arguments: [
        (UInt32(0x6969), "nfs"), (0xFF53_4D42, "cifs"), (0xFE53_4D42, "smb2"), (0x6573_5546, "fuse"),
        (0x0102_1997, "9p"), (0x00C3_6400, "ceph"), (0x0BD0_0BD0, "lustre"), (0x4750_4653, "gpfs"),
    ])
    func networkAndFUSEFileSystemsAreRescannedEveryThirtySeconds(magic: UInt32, name: String) {
        let kind = FileSystemKind(magic: magic)
        #expect(!kind.isLocal)
        #expect(kind.name == name)
        let choice = RescanChoice.choose(.auto, fileSystem: kind)
        #expect(choice.interval == .seconds(30))
        #expect(choice.reason.hasPrefix("workspace on \(name): a network or FUSE file system"), "\(choice.reason)")
        #expect(choice.reason.hasSuffix("rescan every 30s"), "\(choice.reason)")
    }

    @Test func anUnknownFileSystemCountsAsANetworkOne() {
        let kind = FileSystemKind(magic: 0x1234_5678)
        #expect(!kind.isLocal)
        #expect(kind.name == nil)
        let choice = RescanChoice.choose(.auto, fileSystem: kind)
        #expect(choice.interval == .seconds(30))
        #expect(choice.reason.contains("unknown file system (type 0x12345678)"), "\(choice.reason)")
        #expect(choice.reason.contains("taken for a network file system"), "\(choice.reason)")
    }

    @Test func aFileSystemThatCouldNotBeAskedCountsAsANetworkOne() {
        let choice = RescanChoice.choose(.auto, fileSystem: nil)
        #expect(choice.interval == .seconds(30))
        #expect(choice.reason.contains("could not be asked"), "\(choice.reason)")
    }

    @Test(arguments: [UInt32(0xEF53), 0x6969, 0x1234_5678])
    func anExplicitDurationWinsOnEveryFileSystem(magic: UInt32) {
        let kind = FileSystemKind(magic: magic)
        let every = RescanChoice.choose(.every(.seconds(45)), fileSystem: kind)
        #expect(every.interval == .seconds(45))
        #expect(every.reason.hasSuffix("rescan_interval = \"45s\", rescan every 45s"), "\(every.reason)")
        let never = RescanChoice.choose(.every(.zero), fileSystem: kind)
        #expect(never.interval == .zero)
        #expect(never.reason.hasSuffix("inotify only, no rescan"), "\(never.reason)")
    }

    @Test func autoIsTheDefaultAndParses() throws {
        #expect(WorkspaceSettings().rescanInterval == .auto)
        let missing = try WorkspaceSettings.parse(
            "[build]\nconcurrency = 1\n",
            path: "workspace.toml",
            workspaceRoot: "/ws"
        )
        #expect(missing.rescanInterval == .auto)
        let auto = try WorkspaceSettings.parse(
            "[daemon]\nrescan_interval = \"auto\"\n",
            path: "workspace.toml",
            workspaceRoot: "/ws"
        )
        #expect(auto.rescanInterval == .auto)
        let explicit = try WorkspaceSettings.parse(
            "[daemon]\nrescan_interval = \"10m\"\n",
            path: "workspace.toml",
            workspaceRoot: "/ws"
        )
        #expect(explicit.rescanInterval == .every(.seconds(600)))
    }

    @Test(arguments: ["\"Auto\"", "\"sometimes\"", "\"\"", "30", "true"])
    func anythingElseIsRefusedWithTheLineAndWhatIsAllowed(value: String) {
        #expect {
            try WorkspaceSettings.parse(
                "[daemon]\nsettle = \"50ms\"\nrescan_interval = \(value)\n",
                path: "workspace.toml",
                workspaceRoot: "/ws"
            )
        } throws: { error in
            let problem = error as? SpecProblem
            return problem?.line == 3 && problem?.message.contains("\"auto\" or a duration") == true
        }
    }
}
