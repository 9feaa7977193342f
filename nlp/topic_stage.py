"""The topic stage: assign a window's analysed posts to stable topics and store the changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import psycopg2.extensions

from echolot import store
from echolot.config import ProjectConfig
from nlp.embeddings import Embedder
from nlp.topics import Topic, plan_topics


@dataclass
class TopicReport:
    posts: int = 0
    topics: int = 0
    created: int = 0
    merged: int = 0
    split: int = 0
    outlier_share: float = 0.0


def update_topics(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    start: datetime,
    end: datetime,
    embedder: Embedder | None = None,
) -> TopicReport:
    """Re-cluster the look-back horizon when [start, end) has posts the stage has not seen;
    a rerun over a window it has seen does nothing."""
    settings = config.nlp.topics
    with conn, conn.cursor() as cur:
        fresh = store.unchecked_topic_posts(cur, start, end)
        if not fresh:
            return TopicReport(topics=len(store.live_topics(cur, config.project)))
        since = min(start, end - timedelta(days=settings.lookback_days))
        rows = store.topic_horizon(cur, since, end)
        existing = [
            Topic(t.id, np.asarray(t.centroid, dtype=np.float32), t.size, list(t.keywords),
                  t.product_area, t.label)
            for t in store.live_topics(cur, config.project)
        ]  # fmt: skip
    texts = [row.text for row in rows]
    vectors = np.asarray([row.embedding for row in rows], dtype=np.float32)
    previous = [row.topic_id for row in rows]
    area_vectors = None
    if embedder is not None and config.product_areas:
        descriptions = [f"{a.name}: {', '.join(a.keywords)}" for a in config.product_areas]
        area_vectors = embedder.embed(descriptions)
    plan = plan_topics(
        texts, vectors, existing, settings, config.product_areas, area_vectors, previous
    )
    with conn, conn.cursor() as cur:
        for topic in [*plan.topics, *plan.retired]:
            topic.id = store.save_topic(
                cur, config.project, topic.id, label=topic.label or "unlabelled",
                keywords=topic.keywords, product_area=topic.product_area,
                centroid=topic.centroid.tolist(), size=topic.size,
            )  # fmt: skip
        # Only posts whose topic changed, or that the stage sees for the first time.
        changed = []
        for row, topic in zip(rows, plan.assignment, strict=True):
            topic_id = topic.id if topic else None
            if not row.topic_checked or row.topic_id != topic_id:
                changed.append(store.TopicAssignment(row.post_id, topic_id))
        store.assign_topics(cur, changed)
        for event in plan.events:
            other = event.other.id if event.other else None
            if event.kind == "merged" and other is not None:
                store.retire_topic(cur, other, merged_into=event.topic.id)
            store.add_topic_event(cur, config.project, event.kind, event.topic.id, other,
                                  event.details)  # fmt: skip
    return TopicReport(
        posts=sum(not row.topic_checked for row in rows),
        topics=len(plan.topics),
        created=sum(e.kind == "created" for e in plan.events),
        merged=sum(e.kind == "merged" for e in plan.events),
        split=sum(e.kind == "split" for e in plan.events),
        outlier_share=round(plan.outlier_share, 4),
    )
