-- How far each downstream stage has processed, so scheduled runs recompute only what changed.
CREATE TABLE stage_watermarks (
    project     text        NOT NULL,
    stage       text        NOT NULL,
    watermark   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project, stage)
);
