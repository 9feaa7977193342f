"""Render a `DigestView` as plain text, Markdown, or a self-contained HTML page for e-mail.

All three are pure functions of the view. The view is already cut to the team's detail level
(how much evidence, how many items); these functions decide only what each level shows:
`headline` one line per finding, `summary` adds key figures and evidence excerpts, `full` adds
whole evidence texts, the item's table, the finding's scope and the ids merged into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

import jinja2

from routing.chart import Chart, chart_for
from routing.digest_view import DigestItem, DigestView, EvidencePost, Language

EXCERPT_CHARS = 125
# A quote at `full` is whole up to this length: enough for any complaint, not a forum essay
# (`echolot findings show ID` prints every post).
FULL_QUOTE_CHARS = 480

LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "title_digest": "Echolot digest for {team} — {project}",
        "title_alert": "Echolot alert for {team} — {project}",
        "window": "Window: {start} to {end} (UTC)",
        "none": "No findings matched this team's settings in this window.",
        "evidence": "Evidence",
        "figures": "Key figures",
        "figure_separator": ", ",
        "more_1": "… and 1 more finding not shown.",
        "more": "… and {n} more findings not shown.",
        "escalated": "escalated",
        "finding": "Finding #{id}: {kind}, {scope_kind} {scope_value}, {start} to {end}",
        "merged": "Merged findings",
        "reach": "reach {n}",
        "open": "open post",
        "chart": "Posts per day and mean sentiment",
        "volume": "Posts per day",
        "sentiment": "Mean sentiment (−1 to +1)",
        "footer": "Sent by Echolot to team {team} of {project}, detail level: {detail}.",
        "why": "Why",
        "subthemes": "What people say",
        "theme": "{label} — {count} posts ({share})",
        "all_posts": "All {n} posts: echolot findings show {id}",
        "more_rows": "… {n} more rows: echolot findings show {id}",
        "no_audience": "No audience figures (followers, karma) in this window's sources: reach "
        "is unknown, and opinion leaders rest on measured amplification only.",
        "headline": "headlines",
        "summary": "summary",
        "full": "full",
    },
    "de": {
        "title_digest": "Echolot-Digest für {team} — {project}",
        "title_alert": "Echolot-Alarm für {team} — {project}",
        "window": "Zeitraum: {start} bis {end} (UTC)",
        "none": "Keine Befunde entsprachen in diesem Zeitraum den Einstellungen des Teams.",
        "evidence": "Belege",
        "figures": "Kennzahlen",
        # German decimals use commas, so a comma cannot also separate the figures.
        "figure_separator": "; ",
        "more_1": "… und 1 weiterer Befund nicht gezeigt.",
        "more": "… und {n} weitere Befunde nicht gezeigt.",
        "escalated": "eskaliert",
        "finding": "Befund #{id}: {kind}, {scope_kind} {scope_value}, {start} bis {end}",
        "merged": "Zusammengeführte Befunde",
        "reach": "Reichweite {n}",
        "open": "Beitrag öffnen",
        "chart": "Beiträge pro Tag und mittlere Stimmung",
        "volume": "Beiträge pro Tag",
        "sentiment": "Mittlere Stimmung (−1 bis +1)",
        "footer": "Von Echolot an Team {team} von {project}, Detailstufe: {detail}.",
        "why": "Warum",
        "subthemes": "Was gesagt wird",
        "theme": "{label} — {count} Beiträge ({share})",
        "all_posts": "Alle {n} Beiträge: echolot findings show {id}",
        "more_rows": "… {n} weitere Zeilen: echolot findings show {id}",
        "no_audience": "Keine Reichweitenzahlen (Follower, Karma) in den Quellen dieses "
        "Zeitraums: Reichweite ist unbekannt, Meinungsführer beruhen nur auf gemessener "
        "Verstärkung.",
        "headline": "Schlagzeilen",
        "summary": "Zusammenfassung",
        "full": "vollständig",
    },
}

_PLATFORMS = {"x": "X", "reddit": "Reddit"}
_SEVERITY_COLOURS = {
    "low": "#6b7280",
    "medium": "#b45309",
    "high": "#c2410c",
    "critical": "#b91c1c",
}


@dataclass(frozen=True)
class _Post:
    excerpt: str  # flattened; cut to EXCERPT_CHARS below `full`
    lines: list[str]  # the whole text's non-empty lines, kept for `full` Markdown and HTML
    url: str | None  # only http(s): anything else is shown as text, never linked
    meta: str


@dataclass(frozen=True)
class _Theme:
    title: str
    quotes: list[_Post]


@dataclass(frozen=True)
class _Item:
    severity: str
    colour: str
    headline: str
    escalated: bool
    finding: str
    figures: list[tuple[str, str]]
    evidence: list[_Post]
    columns: list[str]
    rows: list[list[str]]
    merged: str
    why: str = ""
    # `full`: the evidence by sub-theme (then `evidence` holds the quotes of none)
    themes: list[_Theme] = field(default_factory=list)
    more_rows: str = ""
    all_posts: str = ""


@dataclass(frozen=True)
class _Page:
    lang: Language
    detail: str
    title: str
    window: str
    items: list[_Item]
    empty: str
    more: str
    chart: Chart | None
    labels: dict[str, str]
    footer: str
    notes: list[str] = field(default_factory=list)


def render_text(view: DigestView) -> str:
    """Plain text, as sent in the message payload and printed by the CLI."""
    return _render("digest.txt", view).rstrip() + "\n"


def render_markdown(view: DigestView) -> str:
    """Markdown (CommonMark); every text from posts and findings is escaped."""
    return _render("digest.md", view).rstrip() + "\n"


def render_html(view: DigestView) -> str:
    """One self-contained HTML document for e-mail: inline CSS, table layout, inline SVG chart."""
    return _render("digest.html", view)


def _render(template: str, view: DigestView) -> str:
    return _environment().get_template(template).render(page=_page(view))


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("routing", "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = markdown_escape
    environment.filters["md_block"] = markdown_block
    environment.filters["md_url"] = markdown_url
    environment.filters["text_table"] = text_table
    environment.filters["heading"] = _heading
    return environment


def _page(view: DigestView) -> _Page:
    labels = LABELS[view.language]
    more = ""
    if view.hidden:
        more = labels["more_1"] if view.hidden == 1 else labels["more"].format(n=view.hidden)
    return _Page(
        lang=view.language,
        detail=view.detail,
        title=labels[f"title_{view.kind}"].format(team=view.team, project=view.project),
        window=labels["window"].format(start=_time(view.window_start), end=_time(view.window_end)),
        items=[_item(item, view) for item in view.items],
        empty="" if view.items else labels["none"],
        more=more,
        chart=chart_for(view.chart, view.language),
        labels=labels,
        footer=labels["footer"].format(
            team=view.team, project=view.project, detail=labels[view.detail]
        ),
        notes=[labels.get(note, note) for note in view.notes],
    )


def _item(item: DigestItem, view: DigestView) -> _Item:
    labels, lang = LABELS[view.language], view.language
    headline_only, full = view.detail == "headline", view.detail == "full"
    rows = item.table if full else []
    # Rows should share their keys; a key missing from some rows still gets its column.
    columns = list(dict.fromkeys(key for row in rows for key in row))
    finding = labels["finding"].format(
        id=item.finding_id,
        kind=item.kind,
        scope_kind=item.scope_kind,
        scope_value=item.scope_value,
        start=_time(item.window_start),
        end=_time(item.window_end),
    )
    figures = [(name, _value(v, lang)) for name, v in item.figures.items() if v is not None]
    themes = [
        _Theme(labels["theme"].format(label=t.label, count=_grouped(t.count, lang),
                                      share=_percent(t.share, lang)),
               [_post(q, view) for q in t.quotes])
        for t in item.subthemes
    ] if full else []  # fmt: skip
    in_themes = {q.post_id for t in item.subthemes for q in t.quotes} if themes else set()
    return _Item(
        severity=item.severity.upper(),
        colour=_SEVERITY_COLOURS.get(item.severity, "#374151"),
        headline=_flat(item.headline),
        escalated=item.escalated,
        finding=finding if full else "",
        figures=[] if headline_only else figures,
        evidence=[] if headline_only else [_post(p, view) for p in item.evidence
                                            if p.post_id not in in_themes],
        columns=columns,
        rows=[[_value(row.get(c), lang) for c in columns] for row in rows],
        merged=", ".join(f"#{i}" for i in item.merged_ids) if full else "",
        why=_flat(item.explanation) if not headline_only else "",
        themes=themes,
        more_rows=labels["more_rows"].format(n=item.hidden_rows, id=item.finding_id)
        if full and item.hidden_rows else "",
        all_posts=labels["all_posts"].format(n=_grouped(item.total_posts, lang),
                                             id=item.finding_id)
        if full and item.total_posts else "",
    )  # fmt: skip


def _post(post: EvidencePost, view: DigestView) -> _Post:
    labels = LABELS[view.language]
    meta = [post.author or "", _PLATFORMS.get(post.platform, post.platform)]
    if post.created_at is not None:
        meta.append(_time(post.created_at))
    if post.reach > 0:
        meta.append(labels["reach"].format(n=_grouped(round(post.reach), view.language)))
    flat = _flat(post.text)
    limit = FULL_QUOTE_CHARS if view.detail == "full" else EXCERPT_CHARS
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    safe_url = post.url if post.url and re.match(r"https?://", post.url, re.I) else None
    return _Post(
        excerpt=flat,
        lines=_whole_lines(post.text),
        url=safe_url,
        meta=" · ".join(part for part in meta if part),
    )


def _whole_lines(text: str) -> list[str]:
    """The text's non-empty lines, cut with "…" once FULL_QUOTE_CHARS are used up."""
    lines, left = [], FULL_QUOTE_CHARS
    for line in (_flat(raw) for raw in text.splitlines() if raw.strip()):
        if left <= 0:
            lines[-1] = lines[-1].rstrip("…") + "…"
            break
        if len(line) > left:
            line = line[: max(left - 1, 1)].rstrip() + "…"
        lines.append(line)
        left -= len(line)
    return lines


