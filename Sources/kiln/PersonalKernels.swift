import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// Where `kiln kernel install` and `kiln kernel sync` write: a person's Jupyter data folder, or a prefix.
struct PersonalKernelOptions: ParsableArguments {
    @Flag(help: "Into your own Jupyter folder, ~/.local/share/jupyter/kernels/ (the default).")
    var user = false
    @Option(help: "Into DIR/share/jupyter/kernels/ instead (then JUPYTER_PATH=DIR/share/jupyter finds it).")
    var prefix: String?

    func validate() throws {
        if user && prefix != nil { throw ValidationError("--user and --prefix exclude each other: give one") }
        if let prefix, prefix.isEmpty { throw ValidationError("--prefix needs a folder") }
    }

    /// The `kernels` folder to write in. `--user` follows Jupyter: `$JUPYTER_DATA_DIR`, then
    /// `$XDG_DATA_HOME/jupyter`, then `~/.local/share/jupyter`.
    func kernelsFolder() throws -> String {
        if let prefix {
            let absolute = prefix.hasPrefix("/") ? prefix : FileManager.default.currentDirectoryPath + "/" + prefix
            return absolute + "/share/jupyter/kernels"
        }
        let environment = ProcessInfo.processInfo.environment
        if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty { return data + "/kernels" }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/jupyter/kernels" }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw CLIError.usage("HOME is not set, so there is no user Jupyter folder: give --prefix DIR")
        }
        return home + "/.local/share/jupyter/kernels"
    }
}

/// Personal kernelspecs in one `kernels` folder: Kiln writes and removes only those with Kiln's metadata.
struct PersonalKernels {
    let folder: String

    /// Kiln's metadata in `<folder>/<kernel>/kernel.json`; nil for a kernelspec that is not Kiln's, or none.
    func origin(of kernel: String) -> KernelSpec.Origin? {
        guard case .success(let bytes) = WorkspaceFiles.readFile(folder + "/" + kernel + "/kernel.json", limit: 1 << 20)
        else { return nil }
        return KernelSpec.origin(ofKernelJSON: bytes)
    }

    /// Writes `<folder>/<kernel>/kernel.json`, refusing to replace a kernelspec that is not Kiln's.
    func write(_ spec: KernelSpec, as kernel: String) throws {
        let directory = folder + "/" + kernel
        switch WorkspaceFiles.kind(directory) {
        case .missing: break
        case .directory:
            if WorkspaceFiles.kind(directory + "/kernel.json") != .missing, origin(of: kernel) == nil {
                throw CLIError.refused(
                    "\(directory) holds a kernelspec that Kiln did not write; Kiln leaves it alone: remove it, or "
                        + "install into another folder with --prefix"
                )
            }
        default:
            throw CLIError.refused("\(directory) is not a folder; Kiln leaves it alone: remove it first")
        }
        try WorkspaceFiles.makeDirectory(directory)
        try WorkspaceFiles.writeAtomically(directory + "/kernel.json", spec.rendered())
    }

    /// Removes a kernelspec Kiln wrote: its `kernel.json`, then the folder if nothing else is in it.
    func remove(_ kernel: String) throws {
        let directory = folder + "/" + kernel
        guard origin(of: kernel) != nil else { return }
        do {
            try FileManager.default.removeItem(atPath: directory + "/kernel.json")
        } catch {
            throw CLIError.workspace("cannot remove \(directory)/kernel.json: \(error.localizedDescription)")
        }
        rmdir(directory)
    }

    /// Every kernelspec folder here.
    func kernels() -> [String] {
        WorkspaceFiles.list(folder).filter { !$0.hasPrefix(".") }.sorted()
    }
}
