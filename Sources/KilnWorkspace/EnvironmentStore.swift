import Foundation
import KilnProtocol

/// The environment store on disk (`.kiln/envs/<key>/`): which builds are registered.
public enum EnvironmentStore {
    /// Looks up a registered build; nil if there is none or it never finished.
    public static func find(_ key: String, in layout: WorkspaceLayout) -> BuiltEnvironment? {
        // Bytes, not Foundation's string search: every name's look asks, 10,000 times on a start.
        guard let first = key.utf8.first, first != UInt8(ascii: "."), !key.utf8.contains(UInt8(ascii: "/")) else {
            return nil
        }
        let path = layout.environment(key)
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        guard let summary = WorkspaceFiles.readText(metadata + "/complete", limit: 4096) else { return nil }
        return BuiltEnvironment(
            key: key,
            path: path,
            python: path + "/bin/python",
            summary: trimmed(summary)
        )
    }

    /// `text` without the whitespace around it; ASCII trimmed by hand (Foundation's trimming cost more than reading
    /// the file), anything else by Foundation.
    static func trimmed(_ text: String) -> String {
        let bytes = Array(text.utf8)
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard bytes[first] < 0x80, bytes[last] < 0x80 else {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    /// The exact bytes of an approved spec, for restoring an edited published spec (rule 8): kept in
    /// `.kiln/specs/` at approval, or (for approvals before that folder existed) the spec its build was made from.
    public static func approvedSpec(_ sha256: String, built: BuiltEnvironment?, in layout: WorkspaceLayout) -> [UInt8]?
    {
        for path in [layout.keptSpec(sha256), built?.spec].compactMap({ $0 }) {
            if case .success(let bytes) = WorkspaceFiles.readFile(path, limit: Spec.maximumSize),
                SHA256Hex.of(bytes) == sha256
            {
                return bytes
            }
        }
        return nil
    }
}
