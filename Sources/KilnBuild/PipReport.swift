import Foundation
import KilnProtocol
import KilnWorkspace

/// Turns pip's `--report` JSON into a `requirements.lock` with hashes, for hosts without uv.
enum PipReport {
    /// Why a report gives no lock. A build never writes a lock it could not read: it fails.
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    static func lock(fromReportAt path: String) throws(Unreadable) -> String {
        let out = "# written by kiln from pip's install report\n"
        guard case .success(let bytes) = WorkspaceFiles.readFile(path, limit: 64 * 1024 * 1024) else {
            throw Unreadable(description: "pip's install report \(path) cannot be read, so there is no lock to write")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let installs = json["install"] as? [[String: Any]]
        else {
            throw Unreadable(description: "pip's install report \(path) has no 'install' list, so there is no lock")
        }
        var lines: [String] = []
        for item in installs {
            guard let metadata = item["metadata"] as? [String: Any], let name = metadata["name"] as? String,
                let version = metadata["version"] as? String
            else {
                throw Unreadable(description: "an entry of pip's install report \(path) has no name or version")
            }
            var line = "\(Requirement.normalise(name))==\(version)"
            let archive = (item["download_info"] as? [String: Any])?["archive_info"] as? [String: Any]
            if let sha = (archive?["hashes"] as? [String: String])?["sha256"] {
                line += " \\\n    --hash=sha256:\(sha)"
            } else if let hash = archive?["hash"] as? String, hash.hasPrefix("sha256=") {
                line += " \\\n    --hash=sha256:\(hash.dropFirst("sha256=".count))"
            }
            lines.append(line)
        }
        return out + lines.sorted().joined(separator: "\n") + "\n"
    }
}
