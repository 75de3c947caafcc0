import Crypto

/// Lower-case hex SHA-256, the identity of a spec and of its built environment.
public enum SHA256Hex {
    public static func of(_ bytes: [UInt8]) -> String {
        // Two digits a byte from a table, into one buffer: a daemon's start hashes every spec, some more than once.
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
