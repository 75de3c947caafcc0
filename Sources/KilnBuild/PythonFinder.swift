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
            for folder in PythonFinder.newestFirst(WorkspaceFiles.list(root + "/versions")) {
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

    /// Interpreter versions (`X.Y`, the keys of `interpreters()`) in version order: 3.9 before 3.10 before 3.13,
    /// never string order. Anything that is not `X.Y` comes last, in string order. For every list a person reads.
    public static func sortedVersions(_ versions: some Sequence<String>) -> [String] {
        versions.sorted { a, b in
            switch (PythonVersion(text: a), PythonVersion(text: b)) {
            case (let x?, let y?): x < y
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a < b
            }
        }
    }

    /// `interpreters(overrides:)` as a list in version order, for describing a host.
    public func sortedInterpreters(overrides: [String: String] = [:]) -> [(version: String, path: String)] {
        let found = interpreters(overrides: overrides)
        return PythonFinder.sortedVersions(found.keys).map { ($0, found[$0] ?? "") }
    }

    /// Folder names such as pyenv's `3.9.18`, `3.13.0`, `3.11.10`, newest first by their numbers.
    static func newestFirst(_ folders: [String]) -> [String] {
        folders.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
    }
}
