import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln history`: the latest transitions of the workspace or of a name, as text or JSON lines, and `--follow`.
@Suite struct HistoryTests {
    /// Entry `i` of a test journal: names alternate between `a` and `b`, each message says its number.
    static func entry(_ i: Int, name: String? = nil) -> JournalEntry {
        let who = name ?? (i % 2 == 0 ? "a" : "b")
        return JournalEntry(
            time: Date(timeIntervalSince1970: 1_790_000_000 + Double(i)),
            name: who,
            from: "saved/\(who)",
            to: "draft/\(who)",
            state: "ready",
            spec: i % 3 == 0 ? nil : String(repeating: "ab", count: 32),
            message: "entry \(i)"
        )
    }

    static func journal(_ ws: CLIWorkspace, entries: Range<Int>) throws {
        try FileManager.default.createDirectory(atPath: ws.layout.kiln, withIntermediateDirectories: true)
        let text = entries.map { Journal.line(entry($0)) + "\n" }.joined()
        try ws.append(".kiln/journal.jsonl", text)
    }

    /// The numbers of the entries a text or JSON output shows, in order.
    static func numbers(_ output: String) -> [Int] {
        output.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: #"entry \d+"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(6))
        }
    }

    @Test func theLatestTwentyByDefaultOldestFirstAndDashNSaysHowMany() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<30)
        let latest = await ws.kiln("history")
        #expect(latest.status == 0, "\(latest)")
        #expect(HistoryTests.numbers(latest.stdout) == Array(10..<30))
        // Without a name, each line says whose transition it is.
        let last = latest.stdout.split(separator: "\n").last ?? ""
        #expect(last.contains("  b  saved/b → draft/b  [ready]  entry 29"), "\(latest)")
        let five = await ws.kiln("history", "-n", "5")
        #expect(HistoryTests.numbers(five.stdout) == Array(25..<30))
        let all = await ws.kiln("history", "-n", "0")
        #expect(HistoryTests.numbers(all.stdout) == Array(0..<30))
        let negative = await ws.kiln("history", "-n", "-1")
        #expect(negative.status == 2, "\(negative)")
    }

    @Test func aNameFiltersKeepingItsFormat() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<30)
        let three = await ws.kiln("history", "a", "-n", "3")
        #expect(three.status == 0, "\(three)")
        #expect(HistoryTests.numbers(three.stdout) == [24, 26, 28])
        let lines = three.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.contains("  saved/a → draft/a  [ready]  entry ") }, "\(three)")
        let everyA = await ws.kiln("history", "a")
        // The last 20 of a's 15: all of them.
        #expect(HistoryTests.numbers(everyA.stdout) == Array(stride(from: 0, to: 30, by: 2)))
        let ghost = await ws.kiln("history", "ghost")
        #expect(ghost.status == 1, "\(ghost)")
        #expect(ghost.stderr.contains("the journal has nothing about 'ghost'"))
        let badName = await ws.kiln("history", "Bad/Name")
        #expect(badName.status == 2, "\(badName)")
    }

    @Test func jsonLinesHaveTheJournalsShapeWithEveryKey() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<4)
        let result = await ws.kiln("history", "--json")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        for (i, line) in lines.enumerated() {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                "\(line)"
            )
            #expect(Set(object.keys) == ["time", "name", "from", "to", "state", "spec", "message"])
            let expected = HistoryTests.entry(i)
            #expect(object["name"] as? String == expected.name)
            #expect(object["from"] as? String == expected.from)
            #expect(object["to"] as? String == expected.to)
            #expect(object["state"] as? String == "ready")
            #expect(object["message"] as? String == "entry \(i)")
            let time = try #require(object["time"] as? String)
            #expect(ISO8601DateFormatter().date(from: time) == expected.time, "\(time)")
            #expect(time.hasSuffix("Z"))
            if let spec = expected.spec {
                #expect(object["spec"] as? String == spec)
            } else {
                #expect(object["spec"] is NSNull, "a missing spec is null, not absent: \(line)")
            }
        }
    }

    @Test func damagedLinesAndAnUnfinishedLastLineAreSkipped() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<3)
        try ws.append(".kiln/journal.jsonl", "not json at all\n\u{0}\u{1}\n{\"name\":\"a\",\"to\":\"\n\n")
        try HistoryTests.journal(ws, entries: 3..<5)
        // A line still being written: no newline yet.
        try ws.append(".kiln/journal.jsonl", String(Journal.line(HistoryTests.entry(5)).prefix(40)))
        let result = await ws.kiln("history")
        #expect(result.status == 0, "\(result)")
        #expect(HistoryTests.numbers(result.stdout) == [0, 1, 2, 3, 4])
        #expect(result.stdout.split(separator: "\n").count == 5, "\(result)")
        let two = await ws.kiln("history", "-n", "2", "--json")
        #expect(HistoryTests.numbers(two.stdout) == [3, 4])
    }

    @Test func noJournalYetIsAnEmptyHistory() async throws {
        let ws = try await CLIWorkspace()
        let result = await ws.kiln("history")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.isEmpty)
    }

    /// Thousands of lines: read backwards across many blocks, the latest are exact and in order.
    @Test func aLongJournalIsReadFromItsEnd() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<5000)
        let latest = await ws.kiln("history", "-n", "3")
        #expect(HistoryTests.numbers(latest.stdout) == [4997, 4998, 4999])
        let all = await ws.kiln("history", "-n", "0", "--json")
        #expect(HistoryTests.numbers(all.stdout) == Array(0..<5000))
        let b = await ws.kiln("history", "b", "-n", "0")
        #expect(HistoryTests.numbers(b.stdout) == Array(stride(from: 1, to: 5000, by: 2)))
    }

    /// The names a starting daemon looks for: those whose last entry is not a removal, however a line is written.
    @Test func theNamesTheJournalLastSawPresent() throws {
        let root = NSTemporaryDirectory() + "kiln-journal-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = WorkspaceLayout(root: root)
        try FileManager.default.createDirectory(atPath: layout.kiln, withIntermediateDirectories: true)
        let journal = Journal(layout: layout)
        func removal(_ name: String) -> JournalEntry {
            JournalEntry(time: Date(), name: name, from: "", to: "", state: "removed", spec: nil, message: "gone")
        }
        try journal.append(HistoryTests.entry(0, name: "kept"))
        try journal.append(HistoryTests.entry(1, name: "gone"))
        try journal.append(removal("gone"))
        try journal.append(removal("back"))
        try journal.append(HistoryTests.entry(2, name: "back"))
        // A message that holds the keys' text is still one entry of its own name.
        var tricky = HistoryTests.entry(3, name: "tricky")
        tricky.message = #"moved: "name":"gone","to":"","state":"removed""#
        try journal.append(tricky)
        // A message ending in a backslash: its closing quote follows an escaped backslash.
        var backslash = HistoryTests.entry(4, name: "backslash")
        backslash.message = #"C:\shared\"#
        try journal.append(backslash)
        // A name spelt with an escape: decoded, the same name.
        try WorkspaceFiles.appendLine(
            layout.journal,
            #"{"from":"","message":"","name":"esc\u0061ped","state":"queued","time":"2026-11-29T00:00:00Z","to":"saved/escaped"}"#
        )
        // Written by something else, with spaces: decoded instead of scanned.
        try WorkspaceFiles.appendLine(
            layout.journal,
            #"{ "time": "2026-11-29T00:00:00Z", "name": "spaced", "from": "", "to": "saved/spaced", "state": "queued", "message": "" }"#
        )
        try WorkspaceFiles.appendLine(
            layout.journal,
            #"{ "time": "2026-11-29T00:00:00Z", "name": "kept2", "from": "", "to": "", "state": "removed", "message": "" }"#
        )
        try WorkspaceFiles.appendLine(layout.journal, #"{"name":"damaged","to":"draft/dam"#)
        #expect(journal.namesLastSeenPresent() == ["kept", "back", "tricky", "backslash", "escaped", "spaced"])
    }

    // MARK: --follow

    @Test func followPrintsTheLastNThenEachNewEntryOnce() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<10)
        let follow = try ws.start("history", "--follow", "--json", "-n", "2")
        #expect(try await follow.waitForOutput("entry 9"), "\(follow.stderr)")
        #expect(HistoryTests.numbers(follow.stdout) == [8, 9])
        try HistoryTests.journal(ws, entries: 10..<12)
        #expect(try await follow.waitForOutput("entry 11"), "\(follow.stderr)")
        // Half a line waits for its newline.
        let line = Journal.line(HistoryTests.entry(12))
        try ws.append(".kiln/journal.jsonl", String(line.prefix(30)))
        try await Task.sleep(for: .milliseconds(600))
        #expect(HistoryTests.numbers(follow.stdout) == [8, 9, 10, 11])
        try ws.append(".kiln/journal.jsonl", String(line.dropFirst(30)) + "\n")
        #expect(try await follow.waitForOutput("entry 12"), "\(follow.stderr)")
        #expect(HistoryTests.numbers(follow.stdout) == [8, 9, 10, 11, 12])
        // Every line printed is a whole JSON object.
        for printed in follow.stdout.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(printed.utf8))) != nil, "\(printed)")
        }
        kill(follow.process.processIdentifier, SIGTERM)
        let ended = try await follow.finish(timeout: .seconds(10))
        #expect(ended.status == 0 && !ended.crashed, "\(ended)")
        #expect(ended.stderr.isEmpty, "\(ended)")
    }

    @Test func followWaitsForAJournalAndStartsAgainOnAReplacedOne() async throws {
        let ws = try await CLIWorkspace()
        let follow = try ws.start("history", "b", "--follow")
        try await Task.sleep(for: .milliseconds(300))
        #expect(follow.isRunning, "\(follow.stderr)")
        try HistoryTests.journal(ws, entries: 0..<4)
        #expect(try await follow.waitForOutput("entry 3"), "\(follow.stderr)")
        // Only b's, in the name's own format.
        #expect(HistoryTests.numbers(follow.stdout) == [1, 3])
        #expect(!follow.stdout.contains("  b  "))
        // Replaced by a shorter journal (rotated, restored): read from its beginning.
        try ws.write(".kiln/journal.jsonl", Journal.line(HistoryTests.entry(101)) + "\n")
        #expect(try await follow.waitForOutput("entry 101"), "\(follow.stderr)")
        // Truncated in place, then written again.
        guard truncate(ws.layout.journal, 0) == 0 else { throw Failure("truncate: \(errno)") }
        try await Task.sleep(for: .milliseconds(500))
        try HistoryTests.journal(ws, entries: 201..<202)
        #expect(try await follow.waitForOutput("entry 201"), "\(follow.stderr)")
        #expect(HistoryTests.numbers(follow.stdout) == [1, 3, 101, 201])
        kill(follow.process.processIdentifier, SIGINT)
        let ended = try await follow.finish(timeout: .seconds(10))
        #expect(ended.status == 0 && !ended.crashed, "\(ended)")
    }

    @Test func aReaderThatGoesAwayEndsItQuietly() async throws {
        let ws = try await CLIWorkspace()
        try HistoryTests.journal(ws, entries: 0..<3000)
        let piped = await TestPipe.run("\(CLIWorkspace.kiln) history -n 0 --workspace '\(ws.root)' | head -1")
        #expect(piped.contains("entry 0"), "\(piped)")
        #expect(!piped.contains("Error"), "\(piped)")
        #expect(piped.contains("kiln=0"), "\(piped)")
    }
}

/// A shell pipeline, for what only a real pipe shows (a reader that closes it early).
enum TestPipe {
    /// Runs `pipeline` in bash with pipefail off; the output ends with `kiln=<exit code of the first command>`.
    static func run(_ pipeline: String) async -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", pipeline + "; echo kiln=${PIPESTATUS[0]}"]
        let output = NSTemporaryDirectory() + "kiln-pipe-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        guard let handle = FileHandle(forWritingAtPath: output) else { return "cannot create \(output)" }
        process.standardOutput = handle
        process.standardError = handle
        do { try process.run() } catch { return "\(error)" }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        try? handle.close()
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }
}
