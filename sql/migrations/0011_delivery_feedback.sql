-- Delivery of digests to people's channels (e-mail, Slack, Microsoft Teams) and what they say
-- back about each finding.
--
-- A message is one outbox row (a digest in one content version). Rows here copy the project,
-- team, kind and scope they are about instead of referencing findings, so a recomputed or
-- forgotten finding never takes a delivery record or a team's feedback with it.

-- One row per message, channel and recipient that accepted it (or is still failing): the
-- consumer's de-duplication, so a redelivered message never reaches a channel twice.
CREATE TABLE digest_deliveries (
    outbox_id     bigint      NOT NULL,
    digest_id     bigint      NOT NULL,
    project       text        NOT NULL,
    team          text        NOT NULL,
    channel       text        NOT NULL,  -- the channel's name in teams.<team>.deliver
    channel_type  text        NOT NULL CHECK (channel_type IN ('email', 'slack', 'teams')),
    recipient     text        NOT NULL DEFAULT '',  -- e-mail address; '' for a webhook
    status        text        NOT NULL CHECK (status IN ('sent', 'failed')),
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text,
    sent_at       timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (outbox_id, channel, recipient)
);
CREATE INDEX digest_deliveries_team_idx ON digest_deliveries (project, team, sent_at);

-- Messages every channel accepted: acknowledged, never handed out again.
CREATE TABLE delivered_messages (
    outbox_id     bigint      PRIMARY KEY,
    digest_id     bigint      NOT NULL,
    project       text        NOT NULL,
    team          text        NOT NULL,
    delivered_at  timestamptz NOT NULL DEFAULT now()
);

-- Messages parked after their channels kept failing; a later run tries them again and sets
-- resolved_at once they went out.
CREATE TABLE delivery_dead_letters (
    outbox_id        bigint      PRIMARY KEY,
    digest_id        bigint      NOT NULL,
    project          text        NOT NULL,
    team             text        NOT NULL,
    reason           text        NOT NULL,
    failed_channels  text[]      NOT NULL DEFAULT '{}',
    times_parked     integer     NOT NULL DEFAULT 1,
    parked_at        timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz
);

-- A signed link to the full digest, one per delivered message and recipient. The id is 128
-- random bits; the URL also carries an HMAC over it and the expiry.
CREATE TABLE digest_links (
    token_id    text        PRIMARY KEY,
    digest_id   bigint      NOT NULL,
    project     text        NOT NULL,
    team        text        NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

-- One single-use feedback token per item of a delivered message, channel and recipient.
CREATE TABLE feedback_tokens (
    token_id     text        PRIMARY KEY,
    outbox_id    bigint      NOT NULL,
    digest_id    bigint      NOT NULL,
    project      text        NOT NULL,
    team         text        NOT NULL,
    channel      text        NOT NULL,
    recipient    text        NOT NULL DEFAULT '',
    finding_id   bigint      NOT NULL,
    kind         text        NOT NULL,
    scope_kind   text        NOT NULL,
    scope_value  text        NOT NULL,
    severity     text        NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    UNIQUE (outbox_id, channel, recipient, finding_id)
);

-- What people said: one reaction per token.
CREATE TABLE feedback_reactions (
    id           bigserial   PRIMARY KEY,
    token_id     text        NOT NULL UNIQUE REFERENCES feedback_tokens (token_id),
    project      text        NOT NULL,
    team         text        NOT NULL,
    finding_id   bigint      NOT NULL,
    kind         text        NOT NULL,
    scope_kind   text        NOT NULL,
    scope_value  text        NOT NULL,
    reaction     text        NOT NULL CHECK (reaction IN ('useful', 'not_useful', 'wrong_team')),
    channel      text        NOT NULL,
    reacted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_reactions_team_idx ON feedback_reactions (project, team, reacted_at);

-- For product managers: what each team found useful, per finding kind and scope.
CREATE VIEW v_feedback AS
SELECT project,
       team,
       kind,
       scope_kind,
       scope_value,
       count(*) FILTER (WHERE reaction = 'useful')     AS useful,
       count(*) FILTER (WHERE reaction = 'not_useful') AS not_useful,
       count(*) FILTER (WHERE reaction = 'wrong_team') AS wrong_team,
       count(*)                                        AS reactions,
       round(count(*) FILTER (WHERE reaction = 'useful')::numeric / count(*), 3) AS useful_share,
       min(reacted_at)                                 AS first_reaction_at,
       max(reacted_at)                                 AS last_reaction_at
FROM feedback_reactions
GROUP BY project, team, kind, scope_kind, scope_value;
