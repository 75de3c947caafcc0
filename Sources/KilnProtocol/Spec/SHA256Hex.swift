import Crypto

/// Lower-case hex SHA-256, the identity of a spec and of its built environment.
public enum SHA256Hex {
    public static func of(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
