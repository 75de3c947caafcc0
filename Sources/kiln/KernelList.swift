import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct KernelList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List published environments and their Jupyter kernels; for those without one, why and what to do.",
        discussion: """
            Columns: name, kernel (the name Jupyter shows, or none), and for an environment without a kernel, the \
            reason. A kernel shows up in Jupyter with JUPYTER_PATH="$(kiln kernel path)".
            """
    )

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let layout = try options.layout()
        var rows: [[String]] = []
        for name in WorkspaceReader(layout: layout).names().sorted() {
            let copies = MoveWait.read(name, in: layout, limit: MoveWait.listLimit)
            guard let published = copies.first(where: { $0.location == CopyLocation(.published, name) }),
                published.status?.state == .published
            else { continue }
            guard let candidate = KernelCandidate(published, layout: layout) else {
                rows.append([name, "none", "not usable now: `kiln status \(name)` says why"])
                continue
            }
            guard candidate.hasIPykernel else {
                rows.append([name, "none", candidate.noKernelReason])
                continue
            }
            let wanted = KernelSpec.published(
                name: name,
                fullName: candidate.fullName,
                specSHA256: candidate.specSHA256,
                built: BuiltEnvironment(
                    key: BuildInputs.key(ofEnvironment: candidate.environment),
                    path: candidate.environment,
                    python: candidate.python,
                    summary: ""
                ),
                build: candidate.status.build
            )
            let kept = WorkspaceFiles.readFile(layout.kernelJSON(name), limit: 1 << 20)
            if case .success(let bytes) = kept, KernelSpec.origin(ofKernelJSON: bytes) == wanted.origin {
                rows.append([name, wanted.displayName, ""])
            } else {
                rows.append([
                    name, "none",
                    "the daemon has not written its kernelspec yet — is `kiln serve` running?",
                ])
            }
        }
        if rows.isEmpty {
            print("no published environments yet")
            return
        }
        for line in alignedColumns([["NAME", "KERNEL", "WHY NONE"]] + rows) { print(line) }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
