import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard output at once, unbuffered, so a log and the lines about it keep their order in a pipe.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes text to standard output at once, as it is: a progress line redrawn in place has no new line.
func emitRaw(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Writes a note for the person, not for a script, to standard error.
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// "1 library", "2 libraries".
func counted(_ count: Int, _ singular: String, _ plural: String) -> String {
    "\(count) \(count == 1 ? singular : plural)"
}

/// The terminal's width when standard output is one; nil for a pipe or a file, where nothing is cut.
func terminalColumns() -> Int? {
    guard isatty(1) == 1 else { return nil }
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
}
