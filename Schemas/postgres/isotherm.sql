-- Isotherm's projection of its event logs into the old system's isotherm schema.
-- Generated from Sources/IsothermPostgres/ProjectionSchema.swift: `isotherm project postgres --ddl`
-- prints it; `ISOTHERM_REGENERATE_DDL=1 swift test --filter ProjectionEncodingTests` rewrites
-- this file, and without the variable that test checks it matches. `isotherm project postgres`
-- creates the tables itself; this file is for reading, and for creating them by hand.

CREATE SCHEMA IF NOT EXISTS isotherm;

CREATE TABLE IF NOT EXISTS isotherm.projection_checkpoint (
    table_name text NOT NULL,
    log text NOT NULL,
    last_sequence bigint NOT NULL,
    projected_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT projection_checkpoint_pkey PRIMARY KEY (table_name, log)
);
COMMENT ON TABLE isotherm.projection_checkpoint IS 'How far each projected table has read each log: a catch-up (isotherm project postgres --incremental) applies only later events, in the transaction that moves this row.';
COMMENT ON COLUMN isotherm.projection_checkpoint.table_name IS 'Qualified table name (kalshi.candles_1m).';
COMMENT ON COLUMN isotherm.projection_checkpoint.log IS 'The log directory (absolute path).';
COMMENT ON COLUMN isotherm.projection_checkpoint.last_sequence IS 'The last sequence number of the log the table reflects.';
COMMENT ON COLUMN isotherm.projection_checkpoint.projected_at IS 'When the projector moved the checkpoint (wall clock; informational).';
