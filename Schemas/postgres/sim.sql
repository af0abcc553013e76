-- Isotherm's projection of its event logs into the old system's sim schema.
-- Generated from Sources/IsothermPostgres/ProjectionSchema.swift: `isotherm project postgres --ddl`
-- prints it; `ISOTHERM_REGENERATE_DDL=1 swift test --filter ProjectionEncodingTests` rewrites
-- this file, and without the variable that test checks it matches. `isotherm project postgres`
-- creates the tables itself; this file is for reading, and for creating them by hand.

CREATE SCHEMA IF NOT EXISTS sim;

CREATE TABLE IF NOT EXISTS sim.run (
    run_id text NOT NULL,
    run_kind text NOT NULL,
    strategy_id text,
    engine_version text NOT NULL,
    config_hash text NOT NULL,
    output_hash text NOT NULL,
    params jsonb NOT NULL,
    inputs jsonb NOT NULL,
    start_date date,
    end_date date,
    cities text,
    num_orders integer NOT NULL,
    num_trades integer NOT NULL,
    num_wins integer NOT NULL,
    total_pnl numeric NOT NULL,
    wagered numeric NOT NULL,
    fees numeric NOT NULL,
    created_at timestamp with time zone NOT NULL,
    runs_log text NOT NULL,
    runs_sequence bigint NOT NULL,
    CONSTRAINT run_pkey PRIMARY KEY (run_id)
);
COMMENT ON TABLE sim.run IS 'Backtest runs (from the run manifests of a runs log, isotherm backtest --save).';
COMMENT ON COLUMN sim.run.run_id IS 'Run id: a hash of the parameters and the inputs'' content, so equal ids are equal runs.';
COMMENT ON COLUMN sim.run.run_kind IS 'backtest, tune, …';
COMMENT ON COLUMN sim.run.strategy_id IS 'open_maker, exit, next_over, curve_gap, midnight_heuristic.';
COMMENT ON COLUMN sim.run.engine_version IS 'Engine version that ran it.';
COMMENT ON COLUMN sim.run.config_hash IS 'SHA-256 of strategy, parameters, fill model and dates.';
COMMENT ON COLUMN sim.run.output_hash IS 'SHA-256 of every decision, order, answer and trade P&L.';
COMMENT ON COLUMN sim.run.params IS 'The manifest''s parameters (name: value).';
COMMENT ON COLUMN sim.run.inputs IS 'Input logs: path, sequence range, content hash.';
COMMENT ON COLUMN sim.run.start_date IS 'First event date traded.';
COMMENT ON COLUMN sim.run.end_date IS 'Last event date traded.';
COMMENT ON COLUMN sim.run.cities IS 'Cities traded, comma-separated old names.';
COMMENT ON COLUMN sim.run.num_orders IS 'Entry orders placed.';
COMMENT ON COLUMN sim.run.num_trades IS 'Entry orders filled (trades).';
COMMENT ON COLUMN sim.run.num_wins IS 'Trades that made money (net P&L > 0), as the report counts wins; bin_won in sim.trade has each bracket''s result.';
COMMENT ON COLUMN sim.run.total_pnl IS 'Net P&L of the trades, dollars.';
COMMENT ON COLUMN sim.run.wagered IS 'Cost of the trades, dollars.';
COMMENT ON COLUMN sim.run.fees IS 'Fees of the trades, dollars.';
COMMENT ON COLUMN sim.run.created_at IS 'Time of the run''s final manifest event.';
COMMENT ON COLUMN sim.run.runs_log IS 'The runs log it was read from.';
COMMENT ON COLUMN sim.run.runs_sequence IS 'Sequence of the final manifest in that log.';

CREATE TABLE IF NOT EXISTS sim.decision (
    run_id text NOT NULL,
    input_log text NOT NULL,
    decision_no integer NOT NULL,
    strategy text NOT NULL,
    subject text NOT NULL,
    city text,
    event_date date,
    action text NOT NULL,
    reason text NOT NULL,
    decided_at timestamp with time zone NOT NULL,
    parameters jsonb NOT NULL,
    computed jsonb NOT NULL,
    input_sequences jsonb NOT NULL,
    runs_sequence bigint NOT NULL,
    CONSTRAINT decision_pkey PRIMARY KEY (run_id, input_log, decision_no)
);
CREATE INDEX IF NOT EXISTS decision_city_event_date_idx ON sim.decision (city, event_date);
COMMENT ON TABLE sim.decision IS 'Strategy decisions of backtest runs: join sim.trade USING (run_id, input_log, decision_no).';
COMMENT ON COLUMN sim.decision.run_id IS 'The run.';
COMMENT ON COLUMN sim.decision.input_log IS 'The input log the decision read (as the manifest names it).';
COMMENT ON COLUMN sim.decision.decision_no IS 'Place of the decision among the run''s events for that input log (1 = first): what an order''s decision_sequence names.';
COMMENT ON COLUMN sim.decision.strategy IS 'Strategy that decided.';
COMMENT ON COLUMN sim.decision.subject IS 'Event ticker the decision is about.';
COMMENT ON COLUMN sim.decision.city IS 'Old city name of the subject.';
COMMENT ON COLUMN sim.decision.event_date IS 'Event date of the subject.';
COMMENT ON COLUMN sim.decision.action IS 'post, skip, exit, hold, shift, …';
COMMENT ON COLUMN sim.decision.reason IS 'The rule that fired, in words.';
COMMENT ON COLUMN sim.decision.decided_at IS 'Event time of the decision.';
COMMENT ON COLUMN sim.decision.parameters IS 'Strategy parameters (name: value).';
COMMENT ON COLUMN sim.decision.computed IS 'Values the decision computed (name: value).';
COMMENT ON COLUMN sim.decision.input_sequences IS 'Sequence numbers (in input_log) of the events it read.';
COMMENT ON COLUMN sim.decision.runs_sequence IS 'Sequence of the decision in the runs log.';

