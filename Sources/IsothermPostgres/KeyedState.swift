import IsothermCore
import IsothermEvents

/// The keyed tables' rows, folded from events: markets, reports, forecasts, market opens, live
/// orders and (from runs logs) the sim tables.
struct KeyedState {
    var markets = KeyedRows(ProjectedTable.markets.spec)
    var settlement = KeyedRows(ProjectedTable.settlement.spec)
    var forecast = KeyedRows(ProjectedTable.forecast.spec)
    var hourly = KeyedRows(ProjectedTable.forecastHourly.spec)
    var openLog = KeyedRows(ProjectedTable.marketOpenLog.spec)
    var live = KeyedRows(ProjectedTable.liveOrders.spec)
    var sim = SimRows()

    /// The event kinds a table is made from.
    static func kinds(for table: ProjectedTable) -> Set<EventKind> {
        switch table {
        case .markets: [.marketListed, .marketLifecycle]
        case .marketOpenLog: [.marketLifecycle]
        case .settlement: [.settlement]
        case .forecast: [.dailyForecast]
        case .forecastHourly: [.hourlyForecast]
        case .simRun, .simDecision, .simTrade: [.runManifest, .strategyDecision, .orderIntent, .fill]
        case .liveOrders: [.orderIntent, .orderAcknowledged, .orderRejected, .orderCanceled, .fill]
        case .candles: [.candle]
        case .minuteObs: [.observation]
        }
    }

    func rows(_ table: ProjectedTable) -> KeyedRows {
        switch table {
        case .markets: markets
        case .settlement: settlement
        case .forecast: forecast
        case .forecastHourly: hourly
        case .marketOpenLog: openLog
        case .liveOrders: live
        case .simRun: sim.runs
        case .simDecision: sim.decisions
        case .simTrade: sim.trades
        case .candles, .minuteObs: preconditionFailure("\(table.rawValue) is not a keyed table")
        }
    }

