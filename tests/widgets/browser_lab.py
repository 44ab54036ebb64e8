"""A real JupyterLab server and a headless Chromium page for the browser tests.

The server runs the test environment's Python (``sys.executable -m jupyter lab``) with every
Jupyter directory (config, data, runtime, lab settings and workspaces, IPython) in a temporary
folder, and one kernelspec written there that runs the same Python. Chromium is the system's
(Debian's ``chromium``), driven by the ``playwright`` package, which downloads no browser.

Outside CI a machine without chromium or playwright skips these tests, saying why; in CI (the
``CI`` variable is set) chromium is installed by ``scripts/chromium.sh`` and anything missing is
a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "nas-notebook-test"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 1000}
# Uncaught page errors that say nothing about the widgets (browser layout notices).
BENIGN_PAGE_ERRORS = re.compile(r"ResizeObserver loop")


def artifacts_dir() -> Path:
    """Where screenshots and logs go: ``$NAS_NOTEBOOK_ARTIFACTS``, by default ``.artifacts/``."""
    path = Path(os.environ.get("NAS_NOTEBOOK_ARTIFACTS") or ROOT / ".artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def require_chromium() -> str:
    """The chromium binary; in CI it is installed when missing."""
    found = shutil.which("chromium")
    if found:
        return found
    if not os.environ.get("CI"):
        pytest.skip("no chromium on PATH (scripts/chromium.sh installs Debian's package)")
    try:
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "chromium.sh")], capture_output=True, text=True
        )
        error = result.stderr.strip()[-1000:]
    except OSError as exc:
        error = str(exc)
    found = shutil.which("chromium")
    if not found:
        pytest.fail(f"chromium could not be installed by scripts/chromium.sh: {error}")
    return found


def require_playwright() -> Any:
    """``playwright.sync_api.sync_playwright`` (the dev extra installs playwright)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed ({exc}); pip install playwright")
    return sync_playwright


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """The system's chromium, headless, driven by playwright; closed on exit."""
    sync_playwright = require_playwright()
    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<{path} unreadable: {exc}>"
    return text[-chars:]


class Lab:
    """A running ``jupyter lab`` on 127.0.0.1 serving ``root_dir``; see :func:`start_lab`."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root_dir = base / "notebooks"
        self.log_path = base / "lab.log"
        self.runtime_dir = base / "runtime"
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    # -- server --------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        base = self.base
        jupyter_path = base / "jupyter_path"
        kernel_dir = jupyter_path / "kernels" / KERNEL_NAME
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "nas_notebook tests",
                    "language": "python",
                }
            )
        )
        built = ROOT / "nas_notebook" / "labextension"
        installed = jupyter_path / "labextensions" / "nas-notebook"
        if (built / "package.json").exists() and not installed.exists():
            # This checkout's build of the studies panel's extension, as the wheel installs it
            # (the environment's copy dates from its last install); JUPYTER_PATH comes first.
            # A test that installed the wheel's own copy there keeps it.
            shutil.copytree(built, installed)
            shutil.copy(ROOT / "extension" / "install.json", installed / "install.json")
        settings = base / "lab_settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        # No "get notified about Jupyter news?" toast over the screenshots, no update check.
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        labconfig = base / "config" / "labconfig"
        labconfig.mkdir(parents=True)
        # The page would ask the server whether JupyterLab needs a rebuild: seconds of CPU.
        (labconfig / "page_config.json").write_text(
            json.dumps({"buildCheck": False, "buildAvailable": False})
        )
        env = dict(os.environ)
        for key in ("JUPYTER_PREFER_ENV_PATH", "JUPYTER_PLATFORM_DIRS", "PYTHONSTARTUP"):
            env.pop(key, None)
        env.update(
            JUPYTER_PATH=str(jupyter_path),
            JUPYTER_CONFIG_DIR=str(base / "config"),
            JUPYTER_DATA_DIR=str(base / "data"),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
            IPYTHONDIR=str(base / "ipython"),
            PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, timeout: float = 90) -> Lab:
        self.root_dir.mkdir(parents=True)
        env = self._environment()
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.expose_app_in_browser=True",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.root_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"jupyter lab exited with {self.process.returncode} before answering\n"
                    + self.log_tail()
                )
            try:
                status = self.api("GET", "/api/status", timeout=5)
            except (OSError, urllib.error.URLError):
                status = None
            if status is not None:
                return self
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"jupyter lab did not answer /api/status within {timeout:.0f}s\n"
                    + self.log_tail()
                )
            time.sleep(0.25)

    def api(self, method: str, path: str, timeout: float = 10) -> Any:
        """Call the server's REST API; the decoded JSON answer (None when empty)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        with contextlib.suppress(Exception):
            for session in self.api("GET", "/api/sessions"):
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        with contextlib.suppress(Exception):
            for kernel in self.api("GET", "/api/kernels"):
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def stop(self) -> None:
        """Shut the kernels and the server down; whatever is left of them is killed."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            self.shutdown_kernels()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        # Kernels run in sessions of their own; their command lines name our runtime folder.
        for pid in _pids_mentioning(str(self.runtime_dir)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, chars: int = 4000) -> str:
        return f"--- jupyter lab log (tail) ---\n{_tail(self.log_path, chars)}"

    # -- notebooks -----------------------------------------------------------------------

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        """A notebook of code cells in the root folder, on the test kernel."""
        import nbformat

        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {
            "name": KERNEL_NAME,
            "display_name": "nas_notebook tests",
            "language": "python",
        }
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        path = self.root_dir / name
        nbformat.write(notebook, path)
        return path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"


def _pids_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry.name))
    return pids


@contextlib.contextmanager
def start_lab(base: Path) -> Iterator[Lab]:
    """A running :class:`Lab` under ``base`` (a fresh folder), stopped on exit."""
    lab = Lab(base)
    try:
        yield lab.start()
    finally:
        lab.stop()


# -- the page ------------------------------------------------------------------------------


class PageLog:
    """The console messages and uncaught errors of a page, for assertions and failure reports."""

    def __init__(self, page: Any) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda msg: self.console.append(f"[{msg.type}] {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(_describe_error(exc)))

    def relevant_errors(self) -> list[str]:
        return [e for e in self.errors if not BENIGN_PAGE_ERRORS.search(e)]

    def console_errors(self) -> list[str]:
        """What the page logged as errors (a widget that failed to load says so only there)."""
        return [
            m for m in self.console if m.startswith("[error]") and not BENIGN_PAGE_ERRORS.search(m)
        ]

    def tail(self, lines: int = 60) -> str:
        text = "\n".join([m for m in self.console if not m.startswith("[debug]")][-lines:])
        errors = "\n".join(self.errors[-20:])
        return f"--- browser console (tail) ---\n{text}\n--- uncaught page errors ---\n{errors}"


def _describe_error(exc: Any) -> str:
    stack = getattr(exc, "stack", None) or ""
    return f"{getattr(exc, 'name', '')}: {getattr(exc, 'message', exc)}\n{stack}".strip()


_FIND_PANEL = """(name) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.sessionContext && widget.context && widget.context.path === name) return widget;
  }
  return null;
}"""


def open_notebook(page: Any, lab: Lab, name: str, timeout: float = 120) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is connected and idle."""
    page.goto(lab.notebook_url(name), wait_until="domcontentloaded", timeout=timeout * 1000)
    page.wait_for_function(
        f"""(name) => {{
          const w = ({_FIND_PANEL})(name);
          if (!w || !w.context.isReady || !w.sessionContext.isReady) return false;
          const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
          return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
        }}""",
        arg=name,
        timeout=timeout * 1000,
        polling=250,
    )


