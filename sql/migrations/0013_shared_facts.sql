-- One definition per business fact (issue 15, item 4): the store's queries read these functions
-- instead of each spelling the rule out again. Both are plain SQL, STABLE and not STRICT, so
-- the planner inlines them: `LEFT JOIN LATERAL f(...) x ON true` plans exactly like the
-- subquery written in place.
--
-- The reporting views (v_*) keep their own subquery: an inlined function's tables are checked
-- against the caller's rights, not the view owner's, so the read-only role would be refused.

-- An author's audience at a moment (posting time): followers, or karma on Reddit (never below
-- 0), from the last snapshot taken at or before it, else from the first one after it.
-- Snapshots without either figure do not count; no row when the author was never measured
-- (callers decide what an unknown audience means).
CREATE FUNCTION author_audience_at(author_platform text, author text, moment timestamptz)
RETURNS TABLE (audience bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT GREATEST(s.followers, s.karma, 0)
    FROM author_snapshots s
    WHERE s.platform = author_platform AND s.author_id = author
      AND (s.followers IS NOT NULL OR s.karma IS NOT NULL)
    ORDER BY s.observed_at <= moment DESC,
             CASE WHEN s.observed_at <= moment THEN s.observed_at END DESC,
             s.observed_at
    LIMIT 1
$$;

-- A post's latest sentiment: the newest score with a label, whichever model gave it.
CREATE FUNCTION latest_sentiment(scored_post bigint)
RETURNS TABLE (model text, sentiment_label text, sentiment_polarity double precision,
               sentiment_confidence double precision, scored_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT s.model, s.sentiment_label, s.sentiment_polarity, s.sentiment_confidence, s.scored_at
    FROM post_scores s
    WHERE s.post_id = scored_post AND s.sentiment_label IS NOT NULL
    ORDER BY s.scored_at DESC
    LIMIT 1
$$;
