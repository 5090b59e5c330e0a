"""Charts as inline SVG, drawn on the server: no chart library and nothing fetched by the browser.

The tags compute the geometry; the templates under mess/charts/ draw it, so every label (a floor's
name, a date) goes through the template engine's escaping. The SVGs scale to their container's width.
"""

import datetime
from decimal import Decimal

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext

register = template.Library()

# About the width a phone gives a chart, so that 11-unit text stays about 11 pixels there.
WIDTH = 360
LABEL_WIDTH = 74  # the row labels left of the bars
VALUE_WIDTH = 66  # the totals right of the bars
BAR = 18
GAP = 10


def _nice_top(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    while power > value:
        power /= 10
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _axis_label(value: float) -> str:
    return f"{value:g}"


@register.inclusion_tag("mess/charts/bars.html")
def bar_chart(
    rows,
    series,
    *,
    title: str,
    unit: str = "",
    max_value=None,
    stacked: bool = True,
    marker=None,
    marker_label: str = "",
    counted: str = "",
):
    """Horizontal bars, one group per row. `rows` are dicts with a `label` and `values` (a number or
    None per series), and, for bars that are averages, `counts` (how many `counted` things each
    value rests on, written in brackets after it); `series` are dicts with a `label`. Stacked, a row
    is one bar split by series, its total written after it; otherwise each series has its own
    thinner bar. `marker` draws a dashed line at that value (a threshold)."""
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    numbers = [float(v) for r in rows for v in r["values"] if v is not None]
    totals = [sum(float(v) for v in r["values"] if v is not None) for r in rows]
    top = float(max_value) if max_value is not None else _nice_top(max(totals if stacked else numbers, default=0))
    scale = area / top
    bars, labels, values = [], [], []
    y = GAP
    for row in rows:
        draw = _stacked_bar if stacked else _side_by_side_bars
        height = draw(row, series, y=y, scale=scale, unit=unit, counted=counted, bars=bars, values=values)
        labels.append({"x": LABEL_WIDTH - 6, "y": y + height / 2, "text": row["label"]})
        y += height + GAP
    ticks = [{"x": LABEL_WIDTH + area * f, "text": _axis_label(top * f)} for f in (0, 0.5, 1)]
    mark = None
    if marker is not None and float(marker) <= top:
        mark = {"x": LABEL_WIDTH + float(marker) * scale, "label": marker_label}
    return {
        "title": title,
        "width": WIDTH,
        "height": y + 16,
        "plot_top": GAP / 2,
        "plot_bottom": y - GAP / 2,
        "axis_y": y + 10,
        "bars": bars,
        "labels": labels,
        "values": values,
        "ticks": ticks,
        "series": series,
        "marker": mark,
        "counted": counted,
        "empty": not numbers,
    }


def _stacked_bar(row, series, *, y, scale, unit, counted, bars, values) -> float:
    """One bar for `row`, split by series, its total written after it; returns its height."""
    x = LABEL_WIDTH
    for i, (s, value) in enumerate(zip(series, row["values"], strict=True)):
        if value:
            width = float(value) * scale
            title = f"{row['label']}, {s['label']}: {_number(value)} {unit}"
            bars.append({"x": x, "y": y, "w": width, "h": BAR, "cls": f"s{i}", "title": title})
            x += width
    recorded = [v for v in row["values"] if v is not None]
    # Decimals add up exactly (kilograms in cents); anything else as the floats drawn
    total = sum(recorded, Decimal(0)) if all(isinstance(v, Decimal) for v in recorded) else sum(float(v) for v in recorded)
    values.append({"x": x + 4, "y": y + BAR / 2, "text": f"{_number(total)} {unit}".strip() if recorded else gettext("none")})
    return BAR


def _side_by_side_bars(row, series, *, y, scale, unit, counted, bars, values) -> float:
    """A thin bar per series for `row`, each with its value (and what it rests on) after it;
    returns the height of them all."""
    thin = max(8, (BAR + 4) // 2)
    for i, (s, value) in enumerate(zip(series, row["values"], strict=True)):
        by = y + i * (thin + 2)
        width = float(value) * scale if value is not None else 0
        count = row["counts"][i] if "counts" in row else None
        if value is not None:
            title = f"{row['label']}, {s['label']}: {_number(value)} {unit}".strip() + (
                gettext(", from %(count)s %(counted)s") % {"count": f"{count:,}", "counted": counted} if count is not None else ""
            )
            bars.append({"x": LABEL_WIDTH, "y": by, "w": width, "h": thin, "cls": f"s{i}", "title": title})
        text = f"{_number(value)} {unit}".strip() if value is not None else gettext("none")
        if value is not None and count is not None:
            text += f" ({count:,})"
        values.append({"x": LABEL_WIDTH + width + 4, "y": by + thin / 2, "text": text})
    return len(series) * (thin + 2) - 2


@register.inclusion_tag("mess/charts/line.html")
def line_chart(points, *, title: str, unit: str = "", markers=(), line_label: str = "", figures: bool = True):
    """A line over dates: `points` are (date, number or None) pairs in date order; a None leaves a
    gap (nothing recorded that day), so a missing day never reads as zero. `markers` are dicts with
    a `value`, a `label` and a `kind` (its style: "baseline", "goal"): each a dashed line across at
    its value, always in view, named in the key beside the line's own `line_label`. The same figures
    follow in a table under a disclosure, for those who cannot see the line; `figures=False` leaves
    it out where the page has its own table of them."""
    height, left, right, top_margin, bottom = 160, 34, 12, 10, 24
    plot_w, plot_h = WIDTH - left - right, height - top_margin - bottom
    numbers = [float(v) for _, v in points if v is not None]
    top = _nice_top(max([*numbers, *(float(m["value"]) for m in markers)], default=0))
    step = plot_w / max(len(points) - 1, 1)
    segments, dots, current = [], [], []
    for i, (date, value) in enumerate(points):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x, y = left + i * step, top_margin + plot_h * (1 - float(value) / top)
        current.append(f"{x:.1f},{y:.1f}")
        dots.append({"x": x, "y": y, "title": f"{date_format(date, 'SHORT_DATE_FORMAT')}: {_number(value)} {unit}".strip()})
    if current:
        segments.append(current)
    grid = [{"y": top_margin + plot_h * (1 - f), "text": _axis_label(top * f)} for f in (0, 0.5, 1)]
    dates = []
    if points:
        for i in sorted({0, len(points) // 2, len(points) - 1}):
            anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
            dates.append({"x": left + i * step, "text": _short_date(points[i][0]), "anchor": anchor})
    return {
        "title": title,
        "unit": unit,
        "width": WIDTH,
        "height": height,
        "left": left,
        "right": WIDTH - right,
        "date_y": height - 6,
        "segments": [" ".join(s) for s in segments],
        "dots": dots,
        "grid": grid,
        "dates": dates,
        "markers": [{"y": top_margin + plot_h * (1 - float(m["value"]) / top), "label": m["label"], "kind": m["kind"]} for m in markers],
        "line_label": line_label,
        "figures": [_figure(date, value, unit) for date, value in points] if figures else [],
        "empty": not numbers,
    }


@register.inclusion_tag("mess/charts/days.html")
def days_chart(days, *, title: str, unit: str = "", marker=None, marker_label: str = "", legend: bool = True):
    """A column per date: `days` are (date, number or None) pairs in date order; a None is a date
    with nothing recorded (no column, never a zero). `marker` draws a dashed line across at that
    value (a daily threshold), always in view; a column above it is drawn as over. `legend=False`
    leaves the key out (for all but one of a row of such charts). The same figures follow in a table
    under a disclosure, each above the marker said so in words, for those who cannot see the columns."""
    height, left, right, top_margin, bottom = 120, 34, 12, 10, 22
    plot_w, plot_h = WIDTH - left - right, height - top_margin - bottom
    numbers = [float(v) for _, v in days if v is not None]
    top = _nice_top(max([*numbers, float(marker) if marker is not None else 0]))
    band = plot_w / max(len(days), 1)
    columns, dates = [], []
    for i, (date, value) in enumerate(days):
        x = left + i * band
        dates.append({"x": x + band / 2, "text": _short_date(date)})
        if value is None:
            continue
        h = plot_h * float(value) / top
        over = marker is not None and value > marker
        columns.append(
            {
                "x": x + band * 0.2,
                "y": top_margin + plot_h - h,
                "w": band * 0.6,
                "h": h,
                "cls": "over" if over else "s0",
                "title": f"{date_format(date, 'SHORT_DATE_FORMAT')}: {_number(value)} {unit}".strip()
                + (gettext(", above the %(marker)s") % {"marker": marker_label} if over else ""),
            }
        )
    mark = None
    if marker is not None:
        mark = {"y": top_margin + plot_h * (1 - float(marker) / top), "label": f"{marker_label} ({_number(marker)} {unit})".strip()}
    return {
        "title": title,
        "width": WIDTH,
        "height": height,
        "left": left,
        "right": WIDTH - right,
        "baseline": top_margin + plot_h,
        "date_y": height - 6,
        "grid": [{"y": top_margin + plot_h * (1 - f), "text": _axis_label(top * f)} for f in (0, 0.5, 1)],
        "columns": columns,
        "dates": dates,
        "marker": mark,
        "legend": legend,
        "figures": [_figure(date, value, unit, over=marker is not None and value is not None and value > marker) for date, value in days],
        "empty": not numbers,
    }


@register.filter
def percent(fraction) -> str:
    """A share as people read it: Decimal("0.123") is "12.3 %"; None is "–"."""
    if fraction is None:
        return "–"
    return f"{fraction * 100:.1f} %"


def _figure(date: datetime.date, value, unit: str, *, over: bool = False) -> dict:
    """A chart's point as a row of its table of figures."""
    return {"date": date, "text": "–" if value is None else f"{_number(value)} {unit}".strip(), "over": over}


def _short_date(date: datetime.date) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


@register.filter
def run_length(value: datetime.timedelta | None) -> str:
    """A run's length in words a glance can read: "0.4 s", "12 s", "3 min 5 s"."""
    if not isinstance(value, datetime.timedelta):
        return ""
    seconds = value.total_seconds()
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
