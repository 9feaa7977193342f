"""Stable finding ids: a recomputed finding keeps its id, an unsupported one is withdrawn (never
deleted), every id a digest cited resolves, and a run killed between stages reruns to the same
ids and digests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import yaml
from conftest import REPO
from typer.testing import CliRunner

from echolot import store
from echolot.cli import app
from echolot.store.findings import FindingRow

DAY = datetime(2026, 11, 5, tzinfo=UTC)
NEXT = DAY + timedelta(days=1)


def row(scope: str, severity: str = "low", kind: str = "brand_daily") -> FindingRow:
    return FindingRow("p", kind, "brand", scope, DAY, NEXT, severity, f"{scope} day", {"n": 1},
                      [], {})  # fmt: skip


def ids_by_scope(db) -> dict[str, int]:
    with db, db.cursor() as cur:
        cur.execute("SELECT scope_value, id FROM findings ORDER BY scope_value")
        return dict(cur.fetchall())


def test_a_recomputed_finding_keeps_its_id(db) -> None:
    with db, db.cursor() as cur:
        store.upsert_findings(cur, [row("Lumora"), row("Kelvo")])
    first = ids_by_scope(db)
    with db, db.cursor() as cur:  # new figures, same natural key
        store.upsert_findings(cur, [row("Lumora", "high"), row("Kelvo")])
        store.withdraw_stale_findings(cur, "p", "brand_daily", DAY, NEXT,
                                      [("brand", "Lumora", DAY, NEXT), ("brand", "Kelvo", DAY, NEXT)])  # fmt: skip
    assert ids_by_scope(db) == first


def test_an_unsupported_finding_is_withdrawn_and_ignored_by_readers(db) -> None:
    with db, db.cursor() as cur:
        store.upsert_findings(cur, [row("Lumora"), row("Kelvo")])
    cited = list(ids_by_scope(db).values())
    with db, db.cursor() as cur:
        store.upsert_digest_with_outbox(
            cur, project="p", team="sales", window_start=DAY, window_end=NEXT,
            detail_level="summary", finding_ids=cited,
            body_text="Finding #… Kelvo day", content_hash="h1", payload={},
        )  # fmt: skip
    kelvo = ids_by_scope(db)["Kelvo"]
    with db, db.cursor() as cur:  # recomputed: the data no longer supports Kelvo's finding
        store.upsert_findings(cur, [row("Lumora")])
        withdrawn = store.withdraw_stale_findings(
            cur, "p", "brand_daily", DAY, NEXT, [("brand", "Lumora", DAY, NEXT)]
        )
    assert withdrawn == 1
    with db, db.cursor() as cur:
        assert [f["scope_value"] for f in store.findings_in_window(cur, "p", ["brand_daily"],
                                                                  DAY, NEXT)] == ["Lumora"]  # fmt: skip
        assert [f["scope_value"] for f in store.findings_in_window(
            cur, "p", ["brand_daily"], DAY, NEXT, overlapping=True)] == ["Lumora"]  # fmt: skip
        since = [
            f["scope_value"] for f in store.findings_of_kind_since(cur, "p", "brand_daily", DAY)
        ]
        assert since == ["Lumora"]
        cur.execute("SELECT scope_value FROM v_findings")
        assert [r[0] for r in cur.fetchall()] == ["Lumora"]
        found = store.finding_by_id(cur, kelvo)
    assert found["withdrawn_at"] is not None
    assert found["withdrawn_reason"].startswith("no longer supported by the data")
    assert found["cited_by"] == [f"{found['cited_by'][0].split()[0]} sales"]

    # The cited id still resolves, and says why it went.
    result = CliRunner().invoke(app, ["findings", "show", str(kelvo)])
    assert result.exit_code == 0, result.output
    assert f"finding {kelvo} — p / brand_daily, brand Kelvo" in result.stdout
    assert "WITHDRAWN" in result.stdout and "no longer supported by the data" in result.stdout
    assert "cited by   digest" in result.stdout

    # Found again later: the same id comes back, live.
    with db, db.cursor() as cur:
        store.upsert_findings(cur, [row("Lumora"), row("Kelvo")])
        assert store.finding_by_id(cur, kelvo)["withdrawn_at"] is None
    result = CliRunner().invoke(app, ["findings", "show", str(kelvo)])
    assert "status     live" in result.stdout and "WITHDRAWN" not in result.stdout


def test_retention_keeps_findings_a_digest_cited(db) -> None:
    with db, db.cursor() as cur:
        store.upsert_findings(cur, [row("Lumora"), row("Kelvo")])
    lumora = ids_by_scope(db)["Lumora"]
    with db, db.cursor() as cur:
        store.upsert_digest_with_outbox(
            cur, project="p", team="sales", window_start=DAY, window_end=NEXT,
            detail_level="summary", finding_ids=[lumora], body_text="…", content_hash="h",
            payload={},
        )  # fmt: skip
        purged = store.purge_older_than(cur, NEXT + timedelta(days=400))
    assert purged["findings"] == 1 and ids_by_scope(db) == {"Lumora": lumora}


def test_an_unknown_finding_id_is_a_clear_error(db) -> None:
    result = CliRunner().invoke(app, ["findings", "show", "424242"])
    assert result.exit_code == 1 and "no finding with id 424242" in result.stderr


# --- kill -9 between stages, then rerun ---------------------------------------------------------

SLICE_PAGES = 60


def sliced_project(tmp_path: Path) -> Path:
    data = yaml.safe_load((REPO / "config" / "example.yaml").read_text())
    source = next(s for s in data["sources"] if s["name"] == "sample_x")
    lines = (REPO / "config" / source["path"]).resolve().read_bytes().splitlines(keepends=True)
    (tmp_path / "x.jsonl").write_bytes(b"".join(lines[:SLICE_PAGES]))
    data["sources"] = [{**source, "path": "x.jsonl"}]
    for team in data["teams"].values():
        team.pop("deliver", None)  # channels are not what this test is about
    project = tmp_path / "project.yaml"
    project.write_text(yaml.safe_dump(data))
    return project


def echolot_run(project: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "echolot", "run", "--config", str(project), "--no-progress"],
        env={**os.environ, "ECHOLOT_DATABASE_URL": url},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def snapshot(url: str) -> tuple[dict[tuple, int], dict[tuple, tuple]]:
    """Finding ids by natural key, and each digest's content with its cited findings' keys."""
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT project, kind, scope_kind, scope_value, window_start, window_end, id "
                "FROM findings"
            )
            ids = {tuple(r[:6]): r[6] for r in cur.fetchall()}
            keys = {v: k for k, v in ids.items()}
            cur.execute(
                "SELECT d.team, d.kind, d.window_start, d.window_end, d.id, d.content_hash, "
                "d.finding_ids, (SELECT count(*) FROM outbox o WHERE o.digest_id = d.id) "
                "FROM digests d"
            )
            digests = {
                tuple(r[:4]): (r[4], r[5], tuple(sorted(keys[i] for i in r[6])), r[7])
                for r in cur.fetchall()
            }
    finally:
        conn.close()
    return ids, digests


def kill_when_findings_are_written(process: subprocess.Popen, url: str) -> None:
    """SIGKILL the run right after its findings stage committed (before or while routing)."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        deadline = time.monotonic() + 600
        while process.poll() is None and time.monotonic() < deadline:
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('findings') IS NOT NULL")
                if cur.fetchone()[0]:
                    cur.execute("SELECT count(*) FROM findings")
                    if cur.fetchone()[0] > 0:
                        process.send_signal(signal.SIGKILL)
                        break
            time.sleep(0.02)
    finally:
        conn.close()
    process.wait(timeout=60)


