import Foundation

/// One side of a comparison: a version of an environment as its files have it, and how a report names it.
public struct ReviewedVersion: Sendable, Equatable {
    /// The exact bytes of its `spec.toml`; nil when the version has none (or there is no version at all).
    public var spec: [UInt8]?
    /// Its lock's text; nil when it is not built (or there is no version at all).
    public var lock: String?
    /// How a report names it: `published (approved 2026-11-20, spec 9f2c1a2b3c4d)`.
    public var label: String

    public init(spec: [UInt8]?, lock: String?, label: String) {
        self.spec = spec
        self.lock = lock
        self.label = label
    }

    /// No version at all (nothing published yet): everything in the other one is added.
    public static func nothing(_ label: String) -> ReviewedVersion {
        ReviewedVersion(spec: nil, lock: nil, label: label)
    }

    var isNothing: Bool { spec == nil && lock == nil }

    /// `<what> (approved <day>, spec <12 hex digits>)`, leaving out what is not known.
    public static func label(_ what: String, approved: Date? = nil, specSHA256: String?) -> String {
        var details: [String] = []
        if let approved { details.append("approved " + day(approved)) }
        if let specSHA256 { details.append("spec " + String(specSHA256.prefix(12))) }
        return details.isEmpty ? what : "\(what) (\(details.joined(separator: ", ")))"
    }

    /// The UTC day of a time, `2026-11-20`.
    public static func day(_ date: Date) -> String { String(TOMLText.dateTime(date).prefix(10)) }
}
