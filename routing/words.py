"""Words of a post as the digest explains and labels things with: tokens without stop words,
links, handles or the project's own brand names, and a test for near-identical texts."""

from __future__ import annotations

import re
from collections.abc import Iterable

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_HANDLE = re.compile(r"(?<!\w)(?:@\w+|u/[\w-]+)")
_WORD = re.compile(r"#?[^\W\d_][\w'’-]{2,}", re.UNICODE)
_SKELETON_DROP = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@\w+|\d+|[^\w\s]", re.UNICODE)

# Short, plain lists: words that say nothing about what a post is about (English and German).
STOP_WORDS = frozenset(
    """
    about above after again against all also always am an and any are aren't around as at be
    because been before being below between both but by can can't cannot could couldn't did
    didn't do does doesn't doing don't down during each even ever every few for from further get
    gets getting got had hadn't has hasn't have haven't having he her here hers herself him
    himself his how i i'm i've if in into is isn't it it's its itself just let's like lot make
    me more most much my myself new no nor not now of off on once one only or other our ours
    ourselves out over own really same she should shouldn't so some still such than that that's
    the their theirs them themselves then there there's these they they're this those through
    to too under until up us very via was wasn't way we we're were weren't what when where which
    while who whom why will with won't would wouldn't yet you you're your yours yourself
    yourselves thing things today day days week yes yeah ok okay guys anyone someone people
    aber alle allem allen aller alles als also am an ander andere anderen auch auf aus bei bin
    bis bist da damit dann das dass dein deine dem den der des dessen die dies diese diesem
    diesen dieser dieses doch dort du durch ein eine einem einen einer eines er es etwas euch
    euer für gegen gewesen hab habe haben hat hatte hätte hier hin hinter ich ihm ihn ihr ihre
    im in indem ins ist jede jedem jeden jeder jedes jetzt kann kein keine keinem keinen können
    könnte machen man manche mein meine mich mir mit muss musste nach nicht nichts noch nun nur
    ob oder ohne schon sehr sein seine sich sie sind so solche soll sollte sondern sonst über
    um und uns unser unter viel vom von vor war waren warum was weil weiter welche wenn wer
    werde werden wie wieder will wir wird wo wollen würde zu zum zur zwar zwischen mal immer
    heute gibt geht gut ganz einfach
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def skeleton(text: str) -> str:
    """The text without links, handles, numbers, punctuation and case: copies with another
    link or counter ("order #123") come out the same."""
    return " ".join(_SKELETON_DROP.sub(" ", text.lower()).split())


def tokens(text: str, ignore: Iterable[str] = ()) -> list[str]:
    """Lower-case content words (hashtags keep their '#'), in order; `ignore` holds words that
    must not explain anything (the brand's own names)."""
    skip = STOP_WORDS | set(ignore)
    clean = _HANDLE.sub(" ", _URL.sub(" ", text))
    words = [w.lower().strip("'’-") for w in _WORD.findall(clean)]
    return [w for w in words if len(w.lstrip("#")) >= 3 and w not in skip
            and w.lstrip("#") not in skip]  # fmt: skip


def name_words(names: Iterable[str]) -> set[str]:
    """Every word of the given names and aliases, lower-cased, without '#' and '@'."""
    return {w for name in names for w in re.split(r"\W+", name.lower().lstrip("#@")) if w}


def near_identical(a: str, b: str, threshold: float = 0.7) -> bool:
    """Same skeleton, or word sets overlapping by `threshold` (Jaccard): a copy, a retweet with a
    comment of two words, a bot's variant. Short texts need the same skeleton."""
    sa, sb = skeleton(a), skeleton(b)
    if sa == sb:
        return True
    wa, wb = set(sa.split()), set(sb.split())
    if min(len(wa), len(wb)) < 4:
        return False
    return len(wa & wb) / len(wa | wb) >= threshold
