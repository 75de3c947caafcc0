import Foundation
import KilnProtocol
import KilnWorkspace
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Keeps a copy of every base interpreter that builds use in `.kiln/pythons/`, so an environment's `bin/python` and
/// its `pyvenv.cfg` `home` point inside the workspace, and every host that mounts the workspace at the same path can
/// run it, with or without the build host's Python.
///
/// A copy is the installation's prefix: `bin/pythonX.Y`, `lib/pythonX.Y/` (without `site-packages`, which a virtual
/// environment never uses, and `test`, the standard library's own test suite), a shared `libpython` next to it and
/// `include/pythonX.Y/`. It is made once, into a temporary folder beside the store, checked by running it, marked
/// `complete` and renamed into place: a half copy is never used. An installation that cannot be copied is used
/// where it is, as before, and the build log says why.
struct InterpreterStore: Sendable {
    let layout: WorkspaceLayout

    /// The file written last into a copy: without it, a folder is not a copy.
    static let marker = "complete"
    /// What a build writes beside a folder name when its installation cannot be copied, so no later build tries
    /// again: the reason, in words.
    static let refusalSuffix = ".not-relocatable"
    /// Folders of the standard library that a copy leaves out.
    static let skipped: Set<String> = ["site-packages", "dist-packages", "test"]

    /// The interpreter a build creates its environment with: the workspace's copy of `interpreter`, made now if it is
    /// not there yet, or `interpreter` itself when its installation cannot be copied. Logs the step and its time.
    func base(for interpreter: String, log: BuildLog) async throws -> String {
        log.say("step python")
        let started = ContinuousClock.now
        let chosen = try await keep(interpreter, log: log)
        log.say("step python took \(BuildLog.seconds(ContinuousClock.now - started))")
        return chosen
    }

