"""Word lists for the classifier features: German polarity, negators, intensifiers, emoji.

German polarity comes from the German Polarity Lexicon (Klenner, Clematide, Wiegand, Peters,
2010) as shipped, in pattern's XML format, inside the `textblob-de` package (MIT licence,
checked: the package's LICENSE and PyPI metadata). It is read from the installed file; the
package itself is never imported (its import breaks on current textblob releases).
`asent` was checked too: its German lexicon is Chen & Skiena (2014), GPL v3, which does not suit
a proprietary product. The lexicon lists uninflected forms only, so lookups also try common
endings and, for compounds, the longest known tail ("Zugausfall" -> "ausfall").

The short lists below (negators, intensifiers, social-media polarity words the lexicon lacks,
emoji) were written for this project.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from importlib.metadata import version as package_version

from echolot.errors import ConfigError

GERMAN_LEXICON_PACKAGE = "textblob-de"
_GERMAN_LEXICON_FILE = "textblob_de/data/de-sentiment.xml"
_GERMAN_ENDINGS = ("ern", "em", "en", "er", "es", "e", "n", "s", "t", "et", "st")
_COMPOUND_MIN_TAIL = 5

# Everyday complaint and thanks words the 2010 lexicon does not list.
GERMAN_EXTRA = {
    "leider": -0.6,
    "verspätung": -0.8,
    "verspätet": -0.8,
    "verspätungen": -0.8,
    "ausgefallen": -0.8,
    "fällt": -0.3,
    "nervig": -0.8,
    "nervt": -0.8,
    "genervt": -0.8,
    "ärgerlich": -0.8,
    "frechheit": -1.0,
    "sauer": -0.6,
    "warte": -0.3,
    "wartet": -0.3,
    "immernoch": -0.3,
    "schon": -0.1,
    "wieder": -0.2,
    "kaputt": -0.9,
    "defekt": -0.9,
    "störung": -0.8,
    "zugausfall": -0.9,
    "überfüllt": -0.8,
    "unpünktlich": -0.9,
    "funktioniert": 0.1,
    "danke": 0.7,
    "dankeschön": 0.8,
    "vielen": 0.1,
    "lieb": 0.7,
    "endlich": 0.2,
    "klasse": 0.8,
    "spitze": 0.8,
    "läuft": 0.2,
    "freundlich": 0.8,
    "hilfsbereit": 0.8,
    "zufrieden": 0.8,
    "empfehlen": 0.7,
    "mega": 0.6,
    "geil": 0.7,
    "katastrophe": -1.0,
    "katastrophal": -1.0,
    "unverschämt": -1.0,
    "enttäuscht": -0.9,
    "enttäuschend": -0.9,
    "peinlich": -0.8,
    "lol": 0.1,
    "yay": 0.8,
    "hurra": 0.8,
}
NEGATORS = {
    "en": frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor",
                     "cannot", "can't", "cant", "won't", "wont", "don't", "dont", "doesn't",
                     "doesnt", "didn't", "didnt", "isn't", "isnt", "wasn't", "wasnt", "aren't",
                     "arent", "haven't", "havent", "hasn't", "hasnt", "without", "n't"}),
    "de": frozenset({"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie",
                     "niemals", "nichts", "niemand", "ohne", "weder", "noch nie", "nö", "ne"}),
}  # fmt: skip
INTENSIFIERS = {
    "en": frozenset({"very", "so", "really", "extremely", "totally", "absolutely", "super",
                     "completely", "utterly", "incredibly", "such", "too", "most", "literally",
                     "seriously", "again", "still", "ever", "every"}),
    "de": frozenset({"sehr", "so", "total", "echt", "wirklich", "extrem", "absolut", "mega",
                     "voll", "komplett", "völlig", "unglaublich", "zu", "schon", "wieder",
                     "immer", "ständig", "jedes"}),
}  # fmt: skip
POSITIVE_EMOJI = frozenset("😀😃😄😁😆😊🙂😍🥰😘😻👍👏🙌💪🎉🥳❤💕💖💯✨🌟⭐😎🤩😇🤗✅🙏")
NEGATIVE_EMOJI = frozenset("😠😡🤬😤😞😒😔😟😕🙁☹😣😖😫😩😢😭😱🤮🤢💩👎💔🙄😑😐🤦❌⚠")
POSITIVE_EMOTICONS = (":)", ":-)", ":D", ";)", ";-)", "<3", "^^", ":P")
NEGATIVE_EMOTICONS = (":(", ":-(", ":/", ":-/", ">:(", ":'(", "-.-", "-_-")


@lru_cache(maxsize=1)
def german_lexicon() -> dict[str, float]:
    """Lower-cased form -> polarity in [-1, 1] (neutral entries left out)."""
    try:
        path = distribution(GERMAN_LEXICON_PACKAGE).locate_file(_GERMAN_LEXICON_FILE)
        root = ET.parse(str(path)).getroot()
    except (PackageNotFoundError, OSError, ET.ParseError) as exc:
        raise ConfigError(
            f"German polarity lexicon not readable ({GERMAN_LEXICON_PACKAGE}: {exc}); "
            f"install the project's dependencies (pip install -c constraints.txt -e .)"
        ) from None
    table: dict[str, float] = {}
    for word in root.iter("word"):
        form, polarity = word.get("form"), float(word.get("polarity") or 0.0)
        if form and polarity:
            table.setdefault(form.lower(), polarity)
    table.update(GERMAN_EXTRA)
    return table


def german_lexicon_version() -> str:
    return f"{GERMAN_LEXICON_PACKAGE}=={package_version(GERMAN_LEXICON_PACKAGE)}+extra1"


def german_polarity(word: str, table: dict[str, float]) -> float:
    """The polarity of one lower-cased German word, 0.0 when unknown."""
    value = table.get(word)
    if value is not None:
        return value
    for ending in _GERMAN_ENDINGS:
        if len(word) > len(ending) + 3 and word.endswith(ending):
            value = table.get(word[: -len(ending)])
            if value is not None:
                return value
    # Compounds: the longest known tail ("zugausfall" -> "ausfall").
    for start in range(1, len(word) - _COMPOUND_MIN_TAIL + 1):
        value = table.get(word[start:])
        if value is not None:
            return value
    return 0.0
