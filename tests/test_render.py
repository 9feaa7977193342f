"""Digests rendered as plain text, Markdown and e-mail HTML: what each detail level shows, in
English and German; escaping; the inline chart; and the HTML page as headless Chromium draws it."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import decode_png, run_chromium
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from echolot.cli import app
from routing.chart import BAR_COLOUR
from routing.digest_view import DayPoint, DigestItem, DigestView, EvidencePost
from routing.render import EXCERPT_CHARS, render_html, render_markdown, render_text

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=1)
LONG_POST = (
    "The new Lumora X2 battery lasts barely two hours, the app crashes on every sync and support "
    "has not answered my ticket in nine days. I am returning it and buying the Vela instead."
)
SHORT_POST = "Is the X2 worth it? Thinking about switching from Vela."
VOLUMES = [120, 90, 300, 250, 80, 160, 140]
SENTIMENTS = [0.2, -0.1, None, -0.6, 0.4, 0.1, 0.3]


def post(post_id: int, text: str, **extra: object) -> EvidencePost:
    fields: dict = {
        "platform": "x",
        "url": f"https://x.com/u/status/{post_id}",
        "author": f"user{post_id}",
        "created_at": START + timedelta(hours=post_id),
        "reach": 12300.0,
    }
    return EvidencePost(post_id, text=text, **{**fields, **extra})


def items(detail: str) -> list[DigestItem]:
    """Two findings as the caller would cut them for `detail` (no evidence for headlines)."""
    evidence = [post(1, LONG_POST), post(2, SHORT_POST, platform="reddit", url=None),
                post(3, "Third post"), post(4, "Fourth post, only in full digests")]  # fmt: skip
    cut = {"headline": 0, "summary": 3, "full": len(evidence)}[detail]
    return [
        DigestItem(
            finding_id=41,
            kind="volume_spike",
            severity="high",
            headline="Mentions of Lumora X2 up 3.2× on a day",
            scope_kind="brand",
            scope_value="lumora",
            window_start=START,
            window_end=END,
            figures={"volume": 1234, "volume_ratio": 3.2167, "baseline": None},
            evidence=evidence[:cut],
            table=[
                {"area": "berlin", "posts": 120, "share": 0.41},
                {"area": "hamburg", "posts": 80, "share": 0.27},
            ],
            merged_ids=[38, 39],
            escalated=True,
        ),
        DigestItem(
            finding_id=42,
            kind="churn_risk",
            severity="low",
            headline="Churn talk about Vela",
            scope_kind="brand",
            scope_value="vela",
            window_start=START,
            window_end=END,
            figures={"posts": 12},
        ),
    ]


def chart() -> list[DayPoint]:
    first = date(2026, 10, 27)
    return [DayPoint(first + timedelta(days=i), v, s)
            for i, (v, s) in enumerate(zip(VOLUMES, SENTIMENTS, strict=True))]  # fmt: skip


def view(detail: str = "full", language: str = "en", **changes: object) -> DigestView:
    base = DigestView(
        project="lumora",
        team="sales",
        kind="digest",
        language=language,  # type: ignore[arg-type]
        detail=detail,  # type: ignore[arg-type]
        window_start=START,
        window_end=END,
        items=items(detail),
        hidden=2,
        chart=chart(),
    )
    return replace(base, **changes)


class _Page(HTMLParser):
    """The tags, visible text and attributes of an HTML document."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


# --- detail levels -----------------------------------------------------------------------------


