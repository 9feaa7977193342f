"""The bundled sample corpus ingested, analysed, given topics and scored for reach, once per test
session, in a database of its own (reach and KPI tests only read it, or rewrite the same rows).

Routing is left out on purpose: these tests are about the reach stage and what feeds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg2
from conftest import REPO

from echolot import migrations, store
from echolot.app.windows import whole_days
from echolot.config import ProjectConfig, load_config
from echolot.models import Window
from ingest.runner import ingest_source
from nlp.analyse import analyse_range, analyser_for, plan_batches
from nlp.topic_stage import update_topics
from reach.stage import update_reach

EXAMPLE = REPO / "config" / "example.yaml"
MANIFEST = json.loads((REPO / "ingest/sample/data/manifest.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Sample:
    url: str
    config: ProjectConfig
    window: Window


_built: dict[str, Sample] = {}


def sample(new_database: Any) -> Sample:
    if "sample" not in _built:
        _built["sample"] = _build(new_database())
    return _built["sample"]


def _build(url: str) -> Sample:
    config = load_config(EXAMPLE)
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    try:
        migrations.migrate(conn)
        for source in config.sources:
            if source.enabled:
                ingest_source(conn, source)
        analyser = analyser_for(config)
        for id_range in plan_batches(conn, analyser):
            analyse_range(conn, analyser, id_range)
        with conn, conn.cursor() as cur:
            window = whole_days(*store.post_time_range(cur, [s.name for s in config.sources]))
        update_topics(conn, config, *window, analyser.embedder)
        update_reach(conn, config, *window)
    finally:
        conn.close()
    return Sample(url=url, config=config, window=window)
