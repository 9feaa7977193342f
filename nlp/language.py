"""Language detection for posts with lingua, restricted to the project's configured languages.

Posts are short and noisy, so the text is cleaned first (handles, URLs, '#' signs and the
retweet prefix go; hashtag words stay) and the platform's own guess (X's `lang`) serves as a
hint: text too short to judge takes the hint, and so does text lingua is unsure about.
Everything that is neither a configured language nor hinted as one comes out as "und".

lingua's models are loaded once per process (the slow part, about 1.5 s for six languages);
detectors are cached per language set, so building a `LanguageDetector` again is free.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from lingua import LanguageDetector as _LinguaDetector

from echolot.errors import ConfigError

UNDETERMINED = "und"
# Fewer letters than this outside handles, URLs and hashtags is no evidence at all: "ok",
# "👍👍", a bare link, "#GlowWeek 🔥".
MIN_LETTERS = 3
# Below this, lingua's best guess is a guess: a configured platform hint wins.
LOW_CONFIDENCE = 0.5
# The least confidence reported for a hinted language taken over an unsure lingua verdict (or
# over text too short to judge): X's own detector is right far more often than a coin flip.
HINT_CONFIDENCE = 0.5
# lingua needs two languages to compare; a project with one gets these as contrast, and text
# they win comes out as "und".
_CONTRAST = ("en", "de")

_RETWEET = re.compile(r"^\s*RT\s+@\w+:?", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)\S+"  # scheme or www.
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*",  # bare domain with a path: t.co/abc, bit.ly/x
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"#\w+")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """The text lingua sees: no retweet prefix, URLs, @handles or '#' signs."""
    text = html.unescape(text or "")  # X sends &amp; &lt; &gt;
    text = _RETWEET.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = text.replace("#", " ")
    return _SPACES.sub(" ", text).strip()


def evidence(text: str) -> int:
    """Letters outside hashtags, URLs and handles: a post of only tags says nothing of its
    language ("#GlowWeek 🔥" is no Dutch)."""
    return sum(1 for ch in clean(_HASHTAG.sub(" ", text or "")) if ch.isalpha())


def normalise_code(code: str | None) -> str | None:
    """Platform codes to bare ISO 639-1: 'EN' -> 'en', 'pt-BR' -> 'pt', '' -> None."""
    if not code:
        return None
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0] or None


class LanguageDetector:
    """Detects the language of posts among the configured ISO 639-1 codes."""

    def __init__(self, languages: Sequence[str]) -> None:
        codes = list(dict.fromkeys(c for c in (normalise_code(x) for x in languages) if c))
        if not codes:
            raise ConfigError("language detection needs at least one language in nlp.languages")
        self.languages: frozenset[str] = frozenset(codes)
        self._detector = _build(tuple(sorted(codes)))

    def detect(
        self, texts: Sequence[str], hints: Sequence[str | None] | None = None
    ) -> list[tuple[str, float]]:
        """(ISO 639-1 code or "und", confidence in [0, 1]) for each text, in order.

        `hints` are the platforms' own language codes (X's `lang`; None where there is none).
        """
        if hints is None:
            hints = [None] * len(texts)
        if len(hints) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(hints)} hints")
        usable = [h if h in self.languages else None for h in map(normalise_code, hints)]
        cleaned = [clean(t) for t in texts]
        results: list[tuple[str, float]] = [
            (hint, HINT_CONFIDENCE) if hint else (UNDETERMINED, 0.0) for hint in usable
        ]
        todo = [i for i, text in enumerate(texts) if evidence(text) >= MIN_LETTERS]
        if not todo:
            return results
        # One call for the whole batch: lingua spreads it over all cores.
        verdicts = self._detector.compute_language_confidence_values_in_parallel(
            [cleaned[i] for i in todo]
        )
        for i, values in zip(todo, verdicts, strict=True):
            scores = {_code(v.language): v.value for v in values}
            results[i] = self._decide(scores, usable[i])
        return results

    def detect_one(self, text: str, hint: str | None = None) -> tuple[str, float]:
        return self.detect([text], [hint])[0]

    def _decide(self, scores: dict[str, float], hint: str | None) -> tuple[str, float]:
        best, confidence = max(scores.items(), key=lambda item: item[1], default=("", 0.0))
        if confidence <= 0.0 or best not in self.languages:
            # No configured language fits (another script, or a contrast language won).
            return (hint, HINT_CONFIDENCE) if hint else (UNDETERMINED, 0.0)
        if hint and hint != best and confidence < LOW_CONFIDENCE:
            return hint, round(max(scores.get(hint, 0.0), HINT_CONFIDENCE), 4)
        if hint == best and confidence < LOW_CONFIDENCE:
            # The platform agrees with lingua's unsure guess: two weak votes for one language.
            return best, round(max(confidence, HINT_CONFIDENCE), 4)
        return best, round(confidence, 4)


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


@lru_cache(maxsize=8)
def _build(codes: tuple[str, ...]) -> _LinguaDetector:
    isos = []
    for code in codes:
        try:
            isos.append(IsoCode639_1.from_str(code))
        except ValueError:
            raise ConfigError(
                f"nlp.languages: {code!r} is not an ISO 639-1 code lingua knows"
            ) from None
    for extra in _CONTRAST:
        if len(isos) >= 2:
            break
        if extra not in codes:
            isos.append(IsoCode639_1.from_str(extra))
    # Preloading costs the same as lazy loading's first call but keeps batches' timing even.
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*isos).with_preloaded_language_models().build()
    )
