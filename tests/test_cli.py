"""The command line: exit codes, messages, and the embedded-PostgreSQL default."""

import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO
from typer.testing import CliRunner

from echolot import migrations
from echolot.cli import app

EXAMPLE = REPO / "config" / "example.yaml"
runner = CliRunner()


def bad_config(tmp_path: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"]["sales"]["detail"] = 3
    data["teams"]["sales"]["colour"] = "blue"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_config_check_accepts_the_example() -> None:
    result = runner.invoke(app, ["config", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "valid — project 'lumora', 4 sources, 2 teams" in result.output


def test_invalid_config_exits_2_naming_key_paths(tmp_path: Path) -> None:
    for args in (["config", "check"], ["run", "--config"]):
        result = runner.invoke(app, [*args, str(bad_config(tmp_path))])
        assert result.exit_code == 2
        assert "invalid configuration (2 problem(s))" in result.stderr
        assert (
            "teams.sales.detail: Input should be 'headline', 'summary' or 'full'" in result.stderr
        )
        assert "teams.sales.colour: unknown key" in result.stderr


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: no such configuration file" in result.stderr


def test_half_a_window_is_refused() -> None:
    result = runner.invoke(app, ["run", "--config", str(EXAMPLE), "--since", "2026-11-02"])
    assert result.exit_code == 1
    assert "give both --since and --until" in result.stderr
    result = runner.invoke(
        app, ["run", "--config", str(EXAMPLE), "--since", "2026-11-02", "--until", "tomorrow"]
    )
    assert "--until 'tomorrow' is not an ISO 8601 date or timestamp" in result.stderr


def test_unreachable_database_is_reported_without_the_password(monkeypatch) -> None:
    monkeypatch.setenv("ECHOLOT_DATABASE_URL", "postgresql://app:s3cret@127.0.0.1:1/echolot")
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 1
    assert (
        "cannot connect to PostgreSQL at postgresql://app:***@127.0.0.1:1/echolot" in result.stderr
    )
    assert "s3cret" not in result.output


def test_run_prints_summary_and_digests(db) -> None:
    result = runner.invoke(app, ["run", "--config", str(EXAMPLE), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "sample_x" in result.stdout and "sample_reddit" in result.stdout
    assert "digest 1 for team sales (queued in outbox)" in result.stdout
    assert "Echolot digest for product — lumora" in result.stdout
    again = runner.invoke(app, ["run", "--config", str(EXAMPLE), "--no-progress"])
    assert "unchanged, already in outbox" in again.stdout
    status = runner.invoke(app, ["db", "status"])
    assert f"migrations applied: {len(migrations.discover())}; pending: none" in status.stdout


def test_embedded_postgres_is_the_default_and_is_reused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ECHOLOT_DATABASE_URL"}
    command = [sys.executable, "-m", "echolot", "db", "migrate", "--data-dir", str(tmp_path / "d")]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    names = ", ".join(m.path.name for m in migrations.discover())
    assert f"applied: {names}" in first.stdout
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "schema is up to date" in second.stdout
    # The server stopped with the process; its data folder stays for the next run.
    assert (tmp_path / "d" / "pgdata" / "PG_VERSION").exists()
    assert not (tmp_path / "d" / "pgdata" / "postmaster.pid").exists()


def test_ingest_reports_each_source_and_reruns_store_nothing(db) -> None:
    result = runner.invoke(app, ["ingest", "--config", str(EXAMPLE), "--source", "sample_x"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "sample_x" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    # source, pages, fetched, stored, updated, duplicates, quarantined, budget used, note
    assert cells[0] == "sample_x" and cells[1] == "25" and int(cells[3]) > 2000
    again = runner.invoke(app, ["ingest", "--config", str(EXAMPLE), "--source", "sample_x"])
    row = next(line for line in again.stdout.splitlines() if "sample_x" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")][1:4] == ["0", "0", "0"]


def test_ingest_names_unknown_sources_and_missing_credentials(db, monkeypatch) -> None:
    result = runner.invoke(app, ["ingest", "--config", str(EXAMPLE), "--source", "nope"])
    assert result.exit_code == 1
    assert "no source named 'nope'; known: sample_x, sample_reddit, x_brand" in result.stderr
    monkeypatch.delenv("ECHOLOT_X_BEARER_TOKEN", raising=False)
    result = runner.invoke(app, ["ingest", "--config", str(EXAMPLE), "--source", "x_brand"])
    assert result.exit_code == 1
    assert "source 'x_brand': set ECHOLOT_X_BEARER_TOKEN to read X" in result.stderr
