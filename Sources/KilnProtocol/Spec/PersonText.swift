import Foundation

/// Text a person wrote, on any system. Windows Notepad starts a UTF-8 file with a byte-order mark and ends its
/// lines with CRLF, so every reader of a person's file (`spec.toml`, `review`, `workspace.toml`) accepts both
/// (protocol section 2). Only reading ignores them: hashes are of the file's bytes as they are.
public enum PersonText {
    /// The UTF-8 byte-order mark, U+FEFF.
    static let byteOrderMark: Unicode.Scalar = "\u{FEFF}"

    /// `text` without one leading byte-order mark. One only: a second one is text, and TOML refuses it.
    public static func withoutByteOrderMark(_ text: String) -> String {
        guard text.unicodeScalars.first == byteOrderMark else { return text }
        return String(text.unicodeScalars.dropFirst())
    }

    /// A note as a message shows it: no byte-order mark, CRLF and lone CR made LF, trimmed, so no `\r` reaches a
    /// status message.
    public static func note(_ text: String) -> String {
        withoutByteOrderMark(text)
            .replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The lines of `text` split at LF or CRLF, neither kept, the byte-order mark dropped. (In Swift a CRLF is a
    /// single `Character`, so splitting at `"\n"` alone would leave a CRLF file in one line.)
    public static func lines(_ text: String) -> [Substring] {
        Substring(withoutByteOrderMark(text)).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }
}
