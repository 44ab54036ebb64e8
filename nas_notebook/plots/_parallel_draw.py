"""How parallel coordinates are drawn: plain SVG ``scatter`` traces, not plotly's WebGL
``parcoords`` (whose set-up alone costs the browser about a second without a GPU).

Each axis is a vertical grid line of the x axis at positions ``0..D-1`` (named by its tick
labels, above the plot), and every value is scaled to ``[0, 1]`` over its axis' range. The lines
of one colour are one trace, a polyline through the axes with a gap between trials; a few shades
of the objective keep the traces few: each shade an equal share of the lines drawn, the best
darkest and drawn last. One text trace writes each axis' ticks beside it; an invisible marker
trace carries the colour bar, whose bands are the shades' ranges of values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._common import BLUES

if TYPE_CHECKING:
    from ._parallel_coordinate import ParallelCoordinateInfo

__all__ = ["KEEP_BEST", "MAX_LINES", "SHADES", "layout", "shade", "traces"]

#: At most this many lines are drawn: beyond that the plot is a solid band, and each line costs
#: the browser time to draw.
MAX_LINES = 1000
#: Of those, the best this many are always drawn; the rest are an even sample of the others.
KEEP_BEST = 300
#: How many shades of the objective colour the lines: one trace each.
SHADES = 8

#: Drawn lines use the upper part of :data:`~nas_notebook.plots._common.BLUES`: its lightest
#: blues vanish on white.
_PALEST = 0.25
#: The diamond at a parameter's prior.
PRIOR_COLOR = "#d62728"
#: A white halo around the tick labels, which sit over the lines.
_HALO = ", ".join(["0 0 2px white"] * 4)


def shade(position: float) -> str:
    """The colour at ``position`` (0: palest drawn, 1: darkest) of the lines' blue scale.

    Example:
        >>> shade(1.0), shade(0.0)
        ('rgb(8,48,107)', 'rgb(198,219,239)')
    """
    at = _PALEST + (1.0 - _PALEST) * min(max(position, 0.0), 1.0)
    stops = [float(s) for s, _ in BLUES]
    k = min(int(np.searchsorted(stops, at, side="right")) - 1, len(stops) - 2)
    frac = (at - stops[k]) / (stops[k + 1] - stops[k])

    def rgb(color: str) -> np.ndarray:
        return np.array([float(c) for c in color[4:-1].split(",")])

    mixed = rgb(BLUES[k][1]) + frac * (rgb(BLUES[k + 1][1]) - rgb(BLUES[k][1]))
    return "rgb({},{},{})".format(*mixed.round().astype(int).tolist())


def _scaled(info: ParallelCoordinateInfo, shown: np.ndarray) -> np.ndarray:
    """Each drawn line's position on every axis, ``[0, 1]`` over the axis' range."""
    out = np.empty((len(shown), len(info.axes)))
    for d, axis in enumerate(info.axes):
        lo, hi = axis.range
        out[:, d] = (axis.values[shown] - lo) / (hi - lo)
    return out


def _bands(info: ParallelCoordinateInfo, values: np.ndarray) -> np.ndarray:
    """The edges of :data:`SHADES` bands of the objective, from its axis' low end to its high
    end, each holding an equal share of ``values`` (the lines drawn)."""
    lo, hi = info.axes[0].range
    edges = np.quantile(values, np.linspace(0.0, 1.0, SHADES + 1)) if len(values) else None
    if edges is None:
        edges = np.linspace(lo, hi, SHADES + 1)
    edges[0], edges[-1] = lo, hi
    return edges


def _shade_index(info: ParallelCoordinateInfo, edges: np.ndarray, values: np.ndarray) -> Any:
    """Each value's shade, 0 the palest (worst band) to ``SHADES - 1`` the darkest (best)."""
    band = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, SHADES - 1)
    return SHADES - 1 - band if info.reverse_scale else band


def _colorbar(info: ParallelCoordinateInfo, edges: np.ndarray) -> dict[str, Any]:
    """An invisible trace whose colour bar shows the shades' bands over the objective's range."""
    lo, hi = info.axes[0].range
    at = (edges - lo) / (hi - lo)
    scale: list[list[Any]] = []
    for j in range(SHADES):  # the j-th band of values, from the low end
        k = SHADES - 1 - j if info.reverse_scale else j
        color = shade((k + 0.5) / SHADES)
        scale += [[float(at[j]), color], [float(at[j + 1]), color]]
    return {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "markers",
        "showlegend": False,
        "hoverinfo": "skip",
        "marker": {
            "color": [lo, hi],
            "cmin": lo,
            "cmax": hi,
            "colorscale": scale,
            "showscale": True,
            "colorbar": {"title": {"text": info.axes[0].label}, "thickness": 12},
        },
    }


