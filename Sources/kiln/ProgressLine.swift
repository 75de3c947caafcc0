import KilnProtocol

/// What `--wait` prints while a build runs. On a terminal, one line redrawn in place: where the copy is, its phase,
/// its counts and the seconds since the wait began. In a pipe or a file, where a redrawn line is noise, one plain
/// line each time the state or the phase changes.
struct ProgressLine {
    let terminal: Bool
    private let started = ContinuousClock.now
    /// What was printed last: the whole line on a terminal, the state and phase in a pipe.
    private var shown: String?
    /// A line is drawn and not yet ended.
    private var drawn = false

    init(terminal: Bool) {
        self.terminal = terminal
    }

    /// A queued or building status, as the line shows it.
    mutating func show(_ location: CopyLocation, _ status: Status) {
        let doing =
            if let progress = BuildProgress(status) {
                progress.summary
            } else {
                status.state.rawValue
            }
        guard terminal else {
            let key = "\(status.state.rawValue) \(status.phase?.rawValue ?? "")"
            guard key != shown else { return }
            shown = key
            emit("\(location): \(doing)")
            return
        }
        let elapsed = (ContinuousClock.now - started).components.seconds
        var line = "\(location): \(doing) (\(elapsed) s)"
        // A line longer than the terminal wraps, and `\r` would then redraw only its last row.
        let columns = terminalColumns() ?? 80
        if line.count >= columns { line = String(line.prefix(max(10, columns - 2))) + "…" }
        guard line != shown else { return }
        shown = line
        drawn = true
        // Back to the start of the line, and clear what a longer line left there.
        emitRaw("\r\u{1B}[K" + line)
    }

    /// Ends the wait with the build's result, on a line of its own.
    mutating func finish(_ line: String) {
        if drawn { emitRaw("\r\u{1B}[K") }
        drawn = false
        emit(line)
    }

    /// Ends a drawn line, so what is printed next (an error) starts on a fresh one.
    mutating func interrupt() {
        if drawn { emitRaw("\n") }
        drawn = false
    }
}
