-- Reach: influence per author, window and scope; post and cascade reach; the campaign KPI chain;
-- and the product managers' views over all of it.

-- Influence rows were global; scores are relative to a project's topics and windows, so the
-- project joins the key, and so does the product area (a scope beside discovered topics).
-- Scopes: topic_id 0 and product_area '' = everything the author did in the window;
-- topic_id N = discovered topic N; product_area 'app' = posts about that product area.
ALTER TABLE author_influence DROP CONSTRAINT author_influence_pkey;
ALTER TABLE author_influence
    ADD COLUMN project       text    NOT NULL DEFAULT '',
    ADD COLUMN product_area  text    NOT NULL DEFAULT '',
    -- 1 = most influential eligible author of the scope; NULL = not eligible (no own post
    -- in the scope, or an account the brand owns)
    ADD COLUMN rank          integer,
    ADD COLUMN is_leader     boolean NOT NULL DEFAULT false,
    -- raw figures behind the components and the weights that combined them
    ADD COLUMN details       jsonb   NOT NULL DEFAULT '{}'::jsonb,
    ADD CONSTRAINT author_influence_one_scope CHECK (topic_id = 0 OR product_area = ''),
    ADD CONSTRAINT author_influence_components_unit CHECK (
        potential_reach BETWEEN 0 AND 1 AND amplification BETWEEN 0 AND 1
        AND centrality BETWEEN 0 AND 1 AND consistency BETWEEN 0 AND 1);
ALTER TABLE author_influence
    ADD PRIMARY KEY (project, window_start, window_end, topic_id, product_area, platform, author_id);
CREATE INDEX author_influence_leaders_idx
    ON author_influence (project, window_start, window_end) WHERE is_leader;

-- Reach of a post and of the cascade (reply, repost and quote tree) below it, as of `as_of`
-- (the end of the window that computed it; later windows see more of the cascade).
CREATE TABLE post_reach (
    post_id               bigint      PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    root_post_id          bigint      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_post_id        bigint      REFERENCES posts (id) ON DELETE SET NULL,
    author_audience       bigint      NOT NULL DEFAULT 0,  -- followers or karma at posting time
    potential_impressions double precision NOT NULL,
    actual_impressions    bigint,     -- only where the platform reports impressions
    cascade_size          integer     NOT NULL,            -- posts in the tree, this one included
    cascade_depth         integer     NOT NULL,            -- 0 = nobody replied, reposted or quoted
    amplifiers            integer     NOT NULL,            -- distinct other authors in the tree
    as_of                 timestamptz NOT NULL,
    computed_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_reach_root_idx ON post_reach (root_post_id);

-- The chain's step-to-step ratios, and the first step that came out empty.
ALTER TABLE campaign_kpis
    ADD COLUMN ratios    jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN breaks_at text CHECK (breaks_at IN ('impulses', 'network', 'amplifiers', 'outcomes'));

-- Views for product managers. Views run with their owner's rights, so the read-only role
-- (`echolot db grant-readonly`) needs SELECT on these and nothing else.

CREATE VIEW v_post_analysis AS
SELECT p.id AS post_id, p.platform, p.kind, p.created_at, a.username AS author, p.text, p.url,
       n.lang, s.sentiment_label, s.sentiment_polarity, s.model AS sentiment_model,
       n.intents, n.product_areas, n.topic_id, t.label AS topic_label,
       r.author_audience, r.potential_impressions, r.actual_impressions, r.cascade_size,
       r.cascade_depth
FROM posts p
LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
LEFT JOIN post_nlp n ON n.post_id = p.id
LEFT JOIN topics t ON t.id = n.topic_id
LEFT JOIN post_reach r ON r.post_id = p.id
LEFT JOIN LATERAL (
    SELECT model, sentiment_label, sentiment_polarity FROM post_scores
    WHERE post_id = p.id AND sentiment_label IS NOT NULL
    ORDER BY scored_at DESC LIMIT 1
) s ON true;

CREATE VIEW v_topics AS
SELECT t.id AS topic_id, t.project, t.label, t.keywords, t.product_area, t.status, t.size,
       t.merged_into, t.created_at, t.updated_at
FROM topics t;

CREATE VIEW v_author_influence AS
SELECT i.project, i.window_start, i.window_end,
       CASE WHEN i.topic_id <> 0 THEN 'topic' WHEN i.product_area <> '' THEN 'product_area'
            ELSE 'all' END AS scope_kind,
       i.topic_id, t.label AS topic_label,
       COALESCE(NULLIF(i.product_area, ''), t.product_area) AS product_area,
       i.platform, i.author_id, a.username, i.rank, i.is_leader, i.score,
       i.potential_reach, i.amplification, i.centrality, i.consistency, i.details
FROM author_influence i
LEFT JOIN authors a ON a.platform = i.platform AND a.platform_id = i.author_id
LEFT JOIN topics t ON t.id = i.topic_id AND i.topic_id <> 0;

CREATE VIEW v_opinion_leaders AS
SELECT * FROM v_author_influence WHERE is_leader;

CREATE VIEW v_post_reach AS
SELECT r.post_id, p.platform, p.created_at, a.username AS author, r.root_post_id,
       r.author_audience, r.potential_impressions, r.actual_impressions, r.cascade_size,
       r.cascade_depth, r.amplifiers, r.as_of
FROM post_reach r
JOIN posts p ON p.id = r.post_id
LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id;

CREATE VIEW v_campaign_kpis AS
SELECT project, campaign, window_start, window_end,
       (impulses->>'total')::int                       AS impulses_total,
       (impulses->>'owned_posts')::int                 AS owned_posts,
       (impulses->>'hashtag_first_uses')::int          AS hashtag_first_uses,
       (network->>'participants')::int                 AS participants,
       (network->>'new_authors')::int                  AS new_authors,
       (network->>'returning_authors')::int            AS returning_authors,
       (network->>'cascades')::int                     AS cascades,
       (network->>'max_depth')::int                    AS max_cascade_depth,
       (amplifiers->>'leaders_engaged')::int           AS leaders_engaged,
       (amplifiers->>'leader_share_of_reach')::float   AS leader_share_of_reach,
       (amplifiers->>'amplification_rate')::float      AS amplification_rate,
       (outcomes->>'share_of_voice')::float            AS share_of_voice,
       (outcomes #>> '{sentiment,delta}')::float       AS sentiment_delta,
       (outcomes #>> '{sentiment,ci_low}')::float      AS sentiment_delta_ci_low,
       (outcomes #>> '{sentiment,ci_high}')::float     AS sentiment_delta_ci_high,
       (outcomes->>'purchase_intent')::int             AS purchase_intent_posts,
       (outcomes->>'product_feedback')::int            AS product_feedback_posts,
       ratios, breaks_at, impulses, network, amplifiers, outcomes, computed_at
FROM campaign_kpis;
