package import IsothermEvents

/// One market of an event as a range of whole-°F highs that pay YES. Direction comes from the strike
/// type, never from the ticker text: `less` pays when high < cap, `between` when floor ≤ high ≤ cap,
/// `greater` when high > floor.
package struct Bracket: Hashable, Sendable {
    package var ticker: Symbol
    package var strikeType: StrikeType
    /// Lowest whole °F that pays, or nil for an open low end.
    package var lowest: Int32?
    /// Highest whole °F that pays, or nil for an open high end.
    package var highest: Int32?

    /// The whole-°F range paying YES, from the exact strikes: `less` pays on v < cap, `less_or_equal` on
    /// v ≤ cap, `between` on floor ≤ v ≤ cap, `greater` on v > floor, `greater_or_equal` on v ≥ floor,
    /// v the official high in whole °F. Fractional strikes are compared as they are: `between` 40.5–42.5
    /// pays on 41 and 42, `greater` 44.5 from 45, `less` 42.5 up to 42. Nil when no whole degree pays or a
    /// strike the type needs is missing.
    package init?(_ m: MarketListed) {
        ticker = m.ticker
        strikeType = m.strikeType
        let floor = m.floorStrike?.tenths
        let cap = m.capStrike?.tenths
        switch m.strikeType {
        case .less:
            guard let cap else { return nil }
            lowest = nil
            highest = Self.floorDiv(cap - 1, 10)
        case .lessOrEqual:
            guard let cap else { return nil }
            lowest = nil
            highest = Self.floorDiv(cap, 10)
        case .between:
            guard let floor, let cap else { return nil }
            let low = -Self.floorDiv(-floor, 10)
            let high = Self.floorDiv(cap, 10)
            guard low <= high else { return nil }
            lowest = low
            highest = high
        case .greater:
            guard let floor else { return nil }
            lowest = Self.floorDiv(floor, 10) + 1
            highest = nil
        case .greaterOrEqual:
            guard let floor else { return nil }
            lowest = -Self.floorDiv(-floor, 10)
            highest = nil
        case .other:
            return nil
        }
    }

    /// ⌊a / b⌋ for b > 0 (Swift's `/` truncates toward zero).
    private static func floorDiv(_ a: Int32, _ b: Int32) -> Int32 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }

    /// Whether an official high of `high` whole °F pays YES.
    package func pays(_ high: Int32) -> Bool {
        (lowest.map { high >= $0 } ?? true) && (highest.map { high <= $0 } ?? true)
    }

    /// Sort key from the lowest to the highest bracket.
    package var order: Int32 { lowest ?? Int32.min / 2 }

    /// `81-82°`, `<81°`, `>88°`.
    package var label: String {
        switch (lowest, highest) {
        case (nil, let h?): "<\(h + 1)°"
        case (let l?, nil): ">\(l - 1)°"
        case (let l?, let h?): l == h ? "\(l)°" : "\(l)-\(h)°"
        default: "any"
        }
    }

    /// The bracket paying on `high`, preferring `between` over the tails (the seed's order).
    package static func containing(_ high: Int32, in brackets: [Bracket]) -> Bracket? {
        brackets.first { $0.strikeType == .between && $0.pays(high) }
            ?? brackets.first { ($0.strikeType == .less || $0.strikeType == .lessOrEqual) && $0.pays(high) }
            ?? brackets.first { $0.pays(high) }
    }
}
