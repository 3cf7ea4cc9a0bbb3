"""The count's stage table drawn as an inline SVG bar chart (pure: standard library only).

One group of bars per candidate, one bar per stage, each as long as the candidate's total at
that stage, with the quota marked where there is one. The chart repeats the table beside it
rather than replacing it: it has a title and a description for assistive technology, each bar
carries its figure as a tooltip, and the text is drawn in the page's text colour. Lengths are
worked out in integers from the published decimal strings, never in floating point.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

WIDTH = 640
LABEL = 180
BAR = 10
GAP = 14
PLOT = WIDTH - LABEL - 70
SHADES = ("#1d4f91", "#2f6fb6", "#4f8fd0", "#7aaee0", "#a6c8ec")


def _value(text: object) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return Decimal(0)


def _length(value: Decimal, top: Decimal) -> int:
    if top <= 0 or value <= 0:
        return 0
    return int(value * PLOT / top)


def stage_chart(count: dict[str, Any], *, chart_id: str = "count-chart") -> str:
    """SVG markup for the stage table of a count in ``report.as_json`` form ("" if empty)."""
    stages: list[dict[str, Any]] = list(count.get("stages") or [])
    names: list[str] = list(count.get("candidates") or [])
    if not stages or not names:
        return ""
    quota = _value(count["quota"]) if count.get("quota") else None
    values = [[_value(stage["totals"].get(name, 0)) for stage in stages] for name in names]
    top = max([*(v for row in values for v in row), quota or Decimal(0), Decimal(1)])
    group = len(stages) * BAR + GAP
    height = 40 + len(names) * group + 20
    title = f"Votes for each candidate at each of the {len(stages)} stages of the count"
    desc = (
        "A bar for each stage of the count, for each candidate, as long as their votes at that "
        "stage. The table of the count gives the same figures."
    )
    if quota is not None:
        desc += f" The dashed line marks the quota, {count['quota']}."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="count-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for row, name in enumerate(names):
        y = 30 + row * group
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + len(stages) * BAR // 2 + 4}" text-anchor="end" '
            f'fill="currentColor" font-size="13">{escape(name)}</text>'
        )
        for number, value in enumerate(values[row]):
            shade = SHADES[number % len(SHADES)]
            tip = f"{name}, stage {stages[number]['stage']}: {stages[number]['totals'].get(name)}"
            parts.append(
                f'<rect x="{LABEL}" y="{y + number * BAR}" width="{_length(value, top)}" '
                f'height="{BAR - 2}" fill="{shade}"><title>{escape(tip)}</title></rect>'
            )
        final = stages[-1]["totals"].get(name, "0")
        parts.append(
            f'<text x="{LABEL + _length(max(values[row]), top) + 6}" '
            f'y="{y + len(stages) * BAR // 2 + 4}" fill="currentColor" font-size="12">'
            f"{escape(str(final))}</text>"
        )
    if quota is not None:
        x = LABEL + _length(quota, top)
        parts.append(
            f'<line x1="{x}" y1="20" x2="{x}" y2="{height - 10}" stroke="currentColor" '
            'stroke-dasharray="4 3" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x + 4}" y="16" fill="currentColor" font-size="12">'
            f"Quota {escape(str(count['quota']))}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
