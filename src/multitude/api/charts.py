"""Figures for the pages' charts, as Plotly figure dictionaries (drawn in the browser by the
Plotly library this node serves). Counts go in as ints; amounts as floats made by the pages at
the last step, for drawing only: no amount is ever computed from a chart, and each chart has a
table of the exact figures beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["bars_by_month", "donut", "network_graph", "stacked_bars", "timeline"]

Figure = dict[str, Any]
Number = int | float  # what a chart draws; the exact figures are in the table beside it


def stacked_bars(categories: Sequence[str], series: dict[str, Sequence[Number]], y_title: str) -> Figure:
    """One bar per category, stacked by series (e.g. contributions per month by action)."""
    yaxis: dict[str, Any] = {"title": {"text": y_title}, "rangemode": "tozero"}
    if all(value == int(value) for values in series.values() for value in values):
        # Counts: ticks on whole numbers, not 0.2, 0.4 … when the bars are low.
        tallest = max((sum(column) for column in zip(*series.values(), strict=True)), default=0)
        yaxis["dtick"] = max(1, -(-int(tallest) // 5))
    return {
        "data": [{"type": "bar", "name": name, "x": list(categories), "y": list(values)}
                 for name, values in series.items()],
        # Categories as they are: Plotly would read "2026-11" as a date and label it with times of day.
        "layout": {"barmode": "stack", "xaxis": {"type": "category"}, "yaxis": yaxis,
                   "legend": {"orientation": "h"}},
    }


def bars_by_month(rows: Sequence[tuple[str, str, Number]], y_title: str) -> Figure:
    """(month, series, value) rows as stacked bars per month."""
    months = sorted({month for month, _, _ in rows})
    names = sorted({name for _, name, _ in rows})
    values = {(month, name): value for month, name, value in rows}
    return stacked_bars(months, {name: [values.get((m, name), 0) for m in months] for name in names}, y_title)


def donut(labels: Sequence[str], values: Sequence[Number]) -> Figure:
    return {"data": [{"type": "pie", "hole": 0.45, "labels": list(labels), "values": list(values),
                      "textinfo": "label+percent", "sort": False}],
            "layout": {"showlegend": False}}


def timeline(rows: Sequence[tuple[str, Number]], title: str) -> Figure:
    """(day, value) rows as a line over time."""
    return {"data": [{"type": "scatter", "mode": "lines+markers", "x": [d for d, _ in rows],
                      "y": [v for _, v in rows], "name": title}],
            "layout": {"xaxis": {"type": "category"}, "yaxis": {"title": {"text": title}}}}


def network_graph(center: str, above: Sequence[str], below: Sequence[str]) -> Figure:
    """A network among networks: the networks it belongs to flow into it, its member networks
    flow out of it (a Sankey diagram of the membership graph around it)."""
    labels = [*above, center, *below]
    middle = len(above)
    sources = [middle] * len(above) + [middle] * len(below)
    targets = list(range(len(above))) + [middle + 1 + i for i in range(len(below))]
    return {"data": [{"type": "sankey", "orientation": "h",
                      "node": {"label": labels, "pad": 20, "thickness": 16},
                      "link": {"source": sources, "target": targets, "value": [1] * len(sources)}}],
            "layout": {"height": 220}}
