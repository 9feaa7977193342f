"""The topic stage: assign a window's analysed posts to stable topics and store the changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    """Posts that already have a topic keep it, so rerunning a window changes nothing."""
    with conn, conn.cursor() as cur:
        rows = store.embedded_posts_in_window(cur, start, end)
        existing = [
            Topic(topic_id, np.asarray(centroid, dtype=np.float32), size, list(keywords),
                  area, label)
            for topic_id, centroid, size, keywords, area, label in store.live_topics(
                cur, config.project
            )
        ]  # fmt: skip
    report = TopicReport(posts=len(rows))
    if not rows:
        report.topics = len(existing)
        return report
    texts = [text for _, text, _, _ in rows]
    vectors = np.asarray([vector for _, _, vector, _ in rows], dtype=np.float32)
    area_vectors = None
    if embedder is not None and config.product_areas:
        descriptions = [f"{a.name}: {', '.join(a.keywords)}" for a in config.product_areas]
        area_vectors = embedder.embed(descriptions)
    plan = plan_topics(
        texts, vectors, existing, config.nlp.topics, config.product_areas, area_vectors
    )
    with conn, conn.cursor() as cur:
        for topic in [*plan.topics, *plan.retired]:
            topic.id = store.save_topic(
                cur, config.project, topic.id, label=topic.label or "unlabelled",
                keywords=topic.keywords, product_area=topic.product_area,
                centroid=topic.centroid.tolist(), size=topic.size,
            )  # fmt: skip
        store.assign_topics(
            cur,
            [(post_id, t.id if t else None) for (post_id, *_), t in zip(rows, plan.assignment,
                                                                          strict=True)],
        )  # fmt: skip
        for event in plan.events:
            other = event.other.id if event.other else None
            if event.kind == "merged" and other is not None:
                store.retire_topic(cur, other, merged_into=event.topic.id)
            store.add_topic_event(cur, config.project, event.kind, event.topic.id, other,
                                  event.details)  # fmt: skip
    report.topics = len(plan.topics)
    report.created = sum(e.kind == "created" for e in plan.events)
    report.merged = sum(e.kind == "merged" for e in plan.events)
    report.split = sum(e.kind == "split" for e in plan.events)
    report.outlier_share = round(plan.outlier_share, 4)
    return report
