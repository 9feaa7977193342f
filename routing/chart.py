"""Geometry of a digest's small chart: daily volume as bars, mean sentiment as a line on -1..1.

Only numbers and labels live here; `templates/digest.html` draws them as inline SVG, so the
chart needs no script, image file or external resource and survives being sent as e-mail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.digest_view import DayPoint, Language

# Distinctive on purpose: nothing else in the digest uses it, so a screenshot test can find bars.
BAR_COLOUR = "#e6007e"
LINE_COLOUR = "#1a56db"

WIDTH, HEIGHT = 600, 210
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 40, 34, 28
_MAX_DAY_LABELS = 10
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: str
    tooltip: str


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: list[Bar]
    # SVG path data for the sentiment line; days without a sentiment break it into pieces.
    line: str
    points: list[tuple[float, float]]
    day_ticks: list[Tick]
    volume_ticks: list[Tick]
    sentiment_ticks: list[Tick]
    zero_y: float
    bar_colour: str = BAR_COLOUR
    line_colour: str = LINE_COLOUR


def chart_for(points: list[DayPoint], language: Language) -> Chart | None:
    """Lay out the chart for `points` (one per day, in order); None when there is nothing."""
    if not points:
        return None
    left, right, top, bottom = _LEFT, WIDTH - _RIGHT, _TOP, HEIGHT - _BOTTOM
    plot_height = bottom - top
    top_volume = _nice_ceiling(max(p.volume for p in points))
    slot = (right - left) / len(points)
    bar_width = max(1.0, slot * 0.7)
    every = math.ceil(len(points) / _MAX_DAY_LABELS)

    def sentiment_y(value: float) -> float:
        return top + (1 - max(-1.0, min(1.0, value))) / 2 * plot_height

    bars, day_ticks, line_points, segments = [], [], [], []
    pen_down = False
    for i, point in enumerate(points):
        centre = left + slot * (i + 0.5)
        height = point.volume / top_volume * plot_height
        bars.append(
            Bar(
                x=round(centre - bar_width / 2, 1),
                y=round(bottom - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
                day=point.day.isoformat(),
                tooltip=_tooltip(point, language),
            )
        )
        if i % every == 0:
            day_ticks.append(Tick(round(centre, 1), _day_label(point, language)))
        if point.mean_sentiment is None:
            pen_down = False
            continue
        xy = (round(centre, 1), round(sentiment_y(point.mean_sentiment), 1))
        line_points.append(xy)
        segments.append(f"{'L' if pen_down else 'M'}{xy[0]} {xy[1]}")
        pen_down = True
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=bars,
        line=" ".join(segments),
        points=line_points,
        day_ticks=day_ticks,
        volume_ticks=[Tick(bottom, "0"), Tick(top, _integer(top_volume, language))],
        sentiment_ticks=[Tick(round(sentiment_y(v), 1), t) for v, t in _SENTIMENT_TICKS],
        zero_y=round(sentiment_y(0.0), 1),
    )


_SENTIMENT_TICKS = ((1.0, "+1"), (0.0, "0"), (-1.0, "−1"))


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above `value`, so the axis shows a round number."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # unreachable: the loop ends at 10 × power ≥ value


def _integer(value: int, language: Language) -> str:
    text = f"{value:,}"
    return text.replace(",", ".") if language == "de" else text


def _day_label(point: DayPoint, language: Language) -> str:
    if language == "de":
        return f"{point.day.day}.{point.day.month}."
    return f"{_MONTHS['en'][point.day.month - 1]} {point.day.day}"


def _tooltip(point: DayPoint, language: Language) -> str:
    volume = _integer(point.volume, language)
    if language == "de":
        text = f"{point.day:%d.%m.%Y}: {volume} Beiträge"
        if point.mean_sentiment is not None:
            text += f", mittlere Stimmung {point.mean_sentiment:+.2f}".replace(".", ",")
        return text
    text = f"{point.day:%Y-%m-%d}: {volume} posts"
    if point.mean_sentiment is not None:
        text += f", mean sentiment {point.mean_sentiment:+.2f}"
    return text
