"""A plot widget that holds its whole figure as state, drawn in the browser with plotly.js.

Why not plotly's own ``FigureWidget``: importing it costs seconds in a fresh kernel (its
renderers pull in nbformat and jsonschema), every instance ships and evaluates a 5 MB bundle in
the browser, and after a browser reload its views come back blank because it syncs edits as
messages relative to what a view had already drawn. Here the kernel keeps ``data`` and
``plot_layout`` and bumps ``revision`` on each change; a view, old or new, draws the whole figure
with ``Plotly.react``. Numeric arrays travel as plotly.js typed-array specs (base64 of their
bytes), not as JSON lists of numbers.

Who calls what: the dashboard's drawing threads call :meth:`Figure.show` and
:meth:`Figure.wait_for`; the browser's request for plotly.js arrives on the kernel's thread.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import importlib.util
import json
import math
import pathlib
import threading
from collections.abc import Mapping
from typing import Any

import anywidget
import numpy as np
import traitlets

__all__ = ["CARTESIAN", "Figure", "bundle_for", "decode", "encode", "plotly_js"]

_STATIC = pathlib.Path(__file__).parent / "static"

# plotly.js decodes these dtypes from a typed-array spec (no 64-bit integers).
_FLOAT = {np.dtype("float64"): "f8", np.dtype("float32"): "f4"}
_INTS: list[tuple[str, type[np.integer[Any]]]] = [
    ("i1", np.int8),
    ("u1", np.uint8),
    ("i2", np.int16),
    ("u2", np.uint16),
    ("i4", np.int32),
    ("u4", np.uint32),
]


def _typed_array(array: np.ndarray) -> dict[str, Any] | list[Any]:
    if array.dtype.kind == "b":
        array = array.astype(np.uint8)
    if array.dtype.kind in "iu" and array.size:
        low, high = int(array.min()), int(array.max())
        for code, kind in _INTS:
            info = np.iinfo(kind)
            if info.min <= low and high <= info.max:
                array, dtype = array.astype(kind), code
                break
        else:
            array, dtype = array.astype(np.float64), "f8"
    elif array.dtype.kind in "iu":
        array, dtype = array.astype(np.int32), "i4"
    elif array.dtype in _FLOAT:
        dtype = _FLOAT[array.dtype]
    elif array.dtype.kind == "f":
        array, dtype = array.astype(np.float64), "f8"
    else:  # strings, objects, dates: plotly.js reads those from plain lists
        return [encode(v) for v in array.tolist()]
    spec: dict[str, Any] = {
        "dtype": dtype,
        "bdata": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii"),
    }
    if array.ndim > 1:
        spec["shape"] = ",".join(str(n) for n in array.shape)
    return spec


def encode(value: Any) -> Any:
    """``value`` (traces or a layout, as the plot modules build them) as JSON plotly.js reads:
    numeric numpy arrays as typed-array specs, NaN and infinities as null, numpy scalars as
    Python numbers, dates as ISO strings.

    Example:
        >>> import numpy as np
        >>> encode({"x": np.array([1, 2]), "y": [0.5, float("nan")], "name": np.str_("a")})
        {'x': {'dtype': 'i1', 'bdata': 'AQI='}, 'y': [0.5, None], 'name': 'a'}
    """
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _typed_array(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


_DTYPES: dict[str, type[np.number[Any]]] = {"f8": np.float64, "f4": np.float32, **dict(_INTS)}


def decode(value: Any) -> Any:
    """The inverse of :func:`encode` for arrays: typed-array specs back to numpy arrays.

    Example:
        >>> decode({"x": {"dtype": "i1", "bdata": "AQI="}, "y": [0.5, None]})
        {'x': array([1, 2], dtype=int8), 'y': [0.5, None]}
    """
    if isinstance(value, Mapping):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=_DTYPES[value["dtype"]])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


#: The trace types of plotly.js's cartesian bundle (``static/plotly-cartesian.min.js``, the
#: ``plotly.js-cartesian-dist-min`` npm package of the version the plotly package ships): a figure
#: of these only is drawn with it: a third of the full bundle's size, about 60% of its time to
#: evaluate in Chromium.
CARTESIAN = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    }
)


def bundle_for(traces: list[dict[str, Any]]) -> str:
    """``"cartesian"`` when plotly.js's cartesian bundle draws every trace, else ``"full"``.

    Example:
        >>> bundle_for([{"type": "scatter"}, {"type": "contour"}])
        'cartesian'
        >>> bundle_for([{"type": "scatter3d"}])
        'full'
    """
    return "cartesian" if all(t.get("type", "scatter") in CARTESIAN for t in traces) else "full"


@functools.cache
def plotly_js(bundle: str) -> bytes:
    """plotly.js's ``bundle``: ``full`` as the installed plotly package ships it (read, never
    imported), ``cartesian`` from this package.

    Example:
        >>> b"(cartesian - minified)" in plotly_js("cartesian")[:100]
        True
    """
    if bundle == "cartesian":
        return (_STATIC / "plotly-cartesian.min.js").read_bytes()
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the dashboard draws with plotly.js from the plotly package: install it")
    folder = pathlib.Path(next(iter(spec.submodule_search_locations)))
    return (folder / "package_data" / "plotly.min.js").read_bytes()


class Figure(anywidget.AnyWidget):
    """A plotly figure the kernel owns: :meth:`show` sets its traces and layout, every view
    draws the current figure (see the module docstring).

    Example:
        >>> figure = Figure()
        >>> figure.show([{"type": "scatter", "x": [1, 2], "y": [3, 4]}], {"title": "t"})
        >>> figure.revision, figure.data[0]["type"], figure.plot_layout["title"]
        (1, 'scatter', 't')
        >>> figure.show_empty("waiting for the first trial")
        >>> figure.empty
        'waiting for the first trial'
    """

    _esm = _STATIC / "figure.js"
    _css = _STATIC / "figure.css"

    #: The traces, encoded (see :func:`encode`).
    data = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: The plot's layout, encoded (``layout`` is the widget's own CSS layout, as for any widget).
    plot_layout = traitlets.Dict().tag(sync=True)
    #: What the plot waits for, shown instead of empty axes ("" when there is a figure).
    empty = traitlets.Unicode("").tag(sync=True)
    #: Which plotly.js draws it (see :func:`bundle_for`).
    bundle = traitlets.Unicode("cartesian").tag(sync=True)
    #: Bumped on every change: a view redraws once per revision.
    revision = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self.on_msg(self._on_message)

    def show(self, traces: list[dict[str, Any]], layout: Mapping[str, Any]) -> None:
        """Draw ``traces`` with ``layout`` in every view (called on any thread)."""
        data, encoded = encode(list(traces)), encode(dict(layout))
        with self._lock, self.hold_sync():
            self.bundle = bundle_for(data)
            self.data, self.plot_layout, self.empty = data, encoded, ""
            self.revision += 1

    def show_empty(self, note: str) -> None:
        """Say ``note`` (what the plot waits for) instead of drawing axes."""
        with self._lock, self.hold_sync():
            self.data, self.plot_layout, self.empty = [], {}, note
            self.revision += 1

    def to_json(self) -> str:
        """The figure as it travels to the browser: its state's JSON (arrays as base64).

        Example:
            >>> figure = Figure()
            >>> figure.show([{"type": "bar", "y": [1.0]}], {})
            >>> figure.to_json()
            '{"data": [{"type": "bar", "y": [1.0]}], "plot_layout": {}, "empty": ""}'
        """
        return json.dumps({"data": self.data, "plot_layout": self.plot_layout, "empty": self.empty})

    def _on_message(self, _: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "plotly?":
            bundle = "full" if content.get("bundle") == "full" else "cartesian"
            self.send({"type": "plotly", "bundle": bundle}, buffers=[plotly_js(bundle)])
