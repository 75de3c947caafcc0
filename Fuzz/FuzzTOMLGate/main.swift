import CFuzzerDriver
import Glibc
import KilnProtocol

/// libFuzzer's test for the TOML gate: any bytes, as the daemon would read them from `spec.toml`,
/// `review` or `workspace.toml`, must give a table or a problem with a message, never a crash (toml++ asserts on
/// some malformed input, which is what the gate exists to keep from it). `workspace.toml`'s parser runs on the
/// same text, since it is the gate's other caller. Built only by `scripts/fuzz.sh`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzTOMLGate(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch TOMLGate.parse(text) {
    case .success: break
    case .failure(let problem):
        precondition(!problem.message.isEmpty, "a TOML problem without a message")
    }
    _ = try? WorkspaceSettings.parse(text, path: "workspace.toml", workspaceRoot: "/workspace")
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzzTOMLGate(data, size)
    }
)
