import Testing

@testable import KilnWatch

struct WatchTableTests {
    @Test func attachedTargetsAreFoundBothWays() {
        var table = WatchTable()
        table.attach(1, to: .root)
        table.attach(2, to: .environment(stage: "saved", name: "foo"))
        #expect(table.target(for: 2) == .environment(stage: "saved", name: "foo"))
        #expect(table.descriptor(for: .root) == 1)
        #expect(table.count == 2)
    }

    @Test func movedDirectoryIsDetachedThenReattachedUnderItsNewName() {
        var table = WatchTable()
        table.attach(5, to: .environment(stage: "saved", name: "foo"))
        table.detachEnvironment(stage: "saved", name: "foo")
        #expect(table.target(for: 5) == nil)
        #expect(table.hasDetached)

        #expect(table.attach(5, to: .environment(stage: "draft", name: "foo")) == nil)
        #expect(table.target(for: 5) == .environment(stage: "draft", name: "foo"))
        #expect(table.descriptor(for: .environment(stage: "saved", name: "foo")) == nil)
        #expect(!table.hasDetached)
        #expect(table.count == 1)
    }

    @Test func detachedEntriesAreSweptAfterTheirGracePeriod() {
        var table = WatchTable()
        let start = ContinuousClock.now
        table.attach(5, to: .environment(stage: "saved", name: "foo"))
        table.detachEnvironment(stage: "saved", name: "foo", at: start)
        #expect(table.detached(before: start - .seconds(1)) == [])
        #expect(table.detached(before: start + .seconds(1)) == [5])
        table.remove(5)
        #expect(table.count == 0)
        #expect(!table.hasDetached)
    }

    @Test func aReplacedDirectoryDisplacesTheOldDescriptor() {
        var table = WatchTable()
        table.attach(5, to: .environment(stage: "saved", name: "foo"))
        #expect(table.attach(9, to: .environment(stage: "saved", name: "foo")) == 5)
        #expect(table.target(for: 5) == nil)
        #expect(table.descriptor(for: .environment(stage: "saved", name: "foo")) == 9)
    }

    @Test func removingADescriptorForgetsItsName() {
        var table = WatchTable()
        table.attach(3, to: .stage("saved"))
        #expect(table.remove(3) == .stage("saved"))
        #expect(table.descriptor(for: .stage("saved")) == nil)
        #expect(table.remove(3) == nil)
    }
}
