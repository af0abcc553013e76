/// How a market's YES outcome depends on the settlement value. Direction comes from here, never
/// from the ticker text.
package enum StrikeType: UInt8, Sendable, NamedCase {
    /// YES iff value < cap.
    case less = 1
    /// YES iff value ≤ cap.
    case lessOrEqual = 2
    /// YES iff floor ≤ value ≤ cap (inclusive).
    case between = 3
    /// YES iff value > floor.
    case greater = 4
    /// YES iff value ≥ floor.
    case greaterOrEqual = 5
    /// Anything else Kalshi defines (functional, custom, structured).
    case other = 6

    package var name: String {
        switch self {
        case .less: "less"
        case .lessOrEqual: "less_or_equal"
        case .between: "between"
        case .greater: "greater"
        case .greaterOrEqual: "greater_or_equal"
        case .other: "other"
        }
    }
}

/// A series' fee schedule (`Series.fee_type`).
package enum FeeType: UInt8, Sendable, NamedCase {
    case quadratic = 1
    case quadraticWithMakerFees = 2
    case quadraticWithComboMakerFees = 3
    case flat = 4

    package var name: String {
        switch self {
        case .quadratic: "quadratic"
        case .quadraticWithMakerFees: "quadratic_with_maker_fees"
        case .quadraticWithComboMakerFees: "quadratic_with_combo_maker_fees"
        case .flat: "flat"
        }
    }
}

/// A market became known: its identity, strikes, schedule and fee schedule.
package struct MarketListed: Hashable, Sendable {
    package var ticker: Symbol
    package var eventTicker: Symbol
    package var seriesTicker: Symbol
    /// The local climate day the market measures.
    package var eventDate: LocalDate
    package var strikeType: StrikeType
    package var floorStrike: Temperature?
    package var capStrike: Temperature?
    package var openTime: Timestamp
    package var closeTime: Timestamp
    package var feeType: FeeType
    /// Series fee multiplier in millionths (1.0 = 1,000,000).
    package var feeMultiplierMillionths: Int64
    package var title: String

    package init(
        ticker: Symbol, eventTicker: Symbol, seriesTicker: Symbol, eventDate: LocalDate, strikeType: StrikeType,
        floorStrike: Temperature?, capStrike: Temperature?, openTime: Timestamp, closeTime: Timestamp,
        feeType: FeeType, feeMultiplierMillionths: Int64, title: String
    ) {
        self.ticker = ticker
        self.eventTicker = eventTicker
        self.seriesTicker = seriesTicker
        self.eventDate = eventDate
        self.strikeType = strikeType
        self.floorStrike = floorStrike
        self.capStrike = capStrike
        self.openTime = openTime
        self.closeTime = closeTime
        self.feeType = feeType
        self.feeMultiplierMillionths = feeMultiplierMillionths
        self.title = title
    }
}

/// A market lifecycle transition (Kalshi's `market_lifecycle_v2` event types).
package struct MarketLifecycle: Hashable, Sendable {
    package enum Transition: UInt8, Sendable, NamedCase {
        case created = 1, activated, deactivated, closeDateUpdated, determined, settled

        package var name: String {
            switch self {
            case .created: "created"
            case .activated: "activated"
            case .deactivated: "deactivated"
            case .closeDateUpdated: "close_date_updated"
            case .determined: "determined"
            case .settled: "settled"
            }
        }
    }

    /// A market's result once determined.
    package enum Result: UInt8, Sendable {
        case yes = 1, no, scalar
        package var name: String { self == .yes ? "yes" : self == .no ? "no" : "scalar" }
    }

    package var ticker: Symbol
    package var transition: Transition
    package var openTime: Timestamp?
    package var closeTime: Timestamp?
    package var result: Result?
    /// Payout per YES contract once determined.
    package var settlementValue: Price?

    package init(
        ticker: Symbol, transition: Transition, openTime: Timestamp? = nil, closeTime: Timestamp? = nil,
        result: Result? = nil, settlementValue: Price? = nil
    ) {
        self.ticker = ticker
        self.transition = transition
        self.openTime = openTime
        self.closeTime = closeTime
        self.result = result
        self.settlementValue = settlementValue
    }
}
