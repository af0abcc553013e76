package import IsothermEvents

/// Ages and durations as `isotherm status` writes and reads them: `45s`, `12m`, `3h05m`, `2d04h`, `400d`.
package enum StatusAge {
    /// The widest age `text(seconds:)` writes below a million days: `23h59m`, `99d23h`, `36500d`.
    package static let width = 6

    /// A compact age, rounded down to its last unit: under a minute in seconds, under an hour in
    /// minutes, under a day in hours and minutes, under 100 days in days and hours, then in days.
    /// A negative age (a time after the reference) is `future`.
    package static func text(seconds s: Int64) -> String {
        if s < 0 { return "future" }
        if s < 60 { return "\(s)s" }
        if s < 3_600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3_600)h" + pad2(s % 3_600 / 60) + "m" }
        if s < 100 * 86_400 { return "\(s / 86_400)d" + pad2(s % 86_400 / 3_600) + "h" }
        return "\(s / 86_400)d"
    }

    /// Whole seconds from `time` to `now` (negative when `time` is later).
    package static func seconds(from time: Timestamp, to now: Timestamp) -> Int64 {
        let d = now.nanos - time.nanos
        return d >= 0 ? d / Timestamp.nanosPerSecond : -((-d) / Timestamp.nanosPerSecond)
    }

    /// Parses a duration: numbers each followed by a unit, larger units first (`90s`, `15m`, `36h`,
    /// `2d`, `1h30m`, `2d04h`). Nil for anything else, for zero and for more than 100 years.
    package static func parseSeconds(_ text: String) -> Int64? {
        let units: [UInt8: Int64] = [
            UInt8(ascii: "s"): 1, UInt8(ascii: "m"): 60, UInt8(ascii: "h"): 3_600, UInt8(ascii: "d"): 86_400,
        ]
        var total: Int64 = 0
        var number: Int64 = 0
        var digits = 0
        var previousUnit = Int64.max
        for c in text.utf8 {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                guard digits < 9 else { return nil }
                number = number * 10 + Int64(c - UInt8(ascii: "0"))
                digits += 1
            } else {
                guard digits > 0, let unit = units[c], unit < previousUnit else { return nil }
                total += number * unit
                previousUnit = unit
                number = 0
                digits = 0
            }
        }
        guard digits == 0, total > 0, total <= 36_525 * 86_400 else { return nil }
        return total
    }

    private static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// `--max-age KIND=DURATION`: the latest event of a kind must be at most this old in every city.
package struct MaxAge: Sendable {
    package let kind: StatusKind
    package let seconds: Int64
    /// The duration as given.
    package let text: String

    /// Parses `candles=15m`.
    /// - Throws: ``StatusAgeError`` naming what is wrong with the value.
    package static func parse(_ argument: String) throws -> MaxAge {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw StatusAgeError("not KIND=DURATION (candles=15m)")
        }
        guard let kind = StatusKind.named(String(parts[0])) else {
            throw StatusAgeError(
                "'\(parts[0])' is not one of \(StatusKind.allCases.map(\.name).joined(separator: ", "))"
            )
        }
        guard let seconds = StatusAge.parseSeconds(String(parts[1]).lowercased()) else {
            throw StatusAgeError(
                "'\(parts[1])' is not a duration such as 90s, 15m, 36h, 2d or 1h30m (more than zero, at most 100 years)"
            )
        }
        return MaxAge(kind: kind, seconds: seconds, text: String(parts[1]).lowercased())
    }
}

/// One `--max-age` checked against one city.
package struct MaxAgeVerdict {
    package let limit: MaxAge
    /// Nil when the logs hold no city at all.
    package let city: String?
    package let latest: Timestamp?
    package let ageSeconds: Int64?
    /// Older than the limit, or no event of the kind at all.
    package var breached: Bool { ageSeconds.map { $0 > limit.seconds } ?? true }

    /// Every limit against every city, in the order given and the report's city order.
    package static func check(_ limits: [MaxAge], _ cities: [CityStatus], now: Timestamp) -> [MaxAgeVerdict] {
        limits.flatMap { limit -> [MaxAgeVerdict] in
            if cities.isEmpty { return [MaxAgeVerdict(limit: limit, city: nil, latest: nil, ageSeconds: nil)] }
            return cities.map { c in
                let latest = c[limit.kind].latest
                return MaxAgeVerdict(
                    limit: limit, city: c.code, latest: latest,
                    ageSeconds: latest.map { StatusAge.seconds(from: $0, to: now) })
            }
        }
    }
}

/// A `--max-age` value that is not `KIND=DURATION`: what is wrong with it.
package struct StatusAgeError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
