-- Isotherm's projection of its event logs into the old system's kalshi schema.
-- Generated from Sources/IsothermPostgres/ProjectionSchema.swift: `isotherm project postgres --ddl`
-- prints it; `ISOTHERM_REGENERATE_DDL=1 swift test --filter ProjectionEncodingTests` rewrites
-- this file, and without the variable that test checks it matches. `isotherm project postgres`
-- creates the tables itself; this file is for reading, and for creating them by hand.

CREATE SCHEMA IF NOT EXISTS kalshi;

CREATE TABLE IF NOT EXISTS kalshi.markets (
    ticker text NOT NULL,
    event_ticker text NOT NULL,
    series_ticker text NOT NULL,
    city text NOT NULL,
    event_date date NOT NULL,
    strike_type text NOT NULL,
    floor_strike numeric(6,1),
    cap_strike numeric(6,1),
    title text NOT NULL,
    fee_type text NOT NULL,
    fee_multiplier numeric NOT NULL,
    listed_at timestamp with time zone NOT NULL,
    open_time timestamp with time zone NOT NULL,
    close_time timestamp with time zone NOT NULL,
    status text,
    result text,
    settlement_value_c smallint,
    determined_at timestamp with time zone,
    settled_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT markets_pkey PRIMARY KEY (ticker)
);
CREATE INDEX IF NOT EXISTS markets_city_event_date_idx ON kalshi.markets (city, event_date);
CREATE INDEX IF NOT EXISTS markets_event_ticker_idx ON kalshi.markets (event_ticker);
COMMENT ON TABLE kalshi.markets IS 'One row per market: listing, strikes, schedule and outcome (from market_listed and market_lifecycle events).';
COMMENT ON COLUMN kalshi.markets.ticker IS 'Market ticker (KXHIGHNY-25JUN10-B80.5).';
COMMENT ON COLUMN kalshi.markets.event_ticker IS 'Event ticker (KXHIGHNY-25JUN10).';
COMMENT ON COLUMN kalshi.markets.series_ticker IS 'Series ticker (KXHIGHNY).';
COMMENT ON COLUMN kalshi.markets.city IS 'Old city name: new_york, chicago, miami, austin, denver, los_angeles, philadelphia (other series: the series suffix, lowercased).';
COMMENT ON COLUMN kalshi.markets.event_date IS 'The local climate day the market measures.';
COMMENT ON COLUMN kalshi.markets.strike_type IS 'less, less_or_equal, between, greater, greater_or_equal, other.';
COMMENT ON COLUMN kalshi.markets.floor_strike IS 'Lower strike, °F (NULL when open below).';
COMMENT ON COLUMN kalshi.markets.cap_strike IS 'Upper strike, °F (NULL when open above).';
COMMENT ON COLUMN kalshi.markets.title IS 'Kalshi''s title.';
COMMENT ON COLUMN kalshi.markets.fee_type IS 'Series fee schedule (quadratic, …).';
COMMENT ON COLUMN kalshi.markets.fee_multiplier IS 'Series fee multiplier (1 = the standard fee).';
COMMENT ON COLUMN kalshi.markets.listed_at IS 'Open time as listed: the authoritative market-open timestamp of the old system.';
COMMENT ON COLUMN kalshi.markets.open_time IS 'Open time, as last updated by a lifecycle event.';
COMMENT ON COLUMN kalshi.markets.close_time IS 'Close time, as last updated by a lifecycle event.';
COMMENT ON COLUMN kalshi.markets.status IS 'Latest lifecycle transition: created, activated, deactivated, determined, settled (NULL before any).';
COMMENT ON COLUMN kalshi.markets.result IS 'yes, no or scalar, once determined.';
COMMENT ON COLUMN kalshi.markets.settlement_value_c IS 'Payout per YES contract, cents, once determined.';
COMMENT ON COLUMN kalshi.markets.determined_at IS 'Time of the determination event.';
COMMENT ON COLUMN kalshi.markets.settled_at IS 'Time of the settlement event.';
COMMENT ON COLUMN kalshi.markets.updated_at IS 'Time of the latest event about the market.';

CREATE TABLE IF NOT EXISTS kalshi.candles_1m (
    ticker text NOT NULL,
    end_period_ts timestamp with time zone NOT NULL,
    yes_bid_open_c smallint,
    yes_bid_high_c smallint,
    yes_bid_low_c smallint,
    yes_bid_c smallint,
    yes_ask_open_c smallint,
    yes_ask_high_c smallint,
    yes_ask_low_c smallint,
    yes_ask_c smallint,
    open_c smallint,
    high_c smallint,
    low_c smallint,
    close_c smallint,
    volume bigint NOT NULL,
    open_interest bigint NOT NULL,
    CONSTRAINT candles_1m_pkey PRIMARY KEY (ticker, end_period_ts)
);
COMMENT ON TABLE kalshi.candles_1m IS 'One-minute candles: YES bid, YES ask and trade OHLC in cents (period_minutes = 1 candles only).';
COMMENT ON COLUMN kalshi.candles_1m.ticker IS 'Market ticker.';
COMMENT ON COLUMN kalshi.candles_1m.end_period_ts IS 'End of the minute (the candle''s event time).';
COMMENT ON COLUMN kalshi.candles_1m.yes_bid_open_c IS 'YES bid at the start of the minute, cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_bid_high_c IS 'Highest YES bid, cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_bid_low_c IS 'Lowest YES bid, cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_bid_c IS 'YES bid at the end of the minute (close), cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_ask_open_c IS 'YES ask at the start of the minute, cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_ask_high_c IS 'Highest YES ask, cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_ask_low_c IS 'Lowest YES ask, cents.';
COMMENT ON COLUMN kalshi.candles_1m.yes_ask_c IS 'YES ask at the end of the minute (close), cents.';
COMMENT ON COLUMN kalshi.candles_1m.open_c IS 'First trade price of the minute, cents (NULL: no trade).';
COMMENT ON COLUMN kalshi.candles_1m.high_c IS 'Highest trade price, cents.';
COMMENT ON COLUMN kalshi.candles_1m.low_c IS 'Lowest trade price, cents.';
COMMENT ON COLUMN kalshi.candles_1m.close_c IS 'Last trade price, cents.';
COMMENT ON COLUMN kalshi.candles_1m.volume IS 'Contracts traded in the minute.';
COMMENT ON COLUMN kalshi.candles_1m.open_interest IS 'Open interest at the end of the minute, contracts.';
