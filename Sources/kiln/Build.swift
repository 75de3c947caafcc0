import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask for a build of a saved environment, or retry a failed one, without editing its spec.",
        discussion: """
            Drops a request file in .kiln/requests/, so it works from any host that sees the workspace. With \
            --from-lock, the build installs exactly the copy's requirements.lock (pins and hashes; a draft goes back \
            to saved/ for it), resolving \
            nothing: the same environment as the build that wrote that lock, here or on another host, months later. \
            With --wait, follows the build it asked for to its end (a progress line on a terminal, one line per \
            phase otherwise) and exits with its result.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Flag(
        help: "Install exactly NAME's requirements.lock (in saved/, or in draft/) instead of resolving the spec anew."
    )
    var fromLock = false
    @OptionGroup var waiting: WaitOptions

    func run() throws {
        let layout = try options.layout()
        // A draft can be rebuilt from its lock too: the daemon moves it back to saved/ first.
        let all = try copies(of: name, in: layout)
        let inSaved = all.contains { $0.location == CopyLocation(.saved, name) }
        let saved: EnvironmentCopy
        if fromLock, !inSaved, let draft = all.first(where: { $0.location == CopyLocation(.draft, name) }) {
            saved = draft
        } else {
            saved = try copy(name, in: .saved, of: layout, action: "build")
        }
        if let status = saved.status, status.state == .invalid {
            throw CLIError.refused("'\(name)' is invalid: \(status.message)")
        }
        if fromLock {
            let lockPath = layout.lock(saved.location)
            guard case .success(let bytes) = WorkspaceFiles.readFile(lockPath, limit: 16 * 1024 * 1024) else {
                throw CLIError.refused(
                    "\(lockPath) cannot be read: --from-lock installs the lock in the saved copy; put it there, or "
                        + "run `kiln build \(name)` to resolve the spec anew"
                )
            }
            if let problem = LockFile.problem(bytes, path: lockPath) { throw CLIError.refused(problem) }
        }
        // One request file a name: a rollback waiting for the daemon is not replaced by a build request.
        if let waiting = WorkspaceFiles.readText(layout.request(name), limit: 4096),
            RollbackRequestFile.parse(waiting) != nil
        {
            throw CLIError.refused(
                "a rollback of '\(name)' is waiting for the daemon in \(layout.request(name)); ask for the build once "
                    + "it is answered"
            )
        }
        try WorkspaceFiles.makeDirectory(layout.requests)
        try WorkspaceFiles.writeAtomically(
            layout.request(name),
            BuildRequestFile.rendered(requested: Date(), by: NSUserName(), fromLock: fromLock)
        )
        let what = fromLock ? "build of '\(name)' from its requirements.lock" : "build of '\(name)'"
        guard waiting.wait else {
            print("\(what) requested; `kiln logs \(name) --follow` shows it")
            return
        }
        emit("\(what) requested")
        try waiting.followBuild(of: name, in: layout)
    }
}
