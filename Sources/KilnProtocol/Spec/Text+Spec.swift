/// Small text tests the spec readers share (environment names, Python versions, requirements files).
extension Character {
    var isASCIIAlnum: Bool { isASCII && (isLetter || isNumber) }
}

extension StringProtocol {
    /// Without the spaces and tabs around it.
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