def run_all_cells(page: Any, name: str) -> None:
    """Start running every cell of the open notebook ``name`` (Run > Run All Cells); this
    returns at once, an error of the command is kept in ``window.nasRunAllError``."""
    page.evaluate(
        f"""(name) => {{
          const app = window.jupyterapp;
          app.shell.activateById(({_FIND_PANEL})(name).id);
          app.commands.execute('notebook:run-all-cells').catch((error) => {{
            window.nasRunAllError = String(error);
          }});
        }}""",
        name,
    )


def notebook_texts(page: Any, name: str, selector: str) -> list[str]:
    """The text of each element matching ``selector`` inside the open notebook ``name`` (none
    while it is not open)."""
    texts: list[str] = page.evaluate(
        f"""([name, selector]) => {{
          const w = ({_FIND_PANEL})(name);
          if (!w) return [];
          return Array.from(w.node.querySelectorAll(selector), (e) => e.textContent);
        }}""",
        [name, selector],
    )
    return texts


def page_report(page: Any) -> str:
    """The text of the notebook's outputs and of any open dialog, for failure messages."""
    try:
        text = page.evaluate(
            """() => {
              const parts = [];
              if (window.nasRunAllError) parts.push('[run all cells] ' + window.nasRunAllError);
              for (const d of document.querySelectorAll('.jp-Dialog')) {
                parts.push('[dialog] ' + d.innerText);
              }
              document.querySelectorAll('.jp-Cell').forEach((cell, i) => {
                const out = cell.querySelector('.jp-OutputArea');
                if (!out) return;
                // The text of the outputs without the plots' tick labels.
                const copy = out.cloneNode(true);
                copy.querySelectorAll('.js-plotly-plot').forEach((plot) => plot.remove());
                copy.style.position = 'absolute';
                copy.style.left = '-100000px';
                document.body.appendChild(copy);
                const text = copy.innerText.trim();
                copy.remove();
                if (text) parts.push(`[cell ${i} output] ${text.slice(0, 2000)}`);
              });
              return parts.join('\\n');
            }"""
        )
    except Exception as exc:  # the page may be gone
        return f"--- page ---\n<unreadable: {exc}>"
    return f"--- notebook outputs and dialogs ---\n{text}"


def wait_until(
    condition: Callable[[], Any], timeout: float, what: str, report: Callable[[], str]
) -> Any:
    """Poll ``condition`` until it is truthy (its value is returned); on timeout fail with
    ``what``, the condition's last error if it raised, and ``report()``."""
    deadline = time.monotonic() + timeout
    error = ""
    while True:
        try:
            value = condition()
        except Exception as exc:  # a page or file caught mid-update: try again
            value, error = None, f"\nlast error while checking: {exc!r}"
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} (waited {timeout:.0f}s){error}\n{report()}")
        time.sleep(0.2)


def save_screenshot(page: Any, name: str, locator: Any = None) -> Path | None:
    """A screenshot (of ``locator`` when given and visible, else of the page) in the artifacts
    folder; None when the page cannot be captured."""
    path = artifacts_dir() / name
    try:
        if locator is not None and locator.count() and locator.first.is_visible():
            locator.first.screenshot(path=str(path), timeout=15000)
        else:
            page.screenshot(path=str(path), timeout=15000)
    except Exception:
        return None
    return path
