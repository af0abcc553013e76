package import IsothermEvents

/// The strategies Isotherm runs, by the name the command line, the run manifest and the decisions use.
package enum StrategyKind: String, CaseIterable, Sendable {
    case openMaker = "open_maker"
    case exit
    case nextOver = "next_over"
    case curveGap = "curve_gap"
    case midnightHeuristic = "midnight_heuristic"

    /// One line for `--help`.
    package var summary: String {
        switch self {
        case .openMaker:
            "at market open, buy YES as maker at --price in the bracket holding the forecast + --bias; hold"
        case .exit:
            "open_maker, then sell at the bid when the bracket --exit-distance away bids --edge-cents above ours"
        case .nextOver:
            "open_maker, then sell at the bid before the predicted high if the next bracket up is rich and ours cheap"
        case .curveGap:
            "open_maker, then move up (down) a bracket when observations run ahead of (behind) the hourly forecast"
        case .midnightHeuristic:
            "at local midnight, buy (taker) the bracket whose model probability beats its ask by --edge-threshold"
        }
    }

    /// Its parameters, in the order decisions and manifests record them.
    package var specs: [ParameterSpec] {
        switch self {
        case .openMaker: ParameterSpec.openMaker
        case .exit: ParameterSpec.openMaker + ParameterSpec.exit
        case .nextOver: ParameterSpec.openMaker + ParameterSpec.nextOver
        case .curveGap: ParameterSpec.openMaker + ParameterSpec.curveGap
        case .midnightHeuristic: ParameterSpec.midnight
        }
    }

    /// Every name, for messages: `open_maker, exit, next_over, curve_gap, midnight_heuristic`.
    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A parameter value that cannot be accepted: which one, what was given, what is allowed.
package struct ParameterError: Error, Equatable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}

