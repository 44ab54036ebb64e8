"""The page-side half of ``bench/browser.py``: JavaScript run in Chromium.

``INIT`` is added to every page before its own scripts run. It keeps, in ``window.__bench``:

- ``longtasks``: ``[startTime, duration]`` of every main-thread task over 50 ms
  (``PerformanceObserver`` of type ``longtask``, ``buffered: true``);
- ``clicks``: the ``performance.now()`` of every ``pointerdown`` (capture phase, before any
  handler of the page), the moment a click starts;
- ``seen``: for each watch, the first ``performance.now()`` at which its condition held, checked
  once per animation frame (``requestAnimationFrame``) inside the page, so that a timing is not
  lengthened by the round trips of the driver; ``watch(name, condition)`` adds one (a function
  source, called with no argument, truthy when done; its value is kept as ``info``).

All times are ``performance.now()`` of the page: milliseconds since its navigation started.
"""

from __future__ import annotations

INIT = """
(() => {
  if (window.__bench) return;
  const bench = { longtasks: [], clicks: [], seen: {}, pending: {}, observer: null };
  window.__bench = bench;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    bench.observer = 'longtask';
  } catch (error) {
    bench.observer = 'unavailable: ' + error;
  }
  document.addEventListener('pointerdown', () => bench.clicks.push(performance.now()), true);
  let looping = false;
  function tick() {
    const names = Object.keys(bench.pending);
    for (const name of names) {
      let info = null;
      try { info = bench.pending[name](); } catch (error) { info = null; }
      if (info) {
        bench.seen[name] = { at: performance.now(), info };
        delete bench.pending[name];
      }
    }
    if (Object.keys(bench.pending).length) requestAnimationFrame(tick);
    else looping = false;
  }
  bench.watch = (name, source) => {
    delete bench.seen[name];
    bench.pending[name] = (0, eval)('(' + source + ')');
    if (!looping) { looping = true; requestAnimationFrame(tick); }
  };
  bench.longtaskTotal = (from, to) => {
    let total = 0, count = 0, longest = 0;
    for (const [start, duration] of bench.longtasks) {
      if (start >= from && start <= to) {
        total += duration; count += 1; longest = Math.max(longest, duration);
      }
    }
    return { total, count, longest };
  };
})();
"""

#: How many points a plotly div draws, by trace: ``[[type, name, points], ...]``.
PLOT_POINTS = """(plot) => (plot && plot._fullData ? plot._fullData : []).map((t) => [
  t.type, t.name || '',
  (t.dimensions && t.dimensions.length && t.dimensions[0].values
    ? t.dimensions[0].values.length : 0)
  || (t.x && t.x.length) || (t.y && t.y.length) || (t.z && t.z.length) || 0,
])"""

# -- ours: the dashboard in JupyterLab -----------------------------------------------------

#: The figure or table the selected tab of our dashboard shows, once drawn: ``{tab, traces}``,
#: ``{tab, empty}`` for a figure that says why it is empty, ``{tab, rows}`` for the trial table;
#: null before. ``TAB`` is replaced by the tab's title (JSON).
OURS_TAB_DRAWN = """() => {
  const dash = document.querySelector('.nas-notebook-dashboard');
  if (!dash) return null;
  const current = dash.querySelector('.lm-TabBar-tab.lm-mod-current');
  if (!current || current.textContent.trim() !== TAB) return null;
  if (TAB === 'Trials') {
    const rows = Array.from(dash.querySelectorAll('.nas-notebook-trials tbody tr'))
      .filter((tr) => tr.offsetParent !== null);
    return rows.length ? { tab: TAB, rows: rows.length } : null;
  }
  const shown = Array.from(dash.querySelectorAll('.nas-notebook-figure'))
    .filter((el) => el.offsetParent !== null);
  if (shown.length !== 1) return null;
  const empty = shown[0].querySelector('.nas-notebook-figure-empty');
  if (empty && empty.style.display !== 'none' && empty.textContent) {
    return { tab: TAB, empty: empty.textContent };
  }
  const plot = shown[0].querySelector('.nas-notebook-figure-plot');
  if (!plot || !plot.querySelector('.main-svg')) return null;
  const traces = (POINTS)(plot);
  if (!traces.some((t) => t[2] > 0)) return null;
  return { tab: TAB, traces };
}""".replace("POINTS", PLOT_POINTS)

#: The dashboard's headline (``NAME · state · done/total``), or null.
OURS_HEADER = """() => {
  const dash = document.querySelector('.nas-notebook-dashboard');
  if (!dash) return null;
  const texts = Array.from(dash.querySelectorAll('.widget-html-content'), (e) => e.textContent);
  return texts.find((t) => t.includes('\\u00b7')) || null;
}"""


def ours_tab_drawn(title: str) -> str:
    import json

    return OURS_TAB_DRAWN.replace("TAB", json.dumps(title))


#: Run the cell at ``index`` of the open notebook ``name`` from the page, starting the watches
#: first; returns the ``performance.now()`` just before the run command is given.
RUN_CELL = """async ([name, index]) => {
  const app = window.jupyterapp;
  let panel = null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === name) panel = w;
  }
  app.shell.activateById(panel.id);
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  const t0 = performance.now();
  app.commands.execute('notebook:run-cell').catch((e) => { window.__bench.runError = String(e); });
  return t0;
}"""

#: Whether the cell at ``index`` of notebook ``name`` ran and its kernel is idle again:
#: ``{count}`` (its execution count) or null. ``ARGS`` is replaced by ``[name, index]``.
CELL_DONE = """() => {
  const [name, index] = ARGS;
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (!w.context || w.context.path !== name) continue;
    const cell = w.content.widgets[index];
    const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
    const count = cell && cell.model.sharedModel.execution_count;
    if (count && kernel && kernel.status === 'idle') return { count };
  }
  return null;
}"""

# -- the peer: optuna-dashboard ------------------------------------------------------------

#: A plot of optuna-dashboard (by its div's id) once drawn with points: ``{traces}``.
#: ``ID`` is replaced by the id (JSON), ``MIN`` by the points that must be drawn in one trace.
PEER_PLOT_DRAWN = """() => {
  const plot = document.getElementById(ID);
  if (!plot || !plot.querySelector('.main-svg')) return null;
  const traces = (POINTS)(plot);
  if (!traces.some((t) => t[2] >= MIN)) return null;
  return { traces: traces.length > 12 ? traces.slice(0, 12).concat([['...', traces.length, 0]])
                                       : traces };
}""".replace("POINTS", PLOT_POINTS)

#: optuna-dashboard's "Load plot anyway" button (a study of over 100 trials has its contour off).
PEER_LOAD_ANYWAY = """() => {
  const button = Array.from(document.querySelectorAll('button'))
    .find((b) => b.textContent.trim() === 'Load plot anyway');
  return button ? { button: true } : null;
}"""

#: optuna-dashboard's trial list: its rows of trials (list items naming "Trial N").
PEER_TRIAL_LIST = """() => {
  const items = Array.from(document.querySelectorAll('li, [role=button]'))
    .filter((e) => /^\\s*Trial\\s+\\d+/.test(e.textContent) && e.offsetParent !== null);
  return items.length ? { rows: items.length } : null;
}"""


def peer_plot_drawn(plot_id: str, min_points: int = 1) -> str:
    import json

    return PEER_PLOT_DRAWN.replace("ID", json.dumps(plot_id)).replace("MIN", str(min_points))


def cell_done(name: str, index: int) -> str:
    import json

    return CELL_DONE.replace("ARGS", json.dumps([name, index]))
