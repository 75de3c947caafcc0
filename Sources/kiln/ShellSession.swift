import Foundation
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// How `kiln shell` starts each shell so that the person's own startup files still run and the prompt still shows
/// the environment's name: bash with an `--rcfile` that sources `~/.bashrc` first, zsh with a `ZDOTDIR` whose
/// files source the person's own, fish with an `--init-command` (fish runs it after `config.fish`). The files are
/// written to a private temporary folder that the shell removes as soon as it has read them.
struct ShellSession {
    /// The shell's command line.
    var argv: [String]
    /// Variables the shell needs besides the environment's own.
    var variables: [String: String] = [:]
    /// The startup files' folder, which the shell removes once it has read them; nil for fish, which needs none.
    var folder: String?

    init(_ usable: UsableEnvironment, shell: ShellKind, executable: String) throws {
        let script = usable.activation
        let q = shell.quoted
        switch shell {
        case .bash:
            let folder = try ShellSession.privateFolder()
            try WorkspaceFiles.writeAtomically(
                folder + "/bashrc",
                """
                # kiln shell \(usable.name): your ~/.bashrc, then the environment first on PATH and in the prompt.
                rm -rf -- \(q(folder))
                if [ -f ~/.bashrc ]; then . ~/.bashrc; fi
                \(script.shellStart(for: .bash))
                """
            )
            argv = [executable, "--rcfile", folder + "/bashrc", "-i"]
            self.folder = folder
        case .zsh:
            // zsh reads .zshenv and .zshrc from $ZDOTDIR: Kiln's, which read the person's own from where zsh would
            // have looked ($ZDOTDIR as it was, else $HOME), and leave ZDOTDIR as it would have been.
            let folder = try ShellSession.privateFolder()
            try WorkspaceFiles.writeAtomically(
                folder + "/.zshenv",
                """
                # kiln shell \(usable.name): your own .zshenv, then back to Kiln's folder for .zshrc.
                ZDOTDIR=${_KILN_ZDOTDIR:-$HOME}
                if [ -f "$ZDOTDIR/.zshenv" ]; then . "$ZDOTDIR/.zshenv"; fi
                _KILN_ZDOTDIR=$ZDOTDIR
                ZDOTDIR=\(q(folder))

                """
            )
            try WorkspaceFiles.writeAtomically(
                folder + "/.zshrc",
                """
                # kiln shell \(usable.name): your own .zshrc, then the environment first on PATH and in the prompt.
                rm -rf -- \(q(folder))
                ZDOTDIR=$_KILN_ZDOTDIR
                unset _KILN_ZDOTDIR
                if [ -f "$ZDOTDIR/.zshrc" ]; then . "$ZDOTDIR/.zshrc"; fi
                \(script.shellStart(for: .zsh))
                """
            )
            variables["ZDOTDIR"] = folder
            variables["_KILN_ZDOTDIR"] = ProcessInfo.processInfo.environment["ZDOTDIR"] ?? ""
            argv = [executable, "-i"]
            self.folder = folder
        case .fish:
            argv = [executable, "-i", "--init-command", script.shellStart(for: .fish)]
        }
    }

    /// A folder only this user can read, for the startup files.
    private static func privateFolder() throws -> String {
        var template = Array((NSTemporaryDirectory() + "kiln-shell-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CLIError.workspace(
                "cannot make a folder for the shell's startup files in \(NSTemporaryDirectory()): "
                    + String(cString: strerror(errno))
            )
        }
        return String(cString: made)
    }
}
