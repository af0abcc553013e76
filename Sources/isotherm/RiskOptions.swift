import ArgumentParser
import IsothermCore

/// The risk limits a backtest and a live session take, as flags (`RiskLimits` checks each).
struct RiskOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Risk: most contracts in one order (a whole number).")
    var maxContracts: String?

    @Option(name: .long, parsing: .unconditional, help: "Risk: most dollars bought in one event.")
    var maxEventExposure: String?

    @Option(name: .long, parsing: .unconditional, help: "Risk: most dollars bought on one UTC day.")
    var maxDayExposure: String?

    @Option(name: .long, parsing: .unconditional, help: "Risk: most orders resting at once.")
    var maxOpenOrders: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Risk: refuse every order once the realized loss reaches this many dollars (kill switch).")
    var killAfterLoss: String?

    /// Whether any limit was given.
    var isGiven: Bool {
        [maxContracts, maxEventExposure, maxDayExposure, maxOpenOrders, killAfterLoss].contains { $0 != nil }
    }

    func limits(scope: String? = nil) throws(ParameterError) -> RiskLimits {
        try RiskLimits(
            maxContracts: maxContracts, maxEventExposure: maxEventExposure, maxDayExposure: maxDayExposure,
            maxOpenOrders: maxOpenOrders, killAfterLoss: killAfterLoss, scope: scope)
    }
}
