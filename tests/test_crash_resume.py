"""A killed ingest resumes cleanly: no gap and no duplicate after SIGKILL between pages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import yaml
from conftest import REPO, table_counts_at

from echolot import migrations
from echolot.config import FileSource
from ingest.runner import ingest_file
from ingest.sample.replicate import write_replicated


def config_for(path: Path, tmp_path: Path) -> Path:
    config = yaml.safe_load((REPO / "config/example.yaml").read_text())
    config["sources"] = [{"name": "big", "type": "file", "format": "x_v2_pages",
                          "path": str(path), "batch_size": 100}]  # fmt: skip
    out = tmp_path / "project.yaml"
    out.write_text(yaml.safe_dump(config))
    return out


def committed_line(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT (cursor->>'line')::int FROM ingest_checkpoints WHERE source = 'big'"
            )
            row = cur.fetchone()
    finally:
        conn.close()
    return row[0] if row else 0


def test_sigkill_mid_ingest_then_rerun_equals_a_clean_run(new_database, tmp_path: Path) -> None:
    pages = write_replicated(tmp_path / "pages.jsonl", copies=6)  # 150 pages, ~15k posts
    config = config_for(pages, tmp_path)
    killed_url = new_database()
    conn = psycopg2.connect(killed_url)
    migrations.migrate(conn)
    conn.close()
    env = {**os.environ, "ECHOLOT_DATABASE_URL": killed_url}
    command = [sys.executable, "-m", "echolot", "ingest", "--config", str(config)]

    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while committed_line(killed_url) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    stopped_at = committed_line(killed_url)
    assert 0 < stopped_at < 150

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert committed_line(killed_url) == 150

    clean_url = new_database()
    conn = psycopg2.connect(clean_url)
    migrations.migrate(conn)
    source = FileSource(type="file", name="big", format="x_v2_pages", path=pages)
    ingest_file(conn, source)
    conn.close()
    assert table_counts_at(killed_url) == table_counts_at(clean_url)
