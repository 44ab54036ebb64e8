"""plotly.js for the dashboard's figures, served as a JavaScript module by the studies panel's
server extension on a real Jupyter server: only behind Jupyter's auth, cacheable, the bundle
the figures draw with, and nothing written on a read."""

from __future__ import annotations

import requests
from jupyter_process import api, jupyter_server, snapshot


def test_plotly_is_served_as_a_module_behind_auth(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    with jupyter_server(root, tmp_path / "config") as url:
        before = snapshot(root)
        anonymous = requests.get(url + "nas-notebook/api/plotly.mjs", timeout=60)
        assert anonymous.status_code == 403
        served = api(url, "GET", "plotly.mjs")
        assert served.status_code == 200
        assert served.headers["Content-Type"].startswith("text/javascript")
        assert "max-age" in served.headers["Cache-Control"]
        text = served.text
        assert text.startswith("const module = { exports: {} };\n")
        assert "plotly.js (cartesian - minified)" in text[:300]
        assert text.rstrip().endswith("export default module.exports;")
        assert snapshot(root) == before