CREATE TABLE IF NOT EXISTS sim.trade (
    run_id text NOT NULL,
    client_order_id text NOT NULL,
    strategy_id text NOT NULL,
    input_log text NOT NULL,
    decision_no integer NOT NULL,
    city text NOT NULL,
    event_date date NOT NULL,
    ticker text NOT NULL,
    bracket text,
    forecast_basis_date date,
    temp_fcst_open numeric(5,1),
    temp_adjusted numeric(5,1),
    floor_strike numeric(6,1),
    cap_strike numeric(6,1),
    entry_price integer NOT NULL,
    num_contracts bigint NOT NULL,
    amount_usd numeric NOT NULL,
    exit_price integer,
    exit_contracts bigint NOT NULL,
    tmax_final smallint,
    bin_won boolean,
    settlement_disagrees boolean,
    pnl_gross numeric,
    fees numeric NOT NULL,
    pnl_net numeric,
    settled_at timestamp with time zone,
    CONSTRAINT trade_pkey PRIMARY KEY (run_id, client_order_id)
);
CREATE INDEX IF NOT EXISTS trade_city_event_date_idx ON sim.trade (city, event_date);
COMMENT ON TABLE sim.trade IS 'Filled entries of backtest runs with their settlement and P&L, as the old sim.trade.';
COMMENT ON COLUMN sim.trade.run_id IS 'The run.';
COMMENT ON COLUMN sim.trade.client_order_id IS 'The entry order''s client order id.';
COMMENT ON COLUMN sim.trade.strategy_id IS 'Strategy.';
COMMENT ON COLUMN sim.trade.input_log IS 'The input log (with decision_no: the decision in sim.decision).';
COMMENT ON COLUMN sim.trade.decision_no IS 'The decision that placed the entry order.';
COMMENT ON COLUMN sim.trade.city IS 'Old city name.';
COMMENT ON COLUMN sim.trade.event_date IS 'Event date.';
COMMENT ON COLUMN sim.trade.ticker IS 'Market bought.';
COMMENT ON COLUMN sim.trade.bracket IS 'Bracket label (80-81°, <80°, >85°).';
COMMENT ON COLUMN sim.trade.forecast_basis_date IS 'Basis date of the forecast used.';
COMMENT ON COLUMN sim.trade.temp_fcst_open IS 'Raw forecast high at the decision, °F.';
COMMENT ON COLUMN sim.trade.temp_adjusted IS 'Forecast after the bias, °F.';
COMMENT ON COLUMN sim.trade.floor_strike IS 'Market''s lower strike, °F.';
COMMENT ON COLUMN sim.trade.cap_strike IS 'Market''s upper strike, °F.';
COMMENT ON COLUMN sim.trade.entry_price IS 'Entry limit price, cents.';
COMMENT ON COLUMN sim.trade.num_contracts IS 'Contracts bought.';
COMMENT ON COLUMN sim.trade.amount_usd IS 'Cost of the contracts, dollars.';
COMMENT ON COLUMN sim.trade.exit_price IS 'Price of the last exit sale, cents (NULL: held to settlement).';
COMMENT ON COLUMN sim.trade.exit_contracts IS 'Contracts sold before settlement.';
COMMENT ON COLUMN sim.trade.tmax_final IS 'Official high, whole °F: the city''s latest final report for the event date in the input the run read.';
COMMENT ON COLUMN sim.trade.bin_won IS 'The bracket won (NULL: not determined in the input).';
COMMENT ON COLUMN sim.trade.settlement_disagrees IS 'The official high lies inside the bracket but Kalshi determined NO, or outside it and YES (NULL: no report or no determination); Kalshi''s result paid.';
COMMENT ON COLUMN sim.trade.pnl_gross IS 'Sales plus payout minus cost, dollars (NULL until determined).';
COMMENT ON COLUMN sim.trade.fees IS 'Fees paid, dollars.';
COMMENT ON COLUMN sim.trade.pnl_net IS 'pnl_gross − fees, dollars (NULL until determined).';
COMMENT ON COLUMN sim.trade.settled_at IS 'Time of the market''s determination.';

