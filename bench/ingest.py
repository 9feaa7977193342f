"""Ingest throughput: normalise recorded X API v2 pages and upsert them into PostgreSQL.

Compares the project's path (COPY into a temp table + INSERT .. ON CONFLICT, one transaction per
page) with a row-by-row INSERT baseline over the same normalised pages, in one run, each in a
fresh database. The sample corpus is replicated with shifted ids to get a measurable volume.

    .venv/bin/python bench/ingest.py [--copies 10] [--baseline-copies 2]

Uses ECHOLOT_BENCH_SERVER_URL (default: the PostgreSQL at 127.0.0.1:5432, database `test`).
Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import astuple
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions

# This script shares its name with the `ingest` package; keep its own folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from echolot import migrations  # noqa: E402
from echolot.config import FileSource  # noqa: E402
from echolot.models import Batch  # noqa: E402
from ingest import x_payload  # noqa: E402
from ingest.runner import ingest_file  # noqa: E402
from ingest.sample.replicate import replicated_pages  # noqa: E402

SERVER = os.environ.get("ECHOLOT_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/test")


def fresh_database() -> tuple[str, str]:
    name = f"echolot_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(SERVER)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    url = psycopg2.extensions.make_dsn(SERVER, dbname=name)
    conn = psycopg2.connect(url)
    migrations.migrate(conn)
    conn.close()
    return name, url


def drop_database(name: str) -> None:
    admin = psycopg2.connect(SERVER)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def project_path(conn: psycopg2.extensions.connection, raw_pages: list[dict]) -> int:
    """The real file-source path: read the JSONL, normalise, COPY + upsert with checkpoints."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pages.jsonl"
        path.write_text("".join(json.dumps(p) + "\n" for p in raw_pages), encoding="utf-8")
        source = FileSource(type="file", name="bench", path=path, format="x_v2_pages")
        ingest_file(conn, source)
        # A rerun must not trip over the checkpoint: forget it so the work is really redone.
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM ingest_checkpoints")
    return _posts(conn)


def row_by_row(conn: psycopg2.extensions.connection, raw_pages: list[dict]) -> int:
    """The naive baseline: one INSERT .. ON CONFLICT DO NOTHING per row, a commit per page."""
    for page in raw_pages:
        batch: Batch = x_payload.normalize_page(page)
        with conn, conn.cursor() as cur:
            for a in batch.authors:
                cur.execute(
                    "INSERT INTO authors (platform, platform_id, username, display_name, "
                    "description, location, verified, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) "
                    "ON CONFLICT DO NOTHING",
                    astuple(a),
                )
            for s in batch.snapshots:
                cur.execute(
                    "INSERT INTO author_snapshots VALUES (%s,%s,%s,%s,%s,%s,%s,%s) "
                    "ON CONFLICT DO NOTHING",
                    astuple(s),
                )
            for p in batch.posts:
                cur.execute(
                    "INSERT INTO posts (platform, platform_id, author_id, source, kind, text, "
                    "created_at, raw, lang_hint, url, conversation_id, parent_id, like_count, "
                    "repost_count, reply_count, quote_count, impression_count, content_hash) "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                    "ON CONFLICT DO NOTHING",
                    (p.platform, p.platform_id, p.author_id, "bench", p.kind, p.text, p.created_at,
                     json.dumps(p.raw), p.lang_hint, p.url, p.conversation_id, p.parent_id,
                     p.like_count, p.repost_count, p.reply_count, p.quote_count,
                     p.impression_count, p.content_hash),
                )  # fmt: skip
            for i in batch.interactions:
                cur.execute(
                    "INSERT INTO interactions (platform, kind, source_post_id, source_author_id, "
                    "target_post_id, target_author_id, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s) "
                    "ON CONFLICT DO NOTHING",
                    (i.platform, i.kind, i.source_post_id, i.source_author_id, i.target_post_id,
                     i.target_author_id, i.created_at),
                )  # fmt: skip
    return _posts(conn)


def _posts(conn: psycopg2.extensions.connection) -> int:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM posts")
        return cur.fetchone()[0]


def measure(method: Any, raw_pages: list[dict]) -> dict[str, float]:
    name, url = fresh_database()
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    try:
        started = time.perf_counter()
        posts = method(conn, raw_pages)
        seconds = time.perf_counter() - started
        rerun_started = time.perf_counter()
        method(conn, raw_pages)  # idempotence costs too: the same pages again
        rerun_seconds = time.perf_counter() - rerun_started
        assert _posts(conn) == posts, "a rerun changed the row count"
    finally:
        conn.close()
        drop_database(name)
    return {
        "posts": posts,
        "seconds": round(seconds, 3),
        "posts_per_second": round(posts / seconds),
        "rerun_seconds": round(rerun_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="replicas of the sample corpus")
    parser.add_argument("--baseline-copies", type=int, default=2, help="replicas for the baseline")
    args = parser.parse_args()

    project_pages = list(replicated_pages(args.copies))
    baseline_pages = project_pages[: len(project_pages) * args.baseline_copies // args.copies]
    started = time.perf_counter()
    normalised = sum(len(x_payload.normalize_page(p).posts) for p in project_pages)
    normalise_rate = normalised / (time.perf_counter() - started)

    project = measure(project_path, project_pages)
    baseline = measure(row_by_row, baseline_pages)
    figures = {
        "benchmark": "ingest",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "normalise_posts_per_second": round(normalise_rate),
        "project_posts": project["posts"],
        "project_posts_per_second": project["posts_per_second"],
        "project_rerun_seconds": project["rerun_seconds"],
        "baseline_posts": baseline["posts"],
        "baseline_posts_per_second": baseline["posts_per_second"],
        "speedup": round(project["posts_per_second"] / baseline["posts_per_second"], 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    for label, result in (("project path", project), ("row-by-row", baseline)):
        print(
            f"{label:<13}: {result['posts']:>7} posts in {result['seconds']:.2f} s "
            f"= {result['posts_per_second']:,} posts/s (rerun {result['rerun_seconds']:.2f} s)"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
