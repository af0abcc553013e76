import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermPostgres

/// The printed forms of a backtest: the seed's report (plus our figures), JSON, and a comparison.
enum BacktestReport {
    /// The old system's name of a city code (`NY` → `new_york`), as its reports printed them.
    static func cityName(_ code: String) -> String { LegacyCity.name(code: code) }

    static func money(_ m: Money, sign: Bool = true) -> String {
        let cents = (m.micros >= 0 ? m.micros + 5_000 : m.micros - 5_000) / 10_000
        let text =
            grouped(Int64(cents.magnitude / 100)) + "." + (cents.magnitude % 100 < 10 ? "0" : "")
            + String(cents.magnitude % 100)
        return "$" + (cents < 0 ? "-" : sign ? "+" : "") + text
    }

    static func percent(_ v: Double, sign: Bool = false) -> String {
        (sign && v >= 0 ? "+" : "") + fixed(v * 100, 2) + "%"
    }

    static func text(_ r: BacktestResult, debug: Int) -> String {
        let m = r.metrics
        let rule = String(repeating: "=", count: 60)
        let title = r.strategyName == "midnight_heuristic" ? "MIDNIGHT-HEURISTIC" : "OPEN-MAKER"
        var lines = [rule, "\(title) BACKTEST RESULTS", rule, ""]
        lines.append("Strategy: \(r.strategyName)")
        lines.append("Run ID: \(r.manifest.runId)")
        if let first = m.daily.first?.date, let last = m.daily.last?.date {
            lines.append("Period: \(first.iso8601) to \(last.iso8601)")
        } else {
            lines.append("Period: no trades (event dates asked for: \(r.config.dates.text))")
        }
        lines.append("Cities: " + r.byCity.map { cityName($0.city) }.joined(separator: ", "))
        lines.append("Fill Model: \(r.config.exchange.fillModel.rawValue)" + fillNote(r))
        if case .openMaker(let p) = r.config.strategy {
            lines += [
                "", "Parameters:",
                "  Entry Price: \(FixedPoint.format(p.entryPrice.micros, scale: 4, minDecimals: 1))c",
                "  Temp Bias: \(p.biasTenths >= 0 ? "+" : "")\(DecisionText.degrees(tenths: p.biasTenths))F",
                "  Basis Offset: \(p.basisOffsetDays) day(s)", "  Bet Amount: \(money(p.betAmount, sign: false))",
            ]
            for f in r.parameters.dropFirst(4) { lines.append("  \(f.name): \(f.value)") }
        } else {
            lines += ["", "Parameters:"]
            for f in r.parameters { lines.append("  \(f.name): \(f.value)") }
        }
        for f in r.config.risk.fields { lines.append("  \(f.name): \(f.value)") }
        lines += [
            "", "Results:", "  Total Trades: \(grouped(Int64(m.trades))) (\(m.days) days)",
            "  Win Rate: \(fixed(m.winRate * 100, 1))% (net P&L > 0)"
                + (m.bracketHits != m.wins
                    ? "; bracket hit rate \(fixed(m.bracketHitRate * 100, 1))% (\(m.bracketHits) of \(m.settledTrades))"
                    : ""),
            "  Total P&L: \(money(m.totalPnL))",
            "  Avg P&L/Trade: \(money(Money(micros: m.trades > 0 ? m.totalPnL.micros / Int64(m.trades) : 0)))",
            "  Total Wagered: \(money(m.wagered, sign: false))", "  ROI: \(percent(m.roi, sign: true))",
            "  Fees: \(money(m.fees, sign: false))",
            "  Fill Rate: \(fixed(m.fillRate * 100, 1))% (\(m.ordersFilled) of \(m.ordersPlaced) buy orders)",
            "", "Risk Metrics:", "  P&L Std (per-trade): $\(fixed(m.pnlStdPerTrade, 2))",
            "  Sharpe (per-trade): \(fixed(m.sharpePerTrade, 3))",
            "  P&L Std (daily): $\(fixed(m.pnlStdDaily, 2))", "  Sharpe (daily): \(fixed(m.sharpeDaily, 3))",
            "  Max Drawdown: \(money(m.maxDrawdown, sign: false))",
        ]
        lines += orderLines(m)
        if m.disagreements > 0 {
            lines += [
                "",
                "Settlement disagreements: \(m.disagreements) trade(s) where the official report's high and Kalshi's result disagree about the bracket (Kalshi's result paid):",
                "  " + m.disagreementDates.map(\.iso8601).joined(separator: ", "),
            ]
        }
        if let d = r.diagnosis {
            lines += ["", "No orders were placed:"]
            for l in d.lines { lines.append("  " + l) }
        }
        lines += ["", "By City:"]
        for (city, c) in r.byCity {
            lines.append(
                "  \(rightPad(cityName(city), 15)): \(leftPad(String(c.trades), 4)) trades, \(fixed(c.winRate * 100, 1))% win, \(money(c.totalPnL)) P&L"
            )
        }
        if !m.byBracketPosition.isEmpty {
            lines += ["", "By Bracket Position (0 = lowest):"]
            for b in m.byBracketPosition {
                lines.append("  \(b.position): \(leftPad(String(b.trades), 5)) trades, \(money(b.pnl)) P&L")
            }
        }
        if debug > 0 {
            let filled = r.trades.filter { $0.contracts.hundredths > 0 }
            lines += ["", "Sample Trades (\(min(debug, filled.count)) evenly spaced):"]
            let step = max(1, filled.count / max(1, debug))
            for t in stride(from: 0, to: filled.count, by: step).prefix(debug).map({ filled[$0] }) {
                lines.append(
                    "  \(t.eventDate.iso8601) \(rightPad(t.city, 4)) \(t.ticker): forecast \(t.value("forecast_high") ?? "?")F "
                        + "(basis \(t.value("forecast_basis_date") ?? "?")) → \(t.value("rounded_high") ?? "?")F in \(t.bracket); "
                        + "\(FixedPoint.format(t.contracts.hundredths, scale: 2, minDecimals: 0)) @ \(DecisionText.dollars(t.entryPrice)); "
                        + "high \(t.settledHigh.map(String.init) ?? "?")F, bracket \(t.bracketWon.map { $0 ? "won" : "lost" } ?? "unsettled")"
                        + (t.settlementDisagrees ? " (the report disagrees)" : "")
                        + (t.crossed ? ", crossed the quote" : "")
                        + (t.exitPrice.map { ", exited at \(DecisionText.dollars($0))" } ?? "")
                        + ", net \(money(t.netPnL))")
            }
        }
        lines += [
            "", "Output hash: \(r.outputHash)",
            "Replay: \(grouped(Int64(r.runs.reduce(0) { $0 + $1.inputs }))) events in \(fixed(r.seconds, 2)) s", rule,
        ]
        return lines.joined(separator: "\n")
    }

