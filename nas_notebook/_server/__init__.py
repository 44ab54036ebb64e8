"""The Jupyter server extension behind the studies side panel of JupyterLab.

Enabled by installing the package (``etc/jupyter/jupyter_server_config.d/nas_notebook.json``),
it adds JSON routes under the server's ``base_url`` (see :mod:`._handlers`) listing the studies
found under the server's root and in the storages configured or registered, with Jupyter's own
authentication. Files are read only under the root (a configured file outside it is left out,
with a warning), and only read: a request writes nothing but the dashboard notebook it asks for.
Configuration (``jupyter_server_config.py`` or the command line)::

    c.StudiesPanel.storages = ["postgresql+psycopg://user@db/studies"]
    c.StudiesPanel.depth = 4
"""

from __future__ import annotations

from typing import Any

from traitlets import Int, List, Unicode
from traitlets.config import Configurable

from .._errors import StorageError
from ._catalog import Catalog, OutsideRootError, StorageRef, UnknownStorageError
from ._dashboard import dashboard_notebook
from ._handlers import ROUTE, setup_handlers

__all__ = [
    "ROUTE",
    "Catalog",
    "OutsideRootError",
    "StorageRef",
    "StudiesPanel",
    "UnknownStorageError",
    "dashboard_notebook",
    "setup_handlers",
]


class StudiesPanel(Configurable):
    """Settings of the studies panel's server side."""

    storages = List(
        Unicode(),
        default_value=[],
        help="Storage URLs listed besides the journal and SQLite files under the root.",
    ).tag(config=True)
    depth = Int(4, help="Folder levels below the root searched for storage files.").tag(config=True)


def _load_jupyter_server_extension(server_app: Any) -> None:
    settings = StudiesPanel(parent=server_app)
    catalog = Catalog(server_app.root_dir, depth=settings.depth)
    for url in settings.storages:
        try:
            catalog.register(url)
        except (OutsideRootError, StorageError) as exc:  # the other storages are still shown
            server_app.log.warning("nas_notebook: StudiesPanel.storages: %s", exc)
    setup_handlers(server_app.web_app, catalog)
    server_app.log.info("nas_notebook: studies panel routes at %s/api", ROUTE)
