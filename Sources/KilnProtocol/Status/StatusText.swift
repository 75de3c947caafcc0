import Foundation

/// Reads a status file in the shape the daemon writes it, by hand: one `key = value` a line, each key known and
/// given once, strings without escapes, `build` a plain integer, times `YYYY-MM-DDTHH:MM:SSZ`. A start on 10,000
/// environments reads 10,000 statuses, and the TOML parsers cost most of that; anything else (a comment, an escape,
/// a key this version does not know, a person's edit) returns nil and is read as TOML, so this only ever agrees
/// with that reading (StatusTests checks it).
enum StatusText {
    static func parse(_ text: String) -> Status? {
        var fields: [String: String] = [:]
        var build: Int?
        var approved: Date?
        var updated: Date?
        let bytes = Array(text.utf8)
        guard bytes.last == 0x0A else { return nil }
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: 0x0A) else { return nil }
            let line = bytes[start..<end]
            start = end + 1
            guard let eq = line.firstIndex(of: 0x3D), eq > line.startIndex, eq + 1 < line.endIndex,
                line[eq - 1] == 0x20, line[eq + 1] == 0x20
            else { return nil }
            let key = String(decoding: line[line.startIndex..<(eq - 1)], as: UTF8.self)
            let value = line[(eq + 2)...]
            switch key {
            case "stage", "state", "spec_sha256", "environment", "python", "phase", "message":
                guard fields[key] == nil, let string = plainString(value) else { return nil }
                fields[key] = string
            case "build":
                guard build == nil, let number = plainInteger(value) else { return nil }
                build = number
            case "approved":
                guard approved == nil, let date = utcDateTime(value) else { return nil }
                approved = date
            case "updated":
                guard updated == nil, let date = utcDateTime(value) else { return nil }
                updated = date
            default:
                return nil
            }
        }
        guard let stage = fields["stage"].flatMap(Stage.init(rawValue:)),
            let state = fields["state"].flatMap(EnvironmentState.init(rawValue:))
        else { return nil }
        return Status(
            stage: stage,
            state: state,
            specSHA256: fields["spec_sha256"],
            build: build,
            environment: fields["environment"],
            python: fields["python"],
            phase: fields["phase"].flatMap(BuildProgress.Phase.init(rawValue:)),
            approved: approved,
            updated: updated ?? Date(timeIntervalSince1970: 0),
            message: fields["message"] ?? ""
        )
    }

    /// `"..."` with no escape, quote or control character inside: its contents are the string.
    static func plainString(_ value: ArraySlice<UInt8>) -> String? {
        guard value.count >= 2, value.first == 0x22, value.last == 0x22 else { return nil }
        let inner = value.dropFirst().dropLast()
        guard !inner.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0x22 || $0 == 0x5C }) else { return nil }
        // Invalid UTF-8 is TOML's to refuse.
        return String(validating: inner, as: UTF8.self)
    }

    /// `0`, or digits without a sign, underscore or leading zero, small enough for an Int.
    static func plainInteger(_ value: ArraySlice<UInt8>) -> Int? {
        guard (1...18).contains(value.count), value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            value.first != 0x30 || value.count == 1
        else { return nil }
        return Int(String(decoding: value, as: UTF8.self))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, a real day and time, as the instant it names.
    static func utcDateTime(_ value: ArraySlice<UInt8>) -> Date? {
        let b = Array(value)
        guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let seconds = UTCTime.seconds(
                year: year,
                month: month,
                day: day,
                hour: hour,
                minute: minute,
                second: second
            )
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

/// Seconds since 1970 of a UTC date and time, by the proleptic Gregorian calendar: plain arithmetic, so a status's
/// times read the same whatever the host's time zone.
enum UTCTime {
    /// Nil for a day or time that does not exist (February 30th, 24:00, a leap second).
    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int? {
        guard (1...12).contains(month), (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second)
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[month - 1]).contains(day) else { return nil }
        // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }
}
