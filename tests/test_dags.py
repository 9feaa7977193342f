"""Airflow: the DAG files import cleanly, one per project file, an invalid project file is an
import error of its own DAG file alone, and the whole chain runs with dag.test() against real
PostgreSQL and RabbitMQ with X and Reddit replayed. Airflow runs in subprocesses so its settings
never leak into the other tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import kombu
import psycopg2
import pytest
import yaml
from conftest import REPO, table_counts_at

_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag()
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "dags": {d.dag_id: sorted((t.task_id, sorted(t.downstream_task_ids)) for t in d.tasks)
             for d in bag.dags.values()},
    "schedules": {d.dag_id: str(d.timetable) for d in bag.dags.values()},
    "undocumented": sorted([d.dag_id for d in bag.dags.values() if not d.doc_md]
                           + [f"{d.dag_id}.{t.task_id}" for d in bag.dags.values()
                              for t in d.tasks if not t.doc_md]),
}))
"""
EXAMPLE_DAG_FILE = REPO / "dags" / "echolot_example.py"


def write_dag_file(dags_dir: Path, project_file: str) -> Path:
    """The DAG file of one project file, made the way the README says: a copy of the
    example's, naming the other file."""
    dags_dir.mkdir(exist_ok=True)
    text = EXAMPLE_DAG_FILE.read_text().replace('"example.yaml"', repr(project_file))
    path = dags_dir / f"echolot_{Path(project_file).stem}.py"
    path.write_text(text)
    return path


def airflow_env(
    tmp_path: Path, config_dir: Path, dags_dir: Path = REPO / "dags", **extra: str
) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "ECHOLOT_CONFIG_DIR": str(config_dir),
        **extra,
    }


