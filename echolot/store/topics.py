"""Topics: the horizon of embedded posts the topic stage clusters, live topics, their events
and the posts' topic assignments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import numpy as np
import psycopg2.extras

from echolot.store.bulk import Cursor


class HorizonPost(NamedTuple):
    """An analysed post the topic stage clusters, with the topic it has so far."""

    post_id: int
    text: str
    embedding: np.ndarray  # float32, parsed in C: a horizon holds up to 300,000 of them
    topic_id: int | None
    topic_checked: bool


class LiveTopic(NamedTuple):
    id: int
    centroid: list[float]
    size: int
    keywords: list[str]
    product_area: str | None
    label: str


class TopicAssignment(NamedTuple):
    post_id: int
    topic_id: int | None  # None: an outlier, in no topic


def unchecked_topic_posts(cur: Cursor, start: datetime, end: datetime) -> int:
    """How many analysed posts created in [start, end) the topic stage has not seen yet."""
    cur.execute(
        """
        SELECT count(*) FROM posts p
        JOIN post_embeddings e ON e.post_id = p.id
        JOIN post_nlp n ON n.post_id = p.id
        WHERE p.created_at >= %s AND p.created_at < %s AND NOT n.topic_checked
        """,
        (start, end),
    )
    return cur.fetchone()[0]


def topic_horizon(cur: Cursor, start: datetime, end: datetime) -> list[HorizonPost]:
    """Every analysed post created in [start, end), in a canonical order so the same posts
    always cluster the same way."""
    cur.execute(
        """
        SELECT p.id, p.text, array_to_string(e.embedding, ' '), n.topic_id, n.topic_checked
        FROM posts p
        JOIN post_embeddings e ON e.post_id = p.id
        JOIN post_nlp n ON n.post_id = p.id
        WHERE p.created_at >= %s AND p.created_at < %s
        ORDER BY p.created_at, p.platform, p.platform_id
        """,
        (start, end),
    )
    # psycopg2 would build a Python float per vector element (115 M for 300,000 posts).
    return [
        HorizonPost(post_id, text, np.fromstring(vector, dtype=np.float32, sep=" "), topic, seen)
        for post_id, text, vector, topic, seen in cur.fetchall()
    ]


def live_topics(cur: Cursor, project: str) -> list[LiveTopic]:
    """The project's active topics."""
    cur.execute(
        "SELECT id, centroid, size, keywords, product_area, label FROM topics "
        "WHERE project = %s AND status = 'active' AND centroid IS NOT NULL ORDER BY id",
        (project,),
    )
    return [LiveTopic(*row) for row in cur.fetchall()]


def save_topic(
    cur: Cursor,
    project: str,
    topic_id: int | None,
    *,
    label: str,
    keywords: Sequence[str],
    product_area: str | None,
    centroid: Sequence[float],
    size: int,
) -> int:
    values = (label, list(keywords), product_area, [float(x) for x in centroid], size)
    if topic_id is None:
        cur.execute(
            "INSERT INTO topics (project, label, keywords, product_area, centroid, size) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (project, *values),
        )
        return cur.fetchone()[0]
    cur.execute(
        "UPDATE topics SET label = %s, keywords = %s, product_area = %s, centroid = %s, "
        "size = %s, updated_at = now() WHERE id = %s",
        (*values, topic_id),
    )
    return topic_id


def retire_topic(cur: Cursor, topic_id: int, merged_into: int) -> None:
    cur.execute(
        "UPDATE topics SET status = 'merged', merged_into = %s, updated_at = now() WHERE id = %s",
        (merged_into, topic_id),
    )
    cur.execute("UPDATE post_nlp SET topic_id = %s WHERE topic_id = %s", (merged_into, topic_id))


def add_topic_event(
    cur: Cursor, project: str, kind: str, topic_id: int, other_id: int | None, details: dict
) -> None:
    cur.execute(
        "INSERT INTO topic_events (project, kind, topic_id, other_id, details) "
        "VALUES (%s, %s, %s, %s, %s)",
        (project, kind, topic_id, other_id, json.dumps(details)),
    )


def assign_topics(cur: Cursor, assignments: Sequence[TopicAssignment]) -> None:
    """Set post_nlp.topic_id of each post (and mark it checked by the topic stage)."""
    if not assignments:
        return
    psycopg2.extras.execute_values(
        cur,
        "UPDATE post_nlp SET topic_id = v.topic_id, topic_checked = true "
        "FROM (VALUES %s) AS v(post_id, topic_id) "
        "WHERE post_nlp.post_id = v.post_id",
        assignments,
        template="(%s::bigint, %s::bigint)",
    )
