-- The policy as data. One row per encoded fact; every row that comes from the
-- policy text carries the section heading and a verbatim quote (source_section,
-- source_quote) so that a reader can check it against the published page.
-- Rows taken from statute instead carry basis = 'statute', a citation and a
-- confidence. Documented column by column in docs/policy-schema.md.

CREATE TABLE policy_versions (
    policy_id        VARCHAR PRIMARY KEY,   -- e.g. 'tencent-cloud/2022-05-25'
    org              VARCHAR NOT NULL,
    title            VARCHAR NOT NULL,
    version          VARCHAR NOT NULL,      -- the policy's own "last updated" date
    effective_date   DATE NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sha256    VARCHAR NOT NULL,
    spec_file        VARCHAR NOT NULL,
    spec_sha256      VARCHAR NOT NULL
);

-- Dated parts of the policy (main text, Korea addendum, modules list).
CREATE TABLE policy_parts (
    part_id          VARCHAR PRIMARY KEY,
    title            VARCHAR NOT NULL,
    last_updated     DATE,
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL
);

-- Jurisdictions form a hierarchy: GLOBAL > bloc (EEA) > country (FR) > subdivision (US-CA).
CREATE TABLE jurisdictions (
    code             VARCHAR PRIMARY KEY,   -- ISO 3166 alpha-2, 'US-CA' style, or a bloc code ('EEA', 'GLOBAL')
    name             VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL CHECK (kind IN ('global', 'bloc', 'country', 'subdivision'))
);

-- The transitive closure of the hierarchy, itself included at depth 0: a rule
-- stated for an ancestor applies to the code, and the smallest depth wins.
CREATE TABLE jurisdiction_lineage (
    code             VARCHAR NOT NULL,
    ancestor         VARCHAR NOT NULL,
    depth            INTEGER NOT NULL,
    PRIMARY KEY (code, ancestor)
);

CREATE TABLE data_controllers (
    scope            VARCHAR NOT NULL,      -- jurisdiction code the controller serves ('EEA', 'GB', 'CH', 'GLOBAL')
    entity           VARCHAR NOT NULL,
    address          VARCHAR,
    holiday_calendar VARCHAR,               -- ISO country whose public holidays the controller keeps
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL,
    PRIMARY KEY (scope)
);

-- Data categories: the rows of the Data Retention table (13), the unit the
-- inventory (records.category) is classified by.
CREATE TABLE data_categories (
    category_id      VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    information      VARCHAR NOT NULL,      -- the table's "Information" cell, verbatim
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL
);

-- "How We Use Your Personal Information" (14 rows).
CREATE TABLE processing_purposes (
    purpose_id       VARCHAR PRIMARY KEY,
    category_id      VARCHAR,               -- the retention category it maps to, if any
    information      VARCHAR NOT NULL,
    mandatory        BOOLEAN NOT NULL,
    purposes         VARCHAR NOT NULL,
    legal_basis      VARCHAR NOT NULL,
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL
);

-- Events that start a retention clock.
CREATE TABLE retention_triggers (
    trigger_event    VARCHAR PRIMARY KEY,   -- account_deleted, enquiry_resolved, marketing_opt_out, ...
    description      VARCHAR NOT NULL,
    clock_source     VARCHAR NOT NULL       -- where the clock's start is read: 'accounts.deleted_at', 'events', 'requests', 'records.created_at'
);

