package import IsothermEvents

/// The seed's main strategy and its variants (ARCHITECTURE.md, "Reducers, strategies and the backtest").
///
/// **open_maker.** At market open for event date D (a timer due at the listing's open time, so it
/// fires after all of the event's markets are listed): take the latest daily forecast for D whose
/// basis date is D − `basisOffsetDays` — or, when there is none yet, the nearest earlier basis, and say
/// so — add the bias, round half up to whole °F, pick the bracket that pays on it, and post a maker
/// buy of YES at `entryPrice` for ⌊bet / price⌋ contracts; hold to settlement.
///
/// **exit** (the seed's Part 8): from `afterMinutes` to `latestMinutes` after our entry fills, watch
/// the brackets `distance` below and above ours; when either bids at least `edgeCents` above our bid,
/// sell ours at the bid (taker).
///
/// **next_over**: at the predicted-high hour (the hourly forecast's peak) minus `offsetMinutes`, if
/// the next bracket up is priced at or above `neighborMinCents` while ours is at or below
/// `ourMaxCents`, sell ours at the bid (taker).
package struct OpenMaker: Strategy {
    package struct Parameters: Equatable, Sendable {
        package var entryPrice = Price(micros: 500_000)
        /// Added to the forecast before the bracket lookup, tenths of °F.
        package var biasTenths: Int32 = 0
        package var basisOffsetDays: Int32 = 1
        package var betAmount = Money(micros: 200_000_000)
        package var exit: ExitRule?
        package var nextOver: NextOverRule?
        package var curveGap: CurveGapRule?

        package init() {}
    }

    package struct ExitRule: Equatable, Sendable {
        package var edgeCents: Int64 = 5
        package var afterMinutes: Int64 = 60
        package var latestMinutes: Int64 = 360
        package var distance = 2
        package init() {}
    }

    package struct CurveGapRule: Equatable, Sendable {
        package var offsetMinutes: Int64 = 60
        /// How far the observations must run ahead of (or behind) the hourly forecast, tenths of °F.
        package var gapMinTenths: Int32 = 20
        /// How fast they must still be rising (or falling), tenths of °F per hour.
        package var slopeMinTenthsPerHour: Int32 = 5
        package var maxShiftBins = 1
        package init() {}
    }

    package struct NextOverRule: Equatable, Sendable {
        package var offsetMinutes: Int64 = 60
        package var neighborMinCents: Int64 = 50
        package var ourMaxCents: Int64 = 30
        package init() {}
    }

    package let p: Parameters
    package let name: String
    /// The parameters by name, as ``StrategyChoice/fields`` formats them (the manifest's text).
    package let parameters: [Field]
    /// Per event: the market we bought and its bracket index, once placed.
    private var entries: [Symbol: (ticker: Symbol, index: Int, date: LocalDate)] = [:]
    /// Open exit windows, in the order they opened: our market and the markets watched with it.
    private var exitWatch: [(ours: Symbol, watched: [Symbol])] = []

    package init(_ p: Parameters) {
        self.p = p
        let choice = StrategyChoice.openMaker(p)
        name = choice.kind.rawValue
        parameters = choice.fields
    }

    /// How late after its open a market may be learned of and still be bought "at the open": live, the
    /// `created` or `activated` message of a market arrives a moment after its open time (the seed's
    /// market-open listener bought on it); an hour late (an old database's stamp) is hindsight.
    package static let openGraceNanos: Int64 = 5 * Timestamp.nanosPerMinute
    /// How long after the first of an event's markets is learned of past its open the decision waits for
    /// the others (their `created` messages come one by one).
    package static let openSettleNanos: Int64 = 30 * Timestamp.nanosPerSecond

    package mutating func onEvent(_ record: EventRecord, sequence: UInt64, state: CityState, effects: inout [Effect]) {
        guard case .marketListed(let m) = record.event, state.events[m.eventDate]?.markets.count == 1 else { return }
        guard record.time <= m.openTime.adding(nanos: Self.openGraceNanos) else {
            // Learned of well after its open: an order "at the open" would be placed with hindsight.
            effects.append(
                .decide(
                    StrategyDecision(
                        strategy: name, subject: m.eventTicker.description, action: .skip,
                        inputSequences: [sequence], parameters: parameters,
                        values: [
                            Field("skip_reason", SkipReason.listedAfterOpen), Field("open_time", m.openTime.rfc3339),
                        ],
                        reason:
                            "the market was listed at \(record.time.rfc3339), after its open at \(m.openTime.rfc3339): no order at the open"
                    )))
            return
        }
        // Learned of at or before its open (a backtest, a listing read ahead): decided at the open, after
        // every listing stamped then. Learned of just after (live): the event's other markets arrive in
        // the messages that follow, so the decision waits ``openSettleNanos`` for them.
        let due = record.time <= m.openTime ? m.openTime : record.time.adding(nanos: Self.openSettleNanos)
        effects.append(.timer(key: .open(eventTicker: m.eventTicker.description), due: due))
    }

    package mutating func onTimer(
        _ key: TimerKey, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        switch key {
        case .open(let subject): open(subject, at: time, state: state, effects: &effects)
        case .exitStart(let subject): exitWindow(subject, opening: true, state: state, effects: &effects)
        case .exitEnd(let subject): exitWindow(subject, opening: false, state: state, effects: &effects)
        case .nextOver(let subject): nextOver(subject, at: time, state: state, holdings: holdings, effects: &effects)
        case .curveGap(let subject): curveGap(subject, at: time, state: state, holdings: holdings, effects: &effects)
        case .enter, .adjust: break
        }
    }

    // MARK: - Entry

    private mutating func open(_ eventTicker: String, at time: Timestamp, state: CityState, effects: inout [Effect]) {
        guard let date = LocalDate(kalshiCode: eventTicker), let event = state.events[date] else { return }
        let wanted = date.advanced(by: -p.basisOffsetDays)
        func skip(_ code: String, _ reason: String, inputs: [UInt64], values: [Field] = []) {
            effects.append(
                .decide(
                    StrategyDecision(
                        strategy: name, subject: eventTicker, action: .skip, inputSequences: inputs,
                        parameters: parameters,
                        values: [Field("skip_reason", code)] + values, reason: reason)))
        }
        guard let forecast = state.latestForecast(for: date, basisAtMost: wanted) else {
            return skip(
                SkipReason.noForecast,
                "no forecast for \(date.iso8601) with basis date ≤ \(wanted.iso8601) at the open",
                inputs: event.listedSequences)
        }
        let f = forecast.value
        let adjusted = f.high.tenths + p.biasTenths
        let whole = Temperature(tenths: adjusted).roundedDegrees
        var values = [
            Field("forecast_basis_date", f.basisDate.iso8601), Field("forecast_high", DecisionText.degrees(f.high)),
            Field("basis_fallback", f.basisDate < wanted ? "true" : "false"),
            Field("adjusted_high", DecisionText.degrees(tenths: adjusted)), Field("rounded_high", String(whole)),
        ]
        guard let bracket = Bracket.containing(whole, in: event.brackets), let index = event.index(of: bracket.ticker)
        else {
            return skip(
                SkipReason.noBracket, "no bracket pays on \(whole)°F",
                inputs: [forecast.sequence] + event.listedSequences,
                values: values)
        }
        let contracts = p.betAmount.micros / p.entryPrice.micros
        guard contracts > 0 else {
            return skip(
                SkipReason.betTooSmall, "the bet buys no contract at this price", inputs: [forecast.sequence],
                values: values)
        }
        let count = Count(contracts: contracts)
        values += [
            Field("ticker", bracket.ticker.description), Field("bracket", bracket.label),
            Field("bracket_position", String(index)),
            Field("contracts", String(contracts)),
            Field("cost_usd", DecisionText.dollars(Money.cost(count, p.entryPrice))),
        ]
        let fallback = f.basisDate < wanted ? " (no \(wanted.iso8601) basis yet: used \(f.basisDate.iso8601))" : ""
        effects.append(
            .decide(
                StrategyDecision(
                    strategy: name, subject: eventTicker, action: .post,
                    inputSequences: [forecast.sequence, event.listedSequences[index]], parameters: parameters,
                    values: values,
                    reason:
                        "forecast \(DecisionText.degrees(f.high))°F\(fallback) + bias \(DecisionText.degrees(tenths: p.biasTenths)) "
                        + "rounds to \(whole)°F, in \(bracket.label): buy \(contracts) YES at $\(DecisionText.dollars(p.entryPrice)) as maker"
                )))
        effects.append(
            .place(
                OrderIntent(
                    clientOrderId: "\(name)-\(eventTicker)-buy", ticker: bracket.ticker, side: .yes, action: .buy,
                    type: .limit,
                    price: p.entryPrice, count: count, postOnly: true, decisionSequence: 0)))
        entries[event.eventTicker] = (bracket.ticker, index, date)
        if let e = p.exit {
            effects.append(
                .timer(
                    key: .exitStart(eventTicker: eventTicker),
                    due: time.adding(nanos: e.afterMinutes * Timestamp.nanosPerMinute)
                ))
            effects.append(
                .timer(
                    key: .exitEnd(eventTicker: eventTicker),
                    due: time.adding(nanos: e.latestMinutes * Timestamp.nanosPerMinute))
            )
        }
        if let c = p.curveGap, let hourly = state.hourlyForecasts[date],
            let peak = hourly.value.points.max(by: { $0.temperature < $1.temperature })
        {
            let due = peak.time.adding(nanos: -c.offsetMinutes * Timestamp.nanosPerMinute)
            if due > time { effects.append(.timer(key: .curveGap(eventTicker: eventTicker), due: due)) }
        }
        if let n = p.nextOver, let hourly = state.hourlyForecasts[date],
            let peak = hourly.value.points.max(by: { $0.temperature < $1.temperature })
        {
            let due = peak.time.adding(nanos: -n.offsetMinutes * Timestamp.nanosPerMinute)
            if due > time { effects.append(.timer(key: .nextOver(eventTicker: eventTicker), due: due)) }
        }
    }

    private func entry(_ eventTicker: String) -> (ticker: Symbol, index: Int, date: LocalDate)? {
        guard let symbol = Symbol(eventTicker) else { return nil }
        return entries[symbol]
    }

    // MARK: - exit

    private mutating func exitWindow(_ eventTicker: String, opening: Bool, state: CityState, effects: inout [Effect]) {
        guard let e = p.exit, let entry = entry(eventTicker), let event = state.events[entry.date] else { return }
        if opening {
            var watched = [entry.ticker]
            for i in [entry.index - e.distance, entry.index + e.distance] where event.brackets.indices.contains(i) {
                watched.append(event.brackets[i].ticker)
            }
            exitWatch.append((entry.ticker, watched))
            for t in watched { effects.append(.watch(t)) }
        } else if let i = exitWatch.firstIndex(where: { $0.ours == entry.ticker }) {
            for t in exitWatch.remove(at: i).watched { effects.append(.unwatch(t)) }
        }
    }

    package mutating func onQuote(
        _ ticker: Symbol, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        guard let e = p.exit else { return }
        // Find the open exit window this candle belongs to.
        guard let window = exitWatch.firstIndex(where: { $0.watched.contains(ticker) }),
            case let ours = exitWatch[window].ours,
            let holding = holdings.first(where: { $0.ticker == ours && $0.contracts.hundredths > 0 }),
            let mine = state.quote(ours), let ourBid = mine.exitPrice, let event = state.event(of: ours)
        else { return }
        for far in exitWatch[window].watched where far != ours {
            guard let quote = state.quote(far), let farBid = quote.exitPrice,
                farBid.micros >= ourBid.micros + e.edgeCents * 10_000
            else { continue }
            let label = event.brackets[event.index(of: far)!].label
            effects.append(
                .decide(
                    StrategyDecision(
                        strategy: name, subject: event.eventTicker.description, action: .exit,
                        inputSequences: [mine.sequence, quote.sequence], parameters: parameters,
                        values: [
                            Field("ticker", ours.description), Field("our_bid", DecisionText.dollars(ourBid)),
                            Field("far_ticker", far.description), Field("far_bid", DecisionText.dollars(farBid)),
                            Field(
                                "contracts", FixedPoint.format(holding.contracts.hundredths, scale: 2, minDecimals: 0)),
                        ],
                        reason:
                            "\(label) bids $\(DecisionText.dollars(farBid)), at least \(e.edgeCents)¢ above our $\(DecisionText.dollars(ourBid)): sell at the bid"
                    )))
            effects.append(
                .place(
                    OrderIntent(
                        clientOrderId: "\(name)-\(event.eventTicker)-exit", ticker: ours, side: .yes, action: .sell,
                        type: .market, price: ourBid, count: holding.contracts, postOnly: false, decisionSequence: 0)))
            for t in exitWatch.remove(at: window).watched { effects.append(.unwatch(t)) }
            return
        }
    }

    // MARK: - next_over

    private mutating func nextOver(
        _ eventTicker: String, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        guard let n = p.nextOver, let entry = entry(eventTicker), let event = state.events[entry.date] else { return }
        let neighbor = event.brackets.indices.contains(entry.index + 1) ? event.brackets[entry.index + 1].ticker : nil
        guard let holding = holdings.first(where: { $0.ticker == entry.ticker && $0.contracts.hundredths > 0 }),
            let neighbor, let theirs = state.quote(neighbor), let theirPrice = theirs.signalPrice,
            let mine = state.quote(entry.ticker), let ourPrice = mine.signalPrice
        else { return }
        let fires = theirPrice.micros >= n.neighborMinCents * 10_000 && ourPrice.micros <= n.ourMaxCents * 10_000
        effects.append(
            .decide(
                StrategyDecision(
                    strategy: name, subject: eventTicker, action: fires ? .exit : .hold,
                    inputSequences: [mine.sequence, theirs.sequence], parameters: parameters,
                    values: [
                        Field("ticker", entry.ticker.description), Field("our_price", DecisionText.dollars(ourPrice)),
                        Field("next_ticker", neighbor.description),
                        Field("next_price", DecisionText.dollars(theirPrice)),
                    ],
                    reason: fires
                        ? "the next bracket up is at $\(DecisionText.dollars(theirPrice)) ≥ \(n.neighborMinCents)¢ and ours at $\(DecisionText.dollars(ourPrice)) ≤ \(n.ourMaxCents)¢: sell at the bid"
                        : "no signal: next bracket $\(DecisionText.dollars(theirPrice)), ours $\(DecisionText.dollars(ourPrice))"
                )))
        guard fires, let bid = mine.exitPrice else { return }
        effects.append(
            .place(
                OrderIntent(
                    clientOrderId: "\(name)-\(eventTicker)-next-over", ticker: entry.ticker, side: .yes, action: .sell,
                    type: .market, price: bid, count: holding.contracts, postOnly: false, decisionSequence: 0)))
    }

    // MARK: - curve_gap

    /// The hourly forecast at `time`, interpolated linearly between its points, exactly: tenths of °F
    /// as a fraction (numerator over a positive denominator). Nil before the first point or after the
    /// last.
    static func interpolate(_ points: [HourlyPoint], at time: Timestamp) -> Fraction? {
        guard let after = points.firstIndex(where: { $0.time >= time }) else { return nil }
        if after == 0 { return points[0].time == time ? Fraction(Int128(points[0].temperature.tenths), 1) : nil }
        let a = points[after - 1]
        let b = points[after]
        let span = Int128(b.time.nanos - a.time.nanos)
        let into = Int128(time.nanos - a.time.nanos)
        let delta = Int128(b.temperature.tenths - a.temperature.tenths)
        return Fraction(Int128(a.temperature.tenths) * span + delta * into, span)
    }

    /// The mean of readings, exactly (tenths of °F as a fraction); nil for none.
    static func mean(_ obs: [Seen<Observation>]) -> Fraction? {
        guard !obs.isEmpty else { return nil }
        return Fraction(obs.reduce(Int128(0)) { $0 + Int128($1.value.temperature.tenths) }, Int128(obs.count))
    }

    private mutating func curveGap(
        _ eventTicker: String, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        guard let c = p.curveGap, let entry = entry(eventTicker), let event = state.events[entry.date],
            let hourly = state.hourlyForecasts[entry.date]
        else { return }
        // The observed temperature: the mean of the last 15 minutes of readings; an hour earlier likewise.
        let recent = state.recentObservations(minutes: 15, before: time)
        let earlier = state.recentObservations(minutes: 15, before: time.adding(nanos: -60 * Timestamp.nanosPerMinute))
        guard let holding = holdings.first(where: { $0.ticker == entry.ticker && $0.contracts.hundredths > 0 }),
            let observed = Self.mean(recent), let before = Self.mean(earlier),
            let forecast = Self.interpolate(hourly.value.points, at: time)
        else { return }
        // Exact comparisons: no rounding of either side before the rule is applied.
        let gap = observed - forecast
        let slope = observed - before
        let gapMin = Fraction(Int128(c.gapMinTenths), 1)
        let slopeMin = Fraction(Int128(c.slopeMinTenthsPerHour), 1)
        let up = gap >= gapMin && slope >= slopeMin
        let down = gap <= -gapMin && slope <= -slopeMin
        // One bracket per whole two degrees of gap (at least one), up to max_shift_bins.
        let bins = min(c.maxShiftBins, max(1, Int(gap.magnitude.floorDividing(by: 20))))
        let wanted = entry.index + (up ? bins : down ? -bins : 0)
        // A shift past the end of the ladder stops at its last bracket.
        let target = min(max(wanted, 0), event.brackets.count - 1)
        let inputs = [hourly.sequence] + recent.map(\.sequence) + earlier.map(\.sequence)
        var values = [
            Field("observed", observed.degreesText(places: 2)),
            Field("forecast_now", forecast.degreesText(places: 2)),
            Field("gap", gap.degreesText(places: 2)),
            Field("slope_per_hour", slope.degreesText(places: 2)),
            Field("from_ticker", entry.ticker.description),
        ]
        func hold(_ reason: String) {
            effects.append(
                .decide(
                    StrategyDecision(
                        strategy: name, subject: eventTicker, action: .hold, inputSequences: inputs,
                        parameters: parameters, values: values, reason: reason)))
        }
        let gapText =
            "observations \(gap.degreesText(places: 2))°F from the hourly forecast, slope \(slope.degreesText(places: 2))°F/h"
        guard up || down else { return hold(gapText + ": no shift") }
        guard target != entry.index else {
            return hold(gapText + ": a shift is due but ours is already the \(up ? "highest" : "lowest") bracket")
        }
        let to = event.brackets[target]
        let clamped = target != wanted
        if clamped {
            values.append(Field("shift_clamped", "\(wanted - entry.index) wanted, \(target - entry.index) made"))
        }
        guard let ourBid = state.quote(entry.ticker)?.exitPrice, let theirAsk = state.quote(to.ticker)?.offer else {
            return hold("a shift to \(to.label) is due but there is no bid for ours or no ask for it")
        }
        let proceeds = Money.cost(holding.contracts, ourBid)
        let contracts = proceeds.micros / theirAsk.micros
        effects.append(
            .decide(
                StrategyDecision(
                    strategy: name, subject: eventTicker, action: .shift, inputSequences: inputs,
                    parameters: parameters,
                    values: values + [
                        Field("to_ticker", to.ticker.description), Field("contracts", String(contracts)),
                    ],
                    reason:
                        "observations run \(gap.magnitude.degreesText(places: 2))°F \(up ? "above" : "below") the hourly forecast and still \(up ? "rise" : "fall") \(slope.magnitude.degreesText(places: 2))°F/h: "
                        + "sell ours at $\(DecisionText.dollars(ourBid)), buy \(to.label) at $\(DecisionText.dollars(theirAsk))"
                        + (clamped ? " (the ladder ends there)" : "")
                )))
        effects.append(
            .place(
                OrderIntent(
                    clientOrderId: "\(name)-\(eventTicker)-shift-out", ticker: entry.ticker, side: .yes, action: .sell,
                    type: .market, price: ourBid, count: holding.contracts, postOnly: false, decisionSequence: 0)))
        guard contracts > 0 else { return }
        effects.append(
            .place(
                OrderIntent(
                    clientOrderId: "\(name)-\(eventTicker)-shift-in", ticker: to.ticker, side: .yes, action: .buy,
                    type: .market, price: theirAsk, count: Count(contracts: contracts), postOnly: false,
                    decisionSequence: 0)))
        entries[event.eventTicker] = (to.ticker, target, entry.date)
    }
}

/// The codes a skip decision records in its `skip_reason` value, counted by the backtest's report.
package enum SkipReason {
    package static let noForecast = "no_forecast"
    package static let noBracket = "no_bracket"
    package static let betTooSmall = "bet_too_small"
    package static let listedAfterOpen = "listed_after_open"
    package static let noClock = "no_clock"
    package static let noEdge = "no_edge"
    package static let noQuotes = "no_quotes"
}
