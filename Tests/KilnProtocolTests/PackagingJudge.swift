import Foundation
import Testing

/// A judge in `Fixtures/` (a Python script importing the `packaging` version `scripts/setup.sh` pins), run once for
/// a whole batch: every input goes in as one JSON line, every verdict comes out as one JSON line, in order.
struct PackagingJudge {
    /// The script's path.
    let script: String

    init(_ fixture: String) {
        script =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Fixtures/" + fixture
            ).path
    }

    /// The verdicts, one per input; nil (with an issue recorded) when the judge cannot run or answers short.
    func verdicts<Input: Encodable, Verdict: Decodable>(_ inputs: [Input], as: Verdict.Type) throws -> [Verdict]? {
        let folder = NSTemporaryDirectory() + "kiln-judge-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var input = Data()
        for item in inputs {
            input.append(try JSONEncoder().encode(item))
            input.append(0x0A)
        }
        try input.write(to: URL(fileURLWithPath: folder + "/in.jsonl"))
        _ = FileManager.default.createFile(atPath: folder + "/out.jsonl", contents: nil)
        _ = FileManager.default.createFile(atPath: folder + "/err.txt", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        process.standardInput = FileHandle(forReadingAtPath: folder + "/in.jsonl")
        process.standardOutput = FileHandle(forWritingAtPath: folder + "/out.jsonl")
        process.standardError = FileHandle(forWritingAtPath: folder + "/err.txt")
        do {
            try process.run()
        } catch {
            Issue.record("cannot run python3 (\(error)); run scripts/setup.sh, which installs packaging for python3")
            return nil
        }
        process.waitUntilExit()
        let errors = (try? String(contentsOfFile: folder + "/err.txt", encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let message =
                "python3 \(script) exited with \(process.terminationStatus): \(errors)\nrun scripts/setup.sh, which "
                + "installs the pinned packaging for python3"
            Issue.record(Comment(rawValue: message))
            return nil
        }
        let output = try String(contentsOfFile: folder + "/out.jsonl", encoding: .utf8)
        let verdicts = try output.split(separator: "\n").map {
            try JSONDecoder().decode(Verdict.self, from: Data($0.utf8))
        }
        guard verdicts.count == inputs.count else {
            Issue.record("the judge answered \(verdicts.count) of \(inputs.count) inputs: \(errors)")
            return nil
        }
        return verdicts
    }
}
