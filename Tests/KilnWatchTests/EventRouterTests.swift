import Testing

@testable import KilnWatch

/// Every routing rule, as plain values: no inotify, no disk.
struct EventRouterTests {
    let router = EventRouter(
        stages: TestWorkspace.allStages,
        interestingFiles: ["spec.toml", "review"],
        requestsRoot: ".kiln"
    )

    private func event(_ mask: UInt32, _ name: String?, directory: Bool = false, wd: Int32 = 7) -> InotifyEvent {
        InotifyEvent(wd: wd, mask: mask | (directory ? InotifyMask.isDirectory : 0), name: name)
    }

    private static let foo = WatchTarget.environment(stage: "saved", name: "foo")
    private static let fooHint = [WatchAction.hint(.environment(stage: "saved", name: "foo"))]

    struct EnvironmentCase: CustomTestStringConvertible, Sendable {
        var name: String
        var mask: UInt32
        var directory = false
        var hinted: Bool
        var testDescription: String { "\(name) mask 0x\(String(mask, radix: 16)) dir \(directory) -> \(hinted)" }
    }

    @Test(arguments: [
        EnvironmentCase(name: "spec.toml", mask: InotifyMask.closeWrite, hinted: true),
        EnvironmentCase(name: "spec.toml", mask: InotifyMask.movedTo, hinted: true),
        EnvironmentCase(name: "spec.toml", mask: InotifyMask.movedFrom, hinted: true),
        EnvironmentCase(name: "spec.toml", mask: InotifyMask.delete, hinted: true),
        EnvironmentCase(name: "spec.toml", mask: InotifyMask.create, hinted: false),
        EnvironmentCase(name: "review", mask: InotifyMask.closeWrite, hinted: true),
        EnvironmentCase(name: "status", mask: InotifyMask.movedTo, hinted: false),
        EnvironmentCase(name: "status", mask: InotifyMask.closeWrite, hinted: false),
        EnvironmentCase(name: ".status.tmp-Ab12", mask: InotifyMask.closeWrite, hinted: false),
        EnvironmentCase(name: ".status.tmp-Ab12", mask: InotifyMask.movedFrom, hinted: false),
        EnvironmentCase(name: "requirements.lock", mask: InotifyMask.movedTo, hinted: false),
        EnvironmentCase(name: "4913", mask: InotifyMask.closeWrite, hinted: false),
        EnvironmentCase(name: "4913", mask: InotifyMask.delete, hinted: false),
        EnvironmentCase(name: "spec.toml~", mask: InotifyMask.movedTo, hinted: false),
        EnvironmentCase(name: "spec.toml~", mask: InotifyMask.delete, hinted: false),
        EnvironmentCase(name: ".#spec.toml", mask: InotifyMask.create, hinted: false),
        EnvironmentCase(name: "#spec.toml#", mask: InotifyMask.closeWrite, hinted: false),
        EnvironmentCase(name: ".spec.toml.swp", mask: InotifyMask.closeWrite, hinted: false),
        EnvironmentCase(name: ".spec.toml.tmp", mask: InotifyMask.movedFrom, hinted: false),
        EnvironmentCase(name: "logs", mask: InotifyMask.create, directory: true, hinted: false),
        EnvironmentCase(name: "logs", mask: InotifyMask.delete, directory: true, hinted: false),
        EnvironmentCase(name: "foo", mask: InotifyMask.movedTo, directory: true, hinted: true),
        EnvironmentCase(name: "foo", mask: InotifyMask.create, directory: true, hinted: true),
        EnvironmentCase(name: "foo", mask: InotifyMask.movedFrom, directory: true, hinted: true),
        EnvironmentCase(name: "foo", mask: InotifyMask.delete, directory: true, hinted: true),
    ])
    func environmentEvents(_ example: EnvironmentCase) {
        let actions = router.actions(
            for: event(example.mask, example.name, directory: example.directory),
            target: Self.foo
        )
        #expect(actions == (example.hinted ? Self.fooHint : []))
    }

    @Test func eventsAboutTheEnvironmentDirectoryItselfAreLeftToItsStageFolder() {
        #expect(router.actions(for: event(InotifyMask.deleteSelf, nil), target: Self.foo) == [])
        #expect(router.actions(for: event(InotifyMask.ignored, nil), target: Self.foo) == [])
    }

