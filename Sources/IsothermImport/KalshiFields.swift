package import IsothermEvents

/// Reading Kalshi's prices and counts in every spelling the REST API has used, exactly.
///
/// A value named `open` (or `yes_bid`, `volume`, …) can arrive as:
/// - `open_dollars: "0.4500"` / `volume_fp: "10.00"`: the current shape (SDK 3.34), dollar strings with
///   up to six decimals and contract counts with two;
/// - `open: "0.4500"` / `volume: "10.00"`: the `/historical/` tier's candlesticks, the same strings
///   under the bare names;
/// - `open: 45` / `volume: 10`: the shape before the 2025–26 change, integer cents and whole contracts
///   under the same bare names.
///
/// The bare name is told apart by its JSON type: a string is dollars (or hundredths of a contract), a
/// number is cents (or whole contracts). When a response carries both spellings (SDK 3.2 did), the
/// `_dollars`/`_fp` one is used and the other must agree with it to within one cent (one contract).
extension JSONFields {
    /// A YES price (or payout) in $0…$1, or nil when no spelling of it is present (or it is null).
    /// - Parameter base: the bare name (`open`, `yes_bid`, `settlement_value`).
    /// - Throws: ``ImportError`` for text that is not an exact dollar amount, a fractional cent, a wrong
    ///   JSON type, a price outside $0…$1, or two spellings that disagree.
    package func kalshiPrice(_ base: String) throws(ImportError) -> Price? {
        let dollarsKey = base + "_dollars"
        var fromDollars: Price?
        if let v = optional(dollarsKey) {
            guard let text = v.numberText else {
                throw fail(dollarsKey, "expected a dollar string, found \(v.typeName)")
            }
            fromDollars = try dollars(text, key: dollarsKey)
        }
        var fromBare: Price?
        if let v = optional(base) {
            switch v {
            case .string(let text):
                fromBare = try dollars(text, key: base)
            case .number(let text):
                guard let cents = FixedPoint.parse(text, scale: 0), cents >= 0, cents <= 100 else {
                    throw fail(base, "\(text) is not a whole number of cents from 0 to 100")
                }
                fromBare = Price(cents: cents)
            default:
                throw fail(base, "expected a dollar string or integer cents, found \(v.typeName)")
            }
        }
        guard let fromDollars else { return fromBare }
        if let fromBare, abs(fromBare.micros - fromDollars.micros) >= 10_000 {
            throw fail(base, "\(describe(base)) disagrees with \(dollarsKey) \(describe(dollarsKey))")
        }
        return fromDollars
    }

    /// A non-negative contract count, or nil when no spelling of it is present (or it is null).
    /// - Parameter base: the bare name (`volume`, `open_interest`); the current spelling is `<base>_fp`.
    /// - Throws: ``ImportError`` for text that is not an exact count of hundredths, a fractional whole-
    ///   contract number, a wrong JSON type, a negative count, or two spellings that disagree.
    package func kalshiCount(_ base: String) throws(ImportError) -> Count? {
        let fpKey = base + "_fp"
        var fromFixedPoint: Count?
        if let v = optional(fpKey) {
            guard let text = v.numberText else { throw fail(fpKey, "expected a count string, found \(v.typeName)") }
            fromFixedPoint = try hundredths(text, key: fpKey)
        }
        var fromBare: Count?
        if let v = optional(base) {
            switch v {
            case .string(let text):
                fromBare = try hundredths(text, key: base)
            case .number(let text):
                guard let whole = FixedPoint.parse(text, scale: 0), whole >= 0, whole <= Int64.max / 100 else {
                    throw fail(base, "\(text) is not a whole, non-negative number of contracts")
                }
                fromBare = Count(contracts: whole)
            default:
                throw fail(base, "expected a count string or whole contracts, found \(v.typeName)")
            }
        }
        guard let fromFixedPoint else { return fromBare }
        if let fromBare, abs(fromBare.hundredths - fromFixedPoint.hundredths) >= 100 {
            throw fail(base, "\(describe(base)) disagrees with \(fpKey) \(describe(fpKey))")
        }
        return fromFixedPoint
    }

    /// A price that must be present in one of its spellings.
    func requiredKalshiPrice(_ base: String) throws(ImportError) -> Price {
        guard let p = try kalshiPrice(base) else {
            throw fail(base + "_dollars", "missing (and no \"\(base)\" either)")
        }
        return p
    }

