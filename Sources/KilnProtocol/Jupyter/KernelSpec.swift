import Foundation
import TOMLKit

/// A Jupyter kernelspec (`kernel.json`) that starts an IPython kernel in a built environment.
///
/// The daemon keeps one for every published environment in `.kiln/jupyter/kernels/<name>/` (so
/// `JUPYTER_PATH=<workspace>/.kiln/jupyter` finds them all), and `kiln kernel install` writes personal ones. Both
/// are rendered here, byte for byte the same for the same values, so the daemon can tell an up-to-date file by
/// comparing bytes. `metadata.kiln` says which environment, spec and build a kernel runs, so Kiln can recognise its
/// own kernelspecs and never touches anyone else's.
public struct KernelSpec: Sendable, Equatable {
    /// What `metadata.kiln` holds.
    public struct Origin: Sendable, Equatable, Codable {
        /// The environment's name.
        public var name: String
        public var specSHA256: String
        /// The build that made it (`status`'s `build`), when known.
        public var build: Int?
        /// The stage of the copy a personal kernelspec was made from; nil in the workspace's own kernelspecs,
        /// which are always of the published version.
        public var stage: String?
        /// The workspace a personal kernelspec belongs to; nil in the workspace's own.
        public var workspace: String?

        enum CodingKeys: String, CodingKey {
            case name, build, stage, workspace
            case specSHA256 = "spec_sha256"
        }

        public init(name: String, specSHA256: String, build: Int?, stage: String? = nil, workspace: String? = nil) {
            self.name = name
            self.specSHA256 = specSHA256
            self.build = build
            self.stage = stage
            self.workspace = workspace
        }
    }

    public var displayName: String
    /// The environment's interpreter: `<environment>/bin/python`.
    public var python: String
    public var origin: Origin

    public init(displayName: String, python: String, origin: Origin) {
        self.displayName = displayName
        self.python = python
        self.origin = origin
    }

    /// The workspace's kernelspec for a published environment: "<full name> (Kiln)".
    public static func published(
        name: String,
        fullName: String?,
        specSHA256: String,
        built: BuiltEnvironment,
        build: Int?
    ) -> KernelSpec {
        KernelSpec(
            displayName: "\(displayName(name: name, fullName: fullName)) (Kiln)",
            python: built.python,
            origin: Origin(name: name, specSHA256: specSHA256, build: build)
        )
    }

    /// A person's own kernelspec, pinned to one build of one copy: "<full name> (Kiln, published build 3)".
    public static func personal(
        name: String,
        fullName: String?,
        stage: Stage,
        specSHA256: String,
        build: Int?,
        python: String,
        workspace: String
    ) -> KernelSpec {
        let which = build.map { "\(stage.rawValue) build \($0)" } ?? stage.rawValue
        return KernelSpec(
            displayName: "\(displayName(name: name, fullName: fullName)) (Kiln, \(which))",
            python: python,
            origin: Origin(
                name: name,
                specSHA256: specSHA256,
                build: build,
                stage: stage.rawValue,
                workspace: workspace
            )
        )
    }

    static func displayName(name: String, fullName: String?) -> String {
        let trimmed = fullName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return trimmed.isEmpty ? name : trimmed
    }

    /// `kernel.json`: sorted keys, two-space indents, a final new line.
    public func rendered() -> [UInt8] {
        var kiln: [(String, String)] = []
        if let build = origin.build { kiln.append(("build", String(build))) }
        kiln.append(("name", KernelSpec.quoted(origin.name)))
        kiln.append(("spec_sha256", KernelSpec.quoted(origin.specSHA256)))
        if let stage = origin.stage { kiln.append(("stage", KernelSpec.quoted(stage))) }
        if let workspace = origin.workspace { kiln.append(("workspace", KernelSpec.quoted(workspace))) }
        let argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        var text = "{\n"
        text += "  \"argv\": [\n"
        text += argv.map { "    " + KernelSpec.quoted($0) }.joined(separator: ",\n") + "\n"
        text += "  ],\n"
        text += "  \"display_name\": \(KernelSpec.quoted(displayName)),\n"
        text += "  \"language\": \"python\",\n"
        text += "  \"metadata\": {\n"
        text += "    \"kiln\": {\n"
        text += kiln.map { "      \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n"
        text += "    }\n"
        text += "  }\n"
        text += "}\n"
        return Array(text.utf8)
    }

    /// A JSON string literal: TOML's basic-string escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\uXXXX`) are JSON's too.
    static func quoted(_ s: String) -> String { TOMLText.quote(s) }

    /// Kiln's `metadata.kiln` in a `kernel.json`, or nil when the file is not one of Kiln's (or not JSON).
    public static func origin(ofKernelJSON bytes: [UInt8]) -> Origin? {
        struct File: Decodable {
            struct Metadata: Decodable { var kiln: Origin? }
            var metadata: Metadata?
        }
        return (try? JSONDecoder().decode(File.self, from: Data(bytes)))?.metadata?.kiln
    }

    /// Whether a `requirements.lock` pins ipykernel, without which Jupyter cannot start a kernel in the environment.
    public static func lockHasIPykernel(_ lock: String) -> Bool {
        lock.split(whereSeparator: \.isNewline).contains { line in
            line.lowercased().hasPrefix("ipykernel==")
        }
    }

    /// The `full_name` of a spec, for a display name; nil when there is none or the bytes are not a readable spec.
    public static func fullName(ofSpec bytes: [UInt8]) -> String? {
        guard bytes.count <= Spec.maximumSize, let text = String(validating: bytes, as: UTF8.self),
            case .success(let table) = TOMLGate.parse(text)
        else { return nil }
        return table["full_name"]?.string
    }

    /// What to tell a person whose published environment has no kernel.
    public static let missingIPykernelAdvice = "add ipykernel to its libraries"
}
