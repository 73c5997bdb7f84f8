-- relayburn-server schema 1. Every table is keyed by org first: each statement names its org.

CREATE TABLE orgs (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    id          bigserial   PRIMARY KEY,
    org_id      bigint      NOT NULL REFERENCES orgs (id),
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

-- Bearer tokens: only the SHA-256 of the token is stored.
CREATE TABLE tokens (
    id          bigserial   PRIMARY KEY,
    org_id      bigint      NOT NULL REFERENCES orgs (id),
    device_id   bigint      NOT NULL REFERENCES devices (id),
    hash        bytea       NOT NULL UNIQUE,
    read_only   boolean     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX tokens_by_device ON tokens (org_id, device_id);

-- One row per (harness, session). Counters move by what a request inserted or revised.
CREATE TABLE sessions (
    org_id             bigint  NOT NULL REFERENCES orgs (id),
    harness            text    NOT NULL,
    session_id         text    NOT NULL,
    id                 uuid    NOT NULL UNIQUE,
    project            text,
    branch             text,
    parent_session_id  text,
    relationship       text    NOT NULL DEFAULT 'root',
    placeholder        boolean NOT NULL DEFAULT false,
    first_ts_ms        bigint,
    last_ts_ms         bigint,
    turns              bigint  NOT NULL DEFAULT 0,
    input              bigint  NOT NULL DEFAULT 0,
    output             bigint  NOT NULL DEFAULT 0,
    reasoning          bigint  NOT NULL DEFAULT 0,
    cache_read         bigint  NOT NULL DEFAULT 0,
    cache_write_5m     bigint  NOT NULL DEFAULT 0,
    cache_write_1h     bigint  NOT NULL DEFAULT 0,
    cost_usd           double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, harness, session_id)
);
CREATE INDEX sessions_by_id ON sessions (org_id, session_id);
CREATE INDEX sessions_by_parent ON sessions (org_id, parent_session_id) WHERE parent_session_id IS NOT NULL;
CREATE INDEX sessions_by_last_ts ON sessions (org_id, last_ts_ms DESC);

-- Where each turn is (its partition key) and which revision is stored.
CREATE TABLE turn_keys (
    org_id     bigint NOT NULL,
    harness    text   NOT NULL,
    turn_key   text   NOT NULL,
    revision   bigint NOT NULL,
    ts_ms      bigint NOT NULL,
    device_id  bigint NOT NULL,
    PRIMARY KEY (org_id, harness, turn_key)
);

-- One row per model API response, partitioned by month of ts_ms (partitions are created on
-- demand by the server: turns_yYYYYmMM).
CREATE TABLE turns (
    org_id          bigint  NOT NULL,
    harness         text    NOT NULL,
    turn_key        text    NOT NULL,
    ts_ms           bigint  NOT NULL,
    device_id       bigint  NOT NULL,
    revision        bigint  NOT NULL,
    session_id      text    NOT NULL,
    message_id      text    NOT NULL,
    request_id      text,
    model           text    NOT NULL,
    model_key       text    NOT NULL,
    provider        text,
    priced          boolean NOT NULL,
    project         text,
    branch          text,
    input           bigint  NOT NULL,
    output          bigint  NOT NULL,
    reasoning       bigint  NOT NULL,
    cache_read      bigint  NOT NULL,
    cache_write_5m  bigint  NOT NULL,
    cache_write_1h  bigint  NOT NULL,
    cost_usd        double precision NOT NULL,
    stop_reason     text,
    complete        boolean NOT NULL,
    PRIMARY KEY (org_id, harness, turn_key, ts_ms)
) PARTITION BY RANGE (ts_ms);
-- Devices push in time order, so a BRIN index (a few pages) finds the edges of a window.
CREATE INDEX turns_by_ts ON turns USING brin (org_id, ts_ms);
CREATE INDEX turns_by_session ON turns (org_id, session_id, ts_ms);

-- Stamps: an append-only event table keyed by the stamp id; seq is the arrival order that
-- breaks ties between equal ts_ms (a device's stamps arrive in its own write order).
CREATE TABLE stamps (
    org_id      bigint  NOT NULL REFERENCES orgs (id),
    stamp_id    text    NOT NULL,
    seq         bigserial,
    device_id   bigint  NOT NULL,
    session_id  text,
    message_id  text,
    enrichment  jsonb   NOT NULL,
    ts_ms       bigint  NOT NULL,
    PRIMARY KEY (org_id, stamp_id)
);
CREATE INDEX stamps_by_session ON stamps (org_id, session_id, ts_ms, seq) WHERE session_id IS NOT NULL;

-- Rollups per (org, hour, device, harness, session, model, provider, project, branch): a
-- finer grain than a day, so day/week/month keys in any whole-hour zone, tag filters (by
-- session) and device groups all read it. Kept in the ingest transaction.
CREATE TABLE rollups (
    org_id          bigint  NOT NULL,
    hour_ms         bigint  NOT NULL,
    device_id       bigint  NOT NULL,
    harness         text    NOT NULL,
    session_id      text    NOT NULL,
    model_key       text    NOT NULL,
    provider        text    NOT NULL,
    project         text    NOT NULL,
    branch          text    NOT NULL,
    priced          boolean NOT NULL,
    turns           bigint  NOT NULL,
    input           bigint  NOT NULL,
    output          bigint  NOT NULL,
    reasoning       bigint  NOT NULL,
    cache_read      bigint  NOT NULL,
    cache_write_5m  bigint  NOT NULL,
    cache_write_1h  bigint  NOT NULL,
    cost_usd        double precision NOT NULL,
    PRIMARY KEY (org_id, hour_ms, device_id, harness, session_id, model_key, provider, project, branch, priced)
);
