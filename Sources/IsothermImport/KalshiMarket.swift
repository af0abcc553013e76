package import IsothermEvents

/// One Kalshi market as a REST response describes it (`GET /markets`, `/markets/{ticker}`,
/// `/historical/markets…`, or nested in an event): what the engine's ``MarketListed`` and
/// ``MarketLifecycle`` events need, already converted to the engine's exact types.
///
/// The fee schedule is not part of a market at Kalshi (it belongs to the series, with per-event
/// overrides), so it is supplied when the events are made: see ``records(fees:)`` and
/// ``KalshiFeeSchedule``.
package struct KalshiMarket: Hashable, Sendable {
    /// `status`: where the market is in its lifecycle. The current values, plus `settled` from older
    /// responses and the query-filter words (`unopened`, `open`, `paused`) some clients store instead.
    package enum Status: String, Sendable, CaseIterable {
        case initialized, unopened, inactive, paused, active, open, closed
        case determined, disputed, amended, finalized, settled

        /// The outcome is known: the market has a result.
        package var isDetermined: Bool {
            switch self {
            case .determined, .disputed, .amended, .finalized, .settled: true
            default: false
            }
        }

        /// Payouts are done (`finalized`, or `settled` in older responses).
        package var isSettled: Bool { self == .finalized || self == .settled }
    }

    package var ticker: Symbol
    package var eventTicker: Symbol
    /// The market's own `series_ticker` when it has one, else the enclosing event's, else the part of
    /// the event ticker before its first `-`.
    package var seriesTicker: Symbol
    /// The day the event ticker's date code names (`26OCT02` → 2026-10-02).
    package var eventDate: LocalDate
    /// `title`; empty when the response has none (the field is optional and deprecated).
    package var title: String
    package var status: Status
    package var strikeType: StrikeType
    package var floorStrike: Temperature?
    package var capStrike: Temperature?
    /// `created_time`: when the market was listed; the time of its ``MarketListed`` event.
    package var createdTime: Timestamp
    package var openTime: Timestamp
    package var closeTime: Timestamp
    /// `updated_time`: the last non-trading change, which for a determined market is no earlier than
    /// its determination.
    package var updatedTime: Timestamp?
    /// `result`; nil while undetermined (`""`).
    package var result: MarketLifecycle.Result?
    /// What a YES contract paid (`settlement_value_dollars`, or integer-cent `settlement_value`).
    package var settlementValue: Price?
    /// `settlement_ts`: when payouts were made. Optional in the current SDK and absent from older
    /// responses, even for settled markets.
    package var settlementTime: Timestamp?
    /// `settlement_timer_seconds`: how long after determination the market settles.
    package var settlementTimerSeconds: Int64?
    /// `expiration_value`: the value the market settled on, as Kalshi wrote it (`"84.00"`); nil when
    /// absent or empty.
    package var expirationValue: String?
    /// Top of book and totals when the response was made, in whichever spelling it used; nil when absent.
    package var yesBid: Price?
    package var yesAsk: Price?
    package var lastPrice: Price?
    package var volume: Count?
    package var openInterest: Count?

    package init(
        ticker: Symbol, eventTicker: Symbol, seriesTicker: Symbol, eventDate: LocalDate, title: String,
        status: Status, strikeType: StrikeType, floorStrike: Temperature?, capStrike: Temperature?,
        createdTime: Timestamp, openTime: Timestamp, closeTime: Timestamp, updatedTime: Timestamp? = nil,
        result: MarketLifecycle.Result? = nil, settlementValue: Price? = nil, settlementTime: Timestamp? = nil,
        settlementTimerSeconds: Int64? = nil, expirationValue: String? = nil, yesBid: Price? = nil,
        yesAsk: Price? = nil, lastPrice: Price? = nil, volume: Count? = nil, openInterest: Count? = nil
    ) {
        self.ticker = ticker
        self.eventTicker = eventTicker
        self.seriesTicker = seriesTicker
        self.eventDate = eventDate
        self.title = title
        self.status = status
        self.strikeType = strikeType
        self.floorStrike = floorStrike
        self.capStrike = capStrike
        self.createdTime = createdTime
        self.openTime = openTime
        self.closeTime = closeTime
        self.updatedTime = updatedTime
        self.result = result
        self.settlementValue = settlementValue
        self.settlementTime = settlementTime
        self.settlementTimerSeconds = settlementTimerSeconds
        self.expirationValue = expirationValue
        self.yesBid = yesBid
        self.yesAsk = yesAsk
        self.lastPrice = lastPrice
        self.volume = volume
        self.openInterest = openInterest
    }

    /// The market's listing under a fee schedule.
    package func listed(fees: KalshiFees) -> MarketListed {
        MarketListed(
            ticker: ticker, eventTicker: eventTicker, seriesTicker: seriesTicker, eventDate: eventDate,
            strikeType: strikeType, floorStrike: floorStrike, capStrike: capStrike, openTime: openTime,
            closeTime: closeTime, feeType: fees.feeType, feeMultiplierMillionths: fees.multiplierMillionths,
            title: title)
    }

    /// When the market was determined, as far as the response tells, never early: `settlement_ts` minus
    /// `settlement_timer_seconds` once settled (the timer is defined as the time from determination to
    /// settlement); without the timer `settlement_ts` itself (a market settles after it is determined);
    /// otherwise `updated_time` (the determination is a non-trading change, so the last one is no
    /// earlier). Nil for an undetermined market, or one whose response has none of these times.
    package var determinedTime: Timestamp? {
        guard status.isDetermined else { return nil }
        if status.isSettled, let settlementTime {
            guard let settlementTimerSeconds else { return settlementTime }
            return settlementTime.adding(nanos: -settlementTimerSeconds * Timestamp.nanosPerSecond)
        }
        return updatedTime
    }

    /// Settled, but the response has no `settlement_ts` (optional in the current SDK, absent from older
    /// ones): the market is imported with what is known (its listing, and its determination dated by
    /// ``determinedTime``), without a `.settled` event, whose time is not known. Backfills count such
    /// markets.
    package var lacksSettlementTime: Bool { status.isSettled && settlementTime == nil }

    /// The market's events, in time order: ``MarketListed`` at `created_time`; for a determined market a
    /// `.determined` ``MarketLifecycle`` at ``determinedTime``; for a settled one also `.settled` at
    /// `settlement_ts`. Both lifecycle events carry the result and the settlement value (nil when the
    /// response gives none). A transition whose time the response does not give is left out.
    package func records(fees: KalshiFees) -> [EventRecord] {
        var out = [EventRecord(time: createdTime, event: .marketListed(listed(fees: fees)))]
        if let determinedTime {
            out.append(
                EventRecord(
                    time: determinedTime,
                    event: .marketLifecycle(
                        MarketLifecycle(
                            ticker: ticker, transition: .determined, result: result, settlementValue: settlementValue))
                ))
        }
        if status.isSettled, let settlementTime {
            out.append(
                EventRecord(
                    time: settlementTime,
                    event: .marketLifecycle(
                        MarketLifecycle(
                            ticker: ticker, transition: .settled, result: result, settlementValue: settlementValue))))
        }
        return out
    }
}

/// A page of `GET /markets` or `GET /historical/markets`.
package struct KalshiMarketsPage: Hashable, Sendable {
    package var markets: [KalshiMarket]
    /// The cursor for the next page; nil on the last page (Kalshi sends `""` or nothing).
    package var cursor: String?

    package init(markets: [KalshiMarket], cursor: String?) {
        self.markets = markets
        self.cursor = cursor
    }
}
