-- Brand scope per post, decided once by the NLP stage (entities plus relevance rules and heads):
-- which configured brands, competitors and products a post is about. Detectors, reach and
-- routing read these columns instead of matching names again (issue 12, item 1).

ALTER TABLE post_nlp
    ADD COLUMN brands      text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN competitors text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN products    text[]  NOT NULL DEFAULT '{}',
    -- names the post mentions that were judged not about the brand ("Bahn" the lane)
    ADD COLUMN off_topic   text[]  NOT NULL DEFAULT '{}',
    -- false: the post names configured brands and none is relevant; stored, never counted
    ADD COLUMN relevant    boolean NOT NULL DEFAULT true;

CREATE INDEX post_nlp_brands_idx ON post_nlp USING gin (brands);
CREATE INDEX post_nlp_competitors_idx ON post_nlp USING gin (competitors);

-- Sentiment now comes from classifier heads by default, not only VADER: the view shows the
-- post's latest score, whichever model gave it.
CREATE OR REPLACE VIEW v_posts AS
SELECT p.id, p.platform, p.platform_id, p.kind, p.created_at, p.lang_hint AS lang,
       p.text, p.title, p.url, a.username AS author, p.like_count, p.repost_count,
       p.reply_count, p.quote_count, p.score,
       s.sentiment_label, s.sentiment_polarity
FROM posts p
LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
LEFT JOIN LATERAL (
    SELECT sentiment_label, sentiment_polarity FROM post_scores
    WHERE post_id = p.id AND sentiment_label IS NOT NULL
    ORDER BY scored_at DESC LIMIT 1
) s ON true;