def _ticks(info: ParallelCoordinateInfo) -> dict[str, Any]:
    """One text trace: every axis' tick labels, left of the axis, over the lines."""
    x: list[float] = []
    y: list[float] = []
    text: list[str] = []
    for d, axis in enumerate(info.axes):
        lo, hi = axis.range
        x += [float(d)] * len(axis.tickvals)
        y += [(v - lo) / (hi - lo) for v in axis.tickvals]
        text += axis.ticktext
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "text": text,
        "mode": "markers+text",
        "textposition": "middle left",
        "textfont": {"size": 10, "color": "#222", "shadow": _HALO},
        "marker": {"symbol": "line-ew-open", "size": 7, "color": "#444", "line": {"width": 1}},
        "cliponaxis": False,
        "showlegend": False,
        "hoverinfo": "skip",
    }


def traces(info: ParallelCoordinateInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates): the
    lines, one trace per shade from the palest (worst) to the darkest (best, on top), then the
    ticks and the colour bar."""
    if not info.axes:
        return []
    shown = info.shown
    n_axes = len(info.axes)
    scaled = np.concatenate([_scaled(info, shown), np.full((len(shown), 1), np.nan)], axis=1)
    edges = _bands(info, info.values[shown])
    bucket = _shade_index(info, edges, info.values[shown])
    per_line = np.stack([info.numbers[shown].astype(float), info.values[shown]], axis=1)
    label = info.axes[0].label
    out: list[dict[str, Any]] = []
    for k in range(SHADES):
        lines = np.flatnonzero(bucket == k)
        if not len(lines):
            continue
        out.append(
            {
                "type": "scatter",
                "x": np.tile(np.r_[np.arange(n_axes, dtype=float), np.nan], len(lines)),
                "y": scaled[lines].ravel(),
                "customdata": np.repeat(per_line[lines], n_axes + 1, axis=0),
                "mode": "lines",
                "line": {"color": shade((k + 0.5) / SHADES), "width": 1},
                "opacity": 0.35 + 0.45 * k / (SHADES - 1),
                "showlegend": False,
                "hovertemplate": f"trial %{{customdata[0]}}<br>{label} %{{customdata[1]:.6g}}"
                "<extra></extra>",
            }
        )
    return [*out, _ticks(info), _colorbar(info, edges), *_priors(info)]


def _priors(info: ParallelCoordinateInfo) -> list[dict[str, Any]]:
    """A diamond at each parameter's prior on its axis (none if no parameter has one)."""
    at = [
        (d, (axis.prior - axis.range[0]) / (axis.range[1] - axis.range[0]), axis)
        for d, axis in enumerate(info.axes)
        if axis.prior is not None
    ]
    if not at:
        return []
    texts = [f"prior {axis.label}: {axis.prior_label}" for _, _, axis in at]
    return [
        {
            "type": "scatter",
            "x": [float(d) for d, _, _ in at],
            "y": [float(y) for _, y, _ in at],
            "mode": "markers",
            "name": "prior",
            "marker": {"symbol": "diamond", "size": 11, "color": PRIOR_COLOR,
                       "line": {"color": "white", "width": 1}},
            "text": texts,
            "hovertemplate": "%{text}<extra></extra>",
            "showlegend": False,
        }
    ]  # fmt: skip


def layout(info: ParallelCoordinateInfo) -> dict[str, Any]:
    """The axes as the x axis' grid lines, named above the plot; no y axis of its own."""
    n_axes = len(info.axes)
    shown, total = min(len(info.shown), len(info.numbers)), len(info.numbers)
    title = f"Parallel coordinates ({info.direction})"
    if shown < total:
        title += f": {shown:,} of {total:,} trials (the best {KEEP_BEST:,} and a sample)"
    return {
        "title": {"text": title},
        "xaxis": {
            "tickvals": list(range(n_axes)),
            "ticktext": [axis.label for axis in info.axes],
            "side": "top",
            "tickangle": -20 if n_axes > 6 else 0,
            "range": [-0.04, max(n_axes - 1, 1) + 0.04],
            "showgrid": True,
            "gridcolor": "#777",
            "zeroline": False,
            "showline": False,
            "fixedrange": True,
        },
        "yaxis": {"visible": False, "range": [-0.04, 1.04], "fixedrange": True},
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "showlegend": False,
        "margin": {"l": 70, "r": 30, "t": 90, "b": 20},
        "height": 420,
    }
