"""Stage entry points for orchestrators: open the database, run one stage, return its report.

Airflow tasks call these with a config path and a data interval; so can any other scheduler.
Each returns plain JSON-able data, which Airflow keeps as the task's XCom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import psycopg2.extensions

from echolot import migrations
from echolot.config import ProjectConfig, load_config
from echolot.database import connect, resolve_database_url
from echolot.pipeline import whole_days
from ingest.runner import ingest_source
from nlp.scoring import score_unscored
from routing import brand_daily
from routing.digests import route

T = TypeVar("T")


def _with_database(work: Callable[[psycopg2.extensions.connection], T]) -> T:
    conn = connect(resolve_database_url())
    try:
        migrations.migrate(conn)
        return work(conn)
    finally:
        conn.close()


def ingest(config_path: str | Path) -> list[dict[str, Any]]:
    config = load_config(config_path)
    return _with_database(
        lambda conn: [asdict(ingest_source(conn, s)) for s in config.sources if s.enabled]
    )


def score(config_path: str | Path) -> dict[str, Any]:
    load_config(config_path)  # fail early on a broken file, like every other stage
    return _with_database(lambda conn: asdict(score_unscored(conn)))


def find(config_path: str | Path, start: datetime, end: datetime) -> int:
    config: ProjectConfig = load_config(config_path)
    return _with_database(lambda conn: brand_daily.detect(conn, config, *whole_days(start, end)))


def deliver(config_path: str | Path, start: datetime, end: datetime) -> list[dict[str, Any]]:
    config = load_config(config_path)
    reports = _with_database(lambda conn: route(conn, config, *whole_days(start, end)))
    return [{"team": r.team, "digest_id": r.digest_id, "queued": r.queued} for r in reports]
