"""Make payload values storable: PostgreSQL text and jsonb refuse NUL and unpaired surrogates.

A NUL byte or a lone surrogate in a user name, an entity or a flair must not cost the post: the
character is dropped (NUL) or replaced with U+FFFD (surrogate) and the item is kept. Only the
post's own text is held to a stricter rule (see `ingest.validation.text_field`).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ingest.validation import NormalizationError

# Deeper than any platform nests its JSON; deeper input is hostile and is quarantined.
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")
# Reddit escapes &, < and > in markdown bodies; some bodies arrive escaped twice (&amp;gt;).
_REDDIT_DOUBLE = re.compile(r"&amp;(amp|lt|gt|quot|#39);")


def clean_text(value: str) -> str:
    """The string without NUL and with unpaired surrogates replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value


def has_surrogate(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def clean_json(value: Any) -> Any:
    """The JSON value with every string (keys too) cleaned; too deep is an error.

    Most payloads are clean: one C-speed serialisation and two scans prove it and the value is
    returned as it is; only a payload holding NUL, a surrogate, NaN or odd types is copied."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return _cleaned(value, depth=0)
    if "\x00" in text or "\\u0000" in text or _SURROGATE.search(text):
        return _cleaned(value, depth=0)
    return value


def _cleaned(value: Any, *, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NormalizationError(f"payload nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _cleaned(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(v, depth=depth + 1) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        # NaN and infinities are not JSON; jsonb refuses them.
        return value if value == value and abs(value) != float("inf") else None
    return clean_text(str(value))


def optional_text(value: Any) -> str | None:
    """A display string (user name, description) cleaned, or None when it is not a string."""
    return clean_text(value) if isinstance(value, str) else None


def unescape_once(text: str) -> str:
    """X sends &amp; &lt; &gt; escaped in post text; decode them exactly once."""
    return html.unescape(text) if "&" in text else text


def unescape_reddit(text: str) -> str:
    """Reddit escapes &, < and > in bodies and titles, and some arrive escaped twice."""
    if "&" not in text:
        return text
    return html.unescape(_REDDIT_DOUBLE.sub(r"&\1;", text))
