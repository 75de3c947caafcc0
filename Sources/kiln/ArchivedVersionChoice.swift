import KilnWorkspace

/// The archived version of `name` a person means by `query` (`kiln diff`, `kiln rollback`): a prefix that more
/// than one spec starts with is refused with their labels; one that matches nothing, with `notFound`.
func archivedVersion(
    _ query: String,
    of name: String,
    among archived: [ArchivedVersion],
    notFound: String
) throws -> ArchivedVersion {
    switch ArchivedVersions.find(query, among: archived) {
    case .success(let version):
        return version
    case .failure(.ambiguous(let labels)):
        throw CLIError.refused(
            "'\(query)' begins the spec hash of more than one archived version of '\(name)' ("
                + labels.joined(separator: ", ") + "); give more digits or the folder's label"
        )
    case .failure(.notFound):
        throw CLIError.refused(notFound)
    }
}
