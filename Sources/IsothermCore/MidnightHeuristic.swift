package import IsothermEvents
import IsothermMath

/// The seed's second family, `midnight_heuristic`. The seed names only its parameters; this is our
/// formula (ARCHITECTURE.md, "midnight_heuristic"):
///
/// At local midnight starting event day D (the city's wall clock reading 00:00 on D, daylight time
/// when it applies), with F the latest daily forecast for D, H(d) the best-known high of climate day d
/// at that moment (the final report if published, else the higher of the preliminary report and the
/// day's highest reading so far — at midnight D−1 has only those), e₃ the mean of H(d) − forecast(d)
/// over d = D−3…D−1 (each day's day-ahead forecast) and Δ₃ the trend (H(D−1) − H(D−4)) / 3:
///
///     μ = F + α·e₃ + β·Δ₃          σ = γ + δ·|e₃|   (°F, σ at least 0.5)
///
/// each bracket's model probability is P(lo − ½ ≤ H ≤ hi + ½) for H ~ N(μ, σ), and its edge is that
/// probability minus its ask. The bracket with the largest edge is bought at the ask (taker) when the
/// edge is at least `edgeThreshold`; when an adjacent bracket's edge is at least `splitThreshold`,
/// the stake is split evenly over the two. Two hours before the predicted high (the hourly forecast's
/// peak), the model moves by the gap between the latest observation and the hourly forecast at that
/// hour (μ' = max(μ + gap, the climate day's highest reading so far)); a held bracket whose model
/// probability falls `edgeThreshold` below its bid is sold at the bid.
///
/// Parameters are exact decimals (``ExactDecimal``): what the command line accepts is what the
/// manifest records and a replay reads. The normal CDF is ``DeterministicMath/normalCDF(_:)``, so no
/// decision depends on the machine's libm.
package struct MidnightHeuristic: Strategy {
    package struct Parameters: Equatable, Sendable {
        package var alpha = ExactDecimal(millionths: 500_000)
        package var beta = ExactDecimal(millionths: 300_000)
        package var gamma = ExactDecimal(millionths: 2_000_000)
        package var delta = ExactDecimal(millionths: 300_000)
        package var edgeThreshold = ExactDecimal(millionths: 50_000)
        package var splitThreshold = ExactDecimal(millionths: 30_000)
        package var betAmount = Money(micros: 200_000_000)
        package init() {}
    }

    package let p: Parameters
    package let name = StrategyKind.midnightHeuristic.rawValue
    package let parameters: [Field]
    private var planned: [LocalDate] = []
    /// What we bought per event date: tickers, and the model's μ and σ.
    private var held: [LocalDate: (tickers: [Symbol], mu: Double, sigma: Double)] = [:]

    package init(_ p: Parameters) {
        self.p = p
        parameters = StrategyChoice.midnightHeuristic(p).fields
    }

    package mutating func onEvent(_ record: EventRecord, sequence: UInt64, state: CityState, effects: inout [Effect]) {
        guard case .marketListed(let m) = record.event, !planned.contains(m.eventDate) else { return }
        planned.append(m.eventDate)
        if planned.count > 16 { planned.removeFirst(planned.count - 16) }
        let subject = m.eventTicker.description
        guard let midnight = state.localMidnight(starting: m.eventDate) else {
            return effects.append(
                .decide(
                    decision(
                        subject, .skip, [sequence], [Field("skip_reason", SkipReason.noClock)],
                        "the catalog has no clock for city \(state.city): local midnight is unknown")))
        }
        guard record.time <= midnight else {
            return effects.append(
                .decide(
                    decision(
                        subject, .skip, [sequence],
                        [Field("skip_reason", SkipReason.listedAfterOpen), Field("midnight", midnight.rfc3339)],
                        "the market was listed at \(record.time.rfc3339), after local midnight \(midnight.rfc3339)")))
        }
        effects.append(.timer(key: .enter(date: m.eventDate), due: midnight))
    }

    package mutating func onTimer(
        _ key: TimerKey, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        switch key {
        case .enter(let date):
            guard let event = state.events[date] else { return }
            enter(event, at: time, state: state, effects: &effects)
        case .adjust(let date):
            guard let event = state.events[date] else { return }
            adjust(event, at: time, state: state, holdings: holdings, effects: &effects)
        default:
            break
        }
    }

    /// Mean forecast error and trend over the three days before `date`, from what is known now.
    private func recent(_ date: LocalDate, state: CityState) -> (
        error: Double, trend: Double, inputs: [UInt64], values: [Field]
    ) {
        var errors: [Double] = []
        var inputs: [UInt64] = []
        var values: [Field] = []
        for back in 1...4 {
            let day = date.advanced(by: Int32(-back))
            guard let known = state.knownHigh(day) else {
                values.append(Field("high_d-\(back)", "unknown"))
                continue
            }
            values.append(Field("high_d-\(back)", "\(known.high) (\(known.source.rawValue))"))
            inputs += known.inputs
            guard back <= 3, let forecast = state.latestForecast(for: day, basisAtMost: day.advanced(by: -1)) else {
                continue
            }
            errors.append(Double(known.high * 10 - forecast.value.high.tenths) / 10)
            inputs.append(forecast.sequence)
        }
        var trend = 0.0
        if let last = state.knownHigh(date.advanced(by: -1)), let first = state.knownHigh(date.advanced(by: -4)) {
            trend = Double(last.high - first.high) / 3
        }
        return (errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count), trend, inputs, values)
    }

    /// P(lo − ½ ≤ H ≤ hi + ½) for each bracket.
    static func probabilities(_ brackets: [Bracket], mu: Double, sigma: Double) -> [Double] {
        func cdf(_ x: Double) -> Double { DeterministicMath.normalCDF((x - mu) / sigma) }
        return brackets.map { b in
            let upper = b.highest.map { cdf(Double($0) + 0.5) } ?? 1
            let lower = b.lowest.map { cdf(Double($0) - 0.5) } ?? 0
            return upper - lower
        }
    }

    private mutating func enter(_ event: EventMarkets, at time: Timestamp, state: CityState, effects: inout [Effect]) {
        let subject = event.eventTicker.description
        guard let forecast = state.latestForecast(for: event.date, basisAtMost: event.date) else {
            return effects.append(
                .decide(
                    decision(
                        subject, .skip, [], [Field("skip_reason", SkipReason.noForecast)],
                        "no forecast for \(event.date.iso8601) by midnight")))
        }
        let (error, trend, inputs, history) = recent(event.date, state: state)
        let f = Double(forecast.value.high.tenths) / 10
        let mu = f + p.alpha.double * error + p.beta.double * trend
        let sigma = max(0.5, p.gamma.double + p.delta.double * abs(error))
        let model = Self.probabilities(event.brackets, mu: mu, sigma: sigma)
        var edges: [Double?] = []
        var quoteInputs: [UInt64] = []
        for (i, b) in event.brackets.enumerated() {
            guard let q = state.quote(b.ticker), let ask = q.offer else {
                edges.append(nil)
                continue
            }
            quoteInputs.append(q.sequence)
            edges.append(model[i] - Double(ask.micros) / 1e6)
        }
        var values = [
            Field("forecast_high", DecisionText.degrees(forecast.value.high)),
            Field("forecast_basis_date", forecast.value.basisDate.iso8601),
        ]
        values += history
        values += [
            Field("recent_error", fixedText(error)), Field("trend_per_day", fixedText(trend)),
            Field("mu", fixedText(mu)), Field("sigma", fixedText(sigma)),
        ]
        for (i, b) in event.brackets.enumerated() {
            values.append(Field("p_" + b.label, fixedText(model[i])))
            values.append(Field("edge_" + b.label, edges[i].map(fixedText) ?? "no ask"))
        }
        let allInputs = [forecast.sequence] + inputs + quoteInputs
        let threshold = p.edgeThreshold.double
        guard let best = edges.indices.filter({ edges[$0] != nil }).max(by: { edges[$0]! < edges[$1]! }) else {
            return effects.append(
                .decide(
                    decision(
                        subject, .skip, allInputs, values + [Field("skip_reason", SkipReason.noQuotes)],
                        "no bracket is offered at midnight")))
        }
        guard edges[best]! >= threshold else {
            return effects.append(
                .decide(
                    decision(
                        subject, .skip, allInputs, values + [Field("skip_reason", SkipReason.noEdge)],
                        "no bracket's edge reaches \(p.edgeThreshold.text(minDecimals: 3))")))
        }
        var chosen = [best]
        for n in [best - 1, best + 1] where edges.indices.contains(n) {
            if let e = edges[n], e >= p.splitThreshold.double, chosen.count == 1 { chosen.append(n) }
        }
        chosen.sort()
        let share = Money(micros: p.betAmount.micros / Int64(chosen.count))
        let labels = chosen.map { event.brackets[$0].label }.joined(separator: " and ")
        effects.append(
            .decide(
                decision(
                    subject, .buy, allInputs, values,
                    "model μ \(fixedText(mu))°F σ \(fixedText(sigma)): edge \(fixedText(edges[best]!)) ≥ \(p.edgeThreshold.text(minDecimals: 3)) in \(labels)"
                        + (chosen.count > 1
                            ? " (split: the neighbour's edge ≥ \(p.splitThreshold.text(minDecimals: 3)))" : ""))))
        var tickers: [Symbol] = []
        for i in chosen {
            let b = event.brackets[i]
            guard let ask = state.quote(b.ticker)?.offer else { continue }
            let contracts = share.micros / ask.micros
            guard contracts > 0 else { continue }
            tickers.append(b.ticker)
            effects.append(
                .place(
                    OrderIntent(
                        clientOrderId: "\(name)-\(b.ticker)-buy", ticker: b.ticker, side: .yes, action: .buy,
                        type: .market,
                        price: ask, count: Count(contracts: contracts), postOnly: false, decisionSequence: 0)))
        }
        held[event.date] = (tickers, mu, sigma)
        if let hourly = state.hourlyForecasts[event.date],
            let peak = hourly.value.points.max(by: { $0.temperature < $1.temperature })
        {
            let due = peak.time.adding(nanos: -120 * Timestamp.nanosPerMinute)
            if due > time { effects.append(.timer(key: .adjust(date: event.date), due: due)) }
        }
    }

    private mutating func adjust(
        _ event: EventMarkets, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        guard let plan = held[event.date], let hourly = state.hourlyForecasts[event.date] else { return }
        held[event.date] = nil
        // The latest reading against the hourly forecast at its time.
        guard let last = state.observations.last, last.value.observedAt <= time,
            let point = hourly.value.points.last(where: { $0.time <= last.value.observedAt })
        else { return }
        let gap = Double(last.value.temperature.tenths - point.temperature.tenths) / 10
        // The highest reading of the climate day (local standard time, as the official report counts it).
        let highestSeen = state.observedHighs[event.date]
        let highest = highestSeen.map { Double($0.value.tenths) / 10 } ?? -1_000
        let mu = max(plan.mu + gap, highest)
        let model = Self.probabilities(event.brackets, mu: mu, sigma: plan.sigma)
        for ticker in plan.tickers {
            guard let i = event.index(of: ticker), let holding = holdings.first(where: { $0.ticker == ticker }),
                holding.contracts.hundredths > 0, let q = state.quote(ticker), let bid = q.exitPrice
            else { continue }
            let value = model[i]
            let sell = value + p.edgeThreshold.double < Double(bid.micros) / 1e6
            var inputs = [last.sequence, hourly.sequence, q.sequence]
            if let h = highestSeen { inputs.append(h.sequence) }
            effects.append(
                .decide(
                    decision(
                        event.eventTicker.description, sell ? .exit : .hold, inputs,
                        [
                            Field("ticker", ticker.description), Field("gap_obs_minus_hourly", fixedText(gap)),
                            Field("highest_so_far", highestSeen.map { DecisionText.degrees($0.value) } ?? "none"),
                            Field("mu", fixedText(mu)),
                            Field("p_model", fixedText(value)), Field("bid", DecisionText.dollars(bid)),
                        ],
                        sell
                            ? "two hours before the peak the model gives \(fixedText(value)), below the bid $\(DecisionText.dollars(bid)) by more than \(p.edgeThreshold.text(minDecimals: 3)): sell at the bid"
                            : "two hours before the peak the model gives \(fixedText(value)) against the bid $\(DecisionText.dollars(bid)): hold"
                    )))
            if sell {
                effects.append(
                    .place(
                        OrderIntent(
                            clientOrderId: "\(name)-\(ticker)-exit", ticker: ticker, side: .yes, action: .sell,
                            type: .market,
                            price: bid, count: holding.contracts, postOnly: false, decisionSequence: 0)))
            }
        }
    }

    private func decision(
        _ subject: String, _ action: DecisionAction, _ inputs: [UInt64], _ values: [Field], _ reason: String
    )
        -> StrategyDecision
    {
        StrategyDecision(
            strategy: name, subject: subject, action: action, inputSequences: inputs, parameters: parameters,
            values: values,
            reason: reason)
    }

    /// Three decimals, half away from zero (values computed in `Double` are recorded this way).
    private func fixedText(_ v: Double) -> String {
        FixedPoint.format(Int64((v * 1_000).rounded()), scale: 3, minDecimals: 3)
    }
}
