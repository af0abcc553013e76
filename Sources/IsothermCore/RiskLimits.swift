package import IsothermEvents

/// Limits every order must pass before it reaches the exchange (live or simulated). A refused order
/// becomes an `order_rejected` event with the limit's code; nothing else happens.
package struct RiskLimits: Equatable, Sendable {
    /// Contracts in one order.
    package var maxContractsPerOrder: Count?
    /// Cost of the buys in one event (all its markets).
    package var maxExposurePerEvent: Money?
    /// Cost of the buys placed on one UTC day.
    package var maxExposurePerDay: Money?
    /// Orders resting at once.
    package var maxOpenOrders: Int?
    /// Once realized net P&L falls to minus this, every later order is refused (the kill switch).
    package var killAfterLoss: Money?
    /// Whom the limits bind: the whole account (as on the exchange: every city's orders, exposure and
    /// losses count together), or each city on its own (what runs saved before account-wide limits did).
    package var scope = Scope.account

    package enum Scope: String, CaseIterable, Sendable {
        case account, city
    }

    package init() {}

    /// Whether any limit is set.
    package var isSet: Bool {
        maxContractsPerOrder != nil || maxExposurePerEvent != nil || maxExposurePerDay != nil || maxOpenOrders != nil
            || killAfterLoss != nil
    }

    /// Whether one book binds every city (limits set, scope account): the cities' engines then run in
    /// one merged stream in time order, sharing it.
    package var isAccountWide: Bool { isSet && scope == .account }

    /// The limits from command-line text (nil: not set), each checked: contracts a whole positive
    /// number, dollars positive, open orders at least one.
    package init(
        maxContracts: String?, maxEventExposure: String?, maxDayExposure: String?, maxOpenOrders: String?,
        killAfterLoss: String?, scope: String? = nil
    ) throws(ParameterError) {
        if let scope {
            guard let s = Scope(rawValue: scope) else {
                throw ParameterError("--risk-scope '\(scope)' is not account or city")
            }
            self.scope = s
        }
        func dollars(_ flag: String, _ text: String?) throws(ParameterError) -> Money? {
            guard let text else { return nil }
            guard let m = Money(dollars: text), m.micros > 0 else {
                throw ParameterError("--\(flag) '\(text)' is not a positive dollar amount")
            }
            return m
        }
        if let text = maxContracts {
            guard let n = Int64(text), n >= 1 else {
                throw ParameterError("--max-contracts '\(text)' is not a whole number of contracts of at least 1")
            }
            maxContractsPerOrder = Count(contracts: n)
        }
        maxExposurePerEvent = try dollars("max-event-exposure", maxEventExposure)
        maxExposurePerDay = try dollars("max-day-exposure", maxDayExposure)
        if let text = maxOpenOrders {
            guard let n = Int(text), n >= 1 else {
                throw ParameterError("--max-open-orders '\(text)' is not a whole number of at least 1")
            }
            self.maxOpenOrders = n
        }
        self.killAfterLoss = try dollars("kill-after-loss", killAfterLoss)
    }

    /// The limits a run manifest records (``fields``), read back.
    package init(fields: [Field]) throws(ParameterError) {
        func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
        if let x = value("max_contracts") {
            guard let c = Count(fixedPoint: x) else { throw ParameterError("max_contracts \(x) is not a count") }
            maxContractsPerOrder = c
        }
        for (name, path) in [
            ("max_event_exposure", \RiskLimits.maxExposurePerEvent), ("max_day_exposure", \.maxExposurePerDay),
            ("kill_after_loss", \.killAfterLoss),
        ] {
            guard let x = value(name) else { continue }
            guard let m = Money(dollars: x) else { throw ParameterError("\(name) \(x) is not dollars") }
            self[keyPath: path] = m
        }
        if let x = value("max_open_orders") {
            guard let n = Int(x) else { throw ParameterError("max_open_orders \(x) is not a whole number") }
            maxOpenOrders = n
        }
        // A manifest from before account-wide limits has none: its limits bound each city.
        if let x = value("risk_scope") {
            guard let s = Scope(rawValue: x) else { throw ParameterError("risk_scope \(x) is not account or city") }
            scope = s
        } else {
            scope = .city
        }
    }

    /// The parameters as recorded in a run manifest (only the limits that are set).
    package var fields: [Field] {
        var out: [Field] = []
        if let v = maxContractsPerOrder {
            out.append(Field("max_contracts", FixedPoint.format(v.hundredths, scale: 2, minDecimals: 0)))
        }
        if let v = maxExposurePerEvent { out.append(Field("max_event_exposure", DecisionText.dollars(v))) }
        if let v = maxExposurePerDay { out.append(Field("max_day_exposure", DecisionText.dollars(v))) }
        if let v = maxOpenOrders { out.append(Field("max_open_orders", String(v))) }
        if let v = killAfterLoss { out.append(Field("kill_after_loss", DecisionText.dollars(v))) }
        if isSet { out.append(Field("risk_scope", scope.rawValue)) }
        return out
    }
}