def test_headline_text_is_one_line_per_finding() -> None:
    assert render_text(view("headline")) == (
        "Echolot digest for sales — lumora\n"
        "Window: 2026-11-02 00:00 to 2026-11-03 00:00 (UTC)\n"
        "\n"
        "[HIGH] Mentions of Lumora X2 up 3.2× on a day (escalated)\n"
        "[LOW] Churn talk about Vela\n"
        "… and 2 more findings not shown.\n"
    )
    assert render_text(view("headline", "de")) == (
        "Echolot-Digest für sales — lumora\n"
        "Zeitraum: 2026-11-02 00:00 bis 2026-11-03 00:00 (UTC)\n"
        "\n"
        "[HIGH] Mentions of Lumora X2 up 3.2× on a day (eskaliert)\n"
        "[LOW] Churn talk about Vela\n"
        "… und 2 weitere Befunde nicht gezeigt.\n"
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_headline_digests_carry_no_figures_evidence_or_tables(language: str) -> None:
    # Even evidence handed in by mistake stays out of a headline digest.
    headline = view("headline", language, items=items("full"))
    page = _Page(render_html(headline))
    markdown = render_markdown(headline)
    for rendered in (render_text(headline), markdown, page.text):
        assert "Mentions of Lumora X2 up 3.2× on a day" in rendered
        for absent in ("Battery", "Evidence", "Belege", "Key figures", "Kennzahlen", "1234",
                       "berlin", "#38", "Finding #41", "Befund #41"):  # fmt: skip
            assert absent not in rendered.replace("\\", ""), absent
    assert page.count("blockquote") == 0 and page.count("th") == 0
    assert markdown.count("\n- **") == 2 and ">" not in markdown


@pytest.mark.parametrize("language", ["en", "de"])
def test_summary_shows_figures_and_evidence_excerpts(language: str) -> None:
    summary = view("summary", language)
    text = render_text(summary)
    figures = {"en": "    Key figures: volume=1234, volume_ratio=3.22\n",
               "de": "    Kennzahlen: volume=1234; volume_ratio=3,22\n"}  # fmt: skip
    assert figures[language] in text
    assert ("    Evidence:\n" if language == "en" else "    Belege:\n") in text
    quoted = [line for line in text.splitlines() if line.startswith("      - ")]
    assert len(quoted) == 3  # what the caller handed in, no more
    excerpt = quoted[0].removeprefix("      - ").removesuffix(" <https://x.com/u/status/1>")
    assert len(excerpt) == EXCERPT_CHARS and excerpt.endswith("…")
    assert LONG_POST.startswith(excerpt[:-1])
    assert quoted[1] == f"      - {SHORT_POST}"  # no url, no link
    reach = "reach 12,300" if language == "en" else "Reichweite 12.300"
    assert f"        — user1 · X · 2026-11-02 01:00 · {reach}\n" in text
    for rendered in (text, render_markdown(summary), _Page(render_html(summary)).text):
        assert "berlin" not in rendered and "38" not in rendered  # tables and merges: full only
        assert LONG_POST not in rendered.replace("\\", "")
    page = _Page(render_html(summary))
    assert page.count("blockquote") == 3
    assert [a["href"] for tag, a in page.tags if tag == "a"] == [
        "https://x.com/u/status/1", "https://x.com/u/status/3"]  # fmt: skip


def test_summary_text_stays_in_the_old_format() -> None:
    text = render_text(view("summary", items=items("summary")[1:], hidden=0))
    assert text == (
        "Echolot digest for sales — lumora\n"
        "Window: 2026-11-02 00:00 to 2026-11-03 00:00 (UTC)\n"
        "\n"
        "[LOW] Churn talk about Vela\n"
        "    Key figures: posts=12\n"
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_full_digests_carry_all_evidence_tables_and_merged_ids(language: str) -> None:
    full = view("full", language)
    text = render_text(full)
    assert f"      - {LONG_POST} <https://x.com/u/status/1>" in text
    assert "Fourth post, only in full digests" in text
    assert "      area     posts  share\n      -------  -----  -----\n" in text
    share = "0.41" if language == "en" else "0,41"
    assert f"      berlin   120    {share}\n" in text
    merged = "Merged findings" if language == "en" else "Zusammengeführte Befunde"
    assert f"    {merged}: #38, #39\n" in text
    finding = {"en": "Finding #41: volume_spike, brand lumora, 2026-11-02 00:00 to 2026-11-03 00:00",
               "de": "Befund #41: volume_spike, brand lumora, 2026-11-02 00:00 bis 2026-11-03 00:00"}  # fmt: skip
    assert finding[language] in text

    markdown = render_markdown(full)
    assert f"| area | posts | share |\n| --- | --- | --- |\n| berlin | 120 | {share} |" in markdown
    assert markdown.count("\n> — ") == 4

    page = _Page(render_html(full))
    assert page.count("blockquote") == 4 and page.count("th") == 3
    assert LONG_POST in page.text and "Fourth post, only in full digests" in page.text
    assert f"berlin 120 {share}" in page.text and "#38, #39" in page.text


@pytest.mark.parametrize("language", ["en", "de"])
def test_escalated_findings_are_marked(language: str) -> None:
    word = "escalated" if language == "en" else "eskaliert"
    for detail in ("headline", "summary", "full"):
        rendered = view(detail, language)
        assert f"on a day ({word})" in render_text(rendered)
        assert f"on a day **({word})**" in render_markdown(rendered)
        assert f"▲ {word} Mentions of Lumora X2" in _Page(render_html(rendered)).text
        # Only the escalated finding carries the mark.
        assert render_text(rendered).count(word) == 1


@pytest.mark.parametrize(("language", "sentence"), [
    ("en", "No findings matched this team's settings in this window."),
    ("de", "Keine Befunde entsprachen in diesem Zeitraum den Einstellungen des Teams."),
])  # fmt: skip
def test_an_empty_digest_says_nothing_matched(language: str, sentence: str) -> None:
    empty = view("summary", language, items=[], hidden=0, chart=[])
    assert render_text(empty).endswith(f"\n\n{sentence}\n")
    assert sentence in render_markdown(empty)
    page = render_html(empty)
    assert sentence in _Page(page).text and "<svg" not in page


def test_hidden_findings_are_counted_in_every_form() -> None:
    one = view("summary", hidden=1)
    assert "… and 1 more finding not shown." in render_text(one)
    assert "… und 1 weiterer Befund nicht gezeigt." in render_text(view("summary", "de", hidden=1))
    assert "… and 2 more findings not shown." in render_markdown(view("summary"))
    assert "… and 2 more findings not shown." in _Page(render_html(view("full"))).text
    assert "more findings" not in render_text(view("summary", hidden=0))


@pytest.mark.parametrize(("language", "title"), [
    ("en", "Echolot alert for sales — lumora"),
    ("de", "Echolot-Alarm für sales — lumora"),
])  # fmt: skip
def test_alerts_have_their_own_title(language: str, title: str) -> None:
    alert = view("summary", language, kind="alert")
    assert render_text(alert).startswith(f"{title}\n")
    assert render_markdown(alert).startswith(f"# {title}\n")
    page = _Page(render_html(alert))
    assert page.text.startswith(f"{title} {title}")  # <title> and the heading
    assert "digest" not in render_text(alert).splitlines()[0].lower()


# --- escaping -----------------------------------------------------------------------------------

NASTY = "<script>alert('x')</script> & <b>bold</b> **not bold** [link](http://evil.test) | cell"


def nasty_view(detail: str = "full") -> DigestView:
    first = items(detail)[0]
    item = replace(
        first,
        headline=NASTY,
        evidence=[
            post(1, NASTY + "\n# not a heading\n1. not a list"),
            post(2, "javascript link", url="javascript:alert(1)"),
        ],
        figures={"note": NASTY},
        table=[{"what": NASTY}],
    )
    return view(detail, items=[item])


def test_html_escapes_every_text_and_links_only_http() -> None:
    document = render_html(nasty_view())
    assert "<script" not in document.lower() and "<b>" not in document
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in document
    )
    page = _Page(document)
    assert page.text.count(NASTY) == 4  # headline, figure, table cell, evidence
    assert not [a for tag, a in page.tags if tag in ("script", "b")]
    assert [a["href"] for tag, a in page.tags if tag == "a"] == ["https://x.com/u/status/1"]


def test_markdown_escapes_every_text() -> None:
    markdown = render_markdown(nasty_view())
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    page = _Page(rendered)
    assert "<script" not in rendered
    assert not [tag for tag, _ in page.tags if tag in ("script", "b")]
    # Only the evidence link; neither the post's [link](...) nor the javascript: url.
    assert [a["href"] for tag, a in page.tags if tag == "a"] == ["https://x.com/u/status/1"]
    assert page.text.count(NASTY) == 4
    assert "# not a heading" in page.text and "1. not a list" in page.text
    assert page.count("h1") == 1  # the digest's title only
    assert page.count("ol") == 0
    # Bold is ours (severity, labels), never the post's `**not bold**`.
    assert "**not bold**" in page.text
    # The table cell's `|` did not split the cell.
    assert page.count("td") == 1


def test_text_keeps_texts_verbatim() -> None:
    assert f"[HIGH] {NASTY} (escalated)" in render_text(nasty_view())


# --- chart -------------------------------------------------------------------------------------


def _svg(document: str) -> ET.Element:
    match = re.search(r"<svg.*?</svg>", document, re.S)
    assert match, "no inline SVG chart"
    return ET.fromstring(match.group(0))  # well-formed XML, as e-mail clients need


SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("language", ["en", "de"])
def test_chart_has_one_bar_per_day_a_sentiment_line_and_a_legend(language: str) -> None:
    svg = _svg(render_html(view("summary", language)))
    bars = [r for r in svg.iter(f"{SVG}rect") if "data-day" in r.attrib]
    assert [b.get("data-day") for b in bars] == [p.day.isoformat() for p in chart()]
    assert {b.get("fill") for b in bars} == {BAR_COLOUR}
    heights = [float(b.get("height", 0)) for b in bars]
    # Bars are proportional to the volumes.
    for volume, height in zip(VOLUMES, heights, strict=True):
        assert height / heights[2] == pytest.approx(volume / max(VOLUMES), abs=0.01)
    # The day without a sentiment breaks the line into two pieces.
    path = next(svg.iter(f"{SVG}path")).get("d", "")
    assert path.count("M") == 2 and path.count("L") == 4
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    if language == "en":
        assert {"Posts per day", "Mean sentiment (−1 to +1)", "Oct 27", "Nov 2", "+1", "−1"} <= set(
            labels
        )
    else:
        assert {"Beiträge pro Tag", "Mittlere Stimmung (−1 bis +1)", "27.10.", "2.11."} <= set(
            labels
        )


def test_chart_is_left_out_without_points() -> None:
    document = render_html(view("full", chart=[]))
    assert "<svg" not in document
    assert "Posts per day" not in document
    assert LONG_POST in _Page(document).text


def test_long_charts_label_only_some_days() -> None:
    days = [DayPoint(date(2026, 10, 1) + timedelta(days=i), i, None) for i in range(30)]
    svg = _svg(render_html(view("headline", chart=days)))
    assert len([r for r in svg.iter(f"{SVG}rect") if "data-day" in r.attrib]) == 30
    day_labels = [t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.startswith("Oct")]
    assert day_labels == ["Oct 1", "Oct 4", "Oct 7", "Oct 10", "Oct 13", "Oct 16", "Oct 19",
                          "Oct 22", "Oct 25", "Oct 28"]  # fmt: skip
    assert next(svg.iter(f"{SVG}path"), None) is None  # no sentiment, no line


def test_html_is_one_self_contained_email_page() -> None:
    document = render_html(view("full"))
    page = _Page(document)
    assert document.startswith("<!DOCTYPE html>") and page.count("html") == 1
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "style", "link", "img", "iframe", "object"}
    assert "@import" not in document and "url(" not in document
    external = [a for _, a in page.tags for k, v in a.items() if k == "src" or (k == "href" and v
                and not v.startswith("https://x.com/"))]  # fmt: skip
    assert external == []
    assert "max-width:640px" in document
    assert ("table", {"role": "presentation"}) in [
        (t, {"role": a.get("role")}) for t, a in page.tags
    ]


