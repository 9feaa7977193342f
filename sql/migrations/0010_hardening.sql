-- Hardening: findings keep their ids and are withdrawn instead of deleted, `echolot forget`
-- records what it redacted from digests and outbox payloads, quarantined payloads are capped.

-- A finding the data no longer supports stays, marked withdrawn, so every id a digest cited
-- still resolves; it comes back (same id) if a later recompute supports it again.
ALTER TABLE findings
    ADD COLUMN withdrawn_at     timestamptz,
    ADD COLUMN withdrawn_reason text;
CREATE INDEX findings_live_idx ON findings (project, kind, window_end) WHERE withdrawn_at IS NULL;

-- Reporting shows live findings only (`echolot findings show ID` shows withdrawn ones too).
CREATE OR REPLACE VIEW v_findings AS
SELECT id, project, kind, scope_kind, scope_value, window_start, window_end, severity,
       headline, metrics, evidence_post_ids, created_at
FROM findings
WHERE withdrawn_at IS NULL;

-- What `echolot forget` took out of stored digests, outbox payloads, findings and KPI rows:
-- which row, which columns, how many of the forgotten posts it quoted (the name and ids count
-- as one). Never the redacted words themselves.
CREATE TABLE forget_redactions (
    id            bigserial   PRIMARY KEY,
    platform      text        NOT NULL,
    kind          text        NOT NULL,
    platform_id   text        NOT NULL,
    table_name    text        NOT NULL,  -- digests, outbox, findings, feedback, campaign_kpis
    row_key       text        NOT NULL,  -- the row's id (campaign_kpis: project/campaign/window)
    fields        text[]      NOT NULL,
    posts         integer     NOT NULL,
    redacted_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (platform, kind, platform_id) REFERENCES forgotten (platform, kind, platform_id)
        ON DELETE CASCADE
);
CREATE INDEX forget_redactions_row_idx ON forget_redactions (table_name, row_key);

-- A quarantined payload is kept up to a bounded size; the rest is cut and the row says so.
ALTER TABLE quarantine
    ADD COLUMN payload_truncated boolean NOT NULL DEFAULT false,
    ADD COLUMN payload_chars     integer;
