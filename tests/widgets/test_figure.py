"""The dashboard's plot widget on the kernel side: what it sends the browser."""

from __future__ import annotations

import json
import re

import numpy as np

from nas_notebook.widgets import Figure
from nas_notebook.widgets._figure import bundle_for, decode, encode, plotly_js


def _version(bundle: str) -> str:
    match = re.search(rb"plotly\.js (?:\([a-z -]+\) )?v(\d+\.\d+\.\d+)", plotly_js(bundle)[:200])
    assert match, plotly_js(bundle)[:200]
    return match.group(1).decode()


def test_the_cartesian_bundle_is_the_version_of_the_full_one_plotly_ships():
    # Figures switch bundles as their traces change: both must draw the same figure alike.
    # After a plotly upgrade: npm pack plotly.js-cartesian-dist-min@VERSION, copy its .min.js.
    assert _version("cartesian") == _version("full")


def test_arrays_travel_as_typed_arrays_and_come_back_equal():
    values = {
        "f8": np.array([0.5, np.nan, -1e300]),
        "i": np.arange(70_000),
        "b": np.array([True, False]),
        "grid": np.arange(6.0).reshape(2, 3),
        "labels": np.array(["a", "b"], dtype=object),
    }
    sent = json.loads(json.dumps(encode(values)))  # what the comm carries is plain JSON
    back = decode(sent)
    np.testing.assert_array_equal(back["f8"], values["f8"])
    np.testing.assert_array_equal(back["i"], values["i"])
    assert sent["i"]["dtype"] == "i4" and sent["b"]["dtype"] == "i1"
    np.testing.assert_array_equal(back["grid"], values["grid"])
    assert back["labels"] == ["a", "b"]
    assert encode({"v": float("inf"), "n": np.float32(2.5)}) == {"v": None, "n": 2.5}


def test_a_figure_picks_the_smallest_bundle_that_draws_it():
    figure = Figure()
    figure.show([{"type": "scatter", "x": [1]}, {"type": "contour", "z": [[1]]}], {})
    assert figure.bundle == "cartesian" and figure.revision == 1
    figure.show([{"type": "scatter3d", "x": [1], "y": [1], "z": [1]}], {})
    assert figure.bundle == "full" and figure.revision == 2
    assert bundle_for([{"x": [1]}]) == "cartesian"  # plotly's default type is scatter