# --- in a real browser --------------------------------------------------------------------------

# Runs in the page (a copy of it; the digest itself has no script) and reports what a reader sees.
PROBE = """<script>
const seen = (el) => {
  el.scrollIntoView({block: "center"});
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return {width: box.width, height: box.height, visible: style.visibility === "visible"
          && style.display !== "none" && Number(style.opacity) > 0,
          onTop: !!hit && (el === hit || el.contains(hit) || hit.contains(el))};
};
const svg = document.querySelector("svg");
const report = {
  svg: svg ? seen(svg) : null,
  bars: [...document.querySelectorAll("svg rect[data-day]")].map(
    (r) => [r.dataset.day, r.getBoundingClientRect().height]),
  quotes: [...document.querySelectorAll("blockquote")].map(
    (q) => ({text: q.innerText, ...seen(q)})),
};
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(report);
document.body.appendChild(out);
</script>"""


def test_chromium_draws_the_chart_and_the_evidence(tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    page.write_text(render_html(view("full")), encoding="utf-8")

    # Layout as Chromium computes it: the chart and every quoted post take space and are on top.
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = run_chromium(probe, tmp_path / "profile", "--window-size=720,1000", "--dump-dom").stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    report = json.loads(html.unescape(match.group(1)))
    assert report["svg"]["width"] > 500 and report["svg"]["height"] > 150
    assert report["svg"]["visible"] and report["svg"]["onTop"]
    assert [day for day, _ in report["bars"]] == [p.day.isoformat() for p in chart()]
    assert all(height > 10 for _, height in report["bars"])
    assert len(report["quotes"]) == 4
    for quote, text in zip(report["quotes"], [LONG_POST, SHORT_POST, "Third post",
                                              "Fourth post, only in full digests"], strict=True):  # fmt: skip
        assert text in quote["text"], quote
        assert quote["visible"] and quote["onTop"] and quote["height"] > 20, quote

    # The page itself, as Chromium parsed it.
    plain = run_chromium(page, tmp_path / "profile", "--dump-dom").stdout
    assert "<svg" in plain and LONG_POST in plain and "<blockquote" in plain

    # Pixels: the bars are painted in their colour, one separate run per day on some row.
    shot = tmp_path / "digest.png"
    run_chromium(page, tmp_path / "profile", "--window-size=720,900", f"--screenshot={shot}")
    image = decode_png(shot.read_bytes())
    assert (image.width, image.height) == (720, 900)
    target = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))

    def is_bar(x: int, y: int) -> bool:
        return all(abs(a - b) <= 3 for a, b in zip(image.pixel(x, y), target, strict=True))

    painted = 0
    most_runs = 0
    for y in range(image.height):
        runs, inside = 0, False
        for x in range(image.width):
            hit = is_bar(x, y)
            painted += hit
            runs += hit and not inside
            inside = hit
        most_runs = max(most_runs, runs)
    assert most_runs == len(VOLUMES)
    assert painted > 5000  # bars, not just the legend's 12×12 swatch


