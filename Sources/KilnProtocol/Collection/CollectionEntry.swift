import Foundation

/// One thing in `.kiln/` that collection may remove, as the workspace layer found it.
public struct CollectionEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A built environment, `.kiln/envs/<name>/`.
        case environment
        /// A copy of a base interpreter, `.kiln/pythons/<name>/`.
        case python
        /// A build's scratch folder, `.kiln/building/<name>/`.
        case scratch
        /// What an interrupted collection left in `.kiln/tmp/`: already unregistered, only not yet deleted.
        case leftover
        /// † A copy of kiln or uv that Slurm jobs run, `.kiln/tools/<name>/`.
        case tool
    }

    public var kind: Kind
    /// The folder's name where it lives: an opaque key for an environment, `pythonX.Y-<hex>` for a python.
    public var name: String
    /// Its `complete` marker exists: a finished build, or a finished copy of an interpreter.
    public var registered: Bool
    /// A running build holds the lock of this name (`.kiln/building/<name>.lock`).
    public var locked: Bool
    /// When a collection first found nothing referring to it (its `unreferenced-since` marker), if one did.
    public var unreferencedSince: Date?
    /// For an environment: the python copies (by folder name) its `pyvenv.cfg` names.
    public var pythons: Set<String>

    public init(
        kind: Kind,
        name: String,
        registered: Bool = true,
        locked: Bool = false,
        unreferencedSince: Date? = nil,
        pythons: Set<String> = []
    ) {
        self.kind = kind
        self.name = name
        self.registered = registered
        self.locked = locked
        self.unreferencedSince = unreferencedSince
        self.pythons = pythons
    }
}
