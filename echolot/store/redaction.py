"""Forgetting in what was derived from posts: digests, outbox payloads, findings, KPI rows.

A forgotten post's words live on in every rendering of a digest that quoted it, flattened, cut
to an excerpt, split into lines, HTML- or Markdown-escaped. Matching the stored text exactly
would miss most of those, so a quote is found by its words: any run of at least four of the
post's words in the post's order (or all of them, for a shorter post), whatever punctuation,
escapes or entities stand between them, is replaced by `[removed]`. The author's name (also
Markdown-escaped, with or without '@'), their id and the posts' ids and URLs go the same way.

Stage-independent on purpose: it works on the stored strings, so forgetting never needs the
renderer that produced them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from echolot.store.bulk import Cursor

REMOVED = "[removed]"
# Runs shorter than this are too common to prove a quote ("same here", "the app says").
MIN_RUN = 4
_WORD = re.compile(r"\w+")
# In renderings a word may carry Markdown escapes inside it (Lumora\_Hub): one word, not two.
_RENDERED_WORD = re.compile(r"(?:\w|\\(?=\S))+")
_ENTITY = re.compile(r"&#?\w+;")


@dataclass
class Forgotten:
    """What to take out: the posts' texts, and names and ids as whole tokens."""

    texts: list[str]
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._words = [_WORD.findall(text) for text in self.texts]
        self._trigrams: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        for number, words in enumerate(self._words):
            for start in range(len(words) - MIN_RUN + 1):
                self._trigrams.setdefault(tuple(words[start : start + MIN_RUN]), []).append(
                    (number, start)
                )
        patterns = [_token_pattern(t) for t in sorted(set(self.tokens), key=len, reverse=True) if t]
        self._tokens = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    def redact(self, text: str) -> tuple[str, set[int]]:
        """`text` with every quote, name and id replaced; and which posts were quoted (-1 for
        names and ids)."""
        spans: list[tuple[int, int]] = []
        quoted: set[int] = set()
        for start, end, post in self._quote_spans(text):
            spans.append((start, end))
            quoted.add(post)
        if self._tokens is not None:
            for match in self._tokens.finditer(text):
                spans.append(match.span())
                quoted.add(-1)
        if not spans:
            return text, quoted
        out, position = [], 0
        for start, end in _merged(spans):
            out.append(text[position:start])
            out.append(REMOVED)
            position = end
        out.append(text[position:])
        return "".join(out), quoted

    def _quote_spans(self, text: str) -> list[tuple[int, int, int]]:
        entities = [m.span() for m in _ENTITY.finditer(text)]
        tokens = [m for m in _RENDERED_WORD.finditer(text) if not _inside(m.start(), entities)]
        words = [m.group().replace("\\", "") for m in tokens]
        found: list[tuple[int, int, int]] = []
        i = 0
        while i < len(words):
            best = self._longest_run(words, i)
            if best is None:
                i += 1
                continue
            length, post = best
            found.append((tokens[i].start(), tokens[i + length - 1].end(), post))
            i += length
        return found

    def _longest_run(self, words: list[str], i: int) -> tuple[int, int] | None:
        """(run length, post number) of the longest quote starting at rendered word `i`."""
        candidates = self._trigrams.get(tuple(words[i : i + MIN_RUN]), [])
        best: tuple[int, int] | None = None
        for post, start in candidates:
            source = self._words[post]
            length = MIN_RUN
            while (i + length < len(words) and start + length < len(source)
                   and words[i + length] == source[start + length]):  # fmt: skip
                length += 1
            # An excerpt ends in a cut word ("batt…"): take the fragment too.
            if (i + length < len(words) and start + length < len(source)
                    and source[start + length].startswith(words[i + length])):  # fmt: skip
                length += 1
            if best is None or length > best[0]:
                best = (length, post)
        if best is None:
            # A post shorter than MIN_RUN words counts only when all of it is there.
            for post, source in enumerate(self._words):
                if 0 < len(source) < MIN_RUN and words[i : i + len(source)] == source:
                    return len(source), post
        return best


def _token_pattern(token: str) -> str:
    # Markdown escapes punctuation with a backslash (Grid\_Goblin); a handle may carry '@'.
    body = "".join(r"\\?" + re.escape(ch) for ch in token)
    return rf"(?<!\w)@?{body}(?!\w)"


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def redact_value(value: Any, forgotten: Forgotten) -> tuple[Any, set[int]]:
    """A JSON value with every string (and key) redacted."""
    if isinstance(value, str):
        return forgotten.redact(value)
    quoted: set[int] = set()
    if isinstance(value, list):
        items = []
        for item in value:
            new, hit = redact_value(item, forgotten)
            items.append(new)
            quoted |= hit
        return items, quoted
    if isinstance(value, dict):
        mapping = {}
        for key, item in value.items():
            new_key, hit_key = forgotten.redact(key) if isinstance(key, str) else (key, set())
            new, hit = redact_value(item, forgotten)
            mapping[new_key] = new
            quoted |= hit | hit_key
        return mapping, quoted
    return value, quoted


