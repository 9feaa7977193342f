"""Sources as plug-ins: one registry feeds the config union, its errors, the runner, the DAG's
pools and the Airflow connection mapping; a new platform is one module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import pytest
import yaml
from conftest import REPO

from echolot import sources
from echolot.app.airflow_support import _connections
from echolot.config import ProjectConfig
from echolot.config.base import Name, Strict


def test_every_platform_is_registered_with_its_pool_and_connection() -> None:
    assert list(sources.plugins()) == ["bluesky", "file", "mastodon", "reddit", "x"]
    assert sources.api_pools() == {
        "bluesky": "echolot_bluesky_api", "mastodon": "echolot_mastodon_api",
        "reddit": "echolot_reddit_api", "x": "echolot_x_api",
    }  # fmt: skip
    conn = SimpleNamespace(
        login="brand.bsky.social", password="app-pass", host=None, extra_dejson={}
    )
    connections = _connections()
    assert connections["echolot_bluesky"](conn)["ECHOLOT_BLUESKY_APP_PASSWORD"] == "app-pass"
    assert connections["echolot_mastodon"](conn) == {"ECHOLOT_MASTODON_ACCESS_TOKEN": "app-pass"}
    assert connections["echolot_x"](conn) == {"ECHOLOT_X_BEARER_TOKEN": "app-pass"}
    assert {"echolot_postgres", "echolot_reddit"} <= set(connections)


class PigeonSource(Strict):
    type: Literal["pigeon"]
    name: Name
    enabled: bool = True
    lofts: list[str]


class PigeonPlugin:
    type_name = "pigeon"
    settings = PigeonSource
    api_pool = "echolot_pigeon_api"
    connection_id = None

    def environment(self, connection):  # type: ignore[no-untyped-def]
        return {}

    def ingest(self, conn, settings, **_kwargs):  # type: ignore[no-untyped-def]
        return settings.lofts


def project(*entries: dict) -> dict:
    return {"project": "p", "brands": [{"name": "Lumora"}], "sources": list(entries),
            "teams": {"sales": {"signals": ["brand_daily"]}}}  # fmt: skip


def test_a_new_platform_is_one_registered_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "_registry", dict(sources.plugins()))
    sources.register(PigeonPlugin())
    config = ProjectConfig.model_validate(
        project({"type": "pigeon", "name": "loft", "lofts": ["a"]})
    )
    assert isinstance(config.sources[0], PigeonSource)
    assert sources.api_pools()["pigeon"] == "echolot_pigeon_api"
    from ingest.runner import ingest_source

    assert ingest_source(None, config.sources[0]) == ["a"]  # type: ignore[arg-type]


def test_settings_errors_name_the_key_path_of_the_registered_model() -> None:
    with pytest.raises(Exception) as raised:
        ProjectConfig.model_validate(
            project({"type": "mastodon", "name": "m", "instance": "ftp://x", "hashtags": []})
        )
    text = str(raised.value)
    assert "sources.0.instance" in text and "give `hashtags`, `queries` or both" not in text
    with pytest.raises(Exception, match="unknown source type 'myspace'"):
        ProjectConfig.model_validate(project({"type": "myspace", "name": "m"}))


def test_the_kernel_loads_no_stage_when_imported() -> None:
    code = ("import sys, echolot.config, echolot.sources, echolot.store; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ingest', 'nlp', 'reach', 'routing')))")  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


_POOL_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag()
dag = bag.dags["echolot_four_ingest"]
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "tasks": {t.task_id: [t.pool, sorted(t.upstream_task_ids)] for t in dag.tasks}}))
"""


def test_the_ingest_dag_runs_each_source_in_parallel_in_its_platforms_pool(tmp_path: Path) -> None:
    from test_dags import airflow_env, last_json_line, write_dag_file

    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "four.yaml").write_text(yaml.safe_dump({
        "project": "four", "brands": [{"name": "Lumora"}],
        "sources": [
            {"type": "x", "name": "x1", "queries": ["lumora"]},
            {"type": "reddit", "name": "r1", "subreddits": ["smarthome"]},
            {"type": "bluesky", "name": "b1", "queries": ["lumora"]},
            {"type": "mastodon", "name": "m1", "instance": "https://social.example", "hashtags": ["lumora"]},
            {"type": "mastodon", "name": "m2", "instance": "https://other.example", "hashtags": ["lumora"], "enabled": False},
        ],
        "teams": {"sales": {"signals": ["brand_daily"]}},
    }))  # fmt: skip
    env = airflow_env(tmp_path, config_dir, write_dag_file(tmp_path / "dags", "four.yaml").parent)
    result = subprocess.run(
        [sys.executable, "-c", _POOL_PROBE], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = last_json_line(result.stdout)
    assert report["errors"] == {}
    assert report["tasks"] == {
        "ingest_x1": ["echolot_x_api", []], "ingest_r1": ["echolot_reddit_api", []],
        "ingest_b1": ["echolot_bluesky_api", []], "ingest_m1": ["echolot_mastodon_api", []],
    }  # fmt: skip