# --- the CLI -----------------------------------------------------------------------------------


def _stored_digest(db, body_html: str, body_markdown: str) -> int:
    with db, db.cursor() as cur:
        cur.execute(
            "INSERT INTO digests (project, team, kind, window_start, window_end, detail_level, "
            "body_text, body_markdown, body_html, content_hash) "
            "VALUES ('lumora', 'sales', 'alert', %s, %s, 'full', %s, %s, %s, 'h') RETURNING id",
            (START, END, render_text(view(kind="alert")), body_markdown, body_html),
        )
        return cur.fetchone()[0]


def test_cli_saves_a_digests_html_and_markdown(db, tmp_path: Path) -> None:
    alert = view(kind="alert")
    digest_id = _stored_digest(db, render_html(alert), render_markdown(alert))
    html_file, md_file = tmp_path / "digest.html", tmp_path / "digest.md"
    result = CliRunner().invoke(app, ["digests", "show", str(digest_id), "--html", str(html_file),
                                      "--markdown", str(md_file)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert html_file.read_text(encoding="utf-8") == render_html(alert)
    assert md_file.read_text(encoding="utf-8") == render_markdown(alert)
    assert "Echolot alert for sales — lumora" in result.stdout  # the text is still printed
    assert "(full, alert)" in result.stdout
    assert f"wrote HTML of digest {digest_id} to {html_file}" in result.stderr


def test_cli_says_when_a_digest_has_no_html(db, tmp_path: Path) -> None:
    digest_id = _stored_digest(db, body_html="", body_markdown="# md")
    target, md_file = tmp_path / "digest.html", tmp_path / "digest.md"
    result = CliRunner().invoke(app, ["digests", "show", str(digest_id), "--markdown", str(md_file),
                                      "--html", str(target)])  # fmt: skip
    assert result.exit_code == 1
    assert (f"digest {digest_id} has no stored HTML: it was written before digests were rendered "
            "in that form; route its window again to render it") in result.stderr  # fmt: skip
    assert not target.exists() and not md_file.exists()


def test_times_are_shown_in_utc_and_uneven_table_rows_keep_every_column() -> None:
    berlin = timezone(timedelta(hours=1))
    item = replace(items("full")[1], table=[{"lead": "anna"}, {"lead": "ben", "score": 0.9}])
    shifted = view("full", window_start=START.astimezone(berlin), items=[item])
    text = render_text(shifted)
    assert "Window: 2026-11-02 00:00 to 2026-11-03 00:00 (UTC)" in text
    assert "      lead  score\n      ----  -----\n      anna  –\n      ben   0.9\n" in text


# --- explanations, sub-themes and notes ---------------------------------------------------------

WHY = "62% of the extra negative posts are about app; 40% of them reply to one post by @Grant."


def explained(detail: str) -> DigestView:
    from routing.digest_view import SubthemeView

    evidence = items(detail)[0].evidence
    themes = [SubthemeView("schedules · update · broke", 40, 0.62, evidence[:2]),
              SubthemeView("battery · hours", 9, 0.14, evidence[2:3])] if detail == "full" else []  # fmt: skip
    item = replace(items(detail)[0], explanation=WHY, subthemes=themes, total_posts=65,
                   hidden_rows=7)  # fmt: skip
    return view(detail, items=[item], notes=["no_audience"])


@pytest.mark.parametrize("detail", ["summary", "full"])
def test_the_explanation_comes_first_and_notes_once(detail: str) -> None:
    text = render_text(explained(detail))
    item = text[text.index("[HIGH]") :]
    assert item.index("Why: " + WHY) < item.index("Key figures")
    assert text.count("No audience figures") == 1
    assert text.index("No audience figures") < text.index("[HIGH]")
    for document in (render_markdown(explained(detail)), render_html(explained(detail))):
        assert "No audience figures" in document
        assert document.index("62% of the extra negative posts") < document.index("Key figures")


def test_full_digests_group_quotes_by_sub_theme_and_point_to_every_post() -> None:
    text = render_text(explained("full"))
    assert "What people say:" in text
    assert "* schedules · update · broke — 40 posts (62%)" in text
    assert "* battery · hours — 9 posts (14%)" in text
    # Quotes of a sub-theme are not repeated under Evidence; the fourth post has no sub-theme.
    assert text.count(LONG_POST[:60]) == 1 and "Fourth post, only in full digests" in text
    assert "… 7 more rows: echolot findings show 41" in text
    assert "All 65 posts: echolot findings show 41" in text
    page = _Page(render_html(explained("full")))
    assert "schedules · update · broke — 40 posts (62%)" in page.text
    assert page.count("blockquote") == 4
    markdown = render_markdown(explained("full"))
    assert "*schedules · update · broke — 40 posts (62%)*" in markdown


def test_summary_and_headline_leave_sub_themes_out() -> None:
    summary = render_text(explained("summary"))
    assert "What people say" not in summary and "echolot findings show" not in summary
    headline = render_text(replace(explained("headline"), notes=[]))
    assert "Why" not in headline
