import ArgumentParser
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the workspace's latest transitions, or an environment's.",
        discussion: """
            Prints the last -n entries of .kiln/journal.jsonl (20 by default, 0 for all), oldest first; with NAME, \
            that environment's. --follow then keeps printing each new entry as the daemon appends it, until \
            interrupted (Ctrl-C ends it with exit 0). --json prints each entry as one JSON object a line (time, \
            name, from, to, state, spec, message), written at once, for a script: \
            `kiln history --follow --json | while read -r line; do ...; done`.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "Only this environment's transitions.") var name: String?
    @Option(name: .customShort("n"), help: "How many of the latest transitions to print first (0: all).") var count = 20
    @Flag(help: "Keep printing new transitions as they happen, until interrupted.") var follow = false
    @Flag(help: "Print JSON lines: one object per transition.") var json = false

    func validate() throws {
        if let name, let problem = EnvironmentName.lookupProblem(with: name) { throw ValidationError(problem) }
        if count < 0 { throw ValidationError("-n must be 0 (all) or more, not \(count)") }
    }

    func run() throws {
        let layout = try options.layout()
        let journal = Journal(layout: layout)
        let out = HistoryPrinter(json: json, withNames: name == nil)
        // A reader that went away (`| head`) ends the command quietly, as it ends `cat`.
        signal(SIGPIPE, SIG_IGN)
        let excerpt = journal.latest(count == 0 ? nil : count, of: name)
        if excerpt.entries.isEmpty, let name, !follow {
            throw CLIError.refused("the journal has nothing about '\(name)'")
        }
        for entry in excerpt.entries { out.print(entry) }
        guard follow else { return }
        // Interrupted is how a follow ends: quietly, with success. Nothing is buffered (each line is written whole).
        // A parent may have left the signals blocked (a process started from a thread that blocks them inherits its
        // mask), which would make the follow impossible to stop politely.
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
        var stopping = sigset_t()
        sigemptyset(&stopping)
        sigaddset(&stopping, SIGINT)
        sigaddset(&stopping, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopping, nil)
        var follower = JournalFollower(journal, from: excerpt.end)
        while true {
            for entry in follower.poll() where name == nil || entry.name == name { out.print(entry) }
            usleep(HistoryPrinter.pollMicroseconds)
        }
    }
}
