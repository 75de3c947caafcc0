import Foundation
import KilnProtocol

/// Finds the workspace a command is about: `--workspace`, then `KILN_WORKSPACE`, then the current directory and its
/// parents.
public enum WorkspaceLocator {
    public static func locate(
        explicit: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(WorkspaceNotFound) -> WorkspaceLayout {
        if let explicit { return try check(absolute(explicit, from: currentDirectory), source: "--workspace") }
        if let env = environment["KILN_WORKSPACE"], !env.isEmpty {
            return try check(absolute(env, from: currentDirectory), source: "KILN_WORKSPACE")
        }
        var dir = absolute(currentDirectory, from: "/")
        while true {
            if looksLikeWorkspace(dir) { return WorkspaceLayout(root: dir) }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { break }
            dir = parent
        }
        throw WorkspaceNotFound(
            message: "no Kiln workspace at \(currentDirectory) or above it; pass --workspace DIR, set KILN_WORKSPACE, "
                + "or create one with `kiln init DIR`"
        )
    }

    /// A workspace has all four stage folders.
    public static func looksLikeWorkspace(_ dir: String) -> Bool {
        Stage.allCases.allSatisfy { WorkspaceFiles.kind(dir + "/" + $0.rawValue) == .directory }
    }

    static func check(_ dir: String, source: String) throws(WorkspaceNotFound) -> WorkspaceLayout {
        guard looksLikeWorkspace(dir) else {
            throw WorkspaceNotFound(
                message: "\(dir) (from \(source)) is not a Kiln workspace: it needs saved/, draft/, pending/ and "
                    + "published/; create one with `kiln init \(dir)`"
            )
        }
        return WorkspaceLayout(root: dir)
    }

    /// `path` made absolute against `base`, with `.` and `..` resolved.
    public static func absolute(_ path: String, from base: String = FileManager.default.currentDirectoryPath) -> String
    {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}

public struct WorkspaceNotFound: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