/// One strategy parameter: the name decisions and manifests record (`entry_price`), the flag that sets
/// it (`--price`), its kind (which fixes its exact unit), its inclusive range and default, and what it
/// does. The one owner of the parameter's text: the command line and a manifest are read by
/// ``parse(_:)`` and written by ``format(_:)``, so whatever is accepted is replayed exactly.
package struct ParameterSpec: Sendable {
    package enum Kind: Sendable {
        /// Dollars, 0.01–0.99 style, held as micro-dollars (`Price`).
        case price
        /// Dollars held as micro-dollars (`Money`).
        case money
        /// °F in tenths (`Temperature`): one decimal at most.
        case degrees
        /// A whole number.
        case integer
        /// A decimal with up to six fractional digits (``ExactDecimal``).
        case decimal

        var scale: Int {
            switch self {
            case .price, .money, .decimal: 6
            case .degrees: 1
            case .integer: 0
            }
        }
    }

    package let name: String
    package let flag: String
    package let kind: Kind
    /// Inclusive bounds, scaled as the kind holds them.
    package let minimum: Int64
    package let maximum: Int64
    package let defaultText: String
    package let help: String

    init(
        _ name: String, flag: String, _ kind: Kind, _ minimum: String, _ maximum: String, default d: String,
        _ help: String
    ) {
        self.name = name
        self.flag = flag
        self.kind = kind
        self.minimum = FixedPoint.parse(minimum, scale: kind.scale)!
        self.maximum = FixedPoint.parse(maximum, scale: kind.scale)!
        defaultText = d
        self.help = help
    }

    /// The value of `text` in the kind's unit (micro-dollars, tenths, millionths or a whole number).
    /// - Throws: a one-line error naming the flag, the text and the accepted range.
    package func parse(_ text: String) throws(ParameterError) -> Int64 {
        guard let v = FixedPoint.parse(text, scale: kind.scale) else {
            throw ParameterError("--\(flag) '\(text)' is not \(unitWords) (\(rangeText))")
        }
        guard v >= minimum && v <= maximum else {
            throw ParameterError("--\(flag) '\(text)' is out of range (\(rangeText))")
        }
        return v
    }

    /// The text a manifest records for `value` (and ``parse(_:)`` reads back to the same value).
    package func format(_ value: Int64) -> String {
        switch kind {
        case .price, .money: FixedPoint.format(value, scale: 6, minDecimals: 2)
        case .degrees: FixedPoint.format(value, scale: 1, minDecimals: 1)
        case .integer: String(value)
        case .decimal: FixedPoint.format(value, scale: 6, minDecimals: 2)
        }
    }

    private var unitWords: String {
        switch kind {
        case .price, .money: "dollars with at most six decimals"
        case .degrees: "°F with at most one decimal"
        case .integer: "a whole number"
        case .decimal: "a number with at most six decimals"
        }
    }

    /// `0.01 to 0.99`.
    package var rangeText: String {
        let unit = kind.scale
        let lo = FixedPoint.format(minimum, scale: unit, minDecimals: 0)
        let hi = FixedPoint.format(maximum, scale: unit, minDecimals: 0)
        return "\(lo) to \(hi)"
    }

    static let openMaker: [ParameterSpec] = [
        ParameterSpec(
            "entry_price", flag: "price", .price, "0.01", "0.99", default: "0.50",
            "Entry price in dollars; the order buys floor(bet / price) contracts."),
        ParameterSpec(
            "temp_bias_deg", flag: "bias", .degrees, "-20", "20", default: "0.0",
            "Added to the forecast before the bracket lookup, °F."),
        ParameterSpec(
            "basis_offset_days", flag: "basis-offset", .integer, "0", "7", default: "1",
            "Forecast basis: 1 = the day before the event date, 0 = the same day (falls back to the latest earlier)."),
        ParameterSpec(
            "bet_amount_usd", flag: "bet-amount", .money, "0.01", "1000000", default: "200",
            "Dollars per trade; contracts = floor(bet / price)."),
    ]

    static let exit: [ParameterSpec] = [
        ParameterSpec(
            "edge_cents", flag: "edge-cents", .integer, "1", "99", default: "5",
            "exit: cents the far bracket must bid above ours."),
        ParameterSpec(
            "exit_after_minutes", flag: "exit-after", .integer, "0", "2880", default: "60",
            "exit: minutes after entry before exits are considered."),
        ParameterSpec(
            "exit_latest_minutes", flag: "exit-latest", .integer, "1", "2880", default: "360",
            "exit: minutes after entry after which exits stop (more than --exit-after)."),
        ParameterSpec(
            "exit_distance", flag: "exit-distance", .integer, "1", "2", default: "2",
            "exit: brackets away to watch (1 or 2)."),
    ]

    static let nextOver: [ParameterSpec] = [
        ParameterSpec(
            "decision_offset_min", flag: "decision-offset", .integer, "0", "720", default: "60",
            "next_over, curve_gap: minutes before the predicted high to decide."),
        ParameterSpec(
            "neighbor_price_min_c", flag: "neighbor-price-min", .integer, "1", "99", default: "50",
            "next_over: the next bracket's price at or above this, cents."),
        ParameterSpec(
            "our_price_max_c", flag: "our-price-max", .integer, "1", "99", default: "30",
            "next_over: our price at or below this, cents."),
    ]

    static let curveGap: [ParameterSpec] = [
        ParameterSpec(
            "decision_offset_min", flag: "decision-offset", .integer, "0", "720", default: "60",
            "next_over, curve_gap: minutes before the predicted high to decide."),
        ParameterSpec(
            "delta_obs_fcst_min_deg", flag: "gap-min", .degrees, "0.1", "20", default: "2.0",
            "curve_gap: °F the observations must run ahead of (or behind) the hourly forecast."),
        ParameterSpec(
            "slope_min_deg_per_hour", flag: "slope-min", .degrees, "0", "20", default: "0.5",
            "curve_gap: °F per hour they must still be rising (or falling)."),
        ParameterSpec(
            "max_shift_bins", flag: "max-shift-bins", .integer, "1", "5", default: "1",
            "curve_gap: brackets to move at most (one per two degrees of gap)."),
    ]

    static let midnight: [ParameterSpec] = [
        ParameterSpec(
            "alpha", flag: "alpha", .decimal, "-10", "10", default: "0.5",
            "midnight_heuristic: weight of the last three days' forecast error."),
        ParameterSpec(
            "beta", flag: "beta", .decimal, "-10", "10", default: "0.3",
            "midnight_heuristic: weight of the last three days' observed trend (°F/day)."),
        ParameterSpec(
            "gamma", flag: "gamma", .decimal, "0", "20", default: "2.0",
            "midnight_heuristic: base spread of the model (°F)."),
        ParameterSpec(
            "delta", flag: "delta", .decimal, "0", "10", default: "0.3",
            "midnight_heuristic: spread added per °F of recent forecast error."),
        ParameterSpec(
            "edge_threshold", flag: "edge-threshold", .decimal, "0", "1", default: "0.05",
            "midnight_heuristic: minimum model-minus-ask edge to enter (0 to 1)."),
        ParameterSpec(
            "split_threshold", flag: "split-threshold", .decimal, "0", "1", default: "0.03",
            "midnight_heuristic: an adjacent bracket's edge at which the stake is split (0 to 1)."),
        ParameterSpec(
            "bet_amount_usd", flag: "bet-amount", .money, "0.01", "1000000", default: "200",
            "Dollars per trade (split over two brackets when the neighbour's edge is enough)."),
    ]

    /// Every parameter of every strategy, each flag once (for the command line).
    package static var all: [ParameterSpec] {
        var out: [ParameterSpec] = []
        for k in StrategyKind.allCases {
            for s in k.specs where !out.contains(where: { $0.flag == s.flag }) { out.append(s) }
        }
        return out
    }
}

