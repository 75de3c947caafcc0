import Foundation
import KilnWorkspace

/// Finds a Jupyter kernel by name in the folders Jupyter itself searches, in its order: `JUPYTER_PATH`, the user's
/// data folder, the environments on PATH (a `sys.prefix` holds its kernels in `share/jupyter/kernels`), then the
/// system folders.
public struct KernelSpecFinder: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// A kernel spec found on disk.
    public struct Found: Sendable, Equatable {
        public var name: String
        /// The kernel's folder.
        public var folder: String
        /// `argv[0]` of `kernel.json`, found on PATH when it is not a path.
        public var interpreter: String
    }

    /// The `kernels` folders searched, in order, without duplicates.
    public var searchFolders: [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        var data: [String] = []
        data += (environment["JUPYTER_PATH"] ?? "").split(separator: ":").map(String.init)
        if let explicit = environment["JUPYTER_DATA_DIR"], !explicit.isEmpty {
            data.append(explicit)
        } else {
            data.append(
                (environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share") + "/jupyter"
            )
        }
        let prefixes =
            [environment["VIRTUAL_ENV"], environment["CONDA_PREFIX"]].compactMap { $0 }
            + (environment["PATH"] ?? "").split(separator: ":").filter {
                $0.hasSuffix("/bin") && !$0.contains("/shims")
            }
            .map { String($0.dropLast("/bin".count)) }
        data += prefixes.filter { !$0.isEmpty && $0 != "/usr" && $0 != "/usr/local" }.map { $0 + "/share/jupyter" }
        data += ["/usr/local/share/jupyter", "/usr/share/jupyter"]
        var seen: Set<String> = []
        return data.map { $0 + "/kernels" }.filter { seen.insert($0).inserted }
    }

    /// The first kernel named `name` (Jupyter's names are case-insensitive), or nil.
    public func find(_ name: String) throws -> Found? {
        for folder in searchFolders {
            let entries = WorkspaceFiles.list(folder)
            guard
                let entry = entries.first(where: { $0 == name })
                    ?? entries.first(where: { $0.lowercased() == name.lowercased() })
            else { continue }
            let kernel = folder + "/" + entry
            guard let text = WorkspaceFiles.readText(kernel + "/kernel.json") else { continue }
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            guard let argv = (object as? [String: Any])?["argv"] as? [String], let first = argv.first, !first.isEmpty
            else {
                throw InventoryError("\(kernel)/kernel.json has no argv naming an interpreter")
            }
            return Found(name: entry, folder: kernel, interpreter: resolve(first))
        }
        return nil
    }

    /// `python3` on PATH, as Jupyter would start it; a path stays as it is.
    private func resolve(_ program: String) -> String {
        if program.contains("/") { return program }
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return program
    }
}