    /// Folds one event (of a log that is not a runs log) into the tables `wants` accepts.
    mutating func add(
        _ record: EventRecord, sequence: UInt64, log: String, wants: (ProjectedTable) -> Bool
    ) throws {
        let time = record.time
        switch record.event {
        case .marketListed(let m) where wants(.markets):
            var r = markets.blank()
            r[markets.column("ticker")] = .text(m.ticker)
            r[markets.column("event_ticker")] = .text(m.eventTicker)
            r[markets.column("series_ticker")] = .text(m.seriesTicker)
            r[markets.column("city")] = .text(LegacyCity.name(series: m.seriesTicker.description))
            r[markets.column("event_date")] = .date(m.eventDate)
            r[markets.column("strike_type")] = .text(m.strikeType.name)
            r[markets.column("floor_strike")] = m.floorStrike.map { .tenths($0) }
            r[markets.column("cap_strike")] = m.capStrike.map { .tenths($0) }
            r[markets.column("title")] = .text(m.title)
            r[markets.column("fee_type")] = .text(m.feeType.name)
            r[markets.column("fee_multiplier")] = .decimal(m.feeMultiplierMillionths, scale: 6)
            r[markets.column("listed_at")] = .time(m.openTime)
            r[markets.column("open_time")] = .time(m.openTime)
            r[markets.column("close_time")] = .time(m.closeTime)
            r[markets.column("updated_at")] = .time(time)
            markets.merge(r)

        case .marketLifecycle(let l):
            if wants(.markets) {
                var r = markets.blank()
                r[markets.column("ticker")] = .text(l.ticker)
                r[markets.column("open_time")] = l.openTime.map { .time($0) }
                r[markets.column("close_time")] = l.closeTime.map { .time($0) }
                r[markets.column("status")] = l.transition == .closeDateUpdated ? nil : .text(l.transition.name)
                r[markets.column("result")] = l.result.map { .text($0.name) }
                r[markets.column("settlement_value_c")] = try l.settlementValue.map {
                    .int(try LegacyUnits.cents($0, "settlement value of \(l.ticker)"))
                }
                r[markets.column("determined_at")] = l.transition == .determined ? .time(time) : nil
                r[markets.column("settled_at")] = l.transition == .settled ? .time(time) : nil
                r[markets.column("updated_at")] = .time(time)
                markets.merge(r)
            }
            if l.transition == .activated && wants(.marketOpenLog) {
                let ticker = l.ticker.description
                var r = openLog.blank()
                r[openLog.column("series_ticker")] = .text(LegacyCity.series(ofTicker: ticker))
                r[openLog.column("event_ticker")] = .text(LegacyCity.event(ofTicker: ticker))
                r[openLog.column("market_ticker")] = .text(ticker)
                r[openLog.column("opened_at")] = .time(time)
                r[openLog.column("raw_data")] = .json(EventJSON.render(record))
                r[openLog.column("created_at")] = .time(time)
                openLog.merge(r)
            }

        case .settlement(let s) where wants(.settlement):
            let what = "report for \(s.city) \(s.climateDate.iso8601)"
            var r = settlement.blank()
            r[settlement.column("city")] = .text(LegacyCity.name(code: s.city.description))
            r[settlement.column("date")] = .date(s.climateDate)
            let high = SQLValue.int(try LegacyUnits.wholeDegrees(s.high, what))
            let low = try s.low.map { SQLValue.int(try LegacyUnits.wholeDegrees($0, what)) }
            if s.isFinal {
                r[settlement.column("tmax_final")] = high
                r[settlement.column("tmin_final")] = low
                r[settlement.column("source")] = .text(s.source.name)
                r[settlement.column("is_corrected")] = .bool(s.isCorrection)
                r[settlement.column("final_issued_at")] = s.issuedAt.map { .time($0) }
            } else {
                r[settlement.column("tmax_prelim")] = high
                r[settlement.column("tmin_prelim")] = low
                r[settlement.column("prelim_issued_at")] = s.issuedAt.map { .time($0) }
            }
            r[settlement.column("updated_at")] = .time(time)
            settlement.merge(r)

        case .dailyForecast(let f) where wants(.forecast):
            var r = forecast.blank()
            r[forecast.column("city")] = .text(LegacyCity.name(code: f.city.description))
            r[forecast.column("target_date")] = .date(f.targetDate)
            r[forecast.column("basis_date")] = .date(f.basisDate)
            r[forecast.column("lead_days")] = .int(Int64(f.leadDays))
            r[forecast.column("source")] = .text(f.source.name)
            r[forecast.column("tempmax_fcst_f")] = .tenths(f.high)
            r[forecast.column("tempmin_fcst_f")] = f.low.map { .tenths($0) }
            r[forecast.column("issued_at")] = .time(time)
            forecast.merge(r)

        case .hourlyForecast(let f) where wants(.forecastHourly):
            let city = SQLValue.text(LegacyCity.name(code: f.city.description))
            for p in f.points {
                var r = hourly.blank()
                r[hourly.column("city")] = city
                r[hourly.column("target_date")] = .date(f.targetDate)
                r[hourly.column("basis_date")] = .date(f.basisDate)
                r[hourly.column("forecast_time")] = .time(p.time)
                r[hourly.column("source")] = .text(f.source.name)
                r[hourly.column("temp_fcst_f")] = .tenths(p.temperature)
                r[hourly.column("issued_at")] = .time(time)
                hourly.merge(r)
            }

        case .orderIntent(let o) where wants(.liveOrders):
            let what = "order \(o.clientOrderId)"
            let ticker = o.ticker.description
            var r = liveRow(o.clientOrderId, time)
            r[live.column("ticker")] = .text(ticker)
            r[live.column("city")] = .text(LegacyCity.name(ticker: ticker))
            r[live.column("event_date")] = LegacyCity.eventDate(ofTicker: ticker).map { .date($0) }
            r[live.column("side")] = .text(o.side.name)
            r[live.column("action")] = .text(o.action.name)
            r[live.column("order_type")] = .text(o.type.name)
            r[live.column("price_c")] = .int(try LegacyUnits.cents(o.price, what))
            r[live.column("num_contracts")] = .int(try LegacyUnits.contracts(o.count, what))
            r[live.column("post_only")] = .bool(o.postOnly)
            r[live.column("decision_sequence")] = o.decisionSequence > 0 ? .int(Int64(o.decisionSequence)) : nil
            r[live.column("placed_at")] = .time(time)
            r[live.column("log")] = .text(log)
            live.merge(r)

        case .orderAcknowledged(let a) where wants(.liveOrders):
            var r = liveRow(a.clientOrderId, time)
            r[live.column("order_id")] = .text(a.orderId)
            live.merge(r)

        case .fill(let f) where wants(.liveOrders):
            let what = "fill of order \(f.clientOrderId)"
            var r = liveRow(f.clientOrderId, time)
            r[live.column("order_id")] = f.orderId.isEmpty ? nil : .text(f.orderId)
            r[live.column("filled_contracts")] = .int(try LegacyUnits.contracts(f.count, what))
            r[live.column("fill_cost")] = .dollars(Money.cost(f.count, f.price))
            r[live.column("fees")] = .dollars(f.fee)
            live.merge(r)

        case .orderCanceled(let c) where wants(.liveOrders):
            var r = liveRow(c.clientOrderId, time)
            r[live.column("canceled_contracts")] = .int(
                try LegacyUnits.contracts(c.canceledCount, "cancel of order \(c.clientOrderId)"))
            r[live.column("cancel_reason")] = .text(c.reason)
            r[live.column("canceled_at")] = .time(time)
            live.merge(r)

        case .orderRejected(let j) where wants(.liveOrders):
            var r = liveRow(j.clientOrderId, time)
            r[live.column("reject_code")] = .text(j.code)
            r[live.column("reject_message")] = .text(j.message)
            live.merge(r)

        default:
            break
        }
    }

    private func liveRow(_ clientOrderId: String, _ time: Timestamp) -> [SQLValue?] {
        var r = live.blank()
        r[live.column("client_order_id")] = .text(clientOrderId)
        r[live.column("updated_at")] = .time(time)
        return r
    }
}