/// What the limits need to know, folded from the orders that passed and the P&L realized.
package struct RiskBook: Sendable {
    package let limits: RiskLimits
    private var eventExposure: [Symbol: Int64] = [:]
    private var dayExposure: [LocalDate: Int64] = [:]
    private var realized: Int64 = 0
    package private(set) var killed = false
    /// Orders submitted and not yet rejected, filled in full or canceled (what the open-orders limit
    /// counts), as the engines that share this book know them from the exchange's answers.
    package private(set) var openOrders = 0

    package init(_ limits: RiskLimits) { self.limits = limits }

    /// An order passed and was submitted.
    package mutating func opened() { openOrders += 1 }
    /// A submitted order left the book (rejected, filled in full, canceled).
    package mutating func closed() { openOrders -= 1 }

    /// Nil when `intent` may go; otherwise the rejection.
    package mutating func check(_ intent: OrderIntent, eventTicker: Symbol?, at time: Timestamp) -> OrderRejected? {
        func reject(_ code: String, _ message: String) -> OrderRejected {
            OrderRejected(clientOrderId: intent.clientOrderId, code: code, message: message)
        }
        if killed {
            return reject(
                "risk_kill_switch",
                "the kill switch tripped after a loss of $\(DecisionText.dollars(limits.killAfterLoss ?? .zero))")
        }
        if let max = limits.maxContractsPerOrder, intent.count > max {
            return reject(
                "risk_max_contracts",
                "\(FixedPoint.format(intent.count.hundredths, scale: 2, minDecimals: 0)) contracts > \(FixedPoint.format(max.hundredths, scale: 2, minDecimals: 0))"
            )
        }
        if let max = limits.maxOpenOrders, intent.postOnly, openOrders >= max {
            return reject("risk_max_open_orders", "\(openOrders) orders already resting")
        }
        guard intent.action == .buy else { return nil }
        let cost = Money.cost(intent.count, intent.price).micros
        if let max = limits.maxExposurePerEvent, let e = eventTicker, eventExposure[e, default: 0] + cost > max.micros {
            return reject(
                "risk_max_event_exposure",
                "$\(DecisionText.dollars(Money(micros: eventExposure[e, default: 0] + cost))) in \(e) > $\(DecisionText.dollars(max))"
            )
        }
        let day = time.utcDate
        if let max = limits.maxExposurePerDay, dayExposure[day, default: 0] + cost > max.micros {
            return reject(
                "risk_max_day_exposure",
                "$\(DecisionText.dollars(Money(micros: dayExposure[day, default: 0] + cost))) on \(day) > $\(DecisionText.dollars(max))"
            )
        }
        if let e = eventTicker { eventExposure[e, default: 0] += cost }
        dayExposure[day, default: 0] += cost
        return nil
    }

    /// Realized net P&L (a settlement or a sale); trips the kill switch at the limit.
    package mutating func realize(_ pnl: Money) {
        realized += pnl.micros
        if let limit = limits.killAfterLoss, realized <= -limit.micros { killed = true }
    }
}
