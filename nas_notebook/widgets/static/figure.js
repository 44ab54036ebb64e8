// One plot of the dashboard. The kernel holds the figure (traces and layout) as this widget's
// state, so every view -- the first, one re-created after a browser reload, one in a re-opened
// notebook -- draws the whole current figure from the model; nothing depends on messages a view
// missed. plotly.js comes from the kernel once per page, on the first figure's request, and is
// evaluated once; every later figure reuses it.

const PLOTLY = Symbol.for("nas_notebook.plotly");

// bundle: "cartesian" (plotly.js's cartesian bundle, a third of the full one to evaluate: every
// dashboard plot but a 3-D Pareto front) or "full". Once the full one is loaded, it draws all.
// JupyterLab's nas_notebook extension may have put one there while the page idled; fromKernel
// asks the kernel even so (that one failed).
function loadPlotly(model, bundle, fromKernel = false) {
  const cache = (globalThis[PLOTLY] ??= {});
  if (!fromKernel && cache.full) return cache.full;
  if (!fromKernel && cache[bundle]) return cache[bundle];
  const loading = new Promise((resolve, reject) => {
    const onMessage = async (message, buffers) => {
      if (!message || message.type !== "plotly" || message.bundle !== bundle) return;
      model.off("msg:custom", onMessage);
      try {
        const code = new TextDecoder().decode(buffers[0]);
        // A UMD bundle: give it a CommonJS `module` so it neither looks for an AMD loader nor
        // writes a global, and export what it builds.
        const source = `const module = { exports: {} };\n${code}\nexport default module.exports;`;
        const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
        try {
          resolve((await import(/* webpackIgnore: true */ url)).default);
        } finally {
          URL.revokeObjectURL(url);
        }
      } catch (error) {
        reject(error);
      }
    };
    model.on("msg:custom", onMessage);
    model.send({ type: "plotly?", bundle });
  });
  cache[bundle] = loading;
  loading.catch(() => { delete cache[bundle]; });  // a later figure asks again
  return loading;
}

function render({ model, el }) {
  el.classList.add("nas-notebook-figure");
  const plot = document.createElement("div");
  plot.className = "nas-notebook-figure-plot";
  const empty = document.createElement("div");
  empty.className = "nas-notebook-figure-empty";
  el.append(empty, plot);
  let Plotly = null;
  let pending = false;
  let closed = false;
  let width = 0;

  async function draw() {
    pending = false;
    // Never shown yet (the kernel sends the figure right after the widget): drawing the empty
    // axes first would cost as much as the figure itself.
    if (closed || model.get("revision") === 0) return;
    let lib;
    try {
      lib = await loadPlotly(model, model.get("bundle"));
    } catch {
      try {
        lib = await loadPlotly(model, model.get("bundle"), true);
      } catch (error) {
        empty.style.display = "";
        empty.textContent = `plotly.js could not be loaded: ${error}`;
        return;
      }
    }
    if (closed) return;
    if (lib !== Plotly) {
      if (Plotly !== null) Plotly.purge(plot);  // drawn by the other bundle before
      Plotly = lib;
    }
    if (el.clientWidth === 0) {
      width = 0;  // in a hidden tab: drawn when shown, at the width it is shown at
      return;
    }
    const data = model.get("data");
    const layout = model.get("plot_layout");
    const note = model.get("empty");
    empty.textContent = note;
    empty.style.display = note ? "" : "none";
    plot.style.display = note ? "none" : "";
    if (note) return;
    // Plotly.react keeps and edits what it is given: a copy of each trace (not a deep one: the
    // arrays are large, and where plotly decodes one in place the model keeps equal values).
    Plotly.react(
      plot,
      data.map((trace) => ({ ...trace })),
      { ...structuredClone(layout), autosize: true, width: undefined },
      { responsive: false, displaylogo: false, scrollZoom: false },
    );
    width = el.clientWidth;
    plot.dataset.traces = String(data.length);
    plot.dataset.revision = String(model.get("revision"));
  }

  function drawSoon() {
    // data, layout and revision change together: one redraw for the three events.
    if (!pending) {
      pending = true;
      queueMicrotask(draw);
    }
  }

  const resize = new ResizeObserver((entries) => {
    const now = Math.round(entries[0].contentRect.width);
    if (Plotly === null || now === 0 || now === width) return;
    const first = width === 0;
    width = now;
    if (first) draw();
    else if (!model.get("empty")) Plotly.Plots.resize(plot);
  });
  resize.observe(el);

  draw();
  model.on("change:revision", drawSoon);
  model.on("change:empty", drawSoon);
  return () => {
    closed = true;
    resize.disconnect();
    model.off("change:revision", drawSoon);
    model.off("change:empty", drawSoon);
    if (Plotly !== null) Plotly.purge(plot);
  };
}

export default { render };
