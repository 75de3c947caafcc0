import Foundation
import KilnProtocol
import KilnWorkspace
import Testing

/// `kiln diff NAME [FROM] [TO]` on workspaces written as the daemon leaves them.
@Suite struct DiffTests {
    static func lock(_ pins: [String]) -> String {
        pins.map { "\($0) \\\n    --hash=sha256:" + String(repeating: "c", count: 64) + "\n" }.joined()
    }

    /// A published `ml` (approved on 2026-11-20, pandas 2.2.2 with numpy 1.26.4 and six) with its lock beside it,
    /// and a draft (pandas 2.2.3, numpy 2.1.0, requests) whose lock is only in the store.
    static func update() async throws -> (CLIWorkspace, published: String, draft: String) {
        let ws = try await CLIWorkspace()
        var published = try ws.built("ml", in: .published, state: .published, libraries: ["pandas==2.2.2", "six"])
        published.approved = try Date("2026-11-20T09:30:00Z", strategy: .iso8601)
        try ws.status("published/ml", published)
        try ws.write("published/ml/requirements.lock", lock(["numpy==1.26.4", "pandas==2.2.2", "six==1.16.0"]))
        let draft = try ws.built("ml", libraries: ["Pandas==2.2.3", "requests>=2"])
        let environment = try #require(draft.environment)
        try ws.write(
            String(environment.dropFirst(ws.root.count + 1)) + "/.kiln-build/requirements.lock",
            lock(["NumPy==2.1.0", "pandas==2.2.3", "requests==2.32.3"])
        )
        try ws.write(String(environment.dropFirst(ws.root.count + 1)) + "/.kiln-build/complete", "built\n")
        return (ws, try #require(published.specSHA256), try #require(draft.specSHA256))
    }

    @Test func theVersionInProgressAgainstThePublishedOne() async throws {
        let (ws, published, draft) = try await DiffTests.update()
        let result = await ws.kiln("diff", "ml")
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout == """
                ml: published (approved 2026-11-20, spec \(published.prefix(12))) -> draft (spec \(draft.prefix(12)))

                spec: 3 changes
                  library pandas    pandas==2.2.2 -> pandas==2.2.3
                  library requests  added: requests>=2
                  library six       removed: six

                distributions: 1 added, 1 removed, 2 upgraded (3 pinned)
                  added       requests  2.32.3
                  removed     six       1.16.0
                  upgraded    numpy     1.26.4 -> 2.1.0
                  upgraded    pandas    2.2.2 -> 2.2.3

                """,
            "\(result)"
        )
        let json = await ws.kiln("diff", "ml", "--json")
        #expect(json.status == 0, "\(json)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any],
            "\(json)"
        )
        #expect(object["summary"] as? String == "1 added, 1 removed, 2 upgraded")
        #expect(object["pinned"] as? Int == 3)
        let distributions = try #require(object["distributions"] as? [[String: Any]])
        #expect(distributions.map { $0["name"] as? String } == ["requests", "six", "numpy", "pandas"])
        #expect(distributions[2]["change"] as? String == "upgraded")
        #expect(distributions[2]["old"] as? String == "1.26.4")
        #expect(distributions[0]["old"] is NSNull)
        // Both named, the other way round: downgrades.
        let back = await ws.kiln("diff", "ml", "draft", "published")
        #expect(back.status == 0, "\(back)")
        #expect(back.stdout.contains("1 added, 1 removed, 2 downgraded"), "\(back)")
    }

    @Test func anArchivedVersionByLabelOrSpecHashPrefix() async throws {
        let (ws, published, _) = try await DiffTests.update()
        let hash = try ws.spec(".kiln/archive/ml/2026-10-01T120000Z-aaaaaaaaaaaa", libraries: ["pandas==2.2.2"])
        try ws.status(
            ".kiln/archive/ml/2026-10-01T120000Z-aaaaaaaaaaaa",
            Status(
                stage: .published,
                state: .published,
                specSHA256: hash,
                approved: try Date("2026-09-30T08:00:00Z", strategy: .iso8601),
                updated: Date(),
                message: "approved"
            )
        )
        try ws.write(
            ".kiln/archive/ml/2026-10-01T120000Z-aaaaaaaaaaaa/requirements.lock",
            DiffTests.lock(["pandas==2.2.2"])
        )
        for word in ["2026-10-01T120000Z-aaaaaaaaaaaa", String(hash.prefix(6)), String(hash.prefix(20)).uppercased()] {
            let result = await ws.kiln("diff", "ml", word, "published")
            #expect(result.status == 0, "\(word): \(result)")
            #expect(
                result.stdout.hasPrefix(
                    "ml: archived 2026-10-01T120000Z-aaaaaaaaaaaa (approved 2026-09-30, spec \(hash.prefix(12))) -> "
                        + "published (approved 2026-11-20, spec \(published.prefix(12)))\n"
                ),
                "\(result)"
            )
            #expect(result.stdout.contains("distributions: 2 added (3 pinned)"), "\(result)")
        }
        let short = await ws.kiln("diff", "ml", String(hash.prefix(5)))
        #expect(short.status == 1, "\(short)")
        #expect(short.stderr.contains("at least 6 hex digits"), "\(short)")
    }

    @Test func nothingPublishedMeansEverythingIsAdded() async throws {
        let ws = try await CLIWorkspace()
        try ws.built("web", libraries: ["flask"])
        try ws.write("draft/web/requirements.lock", DiffTests.lock(["flask==3.0.3", "jinja2==3.1.4"]))
        let result = await ws.kiln("diff", "web")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("web: nothing published -> draft (spec "), "\(result)")
        #expect(result.stdout.contains("distributions: 2 added (2 pinned)"), "\(result)")
        #expect(result.stdout.contains("  added       jinja2  3.1.4\n"), "\(result)")
    }

    @Test func aSavedCopyNotBuiltYetSaysSo() async throws {
        let (ws, _, _) = try await DiffTests.update()
        try FileManager.default.removeItem(atPath: ws.path("draft/ml"))
        let hash = try ws.spec("saved/ml", libraries: ["pandas==2.2.3"])
        try ws.status("saved/ml", Status(stage: .saved, state: .building, specSHA256: hash, build: 2, updated: Date()))
        let result = await ws.kiln("diff", "ml")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("  library six     removed: six\n"), "\(result)")
        #expect(
            result.stdout.contains("distributions: saved (spec \(hash.prefix(12))) is not built, so there are no"),
            "\(result)"
        )
    }

    @Test func whatDoesNotExistIsRefusedWithWhatDoes() async throws {
        let (ws, _, _) = try await DiffTests.update()
        let noName = await ws.kiln("diff", "nope")
        #expect(noName.status == 1, "\(noName)")
        #expect(noName.stderr.contains("no environment named 'nope'"), "\(noName)")
        let noPending = await ws.kiln("diff", "ml", "published", "pending")
        #expect(noPending.status == 1, "\(noPending)")
        #expect(
            noPending.stderr.contains("'ml' has no version in pending/ (there are: draft, published)"),
            "\(noPending)"
        )
        let noVersion = await ws.kiln("diff", "ml", "yesterday")
        #expect(noVersion.status == 1, "\(noVersion)")
        #expect(noVersion.stderr.contains("'ml' has no version 'yesterday'"), "\(noVersion)")
        try FileManager.default.removeItem(atPath: ws.path("draft/ml"))
        let nothingInProgress = await ws.kiln("diff", "ml")
        #expect(nothingInProgress.status == 1, "\(nothingInProgress)")
        #expect(nothingInProgress.stderr.contains("no version in progress"), "\(nothingInProgress)")
        let usage = await ws.kiln("diff")
        #expect(usage.status == 2, "\(usage)")
    }

    @Test func twoArchivedVersionsWithOnePrefixAreAmbiguous() async throws {
        let (ws, _, _) = try await DiffTests.update()
        for label in ["2026-10-01T120000Z-aaaaaaaaaaaa", "2026-10-02T120000Z-aaaaaaaaaaab"] {
            try ws.spec(".kiln/archive/ml/\(label)")
            try ws.status(
                ".kiln/archive/ml/\(label)",
                Status(
                    stage: .published,
                    state: .published,
                    specSHA256: "abcdef" + label.suffix(1) + String(repeating: "0", count: 57),
                    updated: Date()
                )
            )
        }
        let result = await ws.kiln("diff", "ml", "abcdef")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("more than one archived version"), "\(result)")
        let one = await ws.kiln("diff", "ml", "abcdefb")
        #expect(one.status == 0, "\(one)")
        #expect(one.stdout.hasPrefix("ml: archived 2026-10-02T120000Z-aaaaaaaaaaab"), "\(one)")
    }
}
