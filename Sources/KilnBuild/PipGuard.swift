import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// `pip`, `pip3` and `pip3.X` in every environment Kiln builds, each refusing to run. A shared environment stays as
/// its spec says: uv's venvs have no pip, so without these `pip install` in an activated environment would find
/// another interpreter's pip on PATH and install there, and in a venv built with pip it would change what everyone
/// uses. (`python -m pip` in a uv venv fails by itself: there is no pip module.)
enum PipGuard {
    static let message =
        "this environment is shared and managed by Kiln; edit its spec.toml, or `kiln export` a personal copy"

    static func names(for version: PythonVersion) -> [String] {
        ["pip", "pip\(version.major)", "pip\(version.major).\(version.minor)"]
    }

    /// A POSIX sh script: no interpreter of the environment's is needed to refuse.
    static let script = """
        #!/bin/sh
        # Written by Kiln when it built this environment: what is installed here changes only through its spec.
        printf '%s\\n' 'pip: \(message)' >&2
        exit 1

        """

    /// Writes the scripts into `bin`, replacing any pip the environment has. Called before the build is
    /// registered, so a build interrupted here is never used.
    static func write(into bin: String, version: PythonVersion) throws(FileError) {
        for name in names(for: version) {
            let path = bin + "/" + name
            try WorkspaceFiles.writeAtomically(path, script)
            guard chmod(path, 0o755) == 0 else { throw FileError("make executable", path) }
        }
    }
}
