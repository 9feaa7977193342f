"""A real Airflow 3 scheduler with two Celery workers runs the example project end to end.

deploy/airflow-local.sh starts api-server, scheduler, dag-processor, triggerer and two Celery
workers on this machine (metadata in the test PostgreSQL server, RabbitMQ as the broker). The
test triggers the example project's ingest DAG through the REST API, waits for the asset-
triggered process DAG and then the team digest DAGs it triggers the same way, and checks the
rows, the queued digests and that the mapped NLP tasks ran on both workers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kombu
import psycopg2
import pytest
import yaml
from conftest import REPO, count, drain, url_for

from routing.relay import team_queue

PROJECT = "lumora"  # config/example.yaml
TEAMS = ("sales", "product")
SCRIPT = REPO / "deploy" / "airflow-local.sh"
WAIT_SECONDS = 900


def free_port_block(size: int = 6) -> int:
    """A port whose next `size` neighbours are free too (api-server, triggerer, two workers)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size > 65535:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of free ports on 127.0.0.1")


class AirflowApi:
    """The few REST API v2 calls the test needs, with the simple auth manager's admin."""

    def __init__(self, port: int, home: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        passwords = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())
        token = self._call("POST", "/auth/token",
                           {"username": "admin", "password": passwords["admin"]})  # fmt: skip
        self.token = token["access_token"]

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {self.token}"} if hasattr(self, "token") else {})},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, logical_date: str) -> str:
        return self._call("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                          {"logical_date": logical_date})["dag_run_id"]  # fmt: skip

    def runs(self, dag_id: str) -> list[dict]:
        return self._call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id)}/taskInstances"
        return self._call("GET", path + "?limit=500")["task_instances"]


def wait_for_success(api: AirflowApi, dag_id: str, pick, logs: Path) -> dict:
    """Wait for the run `pick(runs)` chooses to succeed; fail at once when it failed."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = pick(api.runs(dag_id))
        if run and run["state"] == "success":
            return run
        if run and run["state"] == "failed":
            states = {
                t["task_id"]: t["state"] for t in api.task_instances(dag_id, run["dag_run_id"])
            }
            pytest.fail(f"{dag_id} run {run['dag_run_id']} failed: {states} (logs in {logs})")
        time.sleep(2)
    pytest.fail(f"{dag_id} did not succeed within {WAIT_SECONDS} s (logs in {logs})")


def example_project(folder: Path) -> tuple[Path, Path]:
    """config/ and dags/ folders holding the example project as the README deploys it, its
    file sources pointing at the bundled sample corpus. Its e-mail and chat channels are left
    out: this test reads the team queues itself, and the channels are tests/test_deliver.py's."""
    config = yaml.safe_load((REPO / "config" / "example.yaml").read_text())
    for source in config["sources"]:
        if source.get("type") == "file":
            source["path"] = str((REPO / "config" / source["path"]).resolve())
    for team in config["teams"].values():
        team.pop("deliver", None)
    config_dir, dags_dir = folder / "config", folder / "dags"
    config_dir.mkdir()
    dags_dir.mkdir()
    (config_dir / "example.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(REPO / "dags" / "echolot_example.py", dags_dir)
    return config_dir, dags_dir


@pytest.fixture
def stack(tmp_path: Path, server_url: str, amqp_url: str) -> Iterator[dict]:
    suffix = uuid.uuid4().hex[:8]
    config_dir, dags_dir = example_project(tmp_path)
    echolot_db, airflow_db = f"echolot_celery_{suffix}", f"echolot_airflow_{suffix}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{echolot_db}"')
    port = free_port_block()
    home = tmp_path / "airflow"
    env = {
        **os.environ,
        "AIRFLOW_LOCAL_HOME": str(home),
        "AIRFLOW_LOCAL_PORT": str(port),
        "AIRFLOW_LOCAL_DB_URL": server_url,
        "AIRFLOW_LOCAL_DB": airflow_db,
        "AIRFLOW_LOCAL_BROKER": amqp_url,
        # A queue of this test's own: no other stack on the broker takes its tasks.
        "AIRFLOW_LOCAL_QUEUE": f"echolot_test_{suffix}",
        "ECHOLOT_CONFIG_DIR": str(config_dir),
        "AIRFLOW_LOCAL_DAGS": str(dags_dir),
        "ECHOLOT_IMPORT_DIR": str(REPO),
        "ECHOLOT_DATABASE_URL": url_for(server_url, echolot_db),
        "ECHOLOT_AMQP_URL": amqp_url,
    }
    with kombu.Connection(amqp_url) as broker:  # digests of earlier runs must not be counted
        for team in TEAMS:
            team_queue(PROJECT, team)(broker.default_channel).delete()
    started = subprocess.run(["bash", str(SCRIPT), "start"], env=env, capture_output=True,
                             text=True, timeout=300)  # fmt: skip
    try:
        assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
        yield {"api": AirflowApi(port, home), "db": env["ECHOLOT_DATABASE_URL"],
               "logs": home / "logs", "amqp": amqp_url}  # fmt: skip
    finally:
        stopped = subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True,
                                 text=True, timeout=120)  # fmt: skip
        with admin.cursor() as cur:
            for name in (echolot_db, airflow_db):
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        assert stopped.returncode == 0, stopped.stderr[-2000:]
        assert not any((home / "run").glob("*.pid")), "a component's pid file was left behind"


