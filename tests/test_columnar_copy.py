"""Binary COPY from numpy columns (echolot/store/bulk.py): embeddings stored bit for bit."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from echolot import store
from echolot.models import Batch, Post

T0 = datetime(2026, 11, 5, 12, tzinfo=UTC)


def _posts(db, count: int) -> list[int]:
    posts = [Post("x", str(i), None, "post", f"post {i}", T0, raw={"id": i}) for i in range(count)]
    with db, db.cursor() as cur:
        store.write_batch(cur, "test", Batch(posts=posts))
        cur.execute("SELECT id FROM posts ORDER BY platform_id::int")
        return [row[0] for row in cur.fetchall()]


def test_embeddings_are_stored_exactly_and_replaced(db) -> None:
    ids = _posts(db, 3)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3, 384)).astype(np.float32)
    vectors[0, :4] = [0.1, -0.0, 1e-40, 3.4e38]  # a short decimal, signed zero, subnormal, huge
    with db, db.cursor() as cur:
        store.upsert_embeddings(cur, "m1", [(ids[0], vectors[1]), *zip(ids, vectors, strict=True)])
    with db, db.cursor() as cur:
        cur.execute("SELECT post_id, model, embedding FROM post_embeddings ORDER BY post_id")
        stored = cur.fetchall()
    assert [(post_id, model) for post_id, model, _ in stored] == [(i, "m1") for i in ids]
    for (_, _, values), expected in zip(stored, vectors, strict=True):  # the last one given
        assert np.array_equal(np.asarray(values, np.float32), expected)
        assert np.signbit(np.asarray(values, np.float32)).tolist() == np.signbit(expected).tolist()
    # A new model's vectors replace the old ones.
    with db, db.cursor() as cur:
        store.upsert_embeddings(cur, "m2", [(ids[2], vectors[0])])
        store.upsert_embeddings(cur, "m2", [])
        cur.execute("SELECT model, embedding FROM post_embeddings WHERE post_id = %s", (ids[2],))
        model, values = cur.fetchone()
    assert model == "m2" and np.array_equal(np.asarray(values, np.float32), vectors[0])
