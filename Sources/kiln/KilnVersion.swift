/// The version `kiln --version` prints; the one place it is defined.
enum KilnVersion {
    static let current = "0.1.0"
}
