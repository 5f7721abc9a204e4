"""Horizontal bar charts as inline SVG, rendered on the server: no JavaScript, no CDN.

Accessible: the <svg> is one image (role="img") named by its <title> (aria-labelledby) and
described by its <desc> (aria-describedby: a screen reader pauses between the two); the page
gives the figures again as a table. Readable on a 360 px phone: the SVG has no viewBox, so it
is never scaled down and its text keeps its size; bar lengths are percentages of the available
width, labels sit on their own line (or in a fixed column for short labels), and long labels
are shortened (the table has them in full).
Colours (dark blue bars, near-black text on white) are well above the 3:1 contrast asked of
graphics and the 4.5:1 asked of text. The text is painted in `currentColor` (the page's ink),
so that forced colours (high contrast) repaint it in CanvasText: the browser forces `color`
but not a fill written into the SVG. static/css/charts.css repaints the bars there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#0b4f8a"  # 8.4:1 on white
TEXT_COLOUR = "currentColor"  # the page's ink (#1b1b1b), CanvasText in forced colours
LABEL_SIZE = 14
VALUE_SIZE = 13
# One bar per row. Stacked: label line, then the bar and its value. Compact: label in a
# fixed column on the left, bar and value beside it (for short labels such as weeks).
STACKED_ROW, COMPACT_ROW = 46, 26
COMPACT_LABEL_WIDTH = 96
# The longest bar leaves room after it for its value (about 90 px on a 328 px wide phone).
STACKED_MAX_WIDTH, COMPACT_MAX_WIDTH = 0.70, 0.55
STACKED_LABEL_CHARS, COMPACT_LABEL_CHARS = 42, 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    display: str  # the value as people read it, written after the bar ("1 234,00 €")


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _percent(value: int, scale: int, max_width: float) -> str:
    fraction = max(0, min(value, scale)) / scale if scale > 0 else 0
    return f"{fraction * max_width * 100:.2f}%"


def _stacked_row(bar: Bar, top: int, scale: int) -> str:
    width = _percent(bar.value, scale, STACKED_MAX_WIDTH)
    return (
        f'<g class="chart-row">'
        f'<text x="0" y="{top + 16}" font-size="{LABEL_SIZE}" fill="{TEXT_COLOUR}">'
        f"{escape(shorten(bar.label, STACKED_LABEL_CHARS))}</text>"
        f'<rect class="bar" x="0" y="{top + 23}" width="{width}" height="16" '
        f'fill="{BAR_COLOUR}"/>'
        f'<text x="{width}" dx="6" y="{top + 36}" font-size="{VALUE_SIZE}" '
        f'fill="{TEXT_COLOUR}">{escape(bar.display)}</text>'
        f"</g>"
    )


def _compact_row(bar: Bar, top: int, scale: int) -> str:
    width = _percent(bar.value, scale, COMPACT_MAX_WIDTH)
    return (
        f'<g class="chart-row">'
        f'<text x="0" y="{top + 18}" font-size="{VALUE_SIZE}" fill="{TEXT_COLOUR}">'
        f"{escape(shorten(bar.label, COMPACT_LABEL_CHARS))}</text>"
        f'<g transform="translate({COMPACT_LABEL_WIDTH} 0)">'
        f'<rect class="bar" x="0" y="{top + 5}" width="{width}" height="16" '
        f'fill="{BAR_COLOUR}"/>'
        f'<text x="{width}" dx="6" y="{top + 18}" font-size="{VALUE_SIZE}" '
        f'fill="{TEXT_COLOUR}">{escape(bar.display)}</text>'
        f"</g></g>"
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    scale_max: int | None = None,
    compact: bool = False,
) -> SafeString:
    """One horizontal bar per item, longest for the largest value (or for `scale_max`, e.g.
    100 % for a rate). `chart_id` must be unique in the page (it prefixes the ids)."""
    scale = scale_max if scale_max is not None else max((bar.value for bar in bars), default=0)
    row_height = COMPACT_ROW if compact else STACKED_ROW
    draw = _compact_row if compact else _stacked_row
    rows = "".join(draw(bar, 4 + index * row_height, scale) for index, bar in enumerate(bars))
    height = 8 + row_height * max(len(bars), 1)
    title_id, desc_id = f"{chart_id}-titre", f"{chart_id}-description"
    return mark_safe(  # every text above and here is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" id="{escape(chart_id)}" '
        f'width="100%" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>'
        f"{rows}</svg>"
    )
