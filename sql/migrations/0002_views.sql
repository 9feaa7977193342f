-- Read-only views for product managers; base tables may change, these stay stable.

CREATE VIEW v_posts AS
SELECT p.id, p.platform, p.platform_id, p.kind, p.created_at, p.lang_hint AS lang,
       p.text, p.title, p.url, a.username AS author, p.like_count, p.repost_count,
       p.reply_count, p.quote_count, p.score,
       s.sentiment_label, s.sentiment_polarity
FROM posts p
LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
LEFT JOIN post_scores s ON s.post_id = p.id AND s.model = 'vader';

CREATE VIEW v_findings AS
SELECT id, project, kind, scope_kind, scope_value, window_start, window_end, severity,
       headline, metrics, evidence_post_ids, created_at
FROM findings;

CREATE VIEW v_digests AS
SELECT d.id, d.project, d.team, d.window_start, d.window_end, d.detail_level,
       d.body_text, d.created_at, o.sent_at
FROM digests d
LEFT JOIN LATERAL (
    SELECT max(sent_at) AS sent_at FROM outbox WHERE outbox.digest_id = d.id
) o ON true;
