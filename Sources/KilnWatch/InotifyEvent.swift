import CInotifyTools

/// One inotify event, copied out of libinotifytools' static buffer before the next read overwrites it.
struct InotifyEvent: Sendable, Equatable {
    var wd: Int32
    var mask: UInt32
    var cookie: UInt32
    /// The entry's name inside the watched directory; nil for events about the directory itself.
    var name: String?

    init(wd: Int32, mask: UInt32, cookie: UInt32 = 0, name: String? = nil) {
        self.wd = wd
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    /// Copies the event at `pointer`, including the name that follows the fixed header
    /// (Swift does not import the flexible array member `name`).
    init(copying pointer: UnsafePointer<inotify_event>) {
        let header = pointer.pointee
        var name: String? = nil
        if header.len > 0 {
            // The kernel pads the name with NULs up to `len`.
            let raw = UnsafeRawPointer(pointer) + MemoryLayout<inotify_event>.size
            let bytes = UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: Int(header.len))
            let length = bytes.firstIndex(of: 0) ?? bytes.count
            if length > 0 {
                // Names that are not UTF-8 become lossy; they are not valid environment names anyway.
                name = String(decoding: bytes[..<length], as: UTF8.self)
            }
        }
        self.init(wd: header.wd, mask: header.mask, cookie: header.cookie, name: name)
    }

    func has(_ bits: UInt32) -> Bool {
        mask & bits != 0
    }

    var isDirectory: Bool { has(InotifyMask.isDirectory) }
}
