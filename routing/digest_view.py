"""What a digest says, independent of how it is rendered (text, Markdown, HTML).

The routing stage builds a `DigestView`; `routing.render` turns it into the stored and sent forms.
Everything here is plain data so the renderers stay pure functions and easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

DetailLevel = Literal["headline", "summary", "full"]
DigestKind = Literal["digest", "alert"]
Language = Literal["en", "de"]


@dataclass(frozen=True)
class EvidencePost:
    """A post quoted as evidence for a finding."""

    post_id: int
    platform: str
    text: str
    url: str | None = None
    author: str | None = None
    created_at: datetime | None = None
    # Potential reach of the post: the author's audience at posting time.
    reach: float = 0.0


@dataclass(frozen=True)
class SubthemeView:
    """A group of a finding's posts saying much the same, with one or two quotes."""

    label: str
    count: int
    share: float
    quotes: list[EvidencePost] = field(default_factory=list)


@dataclass(frozen=True)
class DigestItem:
    """One (possibly condensed) finding as a team sees it."""

    finding_id: int
    kind: str
    severity: str
    headline: str
    scope_kind: str
    scope_value: str
    window_start: datetime
    window_end: datetime
    # Key figures (name -> value), shown from the `summary` level on.
    figures: dict[str, object] = field(default_factory=dict)
    # Already cut to the team's detail level: none for headline, ≤ 3 for summary, all for full.
    evidence: list[EvidencePost] = field(default_factory=list)
    # Extra rows shown only at `full` detail (e.g. the KPI chain steps or per-area counts);
    # every row has the same keys, which become the table's columns.
    table: list[dict[str, object]] = field(default_factory=list)
    # Ids of near-duplicate findings folded into this one.
    merged_ids: list[int] = field(default_factory=list)
    # True when this finding was sent to the team before at a lower severity.
    escalated: bool = False
    # Why it changed (drivers of a spike or shift), shown first from `summary` on.
    explanation: str = ""
    # `full` only: the evidence grouped into sub-themes (their quotes are in `evidence` too).
    subthemes: list[SubthemeView] = field(default_factory=list)
    # Posts the finding rests on in all (`echolot findings show ID` lists them), and table rows
    # left out of `table` to keep the digest short.
    total_posts: int = 0
    hidden_rows: int = 0


@dataclass(frozen=True)
class DayPoint:
    """One point of the digest's chart: a day's volume and mean sentiment for the team's scope."""

    day: date
    volume: int
    mean_sentiment: float | None


@dataclass(frozen=True)
class DigestView:
    project: str
    team: str
    kind: DigestKind
    language: Language
    detail: DetailLevel
    window_start: datetime
    window_end: datetime
    items: list[DigestItem]
    # Findings that matched but were left out by the team's max_items.
    hidden: int = 0
    chart: list[DayPoint] = field(default_factory=list)
    # Said once at the top (e.g. that the sources carry no audience figures at all).
    notes: list[str] = field(default_factory=list)
