import Foundation
import KilnProtocol
import KilnWorkspace

/// Finds the interpreters a build host has for `base = "python:X.Y"`.
///
/// pyenv's shims answer only for its global version, so the real interpreters are looked up under its versions
/// folder, then in the usual system places, then on PATH (shims skipped).
public struct PythonFinder: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// `X.Y` -> interpreter, with `workspace.toml`'s `[python]` table taking precedence.
    public func interpreters(overrides: [String: String] = [:]) -> [String: String] {
        var found: [String: String] = [:]
        let home = environment["HOME"] ?? NSHomeDirectory()
        var pyenvRoots = [home + "/.pyenv"]
        if let root = environment["PYENV_ROOT"] { pyenvRoots.insert(root, at: 0) }
        for root in pyenvRoots {
            // Newest patch release first, so 3.11.9 wins over 3.11.2.
            let versions = WorkspaceFiles.list(root + "/versions").sorted {
                $0.compare($1, options: .numeric) == .orderedDescending
            }
            for folder in versions {
                let parts = folder.split(separator: ".")
                guard parts.count >= 2, let minor = PythonVersion(text: "\(parts[0]).\(parts[1])") else { continue }
                let candidate = "\(root)/versions/\(folder)/bin/python\(minor.text)"
                if found[minor.text] == nil, FileManager.default.isExecutableFile(atPath: candidate) {
                    found[minor.text] = candidate
                }
            }
        }
        var dirs = ["/usr/local/bin", "/usr/bin"]
        dirs += (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.contains("/shims") }
        for dir in dirs {
            for entry in WorkspaceFiles.list(dir) where entry.hasPrefix("python") {
                guard let version = PythonVersion(text: String(entry.dropFirst("python".count))),
                    found[version.text] == nil, FileManager.default.isExecutableFile(atPath: dir + "/" + entry)
                else { continue }
                found[version.text] = dir + "/" + entry
            }
        }
        for (version, path) in overrides { found[version] = path }
        return found
    }
}
