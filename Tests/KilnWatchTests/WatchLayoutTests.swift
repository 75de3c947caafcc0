import Testing

@testable import KilnWatch

struct WatchLayoutTests {
    private func configuration(root: String = "/srv/kiln/", requests: String = ".kiln/requests") -> WatchConfiguration {
        WatchConfiguration(root: root, stages: ["saved", "draft"], requestsFolder: requests, interestingFiles: [])
    }

    @Test func pathsAreJoinedWithoutDoubleSlashes() throws {
        let layout = try WatchLayout(configuration())
        #expect(layout.root == "/srv/kiln")
        #expect(layout.environmentPath(stage: "saved", name: "foo") == "/srv/kiln/saved/foo")
        #expect(layout.requestsPath == "/srv/kiln/.kiln/requests")
        #expect(layout.requestsAncestors.map(\.relativePath) == [".kiln"])
        #expect(layout.requestsAncestors.map(\.child) == ["requests"])
        #expect(try WatchLayout(configuration(root: "/")).stagePath("saved") == "/saved")
    }

    @Test(arguments: [
        ("srv/kiln", ".kiln/requests"), ("/srv", "../requests"), ("/srv", ""), ("/srv", "saved/requests"),
    ])
    func invalidConfigurationsAreRefused(root: String, requests: String) {
        #expect(throws: WatchError.self) { try WatchLayout(configuration(root: root, requests: requests)) }
    }

    @Test func limitErrorsSayWhatToRaise() {
        let watches = WatchError.addWatch(path: "/srv/kiln/saved/foo", errno: 28)  // ENOSPC
        #expect(watches.description.contains("/srv/kiln/saved/foo"))
        #expect(watches.description.contains("sysctl fs.inotify.max_user_watches="))
        let instances = WatchError.initialisation(root: "/srv/kiln", errno: 24)  // EMFILE
        #expect(instances.description.contains("max_user_instances"))
    }
}
