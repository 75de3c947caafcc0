import KilnProtocol
import Testing

/// The rule of protocol section 6 (`index_url`): what in a package source URL is a secret, and that a text is masked
/// wherever the secret appears in it.
@Suite("secrets in package source URLs are masked")
struct SecretMaskingTests {
    @Test(arguments: [
        ("https://user:tok3n-secret@host/simple", "https://user:****@host/simple"),
        ("https://ghp_abcdefABCDEF012345@pypi.fury.io/team/", "https://****@pypi.fury.io/team/"),
        ("https://host/t/SECRET9xyz/simple", "https://host/t/****/simple"),
        ("https://host/t/abcdefghijklmnopqrstuvwxyz/simple", "https://host/t/****/simple"),
        ("https://host/simple?token=abc&x=", "https://host/simple?token=****&x="),
        ("http://kilnuser:s3cr3t-T0KEN@127.0.0.1:8080/simple", "http://kilnuser:****@127.0.0.1:8080/simple"),
        (
            "https://__token__:glpat-XYZ@gitlab.example/api/v4/projects/12/packages/pypi/simple",
            "https://__token__:****@gitlab.example/api/****/projects/****/packages/pypi/simple"
        ),
        ("https://host/simple#frag", "https://host/simple#****"),
    ])
    func theMaskedForm(_ url: String, _ expected: String) {
        #expect(SecretMasker.masked(url: url) == expected)
        #expect(
            SecretMasker(urls: [url]).mask("uv: cannot reach \(url)/numpy/") == "uv: cannot reach \(expected)/numpy/"
        )
    }

    @Test(arguments: [
        "https://pypi.org/simple", "https://mirror.example:8443/pypi/simple/", "/srv/wheels", "file:///srv/wheels/v2",
        "wheels", "",
    ])
    func aSourceWithoutSecretsIsLeftAlone(_ url: String) {
        #expect(SecretMasker.masked(url: url) == url)
        #expect(SecretMasker(urls: [url]).isEmpty)
    }

    @Test func aSecretIsMaskedOnItsOwnAsWrittenEncodedAndDecoded() {
        let masker = SecretMasker(urls: ["https://me:p%40ss word!@host/simple"])
        let text = "password p@ss word! or p%40ss word! or p%40ss%20word%21 sent"
        let masked = masker.mask(text)
        #expect(masked == "password **** or **** or **** sent")
        #expect(!masked.contains("ss word"))
    }

    @Test func aShortSecretIsMaskedOnlyInsideItsURL() {
        let masker = SecretMasker(urls: ["https://host/api/v4/simple"])
        #expect(masker.mask("IPv4 to https://host/api/v4/simple/x") == "IPv4 to https://host/api/****/simple/x")
    }

    @Test func theSettingsSourcesAreAllMasked() throws {
        let text = """
            [build]
            index_url = "https://u:indexsecret1@idx.example/simple"
            find_links = ["https://links.example/w/linksecret22/", "/srv/wheels"]
            """
        let settings = try WorkspaceSettings.parse(text, path: "workspace.toml", workspaceRoot: "/w")
        let masker = SecretMasker(settings: settings)
        let out = masker.mask(settings.installerLikeLine)
        #expect(!out.contains("indexsecret1") && !out.contains("linksecret22"))
        #expect(out.contains("https://u:****@idx.example/simple") && out.contains("https://links.example/w/****/"))
        #expect(out.contains("/srv/wheels"))
    }

    @Test func aMaskerGrowsAndKeepsEarlierSecrets() {
        var masker = SecretMasker(urls: ["https://u:firstsecret@h/simple"])
        masker.add(SecretMasker(urls: ["https://u:secondsecret@h/simple"]))
        #expect(masker.mask("firstsecret secondsecret") == "**** ****")
    }

    @Test func noSecretsMeansTheTextAsItIs() {
        #expect(SecretMasker().mask("anything https://u:p@h/") == "anything https://u:p@h/")
    }
}

extension WorkspaceSettings {
    /// The sources as a log line might quote them.
    fileprivate var installerLikeLine: String {
        "--index-url \(indexURL ?? "") " + findLinks.map { "--find-links \($0)" }.joined(separator: " ")
    }
}
