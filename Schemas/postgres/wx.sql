-- Isotherm's projection of its event logs into the old system's wx schema.
-- Generated from Sources/IsothermPostgres/ProjectionSchema.swift: `isotherm project postgres --ddl`
-- prints it; `ISOTHERM_REGENERATE_DDL=1 swift test --filter ProjectionEncodingTests` rewrites
-- this file, and without the variable that test checks it matches. `isotherm project postgres`
-- creates the tables itself; this file is for reading, and for creating them by hand.

CREATE SCHEMA IF NOT EXISTS wx;

CREATE TABLE IF NOT EXISTS wx.settlement (
    city text NOT NULL,
    date date NOT NULL,
    tmax_final smallint,
    tmin_final smallint,
    source text,
    is_final boolean GENERATED ALWAYS AS (tmax_final IS NOT NULL) STORED,
    is_corrected boolean,
    final_issued_at timestamp with time zone,
    tmax_prelim smallint,
    tmin_prelim smallint,
    prelim_issued_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT settlement_pkey PRIMARY KEY (city, date)
);
COMMENT ON TABLE wx.settlement IS 'Official daily highs and lows per city and climate day (from settlement events).';
COMMENT ON COLUMN wx.settlement.city IS 'Old city name.';
COMMENT ON COLUMN wx.settlement.date IS 'Local-standard-time climate day.';
COMMENT ON COLUMN wx.settlement.tmax_final IS 'Official high, whole °F, from the latest final report (corrections included).';
COMMENT ON COLUMN wx.settlement.tmin_final IS 'Official low, whole °F, from the latest final report.';
COMMENT ON COLUMN wx.settlement.source IS 'Source of the latest final report (nws_cli, nws_cf6, …).';
COMMENT ON COLUMN wx.settlement.is_final IS 'A final report has been seen.';
COMMENT ON COLUMN wx.settlement.is_corrected IS 'The latest final report is a correction.';
COMMENT ON COLUMN wx.settlement.final_issued_at IS 'When the latest final report was issued.';
COMMENT ON COLUMN wx.settlement.tmax_prelim IS 'High from the latest preliminary report, whole °F.';
COMMENT ON COLUMN wx.settlement.tmin_prelim IS 'Low from the latest preliminary report, whole °F.';
COMMENT ON COLUMN wx.settlement.prelim_issued_at IS 'When the latest preliminary report was issued.';
COMMENT ON COLUMN wx.settlement.updated_at IS 'Time of the latest report event.';

CREATE TABLE IF NOT EXISTS wx.forecast_snapshot (
    city text NOT NULL,
    target_date date NOT NULL,
    basis_date date NOT NULL,
    lead_days integer NOT NULL,
    source text NOT NULL,
    tempmax_fcst_f numeric(5,1) NOT NULL,
    tempmin_fcst_f numeric(5,1),
    issued_at timestamp with time zone NOT NULL,
    CONSTRAINT forecast_snapshot_pkey PRIMARY KEY (city, target_date, basis_date)
);
COMMENT ON TABLE wx.forecast_snapshot IS 'Daily forecast snapshots per basis date (from daily_forecast events).';
COMMENT ON COLUMN wx.forecast_snapshot.city IS 'Old city name.';
COMMENT ON COLUMN wx.forecast_snapshot.target_date IS 'The day forecast.';
COMMENT ON COLUMN wx.forecast_snapshot.basis_date IS 'The day the forecast was made.';
COMMENT ON COLUMN wx.forecast_snapshot.lead_days IS 'target_date − basis_date.';
COMMENT ON COLUMN wx.forecast_snapshot.source IS 'visual_crossing, generated, …';
COMMENT ON COLUMN wx.forecast_snapshot.tempmax_fcst_f IS 'Forecast high, °F.';
COMMENT ON COLUMN wx.forecast_snapshot.tempmin_fcst_f IS 'Forecast low, °F.';
COMMENT ON COLUMN wx.forecast_snapshot.issued_at IS 'Event time of the (latest) forecast for this key.';

CREATE TABLE IF NOT EXISTS wx.forecast_snapshot_hourly (
    city text NOT NULL,
    target_date date NOT NULL,
    basis_date date NOT NULL,
    forecast_time timestamp with time zone NOT NULL,
    source text NOT NULL,
    temp_fcst_f numeric(5,1) NOT NULL,
    issued_at timestamp with time zone NOT NULL,
    CONSTRAINT forecast_snapshot_hourly_pkey PRIMARY KEY (city, target_date, basis_date, forecast_time)
);
COMMENT ON TABLE wx.forecast_snapshot_hourly IS 'Hourly forecast curves per basis date (from hourly_forecast events).';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.city IS 'Old city name.';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.target_date IS 'The day forecast.';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.basis_date IS 'The day the forecast was made.';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.forecast_time IS 'The hour the point is for.';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.source IS 'visual_crossing, generated, …';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.temp_fcst_f IS 'Forecast temperature, °F.';
COMMENT ON COLUMN wx.forecast_snapshot_hourly.issued_at IS 'Event time of the (latest) curve for this key.';

CREATE TABLE IF NOT EXISTS wx.minute_obs (
    station text NOT NULL,
    city text,
    ts timestamp with time zone NOT NULL,
    temp_f numeric(5,1) NOT NULL,
    dewpoint_f numeric(5,1),
    source text NOT NULL,
    published_at timestamp with time zone NOT NULL,
    CONSTRAINT minute_obs_pkey PRIMARY KEY (station, ts)
);
CREATE INDEX IF NOT EXISTS minute_obs_city_ts_idx ON wx.minute_obs (city, ts);
COMMENT ON TABLE wx.minute_obs IS 'Surface observations (from observation events).';
COMMENT ON COLUMN wx.minute_obs.station IS 'ICAO station (KNYC).';
COMMENT ON COLUMN wx.minute_obs.city IS 'Old city name of the station (NULL: a station of no known city).';
COMMENT ON COLUMN wx.minute_obs.ts IS 'When the observation was taken.';
COMMENT ON COLUMN wx.minute_obs.temp_f IS 'Temperature, °F.';
COMMENT ON COLUMN wx.minute_obs.dewpoint_f IS 'Dew point, °F.';
COMMENT ON COLUMN wx.minute_obs.source IS 'nws, visual_crossing, iem, …';
COMMENT ON COLUMN wx.minute_obs.published_at IS 'When it became known (the event time).';
