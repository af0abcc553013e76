/// A named value, kept in the order it was written (never a dictionary, so output order is fixed).
package struct Field: Hashable, Sendable {
    package var name: String
    package var value: String
    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A timer a reducer asked for came due. Live: stamped at wall time and logged; backtest: emitted when
/// the merged stream passes `dueTime`.
package struct TimerFired: Hashable, Sendable {
    /// The reducer that asked (`open_maker`, …).
    package var owner: String
    /// The owner's key for the timer (`open:KXHIGHCHI-25NOV28`).
    package var key: String
    package var dueTime: Timestamp
    package init(owner: String, key: String, dueTime: Timestamp) {
        self.owner = owner
        self.key = key
        self.dueTime = dueTime
    }
}

/// Why a strategy did (or did not do) something: what it read, with which parameters, what it computed.
/// What a strategy decided. Recorded as its name (`post`); a name this build does not know is an error
/// when read, as an unknown event kind is.
package enum DecisionAction: String, CaseIterable, Hashable, Sendable {
    /// open_maker: post a maker buy at the open.
    case post
    /// midnight_heuristic: buy the bracket with the best edge.
    case buy
    /// Nothing to do, with a `skip_reason` value saying why.
    case skip
    /// Checked an exit or an adjustment and kept the position.
    case hold
    /// Sell what is held.
    case exit
    /// curve_gap: sell ours, buy the bracket the observations point to.
    case shift
    /// A resting order taken off (a manual `isotherm order cancel`).
    case cancel
    /// A resting order's price or size changed (a manual `isotherm order amend` or `decrease`).
    case amend
}

package struct StrategyDecision: Hashable, Sendable {
    package var strategy: String
    /// The event ticker or city-day the decision is about.
    package var subject: String
    /// What it decided.
    package var action: DecisionAction
    /// Sequence numbers of the events it read.
    package var inputSequences: [UInt64]
    package var parameters: [Field]
    package var values: [Field]
    /// The rule that fired, in words.
    package var reason: String

    package init(
        strategy: String, subject: String, action: DecisionAction, inputSequences: [UInt64], parameters: [Field],
        values: [Field], reason: String
    ) {
        self.strategy = strategy
        self.subject = subject
        self.action = action
        self.inputSequences = inputSequences
        self.parameters = parameters
        self.values = values
        self.reason = reason
    }
}

/// An input log range a run read, with the content hash of the bytes.
package struct RunInput: Hashable, Sendable {
    package var log: String
    package var firstSequence: UInt64
    package var lastSequence: UInt64
    /// SHA-256 hex of the segments read.
    package var contentHash: String
    package init(log: String, firstSequence: UInt64, lastSequence: UInt64, contentHash: String) {
        self.log = log
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.contentHash = contentHash
    }
}

/// The record of a run (backtest, tune, live session, generate, import): what went in and, at the end,
/// a hash of what came out.
package struct RunManifest: Hashable, Sendable {
    package enum Phase: UInt8, Sendable {
        case started = 1, finished = 2
        package var name: String { self == .started ? "started" : "finished" }
    }
    package var runId: String
    package var phase: Phase
    /// `backtest`, `tune`, `live`, `replay`, `generate`, `import`, …
    package var runKind: String
    package var engineVersion: String
    package var configHash: String
    package var parameters: [Field]
    package var inputs: [RunInput]
    /// Hash of orders, fills and P&L; empty until `finished`.
    package var outputHash: String

    package init(
        runId: String, phase: Phase, runKind: String, engineVersion: String, configHash: String, parameters: [Field],
        inputs: [RunInput], outputHash: String
    ) {
        self.runId = runId
        self.phase = phase
        self.runKind = runKind
        self.engineVersion = engineVersion
        self.configHash = configHash
        self.parameters = parameters
        self.inputs = inputs
        self.outputHash = outputHash
    }
}

/// An inbound message kept verbatim (WebSocket frame, REST page), so any parse can be redone later.
package struct RawFeedMessage: Hashable, Sendable {
    /// `kalshi_ws`, `kalshi_rest`, `visual_crossing`, `nws`, …
    package var source: String
    /// Channel or endpoint (`ticker`, `/markets`, …).
    package var channel: String
    package var payload: [UInt8]
    package init(source: String, channel: String, payload: [UInt8]) {
        self.source = source
        self.channel = channel
        self.payload = payload
    }
}
