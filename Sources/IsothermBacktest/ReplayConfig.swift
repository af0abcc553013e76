package import IsothermCore
package import IsothermEvents

/// A backtest configuration read back from a run manifest, for replaying the run.
package enum ReplayConfig {
    package struct Unreadable: Error, CustomStringConvertible {
        package var description: String
    }

    /// The configuration `manifest` records, over `logs` (its inputs, in order). Checked: its
    /// parameter hash must equal the manifest's, so nothing was lost in the round trip.
    package static func from(_ manifest: RunManifest, logs: [String], threads: Int, engineVersion: String)
        throws(Unreadable) -> BacktestConfig
    {
        var v: [String: String] = [:]
        for f in manifest.parameters { v[f.name] = f.value }
        func need(_ name: String) throws(Unreadable) -> String {
            guard let x = v[name] else { throw Unreadable(description: "the manifest has no \(name)") }
            return x
        }
        func int(_ name: String) throws(Unreadable) -> Int64 {
            guard let x = Int64(try need(name)) else { throw Unreadable(description: "\(name) is not a whole number") }
            return x
        }
        func tenths(_ name: String) throws(Unreadable) -> Int32 {
            guard let t = Temperature(fahrenheit: try need(name)) else {
                throw Unreadable(description: "\(name) is not degrees")
            }
            return t.tenths
        }
        func money(_ name: String) throws(Unreadable) -> Money {
            guard let m = Money(dollars: try need(name)) else {
                throw Unreadable(description: "\(name) is not dollars")
            }
            return m
        }
        func double(_ name: String) throws(Unreadable) -> Double {
            guard let d = Double(try need(name)) else { throw Unreadable(description: "\(name) is not a number") }
            return d
        }
        let strategy: StrategyChoice
        switch try need("strategy") {
        case "midnight_heuristic":
            var p = MidnightHeuristic.Parameters()
            p.alpha = try double("alpha")
            p.beta = try double("beta")
            p.gamma = try double("gamma")
            p.delta = try double("delta")
            p.edgeThreshold = try double("edge_threshold")
            p.splitThreshold = try double("split_threshold")
            p.betAmount = try money("bet_amount_usd")
            strategy = .midnightHeuristic(p)
        case let name:
            var p = OpenMaker.Parameters()
            guard let price = Price(dollars: try need("entry_price")) else {
                throw Unreadable(description: "entry_price is not dollars")
            }
            p.entryPrice = price
            p.biasTenths = try tenths("temp_bias_deg")
            p.basisOffsetDays = Int32(try int("basis_offset_days"))
            p.betAmount = try money("bet_amount_usd")
            switch name {
            case "open_maker":
                break
            case "exit":
                var e = OpenMaker.ExitRule()
                e.edgeCents = try int("edge_cents")
                e.afterMinutes = try int("exit_after_minutes")
                e.latestMinutes = try int("exit_latest_minutes")
                e.distance = Int(try int("exit_distance"))
                p.exit = e
            case "next_over":
                var n = OpenMaker.NextOverRule()
                n.offsetMinutes = try int("decision_offset_min")
                n.neighborMinCents = try int("neighbor_price_min_c")
                n.ourMaxCents = try int("our_price_max_c")
                p.nextOver = n
            case "curve_gap":
                var c = OpenMaker.CurveGapRule()
                c.offsetMinutes = try int("decision_offset_min")
                c.gapMinTenths = try tenths("delta_obs_fcst_min_deg")
                c.slopeMinTenthsPerHour = try tenths("slope_min_deg_per_hour")
                c.maxShiftBins = Int(try int("max_shift_bins"))
                p.curveGap = c
            default:
                throw Unreadable(description: "unknown strategy \(name)")
            }
            strategy = .openMaker(p)
        }
        guard let fill = FillModel(rawValue: try need("fill_model")) else {
            throw Unreadable(description: "unknown fill model")
        }
        var exchange = ExchangeOptions(fillModel: fill)
        let window = try need("fill_window_min")
        exchange.windowMinutes = window == "close" ? nil : Int64(window)
        if let q = v["queue_ahead"], let n = Int64(q) { exchange.queueAhead = Count(contracts: n) }
        var dates: ClosedRange<LocalDate>? = nil
        let dateText = try need("dates")
        if dateText != "all" {
            let parts = dateText.components(separatedBy: "..")
            guard parts.count == 2, let a = LocalDate(iso8601: parts[0]), let b = LocalDate(iso8601: parts[1]), a <= b
            else {
                throw Unreadable(description: "dates \(dateText) is not a range")
            }
            dates = a...b
        }
        var config = BacktestConfig(
            logs: logs, strategy: strategy, exchange: exchange, dates: dates, threads: threads,
            engineVersion: engineVersion)
        if let x = v["max_contracts"], let n = Int64(x) { config.risk.maxContractsPerOrder = Count(contracts: n) }
        if let x = v["max_event_exposure"] { config.risk.maxExposurePerEvent = Money(dollars: x) }
        if let x = v["max_day_exposure"] { config.risk.maxExposurePerDay = Money(dollars: x) }
        if let x = v["max_open_orders"] { config.risk.maxOpenOrders = Int(x) }
        if let x = v["kill_after_loss"] { config.risk.killAfterLoss = Money(dollars: x) }
        guard config.parameterHash == manifest.configHash else {
            throw Unreadable(description: "the parameters read back do not hash to the manifest's parameter hash")
        }
        return config
    }
}

extension String {
    fileprivate func components(separatedBy separator: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: separator) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}
