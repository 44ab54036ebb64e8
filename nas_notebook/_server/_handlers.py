"""The studies panel's JSON routes, on Jupyter's own authentication.

Every route is an :class:`~jupyter_server.base.handlers.APIHandler` under the server's
``base_url``: a request without a valid token or login cookie gets 403, a write (``POST``) also
needs the XSRF cookie (or a token header), as for Jupyter's own API. Storages are read on the
server's thread pool, never on the event loop.

======================================  ======  ============================================
route (after ``base_url``)              method  what
======================================  ======  ============================================
``nas-notebook/api/studies``            GET     every storage and study summary
``nas-notebook/api/studies/ID/NAME``    GET     one study: its summary and last trials
``nas-notebook/api/storages``           POST    ``{"url": ...}``: show one more storage
``nas-notebook/api/dashboard``          POST    ``{"storage": ID, "study": NAME}``: write a
                                                small notebook showing the study's dashboard
                                                next to its storage file (see
                                                :mod:`._dashboard`); its path
======================================  ======  ============================================

A ``GET`` writes nothing, anywhere: storages are opened read-only, and a registered file that
does not exist is listed as missing, not created. Files outside the server's root are refused
with 403, whatever the spelling of their URL (see :mod:`._locate`). The one write is the
dashboard notebook, on the ``POST`` that asks for it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join

from .._errors import StorageError
from ._catalog import Catalog, OutsideRootError, StorageRef, UnknownStorageError
from ._dashboard import DashboardConflictError, write_dashboard

__all__ = ["ROUTE", "setup_handlers"]

ROUTE = "nas-notebook"
T = TypeVar("T")


class _Handler(APIHandler):
    auth_resource = "nas_notebook"

    def initialize(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, "the body must be a JSON object")
        return data

    def reply(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))


def _refuse(exc: Exception) -> tornado.web.HTTPError:
    if isinstance(exc, OutsideRootError):
        return tornado.web.HTTPError(403, str(exc))
    if isinstance(exc, UnknownStorageError):
        return tornado.web.HTTPError(404, f"no storage {exc.args[0]!r}")
    if isinstance(exc, KeyError):
        return tornado.web.HTTPError(404, f"no study {exc.args[0]!r} in that storage")
    return tornado.web.HTTPError(400, str(exc))


class StudiesHandler(_Handler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.blocking(self.catalog.studies))


class StudyHandler(_Handler):
    @tornado.web.authenticated
    @authorized
    async def get(self, storage_id: str, name: str) -> None:
        try:
            data = await self.blocking(self.catalog.study, storage_id, name)
        except (OutsideRootError, KeyError) as exc:
            raise _refuse(exc) from None
        self.reply(data)


class StoragesHandler(_Handler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        url = self.body().get("url")
        if not isinstance(url, str) or not url.strip():
            raise tornado.web.HTTPError(400, 'give {"url": "journal:PATH" | "sqlite:///..." ...}')
        try:
            ref = self.catalog.register(url)
        except (OutsideRootError, StorageError) as exc:
            raise _refuse(exc) from None
        self.reply(ref.public())


def _folder(ref: StorageRef) -> PurePosixPath:
    """Where a storage's dashboard notebook goes: next to its file (above a hidden folder, which
    JupyterLab does not open), or the root for a database server."""
    if ref.path is None:
        return PurePosixPath(".")
    folder = PurePosixPath(ref.location).parent
    while any(part.startswith(".") for part in folder.parts):
        folder = folder.parent
    return folder


class DashboardHandler(_Handler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.body()
        storage_id, name = data.get("storage"), data.get("study")
        if not isinstance(storage_id, str) or not isinstance(name, str):
            raise tornado.web.HTTPError(400, 'give {"storage": ID, "study": NAME}')
        try:
            ref = await self.blocking(self.catalog.ref, storage_id)
            study = await self.blocking(self.catalog.study, storage_id, name)
        except (OutsideRootError, KeyError) as exc:
            raise _refuse(exc) from None
        storage = f"{ref.kind}:{ref.location}"
        try:
            path = await self.blocking(
                write_dashboard, self.catalog.root, _folder(ref), storage, study, ref.url
            )
        except DashboardConflictError as exc:
            raise tornado.web.HTTPError(409, str(exc)) from None
        except OSError as exc:
            reason = f"cannot write the dashboard notebook: {exc}"
            raise tornado.web.HTTPError(403, reason) from None
        self.reply({"path": path})


#: plotly.js's cartesian bundle, which the dashboard's figures draw with (read as a file: the
#: server never imports the widgets).
PLOTLY_BUNDLE = Path(__file__).resolve().parents[1] / "widgets/static/plotly-cartesian.min.js"


class PlotlyHandler(APIHandler):
    """plotly.js as a JavaScript module, for the studies panel's extension to load while the page
    idles (see ``extension/src/plotly.ts``): a dashboard then draws without evaluating it. A
    real URL, cached by the browser, where Chromium also keeps the compiled code."""

    auth_resource = "nas_notebook"
    _module: bytes | None = None

    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        if PlotlyHandler._module is None:
            # A UMD bundle: a CommonJS ``module`` keeps it from writing a global; export it.
            PlotlyHandler._module = (
                b"const module = { exports: {} };\n"
                + PLOTLY_BUNDLE.read_bytes()
                + b"\nexport default module.exports;\n"
            )
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "private, max-age=604800")
        # An API route (403 without auth, no login redirect) whose answer is not JSON: skip
        # APIHandler.finish, which would label it so.
        JupyterHandler.finish(self, PlotlyHandler._module)


def setup_handlers(web_app: tornado.web.Application, catalog: Catalog) -> None:
    """Add the routes to ``web_app`` under its ``base_url``."""
    base = url_path_join(web_app.settings.get("base_url", "/"), ROUTE, "api")
    options = {"catalog": catalog}
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "studies"), StudiesHandler, options),
            (url_path_join(base, "studies", r"([^/]+)", r"(.+)"), StudyHandler, options),
            (url_path_join(base, "storages"), StoragesHandler, options),
            (url_path_join(base, "dashboard"), DashboardHandler, options),
            (url_path_join(base, "plotly.mjs"), PlotlyHandler),
        ],
    )