def last_json_line(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def probe(env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                            text=True, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return last_json_line(result.stdout)


def test_every_project_file_has_its_dag_file() -> None:
    projects = {p.stem for p in (REPO / "config").glob("*.yaml")}
    dag_files = {p.stem.removeprefix("echolot_") for p in (REPO / "dags").glob("echolot_*.py")}
    assert projects == dag_files
    for stem in projects:
        assert f'"{stem}.yaml"' in (REPO / "dags" / f"echolot_{stem}.py").read_text()


def test_dagbag_has_every_project_dag_and_no_import_errors(tmp_path: Path) -> None:
    report = probe(airflow_env(tmp_path, REPO / "config"))
    assert report["errors"] == {}
    assert report["undocumented"] == []  # every DAG and every task carries doc_md
    assert report["dags"] == {
        "echolot_lumora_ingest": [["ingest_sample_reddit", []], ["ingest_sample_x", []]],
        "echolot_lumora_process": [["alert", ["relay_alerts"]], ["analyse", ["topics"]],
                                   ["find_changed", ["alert"]], ["influence", ["find_changed"]],
                                   ["plan_analysis", ["analyse"]], ["relay_alerts", []],
                                   ["topics", ["influence"]]],
        "echolot_lumora_digest_sales": [["deliver", ["relay"]], ["relay", ["to_channels"]],
                                        ["to_channels", []]],
        "echolot_lumora_digest_product": [["deliver", ["relay"]], ["relay", ["to_channels"]],
                                          ["to_channels", []]],
        "echolot_lumora_maintenance": [["purge_and_forget", ["retry_outbox"]],
                                       ["retry_outbox", []]],
    }  # fmt: skip
    schedules = report["schedules"]
    assert (
        "expression='0 8 * * *', timezone='Europe/Berlin'"
        in schedules["echolot_lumora_digest_sales"]
    )
    assert "expression='0 9 * * 1'" in schedules["echolot_lumora_digest_product"]
    assert "echolot_lumora_posts" in schedules["echolot_lumora_process"]


def test_invalid_project_file_is_an_import_error_naming_the_key(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "broken.yaml").write_text("project: broken\nbrands: [{name: B}]\nsources: []\n")
    env = airflow_env(tmp_path, config_dir, write_dag_file(tmp_path / "dags", "broken.yaml").parent)
    errors = probe(env)["errors"]
    assert len(errors) == 1
    message = next(iter(errors.values()))
    assert "broken.yaml: invalid configuration" in message and "sources" in message


def test_one_invalid_project_file_leaves_the_other_projects_dags(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    good = yaml.safe_load((REPO / "config/example.yaml").read_text())
    good["project"] = "good"
    good["sources"] = [{"name": "x_live", "type": "x", "queries": ["lumora"]}]
    (config_dir / "good.yaml").write_text(yaml.safe_dump(good))
    broken = {**good, "project": "broken", "teams": {"sales": {"detail": 3}}}
    (config_dir / "broken.yaml").write_text(yaml.safe_dump(broken))
    dags_dir = tmp_path / "dags"
    write_dag_file(dags_dir, "good.yaml")
    broken_dag_file = write_dag_file(dags_dir, "broken.yaml")
    report = probe(airflow_env(tmp_path, config_dir, dags_dir))
    assert sorted(report["dags"]) == ["echolot_good_digest_product", "echolot_good_digest_sales",
                                      "echolot_good_ingest", "echolot_good_maintenance",
                                      "echolot_good_process"]  # fmt: skip
    assert list(report["errors"]) == [str(broken_dag_file)]
    message = report["errors"][str(broken_dag_file)]
    assert "broken.yaml: invalid configuration" in message
    assert "teams.sales.detail" in message


@pytest.fixture
def chain(tmp_path: Path, database_url: str, amqp_url: str):
    """A project with live X and Reddit sources (replayed), credentials from Connections."""
    project = f"dagtest{uuid.uuid4().hex[:6]}"
    config = yaml.safe_load((REPO / "config/example.yaml").read_text())
    config["project"] = project
    config["sources"] = [
        {"name": "x_live", "type": "x", "queries": ["lumora"]},
        {"name": "reddit_live", "type": "reddit", "subreddits": ["smarthome"]},
    ]
    for team in config["teams"].values():
        team.pop("deliver", None)  # this test reads the queue itself; test_deliver.py has channels
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / f"{project}.yaml").write_text(yaml.safe_dump(config))
    env = airflow_env(
        tmp_path,
        config_dir,
        write_dag_file(tmp_path / "dags", f"{project}.yaml").parent,
        ECHOLOT_DATABASE_URL=database_url,
        ECHOLOT_AMQP_URL=amqp_url,
        AIRFLOW_CONN_ECHOLOT_X=json.dumps({"conn_type": "generic", "password": "conn-token"}),
        AIRFLOW_CONN_ECHOLOT_REDDIT=json.dumps(
            {"conn_type": "generic", "login": "id", "password": "secret"}
        ),
    )
    env.pop("ECHOLOT_X_BEARER_TOKEN", None)
    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr[-3000:]

    def run(*flags: str) -> dict:
        result = subprocess.run(
            [sys.executable, str(REPO / "tests/dag_harness.py"), project,
             "2026-11-14T10:00:00+00:00", *flags],
            env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-5000:]
        return last_json_line(result.stdout)

    yield project, run
    with kombu.Connection(amqp_url) as broker:
        channel = broker.channel()
        for team in config["teams"]:
            channel.queue_delete(f"echolot.digests.{project}.{team}")


def test_whole_chain_with_dag_test_then_a_rerun_duplicates_nothing(db, database_url, amqp_url,
                                                                     chain) -> None:  # fmt: skip
    project, run = chain
    first = run()
    for name in ("ingest", "process", "digest_sales", "maintenance"):
        assert first[name]["state"] == "success", (name, first[name])
    assert first["x_auth"] == ["Bearer conn-token"]  # the token came from the Airflow Connection
    after_first = table_counts_at(database_url)
    assert after_first["posts"] > 100 and after_first["post_scores"] > 0
    assert after_first["findings"] > 0 and after_first["digests"] == 1
    with (
        kombu.Connection(amqp_url) as broker,
        broker.SimpleQueue(f"echolot.digests.{project}.sales") as queue,
    ):
        message = queue.get(timeout=5)
        message.ack()
    assert message.payload["team"] == "sales" and message.payload["project"] == project

    second = run()
    assert all(second[name]["state"] == "success" for name in ("ingest", "process", "digest_sales"))
    assert table_counts_at(database_url) == after_first


def test_a_task_that_fails_once_is_retried_without_duplicates(db, database_url, chain) -> None:
    _, run = chain
    result = run("--fail-x-once")
    assert result["ingest"]["state"] == "success"
    assert result["ingest"]["tries"]["ingest_x_live"] == 2
    reference = table_counts_at(database_url)
    assert reference["posts"] > 100
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) - count(DISTINCT (platform, platform_id)) FROM posts")
        assert cur.fetchone()[0] == 0
