"""Reach of posts and of the cascades (reply, repost and quote trees) below them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from echolot.store import PostReach
from reach.graph import Node


@dataclass(frozen=True)
class CascadePost:
    post_id: int
    parent_id: int | None
    author: Node
    audience: int  # followers or karma at posting time
    impressions: int | None  # what the platform reported, where it does


def post_reaches(posts: Sequence[CascadePost], audience_overlap: float) -> dict[int, PostReach]:
    """Reach of every post, over the tree of posts below it among `posts`.

    Amplifiers' audiences overlap with the author's and with each other's; each counts
    (1 - audience_overlap) of its size. An amplifier appearing twice in a tree counts once, with
    the larger audience it had.
    """
    by_id = {p.post_id: p for p in posts}
    children: dict[int, list[int]] = defaultdict(list)
    for post in posts:
        if post.parent_id is not None and post.parent_id in by_id:
            children[post.parent_id].append(post.post_id)
    roots = [p.post_id for p in posts if p.parent_id is None or p.parent_id not in by_id]

    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    impressions: dict[int, int | None] = {}
    root_of: dict[int, int] = {}
    # (author's audience, summed audience of the other authors, how many others)
    audience_sums: dict[int, tuple[int, int, int]] = {}
    # author -> audience over a finished subtree, kept until its parent has merged it
    pending: dict[int, dict[Node, int]] = {}
    for root in roots:
        # Iterative post-order: trees can be deeper than Python's recursion limit.
        stack: list[tuple[int, bool]] = [(root, False)]
        while stack:
            post_id, expanded = stack.pop()
            if not expanded:
                root_of[post_id] = root
                stack.append((post_id, True))
                stack.extend((child, False) for child in children.get(post_id, ()))
                continue
            post = by_id[post_id]
            kids = children.get(post_id, [])
            size[post_id] = 1 + sum(size[c] for c in kids)
            depth[post_id] = 1 + max(depth[c] for c in kids) if kids else 0
            reported = [impressions[c] for c in kids if impressions[c] is not None]
            if post.impressions is not None:
                reported.append(post.impressions)
            impressions[post_id] = sum(reported) if reported else None
            merged = _merge_largest([pending.pop(c) for c in kids])
            others = sum(a for author, a in merged.items() if author != post.author)
            count = sum(1 for author in merged if author != post.author)
            audience_sums[post_id] = (post.audience, others, count)
            merged[post.author] = max(merged.get(post.author, 0), post.audience)
            pending[post_id] = merged
    return {
        post_id: PostReach(
            post_id=post_id,
            root_post_id=root_of[post_id],
            parent_post_id=by_id[post_id].parent_id if by_id[post_id].parent_id in by_id else None,
            author_audience=own,
            potential_impressions=own + (1 - audience_overlap) * others,
            actual_impressions=impressions[post_id],
            cascade_size=size[post_id],
            cascade_depth=depth[post_id],
            amplifiers=count,
        )
        for post_id, (own, others, count) in audience_sums.items()
    }


def _merge_largest(maps: list[dict[Node, int]]) -> dict[Node, int]:
    """Union of author -> audience maps keeping the larger audience; merges into the biggest
    map so a long chain costs linear, not quadratic, time."""
    if not maps:
        return {}
    maps.sort(key=len, reverse=True)
    merged = maps[0]
    for other in maps[1:]:
        for author, audience in other.items():
            if audience > merged.get(author, -1):
                merged[author] = audience
    return merged
