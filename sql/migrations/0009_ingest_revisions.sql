-- Ingest that survives the real APIs (issue 13): post revisions, unavailable items, authors by name.

-- Which version of a post the row holds: higher is newer (an X edit's tweet id, Reddit's or
-- Mastodon's edit time in ms). An older version replayed later never overwrites a newer one.
ALTER TABLE posts ADD COLUMN revision bigint NOT NULL DEFAULT 0;

-- Every superseded version of a post, so an edit never loses what was said before.
CREATE TABLE post_revisions (
    platform      text        NOT NULL,
    platform_id   text        NOT NULL,
    revision      bigint      NOT NULL,
    title         text,
    text          text        NOT NULL,
    raw           jsonb       NOT NULL,
    content_hash  text        NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, platform_id, revision),
    FOREIGN KEY (platform, platform_id) REFERENCES posts (platform, platform_id) ON DELETE CASCADE
);

-- What a platform said it could not give: a deleted or suspended referenced post or author
-- (X's page `errors`), a profile that answered 404 (not asked for again), a blocked quote.
CREATE TABLE unavailable_items (
    platform       text        NOT NULL,
    resource_type  text        NOT NULL CHECK (resource_type IN ('post', 'author')),
    resource_id    text        NOT NULL,
    source         text        NOT NULL,
    reason         text        NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, resource_type, resource_id)
);

-- Authors known only by name (Reddit listings before 2018) are matched to their id by name.
CREATE INDEX authors_username_idx ON authors (platform, lower(username));
