/// Which stored things a file names, read from its text.
///
/// Collection must never remove what something refers to, and a file it cannot parse (a damaged status, a format
/// added later) must not hide a reference. So references are found as paths in the raw text: any
/// `/.kiln/envs/<name>` or `/.kiln/pythons/<name>`, whatever key or format holds it.
public enum CollectionReferences {
    /// Environment folder names: a status's `environment` and `python`, a kernelspec's `argv`.
    public static func environments(in text: String) -> Set<String> { names(after: "/.kiln/envs/", in: text) }

    /// Python copy folder names: a `pyvenv.cfg`'s `home`.
    public static func pythons(in text: String) -> Set<String> { names(after: "/.kiln/pythons/", in: text) }

    static func names(after marker: String, in text: String) -> Set<String> {
        var names = Set<String>()
        var rest = text[...]
        while let found = rest.range(of: marker) {
            let tail = rest[found.upperBound...]
            let end = tail.firstIndex { "/\"'\\\n\r\t ,]".contains($0) } ?? tail.endIndex
            let name = tail[..<end]
            if !name.isEmpty && name != "." && name != ".." { names.insert(String(name)) }
            rest = tail[end...]
        }
        return names
    }
}
