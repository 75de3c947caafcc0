/// The shell code that turns an environment on in the current shell (`kiln activate`) or in a new one
/// (`kiln shell`). Kiln writes it itself rather than source the venv's own `bin/activate`: one built environment in
/// `.kiln/envs/` serves every name whose spec is byte-identical, so the venv cannot know which name it was asked
/// for, and its prompt would show the store's hash.
struct ActivationScript {
    /// The name the prompt shows.
    var name: String
    /// The built environment, `<workspace>/.kiln/envs/<spec sha256>`.
    var environment: String

    var bin: String { environment + "/bin" }
    var prompt: String { "(\(name)) " }

    /// Code for `eval "$(kiln activate NAME)"` (bash, zsh) or `kiln activate NAME | source` (fish): it sets
    /// `VIRTUAL_ENV`, `VIRTUAL_ENV_PROMPT` and `PATH`, unsets `PYTHONHOME`, prefixes the prompt with the name and
    /// defines `deactivate`, which undoes all of it. Any earlier activation (Kiln's or a venv's) is undone first.
    func activation(for shell: ShellKind) -> String {
        switch shell {
        case .bash, .zsh: posixActivation(shell)
        case .fish: fishActivation
        }
    }

    private func posixActivation(_ shell: ShellKind) -> String {
        let q = shell.quoted
        // Only a function `deactivate` is an earlier activation to undo: pyenv-virtualenv, for one, puts a
        // `deactivate` program on PATH that only complains.
        let (isFunction, isFunctionEnd) =
            shell == .zsh ? ("(( ${+functions[", "]} ))") : ("[ \"$(type -t ", " 2>/dev/null)\" = function ]")
        return """
            # kiln: the environment \(name), in \(q(environment)); `deactivate` leaves it.
            if \(isFunction)deactivate\(isFunctionEnd); then deactivate nondestructive; fi
            deactivate () {
                if [ -n "${_KILN_OLD_PATH+x}" ]; then PATH="$_KILN_OLD_PATH"; export PATH; unset _KILN_OLD_PATH; fi
                if [ -n "${_KILN_OLD_PYTHONHOME+x}" ]; then
                    PYTHONHOME="$_KILN_OLD_PYTHONHOME"; export PYTHONHOME; unset _KILN_OLD_PYTHONHOME
                fi
                if [ -n "${_KILN_OLD_PS1+x}" ]; then PS1="$_KILN_OLD_PS1"; unset _KILN_OLD_PS1; fi
                unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
                hash -r 2>/dev/null
                if [ "${1-}" != nondestructive ]; then unset -f deactivate; fi
            }
            _KILN_OLD_PATH="$PATH"
            PATH=\(q(bin)):"$PATH"; export PATH
            if [ -n "${PYTHONHOME+x}" ]; then _KILN_OLD_PYTHONHOME="$PYTHONHOME"; unset PYTHONHOME; fi
            VIRTUAL_ENV=\(q(environment)); export VIRTUAL_ENV
            VIRTUAL_ENV_PROMPT=\(q(name)); export VIRTUAL_ENV_PROMPT
            if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT-}" ]; then _KILN_OLD_PS1="${PS1-}"; PS1=\(q(prompt))"${PS1-}"; fi
            hash -r 2>/dev/null || true

            """
    }

    private var fishActivation: String {
        let q = ShellKind.fish.quoted
        return """
            # kiln: the environment \(name), in \(q(environment)); `deactivate` leaves it.
            if functions -q deactivate
                deactivate nondestructive
            end
            function deactivate -d 'Leave the Kiln environment'
                if set -q _KILN_OLD_PATH
                    set -gx PATH $_KILN_OLD_PATH
                    set -e _KILN_OLD_PATH
                end
                if set -q _KILN_OLD_PYTHONHOME
                    set -gx PYTHONHOME $_KILN_OLD_PYTHONHOME
                    set -e _KILN_OLD_PYTHONHOME
                end
                if set -q _KILN_PROMPT
                    set -e _KILN_PROMPT
                    functions -e fish_prompt
                    if functions -q _kiln_old_fish_prompt
                        functions -c _kiln_old_fish_prompt fish_prompt
                        functions -e _kiln_old_fish_prompt
                    end
                end
                set -e VIRTUAL_ENV
                set -e VIRTUAL_ENV_PROMPT
                if test "$argv[1]" != nondestructive
                    functions -e deactivate
                end
            end
            set -g _KILN_OLD_PATH $PATH
            set -gx PATH \(q(bin)) $PATH
            if set -q PYTHONHOME
                set -g _KILN_OLD_PYTHONHOME $PYTHONHOME
                set -e PYTHONHOME
            end
            set -gx VIRTUAL_ENV \(q(environment))
            set -gx VIRTUAL_ENV_PROMPT \(q(name))
            \(fishPrompt)

            """
    }

    /// What `kiln shell` runs once the user's own startup files have (their `~/.bashrc`, `.zshrc` or
    /// `config.fish`): the environment's `bin/` first on PATH again, as those files may have put something before
    /// it (pyenv's shims, say), and the prompt. The variables themselves are already set: the shell inherits them.
    func shellStart(for shell: ShellKind) -> String {
        let q = shell.quoted
        switch shell {
        case .bash, .zsh:
            return """
                case "$PATH" in \(q(bin)):*) ;; *) PATH=\(q(bin)):"$PATH"; export PATH ;; esac
                if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT-}" ]; then PS1=\(q(prompt))"${PS1-}"; fi

                """
        case .fish:
            return """
                if test "$PATH[1]" != \(q(bin))
                    set -gx PATH \(q(bin)) $PATH
                end
                \(fishPrompt)

                """
        }
    }

    /// Wraps `fish_prompt`, as venv's `activate.fish` does: fish draws its prompt with a function, not a variable.
    var fishPrompt: String {
        """
        if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
            if functions -q fish_prompt
                functions -c fish_prompt _kiln_old_fish_prompt
            end
            set -g _KILN_PROMPT 1
            function fish_prompt
                set -l old_status $status
                printf '(%s) ' $VIRTUAL_ENV_PROMPT
                if functions -q _kiln_old_fish_prompt
                    # The old prompt sees the last command's status, as it would without Kiln.
                    echo "exit $old_status" | .
                    _kiln_old_fish_prompt
                end
            end
        end
        """
    }
}
