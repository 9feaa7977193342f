"""Random pieces both languages' fragments use (the seed's draws must stay in this order)."""

from __future__ import annotations

import random


def short_url(rng: random.Random) -> str:
    """A shortened link of the kind X shows (t.co and 7 to 10 letters)."""
    letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "https://t.co/" + "".join(rng.choice(letters) for _ in range(rng.randint(7, 10)))


def maybe(rng: random.Random, options: list[str], chance: float = 0.35) -> str:
    """One of `options` with the given chance, else nothing."""
    return rng.choice(options) if rng.random() < chance else ""
