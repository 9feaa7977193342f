-- Deletion compliance: what `echolot forget` removed stays out, even when a source sends it again.
CREATE TABLE forgotten (
    platform      text        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('post', 'author')),
    platform_id   text        NOT NULL,
    forgotten_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, kind, platform_id)
);