    private func keep(_ interpreter: String, log: BuildLog) async throws -> String {
        guard let real = InterpreterStore.realPath(interpreter) else {
            log.say("python: \(interpreter) cannot be resolved; the environment uses it where it is")
            return interpreter
        }
        if real.hasPrefix(layout.pythons + "/") || real.hasPrefix(layout.root + "/") {
            log.say("python: \(interpreter) is inside the workspace already")
            return interpreter
        }
        let binary = (real as NSString).lastPathComponent
        let bin = (real as NSString).deletingLastPathComponent
        let prefix = (bin as NSString).deletingLastPathComponent
        let stdlib = prefix + "/lib/" + binary
        guard binary.wholeMatch(of: /python[0-9]+\.[0-9]+/) != nil, (bin as NSString).lastPathComponent == "bin",
            WorkspaceFiles.kind(stdlib + "/os.py") == .file
        else {
            return unkept(
                interpreter,
                "its standard library is not at <prefix>/lib/pythonX.Y next to \(real), so a copy could not find it",
                log
            )
        }
        let name = InterpreterStore.folderName(real)
        let kept = layout.pythons + "/" + name
        let keptBinary = kept + "/bin/" + binary
        if WorkspaceFiles.kind(kept + "/" + InterpreterStore.marker) == .file {
            log.say("python: the workspace's copy of \(prefix), \(keptBinary)")
            return keptBinary
        }
        // One copy of an installation at a time: builds that start together wait here for the first one's copy
        // instead of writing into the same folder (and judging a half-made copy).
        try WorkspaceFiles.makeDirectory(layout.building)
        let lock = try await FileLock.acquire(layout.building + "/" + name + ".python.lock")
        defer { lock.release() }
        if WorkspaceFiles.kind(kept + "/" + InterpreterStore.marker) == .file {
            log.say("python: the workspace's copy of \(prefix), made by another build meanwhile, \(keptBinary)")
            return keptBinary
        }
        if let reason = WorkspaceFiles.readText(kept + InterpreterStore.refusalSuffix) {
            return unkept(interpreter, reason.trimmingCharacters(in: .whitespacesAndNewlines), log)
        }
        // A shared libpython must come along, and the binary must find the copy of it, not the original.
        let elf = ELFRunPath(path: real)
        var libraries: [String] = []
        var patch: String?
        if let elf, let libpython = elf.libpython {
            guard WorkspaceFiles.kind(prefix + "/lib/" + libpython) != .missing else {
                return unkept(
                    interpreter,
                    "\(real) needs the shared library \(libpython), which is not in \(prefix)/lib: the system's "
                        + "loader finds it, and a copy cannot bring it along",
                    log
                )
            }
            for entry in elf.paths where entry.value != "$ORIGIN/../lib" {
                guard entry.value == prefix + "/lib", entry.value.utf8.count >= "$ORIGIN/../lib".utf8.count else {
                    return unkept(
                        interpreter,
                        "\(real) finds \(libpython) through the run path \(entry.value), which a copy cannot change",
                        log
                    )
                }
                patch = entry.value
            }
            libraries = WorkspaceFiles.list(prefix + "/lib").filter { $0.hasPrefix("libpython") }.sorted()
        }
        log.say("python: copying \(prefix) (\(binary), lib/\(binary)) into \(kept), once for every build after")
        try WorkspaceFiles.makeDirectory(layout.pythons)
        removeLeftovers()
        let temp = layout.pythons + "/.partial-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: temp)
        defer { try? FileManager.default.removeItem(atPath: temp) }
        do {
            for folder in ["/bin", "/lib/" + binary + "/site-packages", "/include"] {
                try WorkspaceFiles.makeDirectory(temp + folder)
            }
            try await copy([real], to: temp + "/bin/", log)
            for link in ["python3", "python"] where link != binary {
                try FileManager.default.createSymbolicLink(atPath: temp + "/bin/" + link, withDestinationPath: binary)
            }
            if !libraries.isEmpty { try await copy(libraries.map { prefix + "/lib/" + $0 }, to: temp + "/lib/", log) }
            let parts = WorkspaceFiles.list(stdlib).filter { !InterpreterStore.skipped.contains($0) }.sorted()
            try await copy(parts.map { stdlib + "/" + $0 }, to: temp + "/lib/" + binary + "/", log)
            let headers = prefix + "/include/" + binary
            if WorkspaceFiles.kind(headers) == .directory { try await copy([headers], to: temp + "/include/", log) }
            if let patch {
                let n = try ELFRunPath.replace(patch, with: "$ORIGIN/../lib", in: temp + "/bin/" + binary)
                log.say("python: the copy's run path \(patch) is now $ORIGIN/../lib (\(n) replaced)")
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            log.say(
                "python: the copy failed (\(error)); this build uses \(interpreter) where it is, the next tries again"
            )
            return interpreter
        }
        let checked = await check(
            temp + "/bin/" + binary,
            original: prefix,
            avoiding: [stdlib + "/", prefix + "/lib/libpython", bin + "/"]
        )
        guard case .success(let version) = checked else {
            if case .failure(let why) = checked {
                try? WorkspaceFiles.writeAtomically(kept + InterpreterStore.refusalSuffix, why.reason + "\n")
                return unkept(interpreter, why.reason, log)
            }
            return interpreter
        }
        try WorkspaceFiles.writeAtomically(
            temp + "/" + InterpreterStore.marker,
            "version = \"\(version)\"\nsource = \"\(prefix)\"\ncopied = \(TOMLText.dateTime(Date()))\n"
        )
        do {
            try WorkspaceFiles.move(temp, to: kept)
        } catch {
            // Another build of this daemon finished the same copy first: that one is as good.
            guard WorkspaceFiles.kind(kept + "/" + InterpreterStore.marker) == .file else {
                log.say("python: cannot put the copy in place (\(error)); this build uses \(interpreter) where it is")
                return interpreter
            }
        }
        log.say("python: kept Python \(version) in \(kept)")
        return keptBinary
    }

    private func unkept(_ interpreter: String, _ reason: String, _ log: BuildLog) -> String {
        log.say(
            "python: not kept in the workspace: \(reason); the environment uses \(interpreter), so only hosts that "
                + "have it can run the environment"
        )
        return interpreter
    }

    /// Copies left by a daemon that stopped in the middle; only one daemon serves a workspace, so any other
    /// process's partial copy is abandoned.
    private func removeLeftovers() {
        for entry in WorkspaceFiles.list(layout.pythons) where entry.hasPrefix(".partial-") {
            if !entry.hasSuffix("-\(getpid())") {
                try? FileManager.default.removeItem(atPath: layout.pythons + "/" + entry)
            }
        }
    }

    /// `python3.11-<12 hex digits>`: the digits hash the binary's real path, size and modification time, so one
    /// installation always gets the same folder and a reinstalled one a new folder.
    static func folderName(_ real: String) -> String {
        var st = stat()
        _ = stat(real, &st)
        let identity = "\(real)\n\(st.st_size)\n\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        return (real as NSString).lastPathComponent + "-" + String(SHA256Hex.of(Array(identity.utf8)).prefix(12))
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private struct Unusable: Error {
        var reason: String
    }

    /// Runs the copy: it must take its prefix from where it is, and map no file whose path starts with one of
    /// `avoiding` (the original's standard library, libpython and binaries).
    /// Returns its version (`3.11.7`).
    private func check(
        _ copy: String,
        original: String,
        avoiding: [String]
    ) async -> Result<String, Unusable> {
        let script = """
            import sys, os
            for m in ("encodings", "ssl", "sqlite3", "ctypes", "zlib", "hashlib"):
                try:
                    __import__(m)
                except ImportError:
                    pass
            print(sys.version.split()[0])
            print(sys.prefix)
            with open("/proc/self/maps") as f:
                for line in f:
                    fields = line.split(None, 5)
                    if len(fields) == 6 and fields[5].strip().startswith(tuple(sys.argv[1:])):
                        print(fields[5].strip())
            """
        let output: String
        let status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                .path(FilePath(copy)),
                arguments: Arguments(["-I", "-c", script] + avoiding),
                environment: .inherit.updating(["PYTHONHOME": nil, "PYTHONPATH": nil]),
                output: .string(limit: 64 * 1024),
                error: .discarded
            )
            output = result.standardOutput
            status = result.terminationStatus
        } catch {
            return .failure(Unusable(reason: "the copy of \(original) does not start: \(error)"))
        }
        let lines = output.split(separator: "\n").map(String.init)
        guard status.isSuccess, lines.count >= 2 else {
            return .failure(Unusable(reason: "the copy of \(original) does not run (\(status))"))
        }
        let copyPrefix = ((copy as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        guard lines[1] == copyPrefix || lines[1] == InterpreterStore.realPath(copyPrefix) else {
            return .failure(
                Unusable(reason: "a copy of \(original) still takes its prefix from \(lines[1]), not from where it is")
            )
        }
        if lines.count > 2 {
            return .failure(
                Unusable(reason: "a copy of \(original) still loads \(lines[2]) from the original installation")
            )
        }
        return .success(lines[0])
    }

    /// Copies files and folders into `folder` with `cp -a` (links, modes and times kept).
    private func copy(_ sources: [String], to folder: String, _ log: BuildLog) async throws {
        try await CopyCommand.run(["-a"], sources, to: folder, log: log)
    }
}