def _flat(text: str) -> str:
    return " ".join(text.split())


def _time(moment: datetime) -> str:
    # Labels say UTC; aware times in another zone are converted, naive ones are taken as UTC.
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return f"{utc:%Y-%m-%d %H:%M}"


def _percent(share: float, language: Language) -> str:
    return f"{share:.0%}".replace("%", " %") if language == "de" else f"{share:.0%}"


def _grouped(number: int, language: Language) -> str:
    text = f"{number:,}"
    return text.replace(",", ".") if language == "de" else text


def _value(value: object, language: Language) -> str:
    """A figure or table cell as people read it: at most two decimals, in the language's style."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{int(value)}"
    return text.replace(".", ",") if language == "de" else text


# CommonMark treats these as markup anywhere in a line; `<` and `&` would start raw HTML.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~!])")
# ... and these only at the start of a line (headings, lists, rules).
_MD_LINE_START = re.compile(r"^(\s*(?:\d+)?)([#+\-=.)])", re.M)


def markdown_escape(text: object) -> str:
    """Escape text so Markdown shows it literally (no links, HTML, emphasis or tables)."""
    return _MD_INLINE.sub(r"\\\1", str(text))


def markdown_block(text: object) -> str:
    """Like `markdown_escape`, for text that starts a line: no headings or lists either."""
    return _MD_LINE_START.sub(r"\1\\\2", markdown_escape(text))


def markdown_url(url: str) -> str:
    """A URL safe inside `<...>` link brackets."""
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def text_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    """Rows as lines of left-aligned columns, for the plain-text digest."""
    cells = [[_heading(c) for c in columns], *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _heading(column: str) -> str:
    return column.replace("_", " ")
