import Foundation

/// What an interpreter binary needs from the dynamic loader: its `DT_NEEDED` libraries and its search paths
/// (`DT_RUNPATH`, `DT_RPATH`), read from a 64-bit little-endian ELF file (x86_64, aarch64).
///
/// pyenv builds Python with `--enable-shared`: `bin/python3.11` needs `libpython3.11.so.1.0` and finds it through an
/// absolute run path, `<prefix>/lib`. A copy of the installation elsewhere would still load the original library,
/// so the copy's run path is rewritten to `$ORIGIN/../lib`, in place, as `chrpath` does: the new string is shorter
/// and the rest of the old one becomes zero bytes.
struct ELFRunPath {
    /// A search path string and where its bytes are in the file.
    struct Entry {
        var value: String
        var offset: Int
    }

    var needed: [String]
    var paths: [Entry]

    /// The library the binary needs whose name starts with `libpython`, if any.
    var libpython: String? { needed.first { $0.hasPrefix("libpython") } }

    /// Reads `path`; nil when it is not an ELF file this reader understands (the caller then checks the copy by
    /// running it).
    init?(path: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count > 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46,
            bytes[4] == 2, bytes[5] == 1
        else { return nil }
        func int(_ at: Int, _ size: Int) -> Int? {
            guard at >= 0, at + size <= bytes.count else { return nil }
            var value: UInt64 = 0
            for i in (0..<size).reversed() { value = value << 8 | UInt64(bytes[at + i]) }
            return value > UInt64(Int.max) ? nil : Int(value)
        }
        guard let phoff = int(0x20, 8), let phentsize = int(0x36, 2), let phnum = int(0x38, 2) else { return nil }
        var loads: [(vaddr: Int, offset: Int, size: Int)] = []
        var dynamic: (offset: Int, size: Int)?
        for i in 0..<phnum {
            let at = phoff + i * phentsize
            guard let type = int(at, 4), let offset = int(at + 8, 8), let vaddr = int(at + 16, 8),
                let size = int(at + 32, 8)
            else { return nil }
            if type == 1 { loads.append((vaddr, offset, size)) }
            if type == 2 { dynamic = (offset, size) }
        }
        guard let dynamic else {
            needed = []
            paths = []
            return
        }
        var stringTable: Int?
        var neededOffsets: [Int] = []
        var pathOffsets: [Int] = []
        var at = dynamic.offset
        while at + 16 <= dynamic.offset + dynamic.size, let tag = int(at, 8), tag != 0, let value = int(at + 8, 8) {
            switch tag {
            case 1: neededOffsets.append(value)
            case 5: stringTable = value
            case 15, 29: pathOffsets.append(value)
            default: break
            }
            at += 16
        }
        guard let address = stringTable,
            let load = loads.first(where: { address >= $0.vaddr && address < $0.vaddr + $0.size })
        else { return nil }
        let table = address - load.vaddr + load.offset
        func string(_ at: Int) -> String? {
            guard at >= 0, at < bytes.count, let end = bytes[at...].firstIndex(of: 0) else { return nil }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
        var names: [String] = []
        for offset in neededOffsets {
            guard let name = string(table + offset) else { return nil }
            names.append(name)
        }
        var entries: [Entry] = []
        for offset in pathOffsets {
            guard let value = string(table + offset) else { return nil }
            entries.append(Entry(value: value, offset: table + offset))
        }
        needed = names
        paths = entries
    }

    /// Replaces every search path equal to `old` in the file at `path` (a copy: never the original) with `new`,
    /// which must not be longer; returns how many were replaced.
    static func replace(_ old: String, with new: String, in path: String) throws -> Int {
        guard let found = ELFRunPath(path: path) else { return 0 }
        let oldBytes = Array(old.utf8)
        let newBytes = Array(new.utf8)
        guard newBytes.count <= oldBytes.count else { return 0 }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var replaced = 0
        for entry in found.paths where entry.value == old {
            try handle.seek(toOffset: UInt64(entry.offset))
            try handle.write(contentsOf: newBytes + [UInt8](repeating: 0, count: oldBytes.count - newBytes.count))
            replaced += 1
        }
        return replaced
    }
}
