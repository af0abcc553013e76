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

    package init?(_ m: MarketListed) {
        ticker = m.ticker
        strikeType = m.strikeType
        let floor = m.floorStrike.map { Self.whole($0) }
        let cap = m.capStrike.map { Self.whole($0) }
        switch m.strikeType {
        case .less:
            guard let cap else { return nil }
            lowest = nil
            highest = cap - 1
        case .lessOrEqual:
            guard let cap else { return nil }
            lowest = nil
            highest = cap
        case .between:
            guard let floor, let cap, floor <= cap else { return nil }
            lowest = floor
            highest = cap
        case .greater:
            guard let floor else { return nil }
            lowest = floor + 1
            highest = nil
        case .greaterOrEqual:
            guard let floor else { return nil }
            lowest = floor
            highest = nil
        case .other:
            return nil
        }
    }

    /// Strikes are whole degrees; a fractional strike pays from the next whole degree (`floor` 81.5 → 82).
    private static func whole(_ t: Temperature) -> Int32 {
        t.tenths >= 0 ? (t.tenths + 9) / 10 : -((-t.tenths) / 10)
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