/// Which strategy a run uses, with its parameters, exactly.
package enum StrategyChoice: Equatable, Sendable {
    case openMaker(OpenMaker.Parameters)
    case midnightHeuristic(MidnightHeuristic.Parameters)

    package func make() -> any Strategy {
        switch self {
        case .openMaker(let p): OpenMaker(p)
        case .midnightHeuristic(let p): MidnightHeuristic(p)
        }
    }

    package var kind: StrategyKind {
        switch self {
        case .openMaker(let p):
            p.exit != nil ? .exit : p.nextOver != nil ? .nextOver : p.curveGap != nil ? .curveGap : .openMaker
        case .midnightHeuristic: .midnightHeuristic
        }
    }

    /// The parameters by name, in the kind's order, as decisions and manifests record them.
    package var fields: [Field] {
        let values = scaledValues
        return zip(kind.specs, values).map { Field($0.name, $0.format($1)) }
    }

    /// Each parameter in its spec's unit, in the kind's order.
    var scaledValues: [Int64] {
        switch self {
        case .midnightHeuristic(let m):
            return [
                m.alpha.millionths, m.beta.millionths, m.gamma.millionths, m.delta.millionths,
                m.edgeThreshold.millionths, m.splitThreshold.millionths, m.betAmount.micros,
            ]
        case .openMaker(let p):
            var out: [Int64] = [
                p.entryPrice.micros, Int64(p.biasTenths), Int64(p.basisOffsetDays), p.betAmount.micros,
            ]
            if let e = p.exit { out += [e.edgeCents, e.afterMinutes, e.latestMinutes, Int64(e.distance)] }
            if let n = p.nextOver { out += [n.offsetMinutes, n.neighborMinCents, n.ourMaxCents] }
            if let c = p.curveGap {
                out += [c.offsetMinutes, Int64(c.gapMinTenths), Int64(c.slopeMinTenthsPerHour), Int64(c.maxShiftBins)]
            }
            return out
        }
    }

    /// The strategy `kind` with parameters from `text` by name (a manifest's fields) or by flag (the
    /// command line); a parameter not given takes its default. Every value is checked against its
    /// range, and the rules between them (`--exit-after` before `--exit-latest`).
    package static func parse(_ kind: StrategyKind, text: (ParameterSpec) -> String?) throws(ParameterError)
        -> StrategyChoice
    {
        var v: [String: Int64] = [:]
        for spec in kind.specs { v[spec.name] = try spec.parse(text(spec) ?? spec.defaultText) }
        func n(_ name: String) -> Int64 { v[name]! }
        if kind == .midnightHeuristic {
            var m = MidnightHeuristic.Parameters()
            m.alpha = ExactDecimal(millionths: n("alpha"))
            m.beta = ExactDecimal(millionths: n("beta"))
            m.gamma = ExactDecimal(millionths: n("gamma"))
            m.delta = ExactDecimal(millionths: n("delta"))
            m.edgeThreshold = ExactDecimal(millionths: n("edge_threshold"))
            m.splitThreshold = ExactDecimal(millionths: n("split_threshold"))
            m.betAmount = Money(micros: n("bet_amount_usd"))
            return .midnightHeuristic(m)
        }
        var p = OpenMaker.Parameters()
        p.entryPrice = Price(micros: n("entry_price"))
        p.biasTenths = Int32(n("temp_bias_deg"))
        p.basisOffsetDays = Int32(n("basis_offset_days"))
        p.betAmount = Money(micros: n("bet_amount_usd"))
        guard p.betAmount.micros >= p.entryPrice.micros else {
            throw ParameterError(
                "--bet-amount \(DecisionText.dollars(p.betAmount)) buys no contract at --price \(DecisionText.dollars(p.entryPrice))"
            )
        }
        switch kind {
        case .exit:
            var e = OpenMaker.ExitRule()
            e.edgeCents = n("edge_cents")
            e.afterMinutes = n("exit_after_minutes")
            e.latestMinutes = n("exit_latest_minutes")
            e.distance = Int(n("exit_distance"))
            guard e.afterMinutes < e.latestMinutes else {
                throw ParameterError(
                    "--exit-after \(e.afterMinutes) must be less than --exit-latest \(e.latestMinutes)")
            }
            p.exit = e
        case .nextOver:
            var x = OpenMaker.NextOverRule()
            x.offsetMinutes = n("decision_offset_min")
            x.neighborMinCents = n("neighbor_price_min_c")
            x.ourMaxCents = n("our_price_max_c")
            p.nextOver = x
        case .curveGap:
            var c = OpenMaker.CurveGapRule()
            c.offsetMinutes = n("decision_offset_min")
            c.gapMinTenths = Int32(n("delta_obs_fcst_min_deg"))
            c.slopeMinTenthsPerHour = Int32(n("slope_min_deg_per_hour"))
            c.maxShiftBins = Int(n("max_shift_bins"))
            p.curveGap = c
        case .openMaker, .midnightHeuristic:
            break
        }
        return .openMaker(p)
    }

    /// The choice a manifest's parameters record (`strategy` and each parameter by name).
    package static func parse(manifest fields: [Field]) throws(ParameterError) -> StrategyChoice {
        guard let name = fields.first(where: { $0.name == "strategy" })?.value else {
            throw ParameterError("the manifest names no strategy")
        }
        guard let kind = StrategyKind(rawValue: name) else {
            throw ParameterError("unknown strategy \(name) (known: \(StrategyKind.names))")
        }
        for spec in kind.specs where !fields.contains(where: { $0.name == spec.name }) {
            throw ParameterError("the manifest has no \(spec.name)")
        }
        return try parse(kind) { spec in fields.first { $0.name == spec.name }?.value }
    }
}
