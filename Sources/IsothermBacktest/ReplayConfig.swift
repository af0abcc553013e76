import IsothermCore
package import IsothermEvents

/// A backtest configuration read back from a run manifest, for replaying the run.
package enum ReplayConfig {
    package struct Unreadable: Error, CustomStringConvertible {
        package var description: String
    }

    /// The configuration `manifest` records, over `logs` (its inputs, in order). Every parameter is
    /// read by the same ``ParameterSpec`` that wrote it, and the result must hash to the manifest's
    /// parameter hash, so nothing was lost in the round trip.
    package static func from(_ manifest: RunManifest, logs: [String], threads: Int, engineVersion: String)
        throws(Unreadable) -> BacktestConfig
    {
        var v: [String: String] = [:]
        for f in manifest.parameters { v[f.name] = f.value }
        func need(_ name: String) throws(Unreadable) -> String {
            guard let x = v[name] else { throw Unreadable(description: "the manifest has no \(name)") }
            return x
        }
        let strategy: StrategyChoice
        do {
            strategy = try StrategyChoice.parse(manifest: manifest.parameters)
        } catch {
            throw Unreadable(description: error.description)
        }
        guard let fill = FillModel(rawValue: try need("fill_model")) else {
            throw Unreadable(description: "unknown fill model \(v["fill_model"] ?? "")")
        }
        var exchange = ExchangeOptions(fillModel: fill)
        let window = try need("fill_window_min")
        if window == "close" {
            exchange.windowMinutes = nil
        } else {
            guard let minutes = Int64(window) else { throw Unreadable(description: "fill_window_min \(window)") }
            exchange.windowMinutes = minutes
        }
        guard let queue = Count(fixedPoint: try need("queue_ahead")) else {
            throw Unreadable(description: "queue_ahead \(v["queue_ahead"] ?? "") is not a count")
        }
        exchange.queueAhead = queue
        switch v["broker"] {
        case nil: break
        case "exchange": exchange.atExchange = true
        case let other?: throw Unreadable(description: "unknown broker \(other)")
        }
        guard let dates = DateFilter(text: try need("dates")) else {
            throw Unreadable(description: "dates \(v["dates"] ?? "") is not a range")
        }
        var config = BacktestConfig(
            logs: logs, strategy: strategy, exchange: exchange, dates: dates, threads: threads,
            engineVersion: engineVersion)
        if let cities = v["cities"] { config.cities = cities.split(separator: ",").map(String.init) }
        do {
            config.risk = try RiskLimits(fields: manifest.parameters)
        } catch {
            throw Unreadable(description: error.description)
        }
        guard config.parameterHash == manifest.configHash else {
            throw Unreadable(description: "the parameters read back do not hash to the manifest's parameter hash")
        }
        return config
    }
}