-- Structured retention rules: the table's rows, the general rules under it,
-- addenda (Indonesia's minimum) and recipients' retention.
CREATE TABLE retention_rules (
    rule_id          VARCHAR PRIMARY KEY,
    rule_set         VARCHAR NOT NULL,      -- 'retention_table' | 'retention_text' | 'addendum' | 'recipient'
    kind             VARCHAR NOT NULL CHECK (kind IN ('erase_within', 'retain_minimum')),
    category_id      VARCHAR,               -- NULL: applies to every category
    jurisdiction     VARCHAR NOT NULL,      -- scope; 'GLOBAL' for the main policy
    recipient        VARCHAR,               -- set for a recipient's retention (rule_set 'recipient')
    trigger_event    VARCHAR NOT NULL,
    max_delay        VARCHAR NOT NULL,      -- ISO 8601 duration as written ('P30D', 'PT24H', 'P5Y')
    delay_months     INTEGER NOT NULL,      -- the same duration split so SQL can add it exactly
    delay_days       INTEGER NOT NULL,
    delay_hours      INTEGER NOT NULL,
    earliest_of      VARCHAR,               -- rules sharing this key combine as "whichever is earlier"
    legal_hold_exempt BOOLEAN NOT NULL,     -- "except if otherwise required to be retained by applicable law"
    exception        VARCHAR,               -- e.g. 'consent_to_retain' ("unless you agree to have this data retained")
    notes            VARCHAR,
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL
);

CREATE TABLE request_types (
    request_type     VARCHAR PRIMARY KEY,   -- access, deletion, correction, portability, restriction, objection, opt_out, consent_withdrawal
    description      VARCHAR NOT NULL
);

-- Per-jurisdiction facts of the main policy and each addendum.
CREATE TABLE jurisdiction_rules (
    jurisdiction     VARCHAR PRIMARY KEY,
    minimum_age      INTEGER,               -- NULL: inherits from an ancestor
    minor_rule       VARCHAR,               -- what a minor needs (parental consent, court order)
    transfer_consent_required BOOLEAN,      -- cross-border transfer rests on the subject's consent
    transfer_mechanism VARCHAR,             -- 'consent' | 'scc' | NULL
    extra_retention  VARCHAR,               -- e.g. Indonesia's five-year minimum, as text
    notes            VARCHAR,
    basis            VARCHAR NOT NULL CHECK (basis IN ('policy', 'statute')),
    confidence       VARCHAR NOT NULL,
    source_section   VARCHAR,
    source_quote     VARCHAR
);

CREATE TABLE jurisdiction_rights (
    jurisdiction     VARCHAR NOT NULL,
    request_type     VARCHAR NOT NULL,
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL,
    PRIMARY KEY (jurisdiction, request_type)
);

-- When a data-subject request must be answered.
CREATE TABLE request_deadline_rules (
    rule_id          VARCHAR PRIMARY KEY,
    jurisdiction     VARCHAR NOT NULL,
    request_type     VARCHAR NOT NULL,      -- a request_types value, or '*' for every type
    deadline_kind    VARCHAR NOT NULL CHECK (deadline_kind IN ('response', 'acknowledgement')),
    unit             VARCHAR NOT NULL CHECK (unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours', 'without_delay', 'none')),
    amount           INTEGER,               -- NULL for 'without_delay' / 'none'
    extension_unit   VARCHAR,
    extension_amount INTEGER,
    extension_needs_notice BOOLEAN NOT NULL,
    clock_start      VARCHAR NOT NULL CHECK (clock_start IN ('receipt', 'identity_verified')),
    pause_for_identity BOOLEAN NOT NULL,    -- the clock stops between id_requested_at and id_verified_at
    roll_forward     BOOLEAN NOT NULL,      -- a deadline on a weekend/holiday moves to the next working day
    holiday_calendar VARCHAR,               -- ISO country code for the `holidays` package
    basis            VARCHAR NOT NULL CHECK (basis IN ('policy', 'statute')),
    citation         VARCHAR,
    confidence       VARCHAR NOT NULL,      -- 'high', 'medium-high', 'medium', 'low-medium', 'low'
    valid_from       DATE NOT NULL,
    notes            VARCHAR,
    source_section   VARCHAR,
    source_quote     VARCHAR,               -- NULL when basis = 'statute'
    -- issue 16: identity handling as a property of the rule ('latest_of' | 'pause' | 'none',
    -- derived from clock_start / pause_for_identity), its source, the clarification
    -- stop-the-clock, and rows a lawyer should confirm
    identity_mode    VARCHAR CHECK (identity_mode IN ('latest_of', 'pause', 'none')),
    identity_citation VARCHAR,
    pause_for_clarification BOOLEAN DEFAULT FALSE,
    legal_review     BOOLEAN DEFAULT FALSE
);

-- Korea addendum: delegatees (processors).
CREATE TABLE processors (
    processor_id     VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    tasks            VARCHAR NOT NULL,
    jurisdiction     VARCHAR NOT NULL,      -- whose addendum declares it
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL
);

-- Declared transfers: the Korea overseas-transfer table and the transfers the text declares.
CREATE TABLE declared_transfers (
    flow_id          VARCHAR PRIMARY KEY,
    source_scope     VARCHAR NOT NULL,      -- jurisdiction code (or bloc / GLOBAL) the flow leaves from
    recipient        VARCHAR NOT NULL,      -- recipient id; '*' where the policy names only a destination
    recipient_name   VARCHAR,
    destination_country VARCHAR NOT NULL,   -- ISO 3166 alpha-2 ('CN', 'SG', 'HK', 'US')
    method           VARCHAR,               -- as written ('Encrypted transmission', 'Online transmission')
    encrypted_required BOOLEAN NOT NULL,
    mechanism        VARCHAR,               -- 'consent' | 'scc' | NULL
    purpose          VARCHAR,
    data_types       VARCHAR,               -- as written
    recipient_retention VARCHAR,            -- as written ('7 years', '20 months (whichever is earlier)')
    source_section   VARCHAR NOT NULL,
    source_quote     VARCHAR NOT NULL
);

CREATE TABLE declared_transfer_categories (
    flow_id          VARCHAR NOT NULL,
    category_id      VARCHAR NOT NULL,
    PRIMARY KEY (flow_id, category_id)
);

CREATE TABLE modules (
    module_no        INTEGER PRIMARY KEY,
    name             VARCHAR NOT NULL,
    last_updated     DATE NOT NULL
);

-- Every policy version the store has been built with (the active one, whose rows fill the
-- tables above, and those of earlier builds of the same store, carried over by each
-- rebuild), with the spec's text: `compliance-kit policy diff OLD NEW --db STORE` compares
-- two of them. One row per (policy_id, spec_sha256): an edited spec is a new version even
-- when its id stays the same.
CREATE TABLE policy_history (
    policy_id        VARCHAR NOT NULL,
    version          VARCHAR NOT NULL,
    effective_date   DATE NOT NULL,
    spec_file        VARCHAR NOT NULL,
    spec_sha256      VARCHAR NOT NULL,
    source_sha256    VARCHAR NOT NULL,
    spec_text        VARCHAR NOT NULL,
    built_at         TIMESTAMPTZ NOT NULL,     -- when a build first recorded it
    active           BOOLEAN NOT NULL,         -- TRUE for the version the tables hold
    PRIMARY KEY (policy_id, spec_sha256)
);
