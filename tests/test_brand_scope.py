"""Brand scope end to end: a stream mixing our brand, a competitor and a brand the project does
not know, through ingest, the NLP stage, reach, findings and digests on real PostgreSQL.

Findings about a brand count only posts the NLP stage stored as being about that brand; a team
filtered to one brand is shown only that brand's posts. The export has no follower figures:
nobody becomes an opinion leader on a rank among zeros, and the digest says once that audience
figures are missing.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from echolot.app.pipeline import run_pipeline
from echolot.config import load_config

DAY = datetime(2026, 11, 8, tzinfo=UTC)  # a Sunday: its week (2-9 Nov) ends in the run

PROJECT = """
project: scope_test
brands:
  - name: Lumora
    aliases: ["@lumora"]
    # "Lumora Lane" is a street: mentions of it are stored, judged irrelevant, never counted.
    exclude: [lumora lane]
competitors:
  - name: Kelvo
    aliases: ["@kelvohome"]
product_areas:
  - name: app
    keywords: [app, crash, crashes, update, schedule]
  - name: hardware
    keywords: [bulb, flicker]
sources:
  - name: export
    type: file
    format: jsonl
    platform: x
    path: stream.jsonl
    columns: {id: id, text: text, created_at: at, author_id: author, author_name: author,
              parent_id: reply_to, likes: likes}
nlp:
  # Scope is what this test is about; VADER keeps its sentiment independent of trained heads.
  sentiment: {en: {backend: vader}}
teams:
  product:
    signals: [brand_daily, bug_report, sentiment_shift, complaint_map, opinion_leader]
    filters: {brands: [Lumora]}
    detail: full
    max_items: 30
  rivals:
    signals: [brand_daily, complaint_map]
    filters: {brands: [Kelvo]}
    detail: full
