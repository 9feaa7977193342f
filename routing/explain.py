"""Why a count changed: the drivers of a volume spike or a sentiment shift.

A change is a set of posts (the spike's, or a bad day's negative posts) against what the
baseline leads one to expect (the baseline's posts scaled to the change's length). For each
dimension — topic, product area, term, author — the values whose count grew most against their
own expected count are the drivers, each with its share of the extra posts ("62% of the extra
negative posts are about app"). Replies that pile onto one post are named too ("40% of them
reply to one post by @X"). Deterministic and offline: counting only, ties by name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from routing.words import tokens

Post = dict[str, Any]
DRIVERS_PER_DIMENSION = 3
# A value drives a change only with this many posts in it and this share of the extra posts.
MIN_POSTS = 3
MIN_SHARE = 0.1
# Replies to one post name it when they are at least this share of the change.
MIN_REPLY_SHARE = 0.1
SENTENCE_DRIVERS = 3


def explain_change(
    changed: Sequence[Post],
    baseline: Sequence[Post],
    scale: float,
    *,
    topic_labels: dict[int, str] | None = None,
    ignore_words: Iterable[str] = (),
    what: str = "posts",
) -> dict[str, Any]:
    """The drivers of `changed` against `baseline` × `scale` (expected posts of the change).

    Returns `extra` (posts above expectation), `drivers` (dimension, value, posts, expected,
    extra, share; strongest first), `reply_concentration` (or None) and `summary`, the sentence
    a digest shows first. `what` names the posts in that sentence ("negative posts").
    """
    labels = topic_labels or {}
    ignore = set(ignore_words)
    extra = len(changed) - scale * len(baseline)
    dimensions: dict[str, Callable[[Post], Iterable[str]]] = {
        "topic": lambda p: [labels.get(p["topic_id"], f"topic {p['topic_id']}")]
        if p.get("topic_id") is not None else [],
        "product_area": lambda p: p.get("product_areas") or [],
        "term": lambda p: set(tokens(p["text"], ignore)),
        "author": lambda p: [f"@{p['username']}"] if p.get("username") else [],
    }  # fmt: skip
    drivers: list[dict[str, Any]] = []
    if extra > 0:
        for dimension, values_of in dimensions.items():
            drivers.extend(_grown(dimension, values_of, changed, baseline, scale, extra))
    drivers.sort(key=lambda d: (-d["share"], d["dimension"], d["value"]))
    replies = _reply_concentration(changed)
    return {
        "what": what,
        "posts": len(changed),
        "expected": round(scale * len(baseline), 2),
        "extra": round(max(extra, 0.0), 2),
        "drivers": drivers,
        "reply_concentration": replies,
        "summary": summary(drivers, replies, what, extra),
    }


def _grown(
    dimension: str,
    values_of: Callable[[Post], Iterable[str]],
    changed: Sequence[Post],
    baseline: Sequence[Post],
    scale: float,
    extra: float,
) -> list[dict[str, Any]]:
    now = Counter(v for p in changed for v in values_of(p))
    before = Counter(v for p in baseline for v in values_of(p))
    grown = []
    for value, count in now.items():
        expected = scale * before.get(value, 0)
        gain = count - expected
        share = gain / extra
        if count >= MIN_POSTS and share >= MIN_SHARE:
            grown.append({"dimension": dimension, "value": value, "posts": count,
                          "expected": round(expected, 2), "extra": round(gain, 2),
                          "share": round(min(share, 1.0), 4)})  # fmt: skip
    grown.sort(key=lambda d: (-d["extra"], d["value"]))
    return grown[:DRIVERS_PER_DIMENSION]


def _reply_concentration(changed: Sequence[Post]) -> dict[str, Any] | None:
    """The one post most of the change replies to, when replies pile onto it."""
    targets = Counter(
        (p["parent_id"], p.get("parent_author") or "")
        for p in changed
        if p.get("parent_id") and p.get("kind") in ("reply", "comment", "quote")
    )
    if not targets or not changed:
        return None
    (parent, author), replies = min(targets.items(), key=lambda kv: (-kv[1], kv[0]))
    share = replies / len(changed)
    if replies < MIN_POSTS or share < MIN_REPLY_SHARE:
        return None
    return {"parent_id": parent, "author": author, "replies": replies, "share": round(share, 4)}


_DIMENSION_WORDS = {
    "topic": "are about the topic “{v}”",
    "product_area": "are about {v}",
    "term": "say “{v}”",
    "author": "come from {v}",
}


def summary(
    drivers: list[dict[str, Any]], replies: dict[str, Any] | None, what: str, extra: float
) -> str:
    """One sentence: the strongest drivers of different dimensions, then reply concentration."""
    parts, seen = [], set()
    for driver in drivers:
        if driver["dimension"] in seen or len(parts) == SENTENCE_DRIVERS:
            continue
        seen.add(driver["dimension"])
        verb = _DIMENSION_WORDS[driver["dimension"]].format(v=driver["value"])
        share = f"{driver['share']:.0%}"
        parts.append(f"{share} of the extra {what} {verb}" if not parts else f"{share} {verb}")
    if replies:
        who = f" by @{replies['author']}" if replies["author"] else ""
        parts.append(f"{replies['share']:.0%} of them reply to one post{who}")
    if not parts:
        if extra <= 0:
            return ""
        return f"No single topic, area, term or author stands out among the extra {what}."
    return "; ".join(parts) + "."
