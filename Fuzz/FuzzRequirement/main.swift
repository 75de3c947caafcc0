import CFuzzerDriver
import Glibc
import KilnProtocol

/// libFuzzer's test for the requirement parser: any text is a requirement or a reason, never a crash. An
/// accepted requirement must also keep the promises the installer relies on: its requirements-file `line` holds no
/// line break (so nothing can pass as an installer option), and that `line` reads back as the same requirement.
/// (`canonical` need not read back: a normalised name such as `a-`, from `A_`, is not a valid name.) Built only by
/// `scripts/fuzz.sh`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRequirement(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let requirement = try? Requirement(parsing: text) else { return 0 }
    precondition(!requirement.line.contains(where: \.isNewline), "a requirement line with a line break: \(text)")
    guard let again = try? Requirement(parsing: requirement.line) else {
        preconditionFailure("'\(requirement.line)', the line of '\(text)', does not read back")
    }
    precondition(again.canonical == requirement.canonical, "'\(requirement.line)' reads back as '\(again.canonical)'")
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzzRequirement(data, size)
    }
)
