import CFuzzerDriver
import Glibc
import KilnProtocol

/// libFuzzer's test for the spec parser: any bytes at `saved/fuzz/spec.toml` (not only valid UTF-8) give a
/// spec or a problem naming the file, never a crash. Built only by `scripts/fuzz.sh`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = Spec.parse(
        .contents(bytes),
        path: "saved/fuzz/spec.toml",
        directoryName: "fuzz",
        pythons: ["3.10", "3.11", "3.12", "3.13"]
    )
    if case .failure(let problem) = result {
        precondition(problem.path == "saved/fuzz/spec.toml" && !problem.message.isEmpty, "a problem without a message")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzzSpec(data, size)
    }
)
