"""Brand-safe text for scoring: configured names, @handles, name hashtags and URLs masked.

A brand called United, Best or Glow must not tilt its own sentiment ("united" is +1.8 in VADER's
lexicon). Before any sentiment model or classifier head sees a text, every configured brand,
competitor and product name and alias (case-insensitive, as whole words, also written together),
every @handle, every #hashtag that starts with such a name, and every URL is replaced by a
neutral placeholder. The same masked text is embedded, so the heads never see a name either.

Plain regular expressions, not the spaCy pipeline: masking runs before the embedding starts and
must cost microseconds per post.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Neutral in VADER's lexicon, in the German polarity lexicon and to MiniLM (a made-up company).
NAME_PLACEHOLDER = "Acme"
HANDLE_PLACEHOLDER = "@user"
URL_PLACEHOLDER = "http"
PLACEHOLDERS = frozenset({NAME_PLACEHOLDER.lower(), HANDLE_PLACEHOLDER, URL_PLACEHOLDER})

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@/.])(?:@\w{1,50}|u/[A-Za-z0-9_-]{3,20}\b)")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class MaskedText:
    text: str
    masked: int  # how many spans were replaced
    empty: bool  # nothing but placeholders, punctuation and space is left


def _squash(term: str) -> str:
    return re.sub(r"[\s_-]+", "", term).lower()


class BrandMasker:
    """Masks a fixed set of names; build once per project (the regexes are compiled once)."""

    def __init__(self, names: Iterable[str]) -> None:
        words: set[str] = set()
        self._squashed: list[str] = []
        for raw in names:
            term = " ".join(raw.lstrip("#@").split())
            if not term:
                continue
            words.add(term.lower())
            squashed = _squash(term)
            if squashed:
                words.add(squashed)
                self._squashed.append(squashed)
        # Longest first: "Lumora Hub" before "Lumora".
        self._squashed.sort(key=len, reverse=True)
        self.names = tuple(sorted(words, key=lambda w: (-len(w), w)))
        if self.names:
            body = "|".join(r"\s+".join(re.escape(p) for p in n.split()) for n in self.names)
            # Whole words only; a possessive or plural ending goes with the name ("United's").
            self._name = re.compile(
                rf"(?<![\w@#])(?:{body})(?:'s|’s|s)?(?!\w)", re.IGNORECASE | re.UNICODE
            )
        else:
            self._name = None

    @classmethod
    def from_config(cls, config) -> BrandMasker:  # config: echolot.config.ProjectConfig
        names: list[str] = []
        for brand in [*config.brands, *config.competitors]:
            names += brand.terms
        for product in config.products:
            names += [product.name, *product.aliases]
        return cls(names)

    def _hashtag(self, match: re.Match[str]) -> str:
        body = match.group(1)
        lower = body.lower()
        for name in self._squashed:
            if lower.startswith(name):
                rest = body[len(name) :]
                # "#UnitedFail" keeps "Fail"; "#bestie" is not the brand Best.
                if not rest:
                    return NAME_PLACEHOLDER
                if rest[0].isupper() or rest[0].isdigit() or rest[0] == "_":
                    return f"{NAME_PLACEHOLDER} {rest.lstrip('_')}"
        return match.group(0)

    def mask(self, text: str) -> MaskedText:
        count = 0

        def sub(regex: re.Pattern[str] | None, repl, value: str) -> str:
            nonlocal count
            if regex is None:
                return value
            value, n = regex.subn(repl, value)
            count += n
            return value

        out = sub(_URL, URL_PLACEHOLDER, text)
        out = sub(_HASHTAG, self._hashtag, out) if self._squashed else out
        out = sub(_HANDLE, HANDLE_PLACEHOLDER, out)
        out = sub(self._name, NAME_PLACEHOLDER, out)
        # Hashtags that were not names were "replaced" by themselves: do not count them.
        count -= sum(1 for m in _HASHTAG.finditer(text) if self._hashtag(m) == m.group(0))
        return MaskedText(out, max(count, 0), is_empty(out))

    def mask_all(self, texts: Sequence[str]) -> list[MaskedText]:
        return [self.mask(t) for t in texts]


def is_empty(masked: str) -> bool:
    """True when no word is left but placeholders (only a brand name, only links)."""
    for token in masked.split():
        word = token.strip(".,;:!?()[]{}\"'…-–—/|*~").lower()
        if word and word not in PLACEHOLDERS and _WORD.search(word):
            return False
        # An emoji or symbol carries feeling on its own ("@united 😡").
        if any(unicodedata.category(ch) == "So" for ch in token):
            return False
    return True