@dataclass(frozen=True)
class Target:
    """Rows holding derived text: which columns, and how rows of the forgotten period are found."""

    table: str
    key: str  # SQL expression naming the row
    text_columns: tuple[str, ...]
    json_columns: tuple[str, ...]
    period: str  # SQL condition on (start, end) of the forgotten posts
    # A finding about the forgotten person (an opinion leader): its scope names them. It keeps
    # its id (digests cite it) under a unique placeholder scope, and is withdrawn.
    subject: str | None = None


TARGETS = (
    Target("digests", "id::text", ("body_text", "body_markdown", "body_html"), (),
           "window_start <= %(end)s AND window_end >= %(start)s"),
    # Sent messages too: the stored copy must go even though the delivered one cannot.
    Target("outbox", "id::text", (), ("payload",),
           "digest_id IN (SELECT id FROM digests WHERE window_start <= %(end)s "
           "AND window_end >= %(start)s)"),
    Target("findings", "id::text", ("scope_value", "headline"), ("metrics", "details"),
           "window_start <= %(end)s AND window_end >= %(start)s", subject="scope_value"),
    # Feedback on a finding about the forgotten person names them in its scope.
    Target("feedback_tokens", "token_id", ("scope_value",), (),
           "finding_id IN (SELECT id FROM findings WHERE window_start <= %(end)s "
           "AND window_end >= %(start)s)"),
    Target("feedback_reactions", "id::text", ("scope_value",), (),
           "finding_id IN (SELECT id FROM findings WHERE window_start <= %(end)s "
           "AND window_end >= %(start)s)"),
    Target("campaign_kpis", "project || '/' || campaign || '/' || window_start::text",
           (), ("impulses", "network", "amplifiers", "outcomes"),
           "window_start <= %(end)s AND window_end >= %(start)s"),
)  # fmt: skip


def redact_derived(
    cur: Cursor,
    forgotten: Forgotten,
    period: tuple[datetime, datetime] | None,
    tombstone: tuple[str, str, str],
) -> int:
    """Redact every target row of the period; record each changed row in forget_redactions.
    Returns how many rows changed. `period` spans the forgotten posts' times (None: no posts,
    so names and ids are looked for in every row)."""
    if period is None:
        bounds: dict[str, Any] = {"start": "-infinity", "end": "infinity"}
    else:
        # Weekly digests and baselines reach a few days around a post.
        bounds = {"start": period[0] - timedelta(days=1), "end": period[1] + timedelta(days=1)}
    changed = 0
    for target in TARGETS:
        columns = [*target.text_columns, *target.json_columns]
        cur.execute(
            f"SELECT {target.key}, {', '.join(columns)} FROM {target.table} "
            f"WHERE {target.period} FOR UPDATE",
            bounds,
        )
        for key, *values in cur.fetchall():
            updates: dict[str, Any] = {}
            quoted: set[int] = set()
            for column, value in zip(columns, values, strict=True):
                new, hit = redact_value(value, forgotten)
                if hit:
                    is_json = column in target.json_columns
                    updates[column] = json.dumps(new, ensure_ascii=False) if is_json else new
                    quoted |= hit
            if not updates:
                continue
            if target.subject in updates:
                updates[target.subject] = f"[removed {key}]"
                updates["withdrawn_at"] = datetime.now(UTC)
                updates["withdrawn_reason"] = "its subject was forgotten (echolot forget)"
            assignments = ", ".join(f"{column} = %s" for column in updates)
            cur.execute(
                f"UPDATE {target.table} SET {assignments} WHERE {target.key} = %s",
                (*updates.values(), key),
            )
            cur.execute(
                "INSERT INTO forget_redactions (platform, kind, platform_id, table_name, row_key, "
                "fields, posts) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (*tombstone, target.table, key, sorted(updates), len(quoted - {-1})),
            )
            changed += 1
    return changed


def forgotten_of(texts: Sequence[str | None], tokens: Sequence[str | None]) -> Forgotten:
    return Forgotten(texts=[t for t in texts if t], tokens=[t for t in tokens if t])