def finish(project: Path, url: str) -> None:
    process = echolot_run(project, url)
    _, err = process.communicate(timeout=900)
    assert process.returncode == 0, err[-3000:]


def test_kill_9_between_stages_then_rerun_gives_the_same_ids_and_digests(
    new_database, tmp_path: Path
) -> None:
    project = sliced_project(tmp_path)
    killed_url, clean_url = new_database(), new_database()

    killed = echolot_run(project, killed_url)
    kill_when_findings_are_written(killed, killed_url)
    assert killed.returncode == -signal.SIGKILL, (
        f"the run ended before its findings were written: {killed.stderr.read()[-3000:]}"
    )
    ids_at_kill, _ = snapshot(killed_url)
    assert ids_at_kill

    finish(project, killed_url)
    ids, digests = snapshot(killed_url)
    # Every finding written before the kill kept its id through the rerun.
    assert {k: ids.get(k) for k in ids_at_kill} == ids_at_kill
    assert digests and all(cited for _, _, cited, _ in digests.values())

    finish(project, killed_url)  # recompute everything once more: nothing moves
    assert snapshot(killed_url) == (ids, digests)

    # The same findings and digests as a run that was never interrupted. (Digest bodies name
    # finding ids, which differ between two databases, so digests compare by what they cite.)
    finish(project, clean_url)
    clean_ids, clean_digests = snapshot(clean_url)
    assert set(clean_ids) == set(ids)
    assert {k: cited for k, (_, _, cited, _) in clean_digests.items()} == {
        k: cited for k, (_, _, cited, _) in digests.items()
    }

    # Every id a digest cites resolves.
    conn = psycopg2.connect(killed_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM digests d, unnest(d.finding_ids) AS cited(id) "
                "WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.id = cited.id)"
            )
            assert cur.fetchone()[0] == 0
    finally:
        conn.close()