def test_celery_workers_run_the_example_project_from_ingest_to_queued_digests(stack) -> None:
    api: AirflowApi = stack["api"]
    dag = {name: f"echolot_{PROJECT}_{name}" for name in ("ingest", "process")}
    dag |= {team: f"echolot_{PROJECT}_digest_{team}" for team in TEAMS}
    for dag_id in dag.values():
        api.unpause(dag_id)

    ingest_run = api.trigger(dag["ingest"], "2026-11-14T08:00:00Z")
    wait_for_success(api, dag["ingest"],
                     lambda runs: next((r for r in runs if r["dag_run_id"] == ingest_run), None),
                     stack["logs"])  # fmt: skip
    # The ingest run's asset update schedules the process DAG.
    process = wait_for_success(
        api, dag["process"],
        lambda runs: next((r for r in runs if r["run_type"] == "asset_triggered"), None),
        stack["logs"],
    )  # fmt: skip
    # 08:00 Berlin on 10 November: the daily digests cover 9 November, the planted drop.
    digest_runs = {team: api.trigger(dag[team], "2026-11-10T07:00:00Z") for team in TEAMS}
    for team, run_id in digest_runs.items():
        wait_for_success(api, dag[team],
                         lambda runs, run_id=run_id: next(
                             (r for r in runs if r["dag_run_id"] == run_id), None),
                         stack["logs"])  # fmt: skip

    analysed = [t for t in api.task_instances(dag["process"], process["dag_run_id"])
                if t["task_id"] == "analyse"]  # fmt: skip
    assert len(analysed) >= 2, f"NLP was not mapped over several id ranges: {analysed}"
    assert {t["state"] for t in analysed} == {"success"}
    workers = {t["hostname"].split("@")[0] for t in analysed}
    assert workers == {"worker1", "worker2"}, f"mapped analyse tasks ran on {workers} only"

    conn = psycopg2.connect(stack["db"])
    try:
        assert count(conn, "posts") == 3395
        assert count(conn, "post_nlp") == count(conn, "posts")
        assert count(conn, "findings") > 0
        for team in TEAMS:
            assert count(conn, "digests", f"team = '{team}'") >= 1, f"no digest for {team}"
        assert count(conn, "outbox", "sent_at IS NULL") == 0, "the relay left digests queued"
    finally:
        conn.close()
    for team in TEAMS:
        messages = drain(stack["amqp"], team_queue(PROJECT, team))
        assert messages, f"no digest reached the {team} queue"
        assert {m.payload["team"] for m in messages} == {team}
    with kombu.Connection(stack["amqp"]) as broker:
        for team in TEAMS:
            team_queue(PROJECT, team)(broker.default_channel).delete()
