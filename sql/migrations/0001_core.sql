-- Core tables. Natural keys are (platform, platform_id); all timestamps are timestamptz (UTC).

CREATE TABLE pipeline_runs (
    id            bigserial PRIMARY KEY,
    project       text        NOT NULL,
    command       text        NOT NULL,
    window_start  timestamptz,
    window_end    timestamptz,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text        NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'succeeded', 'failed')),
    counts        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error         text
);

CREATE TABLE authors (
    platform      text        NOT NULL,
    platform_id   text        NOT NULL,
    username      text,
    display_name  text,
    description   text,
    location      text,
    verified      boolean,
    created_at    timestamptz,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, platform_id)
);

-- Follower counts and karma change; keep them as observed at posting time.
CREATE TABLE author_snapshots (
    platform      text        NOT NULL,
    author_id     text        NOT NULL,
    observed_at   timestamptz NOT NULL,
    followers     bigint,
    following     bigint,
    post_count    bigint,
    listed_count  bigint,
    karma         bigint,
    PRIMARY KEY (platform, author_id, observed_at),
    FOREIGN KEY (platform, author_id) REFERENCES authors (platform, platform_id) ON DELETE CASCADE
);

CREATE TABLE posts (
    id               bigserial   PRIMARY KEY,
    platform         text        NOT NULL,
    platform_id      text        NOT NULL,
    author_id        text,
    source           text        NOT NULL,
    kind             text        NOT NULL
                     CHECK (kind IN ('post', 'reply', 'repost', 'quote', 'submission', 'comment')),
    title            text,
    text             text        NOT NULL,
    lang_hint        text,
    created_at       timestamptz NOT NULL,
    url              text,
    conversation_id  text,
    parent_id        text,
    like_count       bigint,
    repost_count     bigint,
    reply_count      bigint,
    quote_count      bigint,
    score            bigint,
    impression_count bigint,
    raw              jsonb       NOT NULL,
    content_hash     text        NOT NULL,
    ingested_at      timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, platform_id),
    FOREIGN KEY (platform, author_id) REFERENCES authors (platform, platform_id) ON DELETE CASCADE
);
CREATE INDEX posts_created_at_idx ON posts (created_at);
CREATE INDEX posts_author_idx ON posts (platform, author_id);

-- Edges of the conversation graph. Targets may not be stored (e.g. a deleted tweet), so they
-- are kept as platform ids; '' stands for "no target of that kind" to keep the key simple.
CREATE TABLE interactions (
    platform          text        NOT NULL,
    kind              text        NOT NULL CHECK (kind IN ('reply', 'repost', 'quote', 'mention')),
    source_post_id    text        NOT NULL,
    source_author_id  text,
    target_post_id    text        NOT NULL DEFAULT '',
    target_author_id  text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (platform, kind, source_post_id, target_post_id, target_author_id),
    FOREIGN KEY (platform, source_post_id) REFERENCES posts (platform, platform_id)
        ON DELETE CASCADE
);
CREATE INDEX interactions_created_at_idx ON interactions (created_at);
CREATE INDEX interactions_target_author_idx ON interactions (platform, target_author_id);

CREATE TABLE ingest_checkpoints (
    source      text        NOT NULL,
    query       text        NOT NULL,
    cursor      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, query)
);

-- Payloads that could not be normalised, kept verbatim so nothing is lost.
CREATE TABLE quarantine (
    id            bigserial   PRIMARY KEY,
    source        text        NOT NULL,
    platform      text,
    payload       text        NOT NULL,
    payload_hash  text        NOT NULL,
    reason        text        NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, payload_hash)
);

CREATE TABLE post_scores (
    post_id              bigint      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    model                text        NOT NULL,
    model_version        text        NOT NULL,
    lang                 text,
    sentiment_label      text CHECK (sentiment_label IN ('negative', 'neutral', 'positive')),
    sentiment_polarity   double precision CHECK (sentiment_polarity BETWEEN -1 AND 1),
    sentiment_confidence double precision CHECK (sentiment_confidence BETWEEN 0 AND 1),
    details              jsonb       NOT NULL DEFAULT '{}'::jsonb,
    scored_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, model)
);

CREATE TABLE topics (
    id          bigserial   PRIMARY KEY,
    project     text        NOT NULL,
    label       text        NOT NULL,
    keywords    text[]      NOT NULL DEFAULT '{}',
    product_area text,
    status      text        NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'merged', 'split', 'retired')),
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE author_influence (
    platform      text        NOT NULL,
    author_id     text        NOT NULL,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    topic_id      bigint      NOT NULL DEFAULT 0,
    potential_reach double precision,
    amplification double precision,
    centrality    double precision,
    consistency   double precision,
    score         double precision NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, author_id, window_start, window_end, topic_id),
    FOREIGN KEY (platform, author_id) REFERENCES authors (platform, platform_id) ON DELETE CASCADE
);

CREATE TABLE findings (
    id                bigserial   PRIMARY KEY,
    project           text        NOT NULL,
    kind              text        NOT NULL,
    scope_kind        text        NOT NULL,
    scope_value       text        NOT NULL,
    window_start      timestamptz NOT NULL,
    window_end        timestamptz NOT NULL,
    severity          text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    headline          text        NOT NULL,
    metrics           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    evidence_post_ids bigint[]    NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project, kind, scope_kind, scope_value, window_start, window_end)
);
CREATE INDEX findings_window_idx ON findings (project, window_start);

CREATE TABLE campaign_kpis (
    project       text        NOT NULL,
    campaign      text        NOT NULL,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    impulses      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    network       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    amplifiers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    outcomes      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project, campaign, window_start, window_end)
);

CREATE TABLE digests (
    id            bigserial   PRIMARY KEY,
    project       text        NOT NULL,
    team          text        NOT NULL,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    detail_level  text        NOT NULL CHECK (detail_level IN ('headline', 'summary', 'full')),
    finding_ids   bigint[]    NOT NULL DEFAULT '{}',
    body_text     text        NOT NULL,
    content_hash  text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project, team, window_start, window_end)
);

-- Transactional outbox: written in the same transaction as its digest, relayed afterwards.
-- One message per distinct digest content, so a rerun with unchanged content adds nothing.
CREATE TABLE outbox (
    id            bigserial   PRIMARY KEY,
    digest_id     bigint      NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    team          text        NOT NULL,
    content_hash  text        NOT NULL,
    payload       jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    attempts      integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    last_error    text,
    UNIQUE (digest_id, content_hash)
);
CREATE INDEX outbox_unsent_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;
