"""Digests a busy person reads, on the whole sample corpus: size budgets per detail level, at most
`max_items` findings, no near-identical quotes, and each team's digest at each level as headless
Chromium draws it (nothing overflows, the chart and the quotes are visible).

Heavy (the whole sample pipeline once for the module): run it under
`flock /tmp/echolot-heavy.lock`.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import psycopg2
import pytest
from browser import decode_png, run_chromium
from conftest import REPO

from echolot import migrations
from echolot.app.pipeline import run_pipeline
from echolot.config import load_config
from routing.chart import BAR_COLOUR
from routing.digests import route
from routing.subthemes import MAX_QUOTES
from routing.words import near_identical

BUDGET = {"headline": 10_000, "summary": 30_000, "full": 80_000}
DETAILS = tuple(BUDGET)
TEAMS = ("sales", "product")


@pytest.fixture(scope="module")
def sample(new_database):
    """The sample corpus through every stage, in a database of this module's own."""
    url = new_database()
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    migrations.migrate(conn)
    config = load_config(REPO / "config" / "example.yaml")
    summary = run_pipeline(conn, config)
    yield conn, config, summary.window
    conn.close()


def routed(sample, team: str, detail: str) -> dict:
    """The team's digest of the whole window at `detail`, as a new team would get it."""
    conn, config, window = sample
    teams = {n: t.model_copy(update={"detail": detail}) if n == team else t
             for n, t in config.teams.items()}  # fmt: skip
    variant = config.model_copy(update={"teams": teams})
    with conn, conn.cursor() as cur:
        cur.execute("TRUNCATE digests, outbox, finding_deliveries")
    start, end = window
    [report] = route(conn, variant, start, end, teams=[team])
    with conn, conn.cursor() as cur:
        cur.execute("SELECT body_html, body_text, finding_ids FROM digests WHERE id = %s",
                    (report.digest_id,))  # fmt: skip
        body_html, body_text, finding_ids = cur.fetchone()
    return {"html": body_html, "text": body_text, "finding_ids": finding_ids,
            "items": report.findings, "max_items": config.teams[team].max_items}  # fmt: skip


@pytest.fixture(scope="module")
def digests(sample) -> dict[tuple[str, str], dict]:
    return {(team, detail): routed(sample, team, detail) for team in TEAMS for detail in DETAILS}


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("team", TEAMS)
def test_digests_stay_within_their_size_budget_and_max_items(digests, team, detail) -> None:
    digest = digests[(team, detail)]
    size = len(digest["html"].encode("utf-8"))
    assert size <= BUDGET[detail], f"{team} {detail}: {size:,} bytes of HTML"
    assert 0 < digest["items"] <= digest["max_items"]
    if detail == "full" and team == "product":
        assert "What people say" in digest["text"] and "echolot findings show" in digest["text"]
    if detail != "headline":
        assert "Why:" in digest["text"] or team == "sales"


def test_no_findings_evidence_repeats_a_near_identical_text(sample) -> None:
    conn, _, _ = sample
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT f.id, array_agg(p.text ORDER BY e.rank) FROM findings f "
            "JOIN finding_evidence e ON e.finding_id = f.id AND e.quoted "
            "JOIN posts p ON p.id = e.post_id GROUP BY f.id"
        )
        quoted = cur.fetchall()
        cur.execute("SELECT count(*) FROM findings")
        findings = cur.fetchone()[0]
    assert len(quoted) > 0.8 * findings
    for finding_id, texts in quoted:
        assert len(texts) <= MAX_QUOTES, finding_id
        for i, text in enumerate(texts):
            copies = [t for t in texts[i + 1 :] if near_identical(text, t)]
            assert not copies, (finding_id, text, copies)


# Runs in a copy of the page (the digest itself has no script) and reports what a reader sees.
PROBE = """<script>
const width = document.documentElement.clientWidth;
const overflowing = [...document.body.querySelectorAll("*")].filter((el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && (box.right > width + 1 || el.scrollWidth > el.clientWidth + 1
                           && getComputedStyle(el).overflowX === "visible"
                           && el.tagName !== "svg" && el.clientWidth > 0);
}).map((el) => el.tagName + ":" + (el.textContent || "").slice(0, 60));
const seen = (el) => {
  el.scrollIntoView({block: "center"});
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + Math.min(box.height / 2, 10));
  return box.width > 0 && box.height > 0 && !!hit && (el === hit || el.contains(hit));
};
const svg = document.querySelector("svg");
const quotes = [...document.querySelectorAll("blockquote")];
const report = {
  scrollWidth: document.documentElement.scrollWidth, width, overflowing,
  svg: svg ? seen(svg) : null, quotes: quotes.length,
  quotesSeen: quotes.slice(0, 5).map(seen),
};
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(report);
document.body.appendChild(out);
</script>"""


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("team", TEAMS)
def test_chromium_shows_each_digest_without_overflow(digests, team, detail, tmp_path) -> None:
    document = digests[(team, detail)]["html"]
    # Set ECHOLOT_SCREENSHOT_DIR to keep the screenshots for people to look at.
    shots = Path(os.environ.get("ECHOLOT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page = tmp_path / "digest.html"
    page.write_text(document, encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(document.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = run_chromium(probe, tmp_path / "profile", "--window-size=720,1200", "--dump-dom").stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    report = json.loads(html.unescape(match.group(1)))
    assert report["scrollWidth"] <= report["width"], report
    assert report["overflowing"] == [], report["overflowing"][:5]
    if detail == "headline":
        assert report["svg"] is None and report["quotes"] == 0
    else:
        assert report["svg"] is True, "chart not visible"
        assert report["quotes"] > 0 and all(report["quotesSeen"]), report
    shot = shots / f"{team}-{detail}.png"
    run_chromium(page, tmp_path / "profile", "--window-size=720,1600", f"--screenshot={shot}")
    image = decode_png(shot.read_bytes())
    assert (image.width, image.height) == (720, 1600)
    if detail != "headline":
        target = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
        bar_pixels = sum(
            all(abs(a - b) <= 3 for a, b in zip(image.pixel(x, y), target, strict=True))
            for y in range(0, 600, 2)
            for x in range(0, 720, 2)
        )
        assert bar_pixels > 200, "the chart's bars are not painted"
