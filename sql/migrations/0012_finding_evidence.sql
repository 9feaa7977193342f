-- Every post a finding rests on, in evidence order, with the sub-theme it was grouped into.
-- Digests quote a few of them; `echolot findings show ID` and v_finding_evidence list them all.
-- A forgotten post or a withdrawn finding takes its rows with it.

CREATE TABLE finding_evidence (
    finding_id bigint  NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    post_id    bigint  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    rank       integer NOT NULL,  -- 1 = shown first; quoted posts come before the others
    quoted     boolean NOT NULL DEFAULT false,
    subtheme   text,              -- label of the post's sub-theme, NULL when not clustered
    PRIMARY KEY (finding_id, post_id)
);
CREATE INDEX finding_evidence_rank_idx ON finding_evidence (finding_id, rank);
CREATE INDEX finding_evidence_post_idx ON finding_evidence (post_id);

CREATE VIEW v_finding_evidence AS
SELECT e.finding_id, f.project, f.kind, f.scope_kind, f.scope_value, f.window_start,
       f.window_end, e.rank, e.quoted, e.subtheme, p.id AS post_id, p.platform, p.kind AS post_kind,
       p.created_at, a.username AS author, p.text, p.url
FROM finding_evidence e
JOIN findings f ON f.id = e.finding_id
JOIN posts p ON p.id = e.post_id
LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id;