CREATE TABLE IF NOT EXISTS sim.market_open_log (
    series_ticker text NOT NULL,
    event_ticker text NOT NULL,
    market_ticker text NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    raw_data jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT market_open_log_pkey PRIMARY KEY (market_ticker, opened_at)
);
CREATE INDEX IF NOT EXISTS market_open_log_event_idx ON sim.market_open_log (event_ticker);
COMMENT ON TABLE sim.market_open_log IS 'Market opens (activated lifecycle events), as the old market-open listener logged them.';
COMMENT ON COLUMN sim.market_open_log.series_ticker IS 'Series ticker.';
COMMENT ON COLUMN sim.market_open_log.event_ticker IS 'Event ticker.';
COMMENT ON COLUMN sim.market_open_log.market_ticker IS 'Market ticker.';
COMMENT ON COLUMN sim.market_open_log.opened_at IS 'Time of the activation (open) event.';
COMMENT ON COLUMN sim.market_open_log.raw_data IS 'The lifecycle event as JSON.';
COMMENT ON COLUMN sim.market_open_log.created_at IS 'When it was recorded (the event time).';

CREATE TABLE IF NOT EXISTS sim.live_orders (
    client_order_id text NOT NULL,
    order_id text,
    ticker text NOT NULL,
    city text NOT NULL,
    event_date date,
    side text NOT NULL,
    action text NOT NULL,
    order_type text NOT NULL,
    price_c integer NOT NULL,
    num_contracts bigint NOT NULL,
    post_only boolean NOT NULL,
    decision_sequence bigint,
    status text GENERATED ALWAYS AS (CASE WHEN reject_code IS NOT NULL THEN 'rejected' WHEN filled_contracts >= num_contracts THEN 'filled' WHEN canceled_at IS NOT NULL THEN 'canceled' WHEN filled_contracts > 0 THEN 'partially_filled' WHEN order_id IS NOT NULL THEN 'resting' ELSE 'pending' END) STORED,
    filled_contracts bigint NOT NULL DEFAULT 0,
    fill_cost numeric NOT NULL DEFAULT 0,
    fees numeric NOT NULL DEFAULT 0,
    canceled_contracts bigint,
    cancel_reason text,
    canceled_at timestamp with time zone,
    reject_code text,
    reject_message text,
    placed_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    log text NOT NULL,
    CONSTRAINT live_orders_pkey PRIMARY KEY (client_order_id)
);
CREATE INDEX IF NOT EXISTS live_orders_city_event_date_idx ON sim.live_orders (city, event_date);
COMMENT ON TABLE sim.live_orders IS 'Orders of live and paper sessions (order events outside backtest runs), as the old sim.live_orders.';
COMMENT ON COLUMN sim.live_orders.client_order_id IS 'Deterministic client order id.';
COMMENT ON COLUMN sim.live_orders.order_id IS 'Exchange order id, once acknowledged.';
COMMENT ON COLUMN sim.live_orders.ticker IS 'Market.';
COMMENT ON COLUMN sim.live_orders.city IS 'Old city name.';
COMMENT ON COLUMN sim.live_orders.event_date IS 'Event date (from the ticker).';
COMMENT ON COLUMN sim.live_orders.side IS 'yes or no.';
COMMENT ON COLUMN sim.live_orders.action IS 'buy or sell.';
COMMENT ON COLUMN sim.live_orders.order_type IS 'limit or market.';
COMMENT ON COLUMN sim.live_orders.price_c IS 'Limit price of the side, cents.';
COMMENT ON COLUMN sim.live_orders.num_contracts IS 'Contracts ordered.';
COMMENT ON COLUMN sim.live_orders.post_only IS 'Maker only.';
COMMENT ON COLUMN sim.live_orders.decision_sequence IS 'Sequence (in log) of the decision that asked for it.';
COMMENT ON COLUMN sim.live_orders.status IS 'pending, resting, partially_filled, filled, canceled, rejected.';
COMMENT ON COLUMN sim.live_orders.filled_contracts IS 'Contracts filled so far.';
COMMENT ON COLUMN sim.live_orders.fill_cost IS 'Price × contracts of the fills, dollars.';
COMMENT ON COLUMN sim.live_orders.fees IS 'Fees of the fills, dollars.';
COMMENT ON COLUMN sim.live_orders.canceled_contracts IS 'Contracts canceled.';
COMMENT ON COLUMN sim.live_orders.cancel_reason IS 'Why it was canceled.';
COMMENT ON COLUMN sim.live_orders.canceled_at IS 'Time of the cancel.';
COMMENT ON COLUMN sim.live_orders.reject_code IS 'Rejection code.';
COMMENT ON COLUMN sim.live_orders.reject_message IS 'Rejection message.';
COMMENT ON COLUMN sim.live_orders.placed_at IS 'Time of the order intent (logged before the request left).';
COMMENT ON COLUMN sim.live_orders.updated_at IS 'Time of the latest event about the order.';
COMMENT ON COLUMN sim.live_orders.log IS 'The log it was read from.';
