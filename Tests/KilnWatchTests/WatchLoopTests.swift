import Testing

@testable import KilnWatch

struct WatchLoopTests {
    @Test func manyProblemsAreSummarised() {
        let problems = (1...10).map { "Cannot watch /srv/kiln/saved/env-\($0)" }
        #expect(WatchLoop.summarise(problems) == Array(problems.prefix(3)) + ["and 7 more"])
        #expect(WatchLoop.summarise(Array(problems.prefix(2))) == Array(problems.prefix(2)))
    }
}
