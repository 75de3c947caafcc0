import Foundation
import KilnProtocol
import KilnWorkspace

/// Locks whose libraries all imported on an interpreter (`.kiln/verified/<key>`). Installing the same files, checked
/// by hash, on the same Python gives the same imports, so a later build of the same lock (a spec that resolves to
/// the same pins, a rebuild after collection, `--from-lock`) is not imported again: the import check of a large
/// library costs seconds, which a rebuild from a warm cache otherwise spends many times over.
struct VerifiedLocks {
    let layout: WorkspaceLayout

    /// The record's name: the interpreter's exact version, the lock's bytes and the libraries imported. Nil when
    /// the exact version is not known (an interpreter that did not say): then every build imports.
    static func key(python: String, lock: [UInt8], libraries: [String]) -> String? {
        guard python.split(separator: ".").count >= 3 else { return nil }
        let text =
            "python \(python)\nlock \(SHA256Hex.of(lock))\nimported \(libraries.sorted().joined(separator: " "))\n"
        return SHA256Hex.of(Array(text.utf8))
    }

    /// What the record says (which build verified it, and when), or nil if there is none.
    func earlier(_ key: String) -> String? {
        WorkspaceFiles.readText(layout.verifiedLock(key), limit: 4096)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Records a lock that passed. A record that cannot be written only costs a later build its imports.
    func remember(_ key: String, _ line: String) {
        try? WorkspaceFiles.makeDirectory(layout.verifiedLocks)
        try? WorkspaceFiles.writeAtomically(layout.verifiedLock(key), line + "\n")
    }
}
