import Foundation
import KilnProtocol
import KilnWorkspace
import Subprocess
import SystemPackage

/// What a Slurm node runs a build with, copied once into `.kiln/tools/` from the daemon's host, so a node needs
/// nothing but the workspace's mount: `kiln` itself with every shared library it loads apart from the C library's
/// own (the Swift runtime, Foundation, libinotifytools), and `uv`. Each copy is named by the size and time of what
/// it copied, made in a temporary folder, marked `complete` and renamed into place: a half copy is never used.
struct JobTools: Sendable {
    let layout: WorkspaceLayout

    /// The commands a job script runs.
    struct Prepared: Sendable {
        /// `kiln`, inside the workspace.
        var kiln: String
        /// Its libraries, for the dynamic loader's `--library-path` (so the build's own tools never see them).
        var libraries: String
        /// The system's dynamic loader that runs it, as its binary names it (`/lib64/ld-linux-x86-64.so.2`).
        var loader: String
        var uv: String?
    }

    /// The C library's parts, which every node has and which must match its kernel: never copied.
    static let systemLibraries = [
        "linux-vdso", "ld-linux", "libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so", "libutil.so",
        "libresolv.so",
    ]

    func prepare(kiln: String, uv: String?, log: BuildLog) async throws -> Prepared {
        let kilnFolder = try await kept(kiln, prefix: "kiln", log: log) { folder in
            let (libraries, loader) = try await sharedLibraries(of: kiln)
            try await copyFiles([kiln], to: folder + "/kiln", log: log)
            try WorkspaceFiles.makeDirectory(folder + "/lib")
            if !libraries.isEmpty { try await copyFiles(libraries, to: folder + "/lib/", log: log) }
            // Asked of `ldd` once, with the copy: each build reads it from here.
            try WorkspaceFiles.writeAtomically(folder + "/loader", loader + "\n")
        }
        guard let loader = WorkspaceFiles.readText(kilnFolder + "/loader")?.trimmingCharacters(in: .newlines),
            loader.hasPrefix("/")
        else {
            throw ToolsUnavailable(reason: "\(kilnFolder)/loader is missing or damaged; remove \(kilnFolder)")
        }
        var keptUV: String?
        if let uv {
            keptUV =
                try await kept(uv, prefix: "uv", log: log) { folder in
                    try await copyFiles([uv], to: folder + "/uv", log: log)
                } + "/uv"
        }
        return Prepared(kiln: kilnFolder + "/kiln", libraries: kilnFolder + "/lib", loader: loader, uv: keptUV)
    }

    /// The names of the folders that hold (or would hold) the copies of the running kiln and of `uv`: collection
    /// keeps them, since the next Slurm build would copy them again.
    func current(uv: String?) -> Set<String> {
        var names = Set<String>()
        if let kiln = try? SlurmBuilder.ownExecutable(), let name = Self.folderName(of: kiln, prefix: "kiln") {
            names.insert(name)
        }
        if let uv, let name = Self.folderName(of: uv, prefix: "uv") { names.insert(name) }
        return names
    }

    /// `<prefix>-<16 hex digits>`, from the size and modification time of what is copied: a new version, a new
    /// folder.
    static func folderName(of executable: String, prefix: String) -> String? {
        var st = stat()
        guard stat(executable, &st) == 0 else { return nil }
        let fingerprint = SHA256Hex.of(Array("\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)".utf8))
        return "\(prefix)-" + fingerprint.prefix(16)
    }

    /// The folder holding the copy of `executable`, made now by `fill` if there is none.
    private func kept(
        _ executable: String,
        prefix: String,
        log: BuildLog,
        fill: (String) async throws -> Void
    ) async throws -> String {
        guard let name = Self.folderName(of: executable, prefix: prefix) else { throw FileError("read", executable) }
        let folder = layout.tools + "/" + name
        if WorkspaceFiles.kind(folder + "/complete") == .file { return folder }
        log.say("copying \(executable) into \(layout.tools) for the Slurm nodes (once for each version)")
        try WorkspaceFiles.makeDirectory(layout.tools)
        let temporary = layout.tools + "/.\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try WorkspaceFiles.makeDirectory(temporary)
        try await fill(temporary)
        try WorkspaceFiles.writeAtomically(temporary + "/complete", "copied from \(executable)\n")
        do {
            try WorkspaceFiles.move(temporary, to: folder)
        } catch {
            // Another daemon's build made it at the same moment.
            if WorkspaceFiles.kind(folder + "/complete") != .file { throw error }
        }
        return folder
    }

    /// The shared libraries `executable` loads, as the dynamic loader finds them (`ldd`), without the C library's;
    /// and the loader itself.
    private func sharedLibraries(of executable: String) async throws -> (libraries: [String], loader: String) {
        let result = try await Subprocess.run(
            .name("ldd"),
            arguments: [executable],
            output: .string(limit: 1 << 20),
            error: .discarded
        )
        let text = result.standardOutput
        guard result.terminationStatus.isSuccess else {
            throw ToolsUnavailable(reason: "`ldd \(executable)` could not list the libraries kiln needs")
        }
        var libraries: [String] = []
        var loader: String?
        for line in text.split(separator: "\n") {
            // "\tlibswiftCore.so => /opt/swift/usr/lib/swift/linux/libswiftCore.so (0x...)"
            let parts = line.split(separator: " ")
            // "\t/lib64/ld-linux-x86-64.so.2 (0x...)": the loader the binary names.
            if parts.count == 2, let first = parts.first?.trimmingCharacters(in: .whitespaces), first.hasPrefix("/"),
                first.contains("/ld-linux")
            {
                loader = first
            }
            guard let arrow = parts.firstIndex(of: "=>"), arrow + 1 < parts.count else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let path = String(parts[arrow + 1])
            if !path.hasPrefix("/") {
                throw ToolsUnavailable(reason: "kiln needs \(name), which this host's loader cannot find")
            }
            if Self.systemLibraries.contains(where: { name.hasPrefix($0) }) { continue }
            libraries.append(path)
        }
        guard let loader else {
            throw ToolsUnavailable(reason: "`ldd \(executable)` named no dynamic loader (ld-linux) for kiln")
        }
        return (libraries, loader)
    }

    /// Copies the files paths name (following links: a library is often a link to its versioned name, copied under
    /// the name the loader asks for) to `destination`, keeping their permissions.
    private func copyFiles(_ sources: [String], to destination: String, log: BuildLog) async throws {
        try await CopyCommand.run(["--dereference", "--preserve=mode"], sources, to: destination, log: log)
    }

    struct ToolsUnavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
