-- NLP results per post: language, entities, intents, topic and product areas, plus embeddings.

CREATE TABLE post_nlp (
    post_id          bigint      PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    lang             text        NOT NULL,
    lang_confidence  double precision,
    entities         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    intents          jsonb       NOT NULL DEFAULT '{}'::jsonb,   -- intent -> confidence
    product_areas    text[]      NOT NULL DEFAULT '{}',
    topic_id         bigint      REFERENCES topics (id) ON DELETE SET NULL,
    -- true once the topic stage has seen the post, also when it stayed an outlier
    topic_checked    boolean     NOT NULL DEFAULT false,
    pipeline_version text        NOT NULL,
    skipped_reason   text,       -- set when the post could not be analysed (e.g. no text)
    analysed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_nlp_topic_idx ON post_nlp (topic_id);
CREATE INDEX post_nlp_intents_idx ON post_nlp USING gin (intents);

-- Float arrays work on every PostgreSQL; pgvector can index them later where it is installed.
CREATE TABLE post_embeddings (
    post_id     bigint      PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    model       text        NOT NULL,
    embedding   real[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE topics
    ADD COLUMN centroid    real[],
    ADD COLUMN size        integer NOT NULL DEFAULT 0,
    ADD COLUMN merged_into bigint REFERENCES topics (id);

-- Topic history: creations, merges and splits, so topic ids stay explainable over time.
CREATE TABLE topic_events (
    id          bigserial   PRIMARY KEY,
    project     text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('created', 'grown', 'merged', 'split')),
    topic_id    bigint      NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    other_id    bigint      REFERENCES topics (id) ON DELETE CASCADE,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