"""

# Complaints written for this test. "Nimbus" is a brand the project does not configure.
LUMORA = [
    "The Lumora app crashes every time I open the schedule page, terrible",
    "Lumora app update broke my morning schedule, lights stayed off. Awful",
    "Since the Lumora update the app crashes on login, so frustrating",
    "Lumora, your app crashes when I edit a schedule. Horrible, please fix",
    "My Lumora bulb flickers after the update, really annoying and bad",
    "Lumora app keeps crashing, third time today, I hate this",
]
KELVO = [
    "The Kelvo app crashes every time I open the schedule page, terrible",
    "Kelvo app update broke my evening schedule completely, awful",
    "Since the Kelvo update the app crashes on login, so frustrating",
    "Kelvo, your app crashes when I edit a schedule. Horrible, please fix",
    "Kelvo app keeps crashing, what a terrible update, I hate it",
]
NIMBUS = [
    "The Nimbus app crashes every time I open the schedule page, terrible",
    "Nimbus app update broke my schedule, awful",
    "Since the Nimbus update the app crashes on login, so frustrating",
    "Nimbus app keeps crashing after the update, I hate it",
]


def stream() -> list[dict]:
    """Ten days: a calm baseline for each brand, then a day of crash complaints for all three."""
    rows, n = [], 0

    def add(text: str, at: datetime, author: str) -> None:
        nonlocal n
        n += 1
        rows.append({"id": f"s{n}", "text": text, "at": at.isoformat(), "author": author,
                     "likes": 1})  # fmt: skip

    for day in range(8):
        at = DAY - timedelta(days=8 - day)
        for k in range(3):
            add(f"Lumora lights look lovely in the living room, day {day} note {k}",
                at + timedelta(hours=9 + k), f"fan{k}")  # fmt: skip
            add(f"Kelvo lamps are fine for the hallway, day {day} note {k}",
                at + timedelta(hours=12 + k), f"kfan{k}")  # fmt: skip
            add(f"Nimbus speakers sound nice, day {day} note {k}", at + timedelta(hours=15 + k),
                f"nfan{k}")  # fmt: skip
    for round_ in range(3):
        for i, text in enumerate(LUMORA):
            add(f"{text} ({round_ + 1})", DAY + timedelta(hours=8 + i, minutes=round_),
                f"lumora_user{i}_{round_}")  # fmt: skip
        for i, text in enumerate(KELVO):
            add(f"{text} ({round_ + 1})", DAY + timedelta(hours=9 + i, minutes=round_),
                f"kelvo_user{i}_{round_}")  # fmt: skip
        for i in range(2):
            add(f"Lumora Lane is closed again, terrible traffic ({round_}, {i})",
                DAY + timedelta(hours=15 + i, minutes=round_), f"driver{i}_{round_}")  # fmt: skip
        for i, text in enumerate(NIMBUS):
            add(f"{text} ({round_ + 1})", DAY + timedelta(hours=10 + i, minutes=round_),
                f"nimbus_user{i}_{round_}")  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scope")
    (folder / "stream.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in stream()), encoding="utf-8"
    )
    (folder / "project.yaml").write_text(PROJECT, encoding="utf-8")
    return folder / "project.yaml"


def _rows(db, sql: str, *args) -> list[tuple]:
    with db, db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def test_brand_findings_and_filtered_digests_hold_only_that_brands_posts(db, project) -> None:
    config = load_config(project)
    run_pipeline(db, config)

    # Every brand-scoped finding about a brand rests only on posts about that brand.
    findings = _rows(db, "SELECT id, kind, scope_kind, scope_value FROM findings")
    assert {k for _, k, _, _ in findings} >= {"brand_daily", "bug_report", "complaint_map"}
    for finding_id, kind, scope_kind, scope in findings:
        texts = [t for (t,) in _rows(db, "SELECT text FROM v_finding_evidence "
                                         "WHERE finding_id = %s", finding_id)]  # fmt: skip
        assert texts, (kind, scope)
        if scope_kind == "brand":
            assert all(scope in t for t in texts), (kind, scope, texts)
        if kind in ("bug_report", "sentiment_shift") and scope_kind == "product_area":
            # Product areas count our feedback only: not Kelvo's app, not Nimbus's.
            assert all("Lumora" in t for t in texts), (kind, scope, texts)
    [(bugs,)] = _rows(db, "SELECT (metrics->>'count')::int FROM findings "
                          "WHERE kind = 'bug_report' AND scope_value = 'app' "
                          "AND window_start = %s", DAY)  # fmt: skip
    lumora_app_bugs = 3 * sum("app" in t or "update" in t for t in LUMORA)
    assert 0 < bugs <= lumora_app_bugs
    # The street's posts are stored, marked irrelevant and in no finding's evidence.
    assert _rows(db, "SELECT count(*) FROM post_nlp n JOIN posts p ON p.id = n.post_id "
                     "WHERE p.text LIKE 'Lumora Lane%%' AND NOT n.relevant") == [(6,)]  # fmt: skip
    assert _rows(db, "SELECT count(*) FROM v_finding_evidence WHERE text LIKE 'Lumora Lane%%'") == [
        (0,)
    ]
    [(day_volume,)] = _rows(db, "SELECT (metrics->>'volume')::int FROM findings WHERE "
                                "kind = 'brand_daily' AND scope_value = 'Lumora' "
                                "AND window_start = %s", DAY)  # fmt: skip
    assert day_volume == 3 * len(LUMORA)

    # The digests: Lumora's team quotes only Lumora posts, Kelvo's only Kelvo posts.
    digests = dict(_rows(db, "SELECT team, body_text FROM digests WHERE kind = 'digest'"))
    product, rivals = digests["product"], digests["rivals"]
    assert "Lumora" in product and "Kelvo" in rivals
    quoted = [line for line in product.splitlines() if line.strip().startswith("- ")]
    assert quoted and all("Lumora" in line for line in quoted), quoted
    assert "Nimbus" not in product and "Kelvo app" not in product
    quoted = [line for line in rivals.splitlines() if line.strip().startswith("- ")]
    assert quoted and all("Kelvo" in line for line in quoted), quoted
    assert "Nimbus" not in rivals

    # No follower figures in the export: no opinion leader, and the digest says so once.
    assert _rows(db, "SELECT count(*) FROM findings WHERE kind = 'opinion_leader'") == [(0,)]
    assert product.count("No audience figures") == 1


def test_findings_show_pages_through_every_post(db, project) -> None:
    from typer.testing import CliRunner

    from echolot.cli import app

    run_pipeline(db, load_config(project))
    [(finding_id, posts)] = _rows(
        db, "SELECT f.id, count(*) FROM findings f JOIN finding_evidence e ON e.finding_id = f.id "
            "WHERE f.kind = 'brand_daily' AND f.scope_value = 'Lumora' AND f.window_start = %s "
            "GROUP BY f.id", DAY)  # fmt: skip
    assert posts == 18  # every post of the day, not only the quoted ones
    runner = CliRunner()
    first = runner.invoke(app, ["findings", "show", str(finding_id), "--page-size", "5"])
    assert first.exit_code == 0, first.output
    assert f"Evidence of finding {finding_id}: 18 posts, page 1 of 4 (5 a page)" in first.stdout
    assert f"next: echolot findings show {finding_id} --page 2 --page-size 5" in first.stdout
    last = runner.invoke(app, ["findings", "show", str(finding_id), "--page", "4",
                               "--page-size", "5"])  # fmt: skip
    assert last.exit_code == 0 and "page 4 of 4" in last.stdout and "next:" not in last.stdout
    shown = [line for line in (first.stdout + last.stdout).splitlines()
             if re.match(r"^[ *]\s+\d+  ", line)]  # fmt: skip
    assert len(shown) == 8 and all("@lumora_user" in line for line in shown)
    bad = runner.invoke(app, ["findings", "show", str(finding_id), "--page", "0"])
    assert bad.exit_code == 1 and "--page and --page-size start at 1" in bad.stderr
