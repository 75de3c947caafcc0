import Foundation
import KilnProtocol
import Subprocess
import SystemPackage

/// What a Python interpreter (a virtual environment's, or any other) says about itself: its version and the
/// distributions it imports. The interpreter is asked directly, with a snippet that needs only the standard library,
/// so an environment without pip (uv makes those) answers too.
public struct InterpreterInventory: Sendable, Equatable, Decodable {
    /// `X.Y`.
    public var version: String
    /// `X.Y.Z`, for messages.
    public var fullVersion: String
    public var prefix: String
    /// `pyvenv.cfg`'s keys and values when the interpreter runs in a virtual environment, else nil.
    public var pyvenv: [String: String]?
    /// The versions `ensurepip` installs in a new venv (`pip`, and `setuptools` before Python 3.12).
    public var ensurepip: [String: String]
    /// Every distribution on the interpreter's path, the first of a name only (the one it imports).
    public var distributions: [Distribution]

    public struct Distribution: Sendable, Equatable, Decodable {
        public var name: String
        public var version: String
        /// The tool that installed it (`INSTALLER`), if it says.
        public var installer: String?
        /// From `direct_url.json`: where it was installed from, when that was not an index.
        public var url: String?
        public var editable: Bool
        /// The folder it was found in, when that is not one of the interpreter's site-packages: a development
        /// install (`setup.py develop`, an `.egg-link`) that left no `direct_url.json`.
        public var outside: String?
    }

    enum CodingKeys: String, CodingKey {
        case version
        case fullVersion = "full_version"
        case prefix, pyvenv, ensurepip, distributions
    }

    /// The snippet run as `python -I -c`: isolated, so the current folder and PYTHONPATH do not add to what the
    /// interpreter itself imports. It prints one JSON object.
    static let snippet = """
        import json, os, site, sys
        from importlib import metadata
        def sites():
            found = []
            try:
                found += site.getsitepackages()
            except Exception:
                pass
            try:
                found.append(site.getusersitepackages())
            except Exception:
                pass
            return {os.path.realpath(p) for p in found}
        def outside(d, places):
            path = getattr(d, "_path", None)
            if path is None:
                return None
            folder = os.path.realpath(os.path.dirname(str(path)))
            return None if folder in places else folder
        def pyvenv():
            if sys.prefix == getattr(sys, "base_prefix", sys.prefix):
                return None
            cfg = {}
            try:
                with open(os.path.join(sys.prefix, "pyvenv.cfg"), encoding="utf-8") as f:
                    for line in f:
                        if "=" in line:
                            k, v = line.split("=", 1)
                            cfg[k.strip()] = v.strip()
            except OSError:
                pass
            return cfg
        def bundled():
            try:
                import ensurepip
            except Exception:
                return {}
            out = {}
            for attr, name in (("_PIP_VERSION", "pip"), ("_SETUPTOOLS_VERSION", "setuptools")):
                value = getattr(ensurepip, attr, None)
                if isinstance(value, str):
                    out[name] = value
            return out
        def direct(d):
            try:
                info = json.loads(d.read_text("direct_url.json") or "null")
            except Exception:
                info = None
            if not isinstance(info, dict):
                return None, False
            dir_info = info.get("dir_info") or {}
            return info.get("url"), bool(dir_info.get("editable"))
        seen, dists, places = set(), [], sites()
        for d in metadata.distributions():
            name = d.metadata["Name"]
            if not name:
                continue
            key = name.lower().replace("_", "-").replace(".", "-")
            if key in seen:
                continue
            seen.add(key)
            url, editable = direct(d)
            installer = (d.read_text("INSTALLER") or "").strip() or None
            dists.append({"name": name, "version": d.version, "installer": installer, "url": url,
                          "editable": editable, "outside": outside(d, places)})
        dists.sort(key=lambda x: x["name"].lower())
        print(json.dumps({"version": "%d.%d" % sys.version_info[:2],
                          "full_version": "%d.%d.%d" % sys.version_info[:3],
                          "prefix": sys.prefix, "pyvenv": pyvenv(), "ensurepip": bundled(),
                          "distributions": dists}))
        """

    /// Asks `python` about itself. Throws `InventoryError` with what went wrong, in words.
    public static func ask(_ python: String) async throws -> InterpreterInventory {
        let status: TerminationStatus
        let output: String?
        let said: String
        do {
            let result = try await Subprocess.run(
                .path(FilePath(python)),
                arguments: ["-I", "-c", snippet],
                output: .string(limit: 32 * 1024 * 1024),
                error: .string(limit: 1024 * 1024)
            )
            status = result.terminationStatus
            output = result.standardOutput
            said = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw InventoryError("cannot run \(python): \(error)")
        }
        guard status.isSuccess, let output else {
            throw InventoryError(
                "\(python) could not list what it has (\(status))"
                    + (said.isEmpty ? "" : ": " + String(said.suffix(600)))
            )
        }
        do {
            return try JSONDecoder().decode(InterpreterInventory.self, from: Data(output.utf8))
        } catch {
            throw InventoryError("\(python) answered with something other than its list of distributions: \(error)")
        }
    }

    /// The names a new virtual environment is seeded with.
    static let seedNames: Set<String> = ["pip", "setuptools", "wheel"]

    /// Whether `distribution` was put there by the tool that made the virtual environment, not by a person: pip and
    /// setuptools at the versions `ensurepip` bundles (`python -m venv`), or pip, setuptools and wheel in a venv
    /// that uv or virtualenv made with seed packages.
    public func isSeeded(_ distribution: Distribution) -> Bool {
        let name = Requirement.normalise(distribution.name)
        guard let pyvenv, InterpreterInventory.seedNames.contains(name), distribution.url == nil else { return false }
        if ensurepip[name] == distribution.version { return true }
        if pyvenv["uv"] != nil { return pyvenv["seed"] == "true" }
        return pyvenv["virtualenv"] != nil
    }

    /// What `kiln import` makes of the inventory: a pin per distribution it can rebuild from an index, and every
    /// other distribution with the reason it is left out.
    public func imported() -> ImportedLibraries {
        var out = ImportedLibraries()
        for distribution in distributions {
            let name = distribution.name
            if isSeeded(distribution) {
                out.skipped.append("\(name) \(distribution.version) (seeded by venv)")
                continue
            }
            if let url = distribution.url {
                let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
                if distribution.editable {
                    out.leftOut.append("\(name) (editable install from \(path))")
                } else if url.hasPrefix("file://") {
                    out.leftOut.append("\(name) (installed from a local path, \(path))")
                } else {
                    out.leftOut.append("\(name) (installed from a direct URL, \(url))")
                }
                continue
            }
            if let folder = distribution.outside {
                out.leftOut.append("\(name) (a development install from \(folder), outside site-packages)")
                continue
            }
            do {
                out.requirements.append(try Requirement(parsing: "\(name)==\(distribution.version)"))
            } catch {
                out.leftOut.append("\(name) (\(error.message))")
            }
        }
        return out
    }
}

/// The libraries `kiln import` puts in a spec, and what it leaves out and why.
public struct ImportedLibraries: Sendable, Equatable {
    public var requirements: [Requirement] = []
    /// "name (reason)": what a person has to bring over by hand.
    public var leftOut: [String] = []
    /// "name version (reason)": what the new environment does not need.
    public var skipped: [String] = []

    public init() {}
}

/// Why an interpreter could not be asked what it has.
public struct InventoryError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
