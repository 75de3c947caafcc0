import KilnProtocol
import PropertyBased

/// One thing a person does to a workspace, made later with real file operations by `ActionRunner`.
///
/// An action names what a person means ("submit beta"), not a path: which copy it touches is decided when it runs,
/// from what is on disk then (`pick` chooses among the name's copies), so that a random sequence keeps doing things
/// however the daemon answered the actions before. Adding an action takes a case here, a line in `generator`, and its
/// `perform` in `ActionRunner`.
enum UserAction: Sendable, Hashable, CustomStringConvertible {
    /// Write a new spec into `saved/NAME/`, as editors do: a temporary file, renamed over `spec.toml`.
    case save(name: Int, spec: SpecKind)
    /// Edit `spec.toml` of one copy of NAME, whatever its stage: in place (truncate and write) or write-and-rename.
    case edit(name: Int, pick: Int, spec: SpecKind, inPlace: Bool)
    /// `mv draft/NAME pending/`.
    case submit(name: Int)
    /// `mv pending/NAME published/`, or with `nested` `mv pending/NAME published/NAME`, which puts the new version
    /// inside a published one (plain `mv` refuses the first when a version is published).
    case approve(name: Int, nested: Bool)
    /// An admin's rejection: optionally write `pending/NAME/review`, then `mv pending/NAME draft/`.
    case reject(name: Int, note: Bool)
    /// `mv` one copy of NAME into another stage folder, allowed or not (saved -> published, published -> saved, ...).
    case move(name: Int, pick: Int, to: Stage)
    /// `cp -r` a directory made outside the workspace into a stage, with a status another workspace wrote (naming
    /// that stage, and for a built state an environment this workspace does not have) or without one.
    case copyIn(name: Int, to: Stage, spec: SpecKind, withStatus: Bool)
    /// `rm -rf` one copy of NAME.
    case remove(name: Int, pick: Int)
    /// An admin's `kiln rollback NAME`: the most recently archived version is published again (or, when there is
    /// none or the published version is not settled, the command refuses and nothing moves).
    case rollback(name: Int)

    /// The names actions use: few, so that copies of one name meet (protocol rule 9).
    static let names = ["alpha", "beta", "gamma"]

    var description: String {
        switch self {
        case .save(let n, let spec): "save \(Self.names[n]) \(spec)"
        case .edit(let n, let pick, let spec, let inPlace):
            "edit \(Self.names[n]) copy#\(pick) \(spec)\(inPlace ? " in place" : "")"
        case .submit(let n): "submit \(Self.names[n])"
        case .approve(let n, let nested): "approve \(Self.names[n])\(nested ? " nested" : "")"
        case .reject(let n, let note): "reject \(Self.names[n])\(note ? " with a review note" : "")"
        case .move(let n, let pick, let to): "move \(Self.names[n]) copy#\(pick) to \(to.rawValue)/"
        case .copyIn(let n, let to, let spec, let withStatus):
            "copy in \(Self.names[n]) to \(to.rawValue)/ \(spec)\(withStatus ? " with a status" : "")"
        case .remove(let n, let pick): "remove \(Self.names[n]) copy#\(pick)"
        case .rollback(let n): "roll back \(Self.names[n])"
        }
    }

    /// Random actions, weighted towards what moves a name along (saves, submissions, approvals) so that sequences
    /// reach `published/` often enough to exercise approvals over a published version and edits of it.
    static let generator = Gen<UserAction>.frequency(
        (3, zip(name, Gen<SpecKind>.case).map { UserAction.save(name: $0, spec: $1) }),
        (
            2,
            zip(name, pick, Gen<SpecKind>.case, Gen.bool).map {
                UserAction.edit(name: $0, pick: $1, spec: $2, inPlace: $3)
            }
        ),
        (2, name.map { UserAction.submit(name: $0) }),
        (2, zip(name, Gen.bool).map { UserAction.approve(name: $0, nested: $1) }),
        (1, zip(name, Gen.bool).map { UserAction.reject(name: $0, note: $1) }),
        (1.5, zip(name, pick, Gen<Stage>.case).map { UserAction.move(name: $0, pick: $1, to: $2) }),
        (
            1,
            zip(name, Gen<Stage>.case, Gen<SpecKind>.case, Gen.bool).map {
                UserAction.copyIn(name: $0, to: $1, spec: $2, withStatus: $3)
            }
        ),
        (0.7, zip(name, pick).map { UserAction.remove(name: $0, pick: $1) }),
        (1, name.map { UserAction.rollback(name: $0) })
    )

    private static let name = Gen.int(in: 0...(names.count - 1))
    private static let pick = Gen.int(in: 0...3)
}

/// What a written spec says. Every write also carries a comment unique in its run, so each write's bytes can be
/// found again (invariant 3) while specs of one kind still share one build (rule 1: comments are not build inputs).
enum SpecKind: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// No libraries: the fastest build.
    case bare
    /// No libraries, another Python: a second build input.
    case bare312
    /// One library from the test wheels.
    case greet
    /// A misspelt key: invalid, never built.
    case typo
    /// A version the wheels do not have: fails at resolve.
    case unsatisfiable

    var description: String { rawValue }

    func text(write: Int) -> String {
        let body =
            switch self {
            case .bare: "base = \"python:3.11\"\n"
            case .bare312: "base = \"python:3.12\"\n"
            case .greet: "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==1.0.0\"]\n"
            case .typo: "base = \"python:3.11\"\nlibaries = [\"kiln-demo-greet==1.0.0\"]\n"
            case .unsatisfiable: "base = \"python:3.11\"\nlibraries = [\"kiln-demo-greet==9.9\"]\n"
            }
        return "# write \(write)\n" + body
    }
}

/// Actions made one after another without waiting, then a pause before the next batch.
struct ActionBatch: Sendable, Hashable, CustomStringConvertible {
    var actions: [UserAction]
    var pauseMilliseconds: Int

    var description: String {
        "[\(actions.map(\.description).joined(separator: "; "))] then \(pauseMilliseconds) ms"
    }

    static let generator = zip(UserAction.generator.array(of: 1...4), Gen.int(in: 0...400)).map {
        ActionBatch(actions: $0, pauseMilliseconds: $1)
    }
}

/// One run's whole sequence.
struct ActionPlan: Sendable, Hashable, CustomStringConvertible {
    var batches: [ActionBatch]

    var description: String {
        batches.enumerated().map { "batch \($0.offset): \($0.element)" }.joined(separator: "\n")
    }

    static func generator(batches: Int) -> Generator<ActionPlan, some SendableSequenceType> {
        ActionBatch.generator.array(of: batches...batches).map { ActionPlan(batches: $0) }
    }
}
