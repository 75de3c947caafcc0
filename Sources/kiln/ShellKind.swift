import ArgumentParser
import Foundation

/// The shells whose code `kiln activate` writes and which `kiln shell` starts.
enum ShellKind: String, CaseIterable, ExpressibleByArgument {
    case bash, zsh, fish

    /// `--shell` when given, else the basename of `$SHELL`, else bash. A `$SHELL` Kiln does not speak (tcsh, say)
    /// also means bash, with a note, so that nobody is left wondering why the code looks foreign.
    static func chosen(
        _ option: ShellKind?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> ShellKind
    {
        if let option { return option }
        guard let path = environment["SHELL"], !path.isEmpty else { return .bash }
        let base = (path as NSString).lastPathComponent
        if let known = ShellKind(rawValue: base) { return known }
        note("kiln: \(path) is not a shell kiln knows; using bash (--shell bash|zsh|fish chooses)")
        return .bash
    }

    /// A word this shell reads back as exactly `text`, whatever it holds: spaces, quotes, `$`, new lines.
    func quoted(_ text: String) -> String {
        switch self {
        case .bash, .zsh:
            // Nothing is special between single quotes; a quote itself closes, is escaped, and reopens.
            "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        case .fish:
            // fish's single quotes take two escapes, \\ and \'.
            "'" + text.replacingOccurrences(of: #"\"#, with: #"\\"#).replacingOccurrences(of: "'", with: #"\'"#)
                + "'"
        }
    }
}