    @Test func newDirectoryInAStageIsWatchedBeforeItIsHinted() {
        let hint = WatchAction.hint(.environment(stage: "draft", name: "bar"))
        for mask in [InotifyMask.create, InotifyMask.movedTo] {
            #expect(
                router.actions(for: event(mask, "bar", directory: true), target: .stage("draft"))
                    == [.watchEnvironment(stage: "draft", name: "bar"), hint]
            )
        }
        #expect(
            router.actions(for: event(InotifyMask.movedFrom, "bar", directory: true), target: .stage("draft"))
                == [.detachEnvironment(stage: "draft", name: "bar"), hint]
        )
        #expect(
            router.actions(for: event(InotifyMask.delete, "bar", directory: true), target: .stage("draft")) == [hint]
        )
    }

    /// `chmod` or `setfacl` on an environment directory the daemon's user could not read (so it has no watch):
    /// watched and looked at again. A file's mode change in a stage folder is nothing.
    @Test func aModeChangeOfADirectoryInAStageWatchesAndHintsIt() {
        #expect(
            router.actions(for: event(InotifyMask.attributes, "bar", directory: true), target: .stage("saved"))
                == [.watchEnvironment(stage: "saved", name: "bar"), .hint(.environment(stage: "saved", name: "bar"))]
        )
        #expect(router.actions(for: event(InotifyMask.attributes, "notes.txt"), target: .stage("saved")) == [])
        #expect(router.actions(for: event(InotifyMask.attributes, nil, directory: true), target: .stage("saved")) == [])
    }

    @Test func nonDirectoriesInAStageAreHintedButNeverWatched() {
        // A symbolic link to a directory carries no IN_ISDIR.
        for mask in [InotifyMask.create, InotifyMask.movedTo, InotifyMask.delete, InotifyMask.movedFrom] {
            #expect(
                router.actions(for: event(mask, "link"), target: .stage("saved"))
                    == [.hint(.environment(stage: "saved", name: "link"))]
            )
        }
    }

    @Test func rootEntriesThatAreStagesOrTheRequestsRootResync() {
        for name in ["saved", "published", ".kiln"] {
            for mask in [InotifyMask.create, InotifyMask.delete, InotifyMask.movedFrom, InotifyMask.movedTo] {
                let actions = router.actions(for: event(mask, name, directory: true), target: .root)
                #expect(actions.count == 1)
                guard case .resync = actions.first else {
                    Issue.record("expected a resync for \(name), got \(actions)")
                    continue
                }
            }
        }
        #expect(router.actions(for: event(InotifyMask.create, "workspace.toml"), target: .root) == [])
        #expect(router.actions(for: event(InotifyMask.create, "attic", directory: true), target: .root) == [])
        #expect(router.actions(for: event(InotifyMask.deleteSelf, nil), target: .root).count == 1)
    }

    @Test func overflowResyncsWhateverTheTarget() {
        let overflow = InotifyEvent(wd: -1, mask: InotifyMask.queueOverflow)
        let actions = router.actions(for: overflow, target: nil)
        guard case .resync(let reason) = actions.first, actions.count == 1 else {
            Issue.record("expected one resync, got \(actions)")
            return
        }
        #expect(reason.contains("overflow"))
    }

    @Test func droppedStructuralWatchesResync() {
        for target in [
            WatchTarget.root, .stage("saved"), .requests, .requestsAncestor(relativePath: ".kiln", child: "requests"),
        ] {
            let actions = router.actions(for: event(InotifyMask.ignored, nil), target: target)
            #expect(actions.count == 1)
        }
        #expect(router.actions(for: event(InotifyMask.unmount, nil), target: Self.foo).count == 1)
    }

    @Test func unknownDescriptorsAreIgnored() {
        #expect(router.actions(for: event(InotifyMask.closeWrite, "spec.toml"), target: nil) == [])
    }

    @Test func requestsFolderReportsFinishedFiles() {
        #expect(
            router.actions(for: event(InotifyMask.closeWrite, "foo"), target: .requests) == [
                .hint(.request(name: "foo"))
            ]
        )
        #expect(
            router.actions(for: event(InotifyMask.movedTo, "foo"), target: .requests) == [.hint(.request(name: "foo"))]
        )
        #expect(router.actions(for: event(InotifyMask.create, "foo"), target: .requests) == [])
        #expect(router.actions(for: event(InotifyMask.movedTo, "sub", directory: true), target: .requests) == [])
    }

    @Test func requestsAncestorOnlyCaresAboutTheNextComponent() {
        let ancestor = WatchTarget.requestsAncestor(relativePath: ".kiln", child: "requests")
        #expect(
            router.actions(for: event(InotifyMask.delete, "requests", directory: true), target: ancestor).count == 1
        )
        #expect(router.actions(for: event(InotifyMask.create, "journal"), target: ancestor) == [])
    }
}
