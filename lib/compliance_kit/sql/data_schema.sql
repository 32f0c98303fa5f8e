-- Operational data: what the company actually holds and does. Loaded by
-- compliance_kit.data.loader from CSV or Parquet after validation; every
-- timestamp is stored as UTC (TIMESTAMPTZ with the session TimeZone = 'UTC').
-- The data contract (docs/data-contract.md) documents each column.
-- The *_id key columns are unique, but the loader guarantees it (every copy of a repeated
-- key is quarantined), not an index: a PRIMARY KEY's ART index cost 3.8x a bare load of
-- 10M records (bench/bench_load.py), and the analyses join by hash, not by index.

CREATE TABLE accounts (
    account_id       VARCHAR NOT NULL,   -- unique (checked by the loader)
    jurisdiction     VARCHAR NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    deleted_at       TIMESTAMPTZ
);

-- The data inventory: one row per stored record.
CREATE TABLE records (
    record_id        VARCHAR NOT NULL,   -- unique (checked by the loader)
    account_id       VARCHAR,               -- NULL for data held without an account (enquiries, marketing leads)
    category         VARCHAR NOT NULL,      -- data_categories.category_id
    system           VARCHAR NOT NULL,
    jurisdiction     VARCHAR NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    erased_at        TIMESTAMPTZ,
    legal_hold       BOOLEAN NOT NULL
);

-- Lifecycle events that start retention clocks, beyond account deletion.
CREATE TABLE events (
    event_id         VARCHAR NOT NULL,   -- unique (checked by the loader)
    subject_id       VARCHAR NOT NULL,      -- a record_id or an account_id
    event            VARCHAR NOT NULL,      -- retention_triggers.trigger_event
    occurred_at      TIMESTAMPTZ NOT NULL
);

-- Data-subject requests.
CREATE TABLE requests (
    request_id       VARCHAR NOT NULL,   -- unique (checked by the loader)
    account_id       VARCHAR,
    jurisdiction     VARCHAR NOT NULL,
    type             VARCHAR NOT NULL,      -- request_types.request_type
    channel          VARCHAR NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    id_requested_at  TIMESTAMPTZ,
    id_verified_at   TIMESTAMPTZ,
    extension_notified_at TIMESTAMPTZ,
    extension_reason VARCHAR,
    completed_at     TIMESTAMPTZ,
    outcome          VARCHAR,               -- 'complied', 'complied_in_part', 'denied'; NULL while open
    denial_reason    VARCHAR,
    -- optional in the files (absent = NULL), issue 16
    extension_told_until TIMESTAMPTZ,       -- the date the requester was told the answer would come
    clarification_requested_at TIMESTAMPTZ, -- UK stop-the-clock: clarification asked for
    clarification_received_at TIMESTAMPTZ,  -- ... and received
    denial_category  VARCHAR                -- contract enumeration ('unverifiable', ...)
);

-- Observed cross-border flows.
CREATE TABLE transfers (
    transfer_id      VARCHAR NOT NULL,   -- unique (checked by the loader)
    occurred_at      TIMESTAMPTZ NOT NULL,
    source_jurisdiction VARCHAR NOT NULL,
    recipient        VARCHAR NOT NULL,
    destination_country VARCHAR NOT NULL,
    category         VARCHAR NOT NULL,
    record_count     BIGINT NOT NULL,
    bytes            BIGINT NOT NULL,
    mechanism        VARCHAR,               -- 'consent', 'scc', ... or NULL when none was in place
    encrypted        BOOLEAN NOT NULL
);

-- Rows that failed validation, with why. Nothing is dropped silently:
-- rows read = rows loaded + rows quarantined, per table.
CREATE TABLE quarantine (
    table_name       VARCHAR NOT NULL,
    source_file      VARCHAR NOT NULL,
    line_number      BIGINT,                -- 1-based data line in a CSV (header = line 1); row number in Parquet
    column_name      VARCHAR,
    reason           VARCHAR NOT NULL,
    raw_row          VARCHAR,               -- the row as read, JSON
    all_reasons      VARCHAR                -- every failed check, 'column: reason; ...' (reason = the first)
);

-- One row per table per load: the accounting a reviewer can check.
CREATE TABLE load_log (
    table_name       VARCHAR NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sha256    VARCHAR NOT NULL,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    loaded_at        TIMESTAMPTZ NOT NULL
);
