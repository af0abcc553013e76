import Glibc
package import IsothermEvents

/// The seed's second family, `midnight_heuristic`. The seed names only its parameters; this is our
/// formula (ARCHITECTURE.md, "midnight_heuristic"):
///
/// At local midnight starting event day D (the market's close, 23:59 local, minus 23 h 59 min), with
/// F the latest daily forecast for D, e₃ the mean error of the day-ahead forecasts over the last three
/// days (official high − forecast, days D−3…D−1) and Δ₃ the observed trend ((high D−1 − high D−4) / 3):
///
///     μ = F + α·e₃ + β·Δ₃          σ = γ + δ·|e₃|   (°F, σ at least 0.5)
///
/// each bracket's model probability is P(lo − ½ ≤ H ≤ hi + ½) for H ~ N(μ, σ), and its edge is that
/// probability minus its ask. The bracket with the largest edge is bought at the ask (taker) when the
/// edge is at least `edgeThreshold`; when an adjacent bracket's edge is at least `splitThreshold`,
/// the stake is split evenly over the two. Two hours before the predicted high (the hourly forecast's
/// peak), the model moves by the gap between the latest observation and the hourly forecast at that
/// hour (μ' = max(μ + gap, highest reading so far)); a held bracket whose model probability falls
/// `edgeThreshold` below its bid is sold at the bid.
package struct MidnightHeuristic: Strategy {
    package struct Parameters: Equatable, Sendable {
        package var alpha = 0.5
        package var beta = 0.3
        package var gamma = 2.0
        package var delta = 0.3
        package var edgeThreshold = 0.05
        package var splitThreshold = 0.03
        package var betAmount = Money(micros: 200_000_000)
        package init() {}
    }

    package let p: Parameters
    package var name: String { "midnight_heuristic" }
    private var planned: [LocalDate] = []
    /// What we bought per event date: tickers, and the model's μ and σ.
    private var held: [LocalDate: (tickers: [Symbol], mu: Double, sigma: Double)] = [:]

    package init(_ p: Parameters) { self.p = p }

    package var parameters: [Field] {
        [
            Field("alpha", fixed(p.alpha)), Field("beta", fixed(p.beta)), Field("gamma", fixed(p.gamma)),
            Field("delta", fixed(p.delta)), Field("edge_threshold", fixed(p.edgeThreshold)),
            Field("split_threshold", fixed(p.splitThreshold)),
            Field("bet_amount_usd", DecisionText.dollars(p.betAmount)),
        ]
    }

    private func fixed(_ v: Double) -> String {
        let n = Int64((v * 1_000).rounded())
        return FixedPoint.format(n, scale: 3, minDecimals: 2)
    }

    package mutating func onEvent(_ record: EventRecord, sequence: UInt64, state: CityState, effects: inout [Effect]) {
        guard case .marketListed(let m) = record.event, !planned.contains(m.eventDate) else { return }
        planned.append(m.eventDate)
        if planned.count > 16 { planned.removeFirst(planned.count - 16) }
        let midnight = m.closeTime.adding(nanos: -(23 * 60 + 59) * Timestamp.nanosPerMinute)
        let code = m.eventDate.iso8601
        effects.append(.timer(key: "watch:" + code, due: midnight.adding(nanos: -10 * Timestamp.nanosPerMinute)))
        effects.append(.timer(key: "enter:" + code, due: midnight))
    }

    package mutating func onTimer(
        _ key: String, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        guard let colon = key.firstIndex(of: ":"),
            let date = LocalDate(iso8601: String(key[key.index(after: colon)...])),
            let event = state.events[date]
        else { return }
        switch key[..<colon] {
        case "watch":
            for b in event.brackets { effects.append(.watch(b.ticker)) }
        case "enter":
            enter(event, at: time, state: state, effects: &effects)
        case "adjust":
            adjust(event, at: time, state: state, holdings: holdings, effects: &effects)
        default:
            break
        }
    }

    /// Mean forecast error and trend over the three days before `date`, from what has been published.
    private func recent(_ date: LocalDate, state: CityState) -> (error: Double, trend: Double, inputs: [UInt64]) {
        var errors: [Double] = []
        var inputs: [UInt64] = []
        for back in 1...3 {
            let day = date.advanced(by: Int32(-back))
            guard let report = state.finalReports[day],
                let forecast = state.latestForecast(for: day, basisAtMost: day.advanced(by: -1))
            else { continue }
            errors.append(Double(report.value.high.tenths - forecast.value.high.tenths) / 10)
            inputs += [report.sequence, forecast.sequence]
        }
        var trend = 0.0
        if let last = state.finalReports[date.advanced(by: -1)], let first = state.finalReports[date.advanced(by: -4)] {
            trend = Double(last.value.high.tenths - first.value.high.tenths) / 30
            inputs += [last.sequence, first.sequence]
        }
        return (errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count), trend, inputs)
    }

    /// P(lo − ½ ≤ H ≤ hi + ½) for each bracket.
    static func probabilities(_ brackets: [Bracket], mu: Double, sigma: Double) -> [Double] {
        func cdf(_ x: Double) -> Double { 0.5 * erfc(-(x - mu) / (sigma * 2.0.squareRoot())) }
        return brackets.map { b in
            let upper = b.highest.map { cdf(Double($0) + 0.5) } ?? 1
            let lower = b.lowest.map { cdf(Double($0) - 0.5) } ?? 0
            return upper - lower
        }
    }

    private mutating func enter(_ event: EventMarkets, at time: Timestamp, state: CityState, effects: inout [Effect]) {
        defer { for b in event.brackets { effects.append(.unwatch(b.ticker)) } }
        let subject = event.eventTicker.description
        guard let forecast = state.latestForecast(for: event.date, basisAtMost: event.date) else {
            return effects.append(
                .decide(decision(subject, "skip", [], [], "no forecast for \(event.date.iso8601) by midnight")))
        }
        let (error, trend, inputs) = recent(event.date, state: state)
        let f = Double(forecast.value.high.tenths) / 10
        let mu = f + p.alpha * error + p.beta * trend
        let sigma = max(0.5, p.gamma + p.delta * abs(error))
        let model = Self.probabilities(event.brackets, mu: mu, sigma: sigma)
        var edges: [Double?] = []
        var quoteInputs: [UInt64] = []
        for (i, b) in event.brackets.enumerated() {
            guard let q = state.quotes[b.ticker], let ask = q.ask else {
                edges.append(nil)
                continue
            }
            quoteInputs.append(q.sequence)
            edges.append(model[i] - Double(ask.micros) / 1e6)
        }
        var values = [
            Field("forecast_high", DecisionText.degrees(forecast.value.high)),
            Field("forecast_basis_date", forecast.value.basisDate.iso8601), Field("recent_error", fixedText(error)),
            Field("trend_per_day", fixedText(trend)), Field("mu", fixedText(mu)), Field("sigma", fixedText(sigma)),
        ]
        for (i, b) in event.brackets.enumerated() {
            values.append(Field("p_" + b.label, fixedText(model[i])))
            values.append(Field("edge_" + b.label, edges[i].map(fixedText) ?? "no ask"))
        }
        let allInputs = [forecast.sequence] + inputs + quoteInputs
        guard let best = edges.indices.filter({ edges[$0] != nil }).max(by: { edges[$0]! < edges[$1]! }),
            edges[best]! >= p.edgeThreshold
        else {
            return effects.append(
                .decide(
                    decision(
                        subject, "skip", allInputs, values, "no bracket's edge reaches \(fixedText(p.edgeThreshold))")))
        }
        var chosen = [best]
        for n in [best - 1, best + 1] where edges.indices.contains(n) {
            if let e = edges[n], e >= p.splitThreshold, chosen.count == 1 { chosen.append(n) }
        }
        chosen.sort()
        let share = Money(micros: p.betAmount.micros / Int64(chosen.count))
        let labels = chosen.map { event.brackets[$0].label }.joined(separator: " and ")
        effects.append(
            .decide(
                decision(
                    subject, "buy", allInputs, values,
                    "model μ \(fixedText(mu))°F σ \(fixedText(sigma)): edge \(fixedText(edges[best]!)) ≥ \(fixedText(p.edgeThreshold)) in \(labels)"
                        + (chosen.count > 1 ? " (split: the neighbour's edge ≥ \(fixedText(p.splitThreshold)))" : ""))))
        var tickers: [Symbol] = []
        for i in chosen {
            let b = event.brackets[i]
            guard let ask = state.quotes[b.ticker]?.ask, ask.micros > 0 else { continue }
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
            if due > time {
                effects.append(
                    .timer(key: "watch:" + event.date.iso8601, due: due.adding(nanos: -10 * Timestamp.nanosPerMinute)))
                effects.append(.timer(key: "adjust:" + event.date.iso8601, due: due))
            }
        }
    }

    private mutating func adjust(
        _ event: EventMarkets, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {
        defer { for b in event.brackets { effects.append(.unwatch(b.ticker)) } }
        guard let plan = held[event.date], let hourly = state.hourlyForecasts[event.date] else { return }
        held[event.date] = nil
        // The latest reading against the hourly forecast at its time.
        guard let last = state.observations.last, last.value.observedAt <= time,
            let point = hourly.value.points.last(where: { $0.time <= last.value.observedAt })
        else { return }
        let gap = Double(last.value.temperature.tenths - point.temperature.tenths) / 10
        let sinceMidnight = state.recentObservations(minutes: 24 * 60, before: time).filter {
            $0.value.observedAt >= event.closeTime!.adding(nanos: -(23 * 60 + 59) * Timestamp.nanosPerMinute)
        }
        let highest = sinceMidnight.map { Double($0.value.temperature.tenths) / 10 }.max() ?? -1_000
        let mu = max(plan.mu + gap, highest)
        let model = Self.probabilities(event.brackets, mu: mu, sigma: plan.sigma)
        for ticker in plan.tickers {
            guard let i = event.index(of: ticker), let holding = holdings.first(where: { $0.ticker == ticker }),
                holding.contracts.hundredths > 0, let q = state.quotes[ticker], let bid = q.exitPrice
            else { continue }
            let value = model[i]
            let sell = value + p.edgeThreshold < Double(bid.micros) / 1e6
            effects.append(
                .decide(
                    decision(
                        event.eventTicker.description, sell ? "exit" : "hold",
                        [last.sequence, hourly.sequence, q.sequence],
                        [
                            Field("ticker", ticker.description), Field("gap_obs_minus_hourly", fixedText(gap)),
                            Field("highest_so_far", fixedText(highest)), Field("mu", fixedText(mu)),
                            Field("p_model", fixedText(value)), Field("bid", DecisionText.dollars(bid)),
                        ],
                        sell
                            ? "two hours before the peak the model gives \(fixedText(value)), below the bid $\(DecisionText.dollars(bid)) by more than \(fixedText(p.edgeThreshold)): sell at the bid"
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

    private func decision(_ subject: String, _ action: String, _ inputs: [UInt64], _ values: [Field], _ reason: String)
        -> StrategyDecision
    {
        StrategyDecision(
            strategy: name, subject: subject, action: action, inputSequences: inputs, parameters: parameters,
            values: values,
            reason: reason)
    }

    private func fixedText(_ v: Double) -> String {
        FixedPoint.format(Int64((v * 1_000).rounded()), scale: 3, minDecimals: 3)
    }
}