    /// The fill model's assumptions in a few words, and what crossed.
    static func fillNote(_ r: BacktestResult) -> String {
        " (orders posted before any quote rest first in the book; limit orders meeting the quote take it)"
    }

    /// Rejected and crossing orders, when there were any.
    static func orderLines(_ m: Metrics) -> [String] {
        var lines: [String] = []
        if m.rejectedOrders > 0 {
            lines += ["", "Rejected Orders: \(m.rejectedOrders)"]
            for r in m.rejections { lines.append("  \(rightPad(r.code, 26)) \(leftPad(String(r.count), 6))") }
        }
        if m.crossedOrders > 0 {
            lines += [
                "",
                "Crossed Orders: \(m.crossedOrders) limit order(s) met the quote when placed (taken at the quote with the taker fee, or rejected if post-only)",
            ]
        }
        return lines
    }

    static func comparison(_ results: [BacktestResult]) -> String {
        var lines = [
            rightPad("strategy", 19) + leftPad("trades", 8) + leftPad("win %", 8) + leftPad("P&L", 14)
                + leftPad("avg", 10)
                + leftPad("ROI", 9) + leftPad("sharpe/d", 10) + leftPad("max DD", 13) + leftPad("fill %", 8)
                + leftPad("fees", 11)
        ]
        for r in results {
            let m = r.metrics
            lines.append(
                rightPad(r.strategyName, 19) + leftPad(String(m.trades), 8) + leftPad(fixed(m.winRate * 100, 1), 8)
                    + leftPad(money(m.totalPnL), 14) + leftPad("$" + fixed(m.averagePnL, 2), 10)
                    + leftPad(percent(m.roi, sign: true), 9)
                    + leftPad(fixed(m.sharpeDaily, 3), 10) + leftPad(money(m.maxDrawdown, sign: false), 13)
                    + leftPad(fixed(m.fillRate * 100, 1), 8) + leftPad(money(m.fees, sign: false), 11))
        }
        for r in results { lines.append("\(r.strategyName): run \(r.manifest.runId), output hash \(r.outputHash)") }
        for r in results where r.metrics.rejectedOrders > 0 || r.metrics.disagreements > 0 {
            lines.append(
                "\(r.strategyName): \(r.metrics.rejectedOrders) order(s) rejected ("
                    + r.metrics.rejections.map { "\($0.code) \($0.count)" }.joined(separator: ", ")
                    + "), \(r.metrics.disagreements) settlement disagreement(s)")
        }
        for r in results {
            if let d = r.diagnosis { lines.append("\(r.strategyName): no orders: " + d.lines.joined(separator: "; ")) }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ r: BacktestResult) -> String {
        var j = JSONWriter()
        func metrics(_ m: Metrics) {
            j.number("trades", Int64(m.trades))
            j.number("days", Int64(m.days))
            j.number("wins", Int64(m.wins))
            j.rawNumber("win_rate", fixed(m.winRate, 4))
            j.number("bracket_hits", Int64(m.bracketHits))
            j.rawNumber("bracket_hit_rate", fixed(m.bracketHitRate, 4))
            j.string("total_pnl", DecisionText.dollars(m.totalPnL))
            j.rawNumber("avg_pnl", fixed(m.averagePnL, 4))
            j.string("wagered", DecisionText.dollars(m.wagered))
            j.rawNumber("roi", fixed(m.roi, 6))
            j.string("fees", DecisionText.dollars(m.fees))
            j.number("orders_placed", Int64(m.ordersPlaced))
            j.number("orders_filled", Int64(m.ordersFilled))
            j.rawNumber("fill_rate", fixed(m.fillRate, 4))
            j.rawNumber("pnl_std_per_trade", fixed(m.pnlStdPerTrade, 4))
            j.rawNumber("sharpe_per_trade", fixed(m.sharpePerTrade, 4))
            j.rawNumber("pnl_std_daily", fixed(m.pnlStdDaily, 4))
            j.rawNumber("sharpe_daily", fixed(m.sharpeDaily, 4))
            j.string("max_drawdown", DecisionText.dollars(m.maxDrawdown))
            j.number("orders_rejected", Int64(m.rejectedOrders))
            j.beginObject("rejections")
            for r in m.rejections { j.number(r.code, Int64(r.count)) }
            j.endObject()
            j.number("orders_crossed", Int64(m.crossedOrders))
            j.number("settlement_disagreements", Int64(m.disagreements))
            j.beginArray("settlement_disagreement_dates")
            for d in m.disagreementDates { j.string(nil, d.iso8601) }
            j.endArray()
        }
        j.beginObject()
        j.string("run_id", r.manifest.runId)
        j.string("strategy", r.strategyName)
        j.string("fill_model", r.config.exchange.fillModel.rawValue)
        j.beginObject("parameters")
        for f in r.parameters { j.string(f.name, f.value) }
        j.endObject()
        j.string("dates_requested", r.config.dates.text)
        j.stringOrNull("start_date", r.metrics.daily.first?.date.iso8601)
        j.stringOrNull("end_date", r.metrics.daily.last?.date.iso8601)
        j.string("parameter_hash", r.manifest.configHash)
        j.string("output_hash", r.outputHash)
        j.beginArray("inputs")
        for (i, input) in zip(r.manifest.inputs, r.logs) {
            j.beginObject()
            j.string("log", i.log)
            j.beginArray("cities")
            for run in r.runs where r.logs[run.logIndex].absolutePath == input.absolutePath { j.string(nil, run.city) }
            j.endArray()
            j.number("first_seq", i.firstSequence)
            j.number("last_seq", i.lastSequence)
            j.string("sha256", i.contentHash)
            j.endObject()
        }
        j.endArray()
        j.beginObject("metrics")
        metrics(r.metrics)
        j.endObject()
        j.beginArray("by_city")
        for (city, m) in r.byCity {
            j.beginObject()
            j.string("city", city)
            metrics(m)
            j.endObject()
        }
        j.endArray()
        j.beginArray("daily_pnl")
        for d in r.metrics.daily {
            j.beginObject()
            j.string("date", d.date.iso8601)
            j.string("pnl", DecisionText.dollars(d.pnl))
            j.endObject()
        }
        j.endArray()
        j.beginArray("trades")
        for t in r.trades {
            j.beginObject()
            j.string("city", t.city)
            j.string("event_date", t.eventDate.iso8601)
            j.string("ticker", t.ticker.description)
            j.string("bracket", t.bracket)
            j.string("client_order_id", t.clientOrderId)
            j.stringOrNull("forecast_basis_date", t.value("forecast_basis_date"))
            j.stringOrNull("forecast_high", t.value("forecast_high"))
            j.stringOrNull("adjusted_high", t.value("adjusted_high"))
            j.string("entry_price", DecisionText.dollars(t.entryPrice))
            j.string("contracts", FixedPoint.format(t.contracts.hundredths, scale: 2, minDecimals: 2))
            j.string("cost", DecisionText.dollars(t.cost))
            j.stringOrNull("exit_price", t.exitPrice.map { DecisionText.dollars($0) })
            if let h = t.settledHigh { j.number("settled_high", Int64(h)) } else { j.null("settled_high") }
            if let w = t.bracketWon { j.bool("bracket_won", w) } else { j.null("bracket_won") }
            j.bool("settlement_disagrees", t.settlementDisagrees)
            j.bool("won", t.won)
            j.bool("crossed", t.crossed)
            j.string("gross_pnl", DecisionText.dollars(t.grossPnL))
            j.string("fees", DecisionText.dollars(t.fees))
            j.string("net_pnl", DecisionText.dollars(t.netPnL))
            j.endObject()
        }
        j.endArray()
        if let d = r.diagnosis {
            j.beginObject("no_orders")
            j.beginObject("skips")
            for s in d.skips { j.number(s.reason, Int64(s.count)) }
            j.endObject()
            j.stringOrNull("market_dates_from", d.marketDates?.lowerBound.iso8601)
            j.stringOrNull("market_dates_through", d.marketDates?.upperBound.iso8601)
            j.number("events_in_range", Int64(d.eventsInRange))
            j.stringOrNull("forecast_dates_from", d.forecastDates?.lowerBound.iso8601)
            j.stringOrNull("forecast_dates_through", d.forecastDates?.upperBound.iso8601)
            j.endObject()
        }
        j.rawNumber("seconds", fixed(r.seconds, 3))
        j.endObject()
        return j.output
    }
}
