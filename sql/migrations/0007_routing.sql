-- Routing: alerts beside scheduled digests, rendered forms, and what each team already received.

ALTER TABLE digests
    ADD COLUMN kind          text NOT NULL DEFAULT 'digest' CHECK (kind IN ('digest', 'alert')),
    ADD COLUMN body_markdown text NOT NULL DEFAULT '',
    ADD COLUMN body_html     text NOT NULL DEFAULT '';
ALTER TABLE digests DROP CONSTRAINT digests_project_team_window_start_window_end_key;
ALTER TABLE digests
    ADD CONSTRAINT digests_project_team_kind_window_key
    UNIQUE (project, team, kind, window_start, window_end);

-- A finding reaches a team once; again only when its severity rose (escalation).
CREATE TABLE finding_deliveries (
    project       text        NOT NULL,
    team          text        NOT NULL,
    finding_id    bigint      NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    digest_id     bigint      NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    severity      text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    -- sent because its severity rose since an earlier delivery
    escalated     boolean     NOT NULL DEFAULT false,
    delivered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project, team, finding_id)
);
CREATE INDEX finding_deliveries_digest_idx ON finding_deliveries (digest_id);

-- What a `full` digest shows beyond the key figures (e.g. every lead as a table row).
ALTER TABLE findings ADD COLUMN details jsonb NOT NULL DEFAULT '{}'::jsonb;