    /// A count that must be present in one of its spellings.
    func requiredKalshiCount(_ base: String) throws(ImportError) -> Count {
        guard let c = try kalshiCount(base) else { throw fail(base + "_fp", "missing (and no \"\(base)\" either)") }
        return c
    }

    /// A required RFC 3339 time.
    func kalshiRequiredTime(_ key: String) throws(ImportError) -> Timestamp {
        guard let t = try time(key) else { throw fail(key, "missing") }
        return t
    }

    /// A required ticker: printable ASCII, 1…48 bytes.
    package func kalshiTicker(_ key: String) throws(ImportError) -> Symbol {
        let text = try string(key)
        guard let s = Symbol(text) else {
            throw fail(key, "\"\(text)\" is not a ticker (1 to \(Symbol.capacity) printable ASCII characters)")
        }
        return s
    }

    /// Unix seconds as an instant (Kalshi's `end_period_ts`, `*_ts` query values).
    func kalshiUnixSeconds(_ key: String) throws(ImportError) -> Timestamp {
        guard let v = optional(key) else { throw fail(key, "missing") }
        guard case .number(let text) = v else { throw fail(key, "expected Unix seconds, found \(v.typeName)") }
        // Inside Plausible.years, so Int64 nanoseconds hold it (10^10 s would be 2286, past 2262).
        guard let seconds = FixedPoint.parse(text, scale: 0), seconds >= 0,
            let t = Plausible.instant(unixSeconds: seconds)
        else { throw fail(key, "\(text) is not Unix seconds in \(Plausible.yearsText)") }
        return t
    }

    private func dollars(_ text: String, key: String) throws(ImportError) -> Price {
        guard let micros = FixedPoint.parse(text, scale: 6) else {
            throw fail(key, "\"\(text)\" is not a dollar amount with at most 6 decimals")
        }
        guard micros >= 0 && micros <= Price.one.micros else { throw fail(key, "\"\(text)\" is outside $0 to $1") }
        return Price(micros: micros)
    }

    private func hundredths(_ text: String, key: String) throws(ImportError) -> Count {
        guard let n = FixedPoint.parse(text, scale: 2) else {
            throw fail(key, "\"\(text)\" is not a contract count with at most 2 decimals")
        }
        guard n >= 0 else { throw fail(key, "\"\(text)\" is negative") }
        return Count(hundredths: n)
    }

    /// A member as it is written, for messages: strings quoted, numbers bare.
    private func describe(_ key: String) -> String {
        switch optional(key) {
        case .string(let s): "\"\(s)\""
        case .number(let n): n
        default: "?"
        }
    }
}

/// Kalshi's ticker conventions: `<SERIES>-<YY><MON><DD>` events (`KXHIGHNY-26OCT02`) and their markets
/// (`KXHIGHNY-26OCT02-B81.5`). Only identity and date come from ticker text; a market's direction and
/// strikes always come from `strike_type`, `floor_strike` and `cap_strike`.
package enum KalshiTicker {
    /// The series part of an event ticker: everything before the first `-` (`KXHIGHNY`), or nil if there
    /// is no `-` or nothing before it.
    package static func series(ofEvent eventTicker: String) -> String? {
        guard let dash = eventTicker.firstIndex(of: "-"), dash != eventTicker.startIndex else { return nil }
        return String(eventTicker[..<dash])
    }

    /// The date an event ticker names: its second `-`-separated part read as `YYMONDD` (`26OCT02` →
    /// 2026-10-02). Nil when that part is missing or is not such a date.
    package static func eventDate(_ eventTicker: String) -> LocalDate? {
        let parts = eventTicker.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        return date(code: parts[1])
    }

    /// Reads `YYMONDD` (`25NOV28` → 2025-11-28); years are 2000 + YY.
    package static func date(code: Substring) -> LocalDate? { LocalDate(kalshiCode: code) }

    /// The `YYMONDD` code of a date in 2000…2099 (2025-11-28 → `25NOV28`).
    package static func dateCode(_ date: LocalDate) -> String {
        precondition((2000...2099).contains(date.components.year), "Kalshi date codes cover 2000…2099, not \(date)")
        return date.kalshiCode
    }
}
