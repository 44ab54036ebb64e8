// The trial table of the dashboard: the kernel sorts, filters and pages (the study may hold
// 100,000 trials); this view only draws one page and sends the user's choices back.
// Every string from the study is set with textContent, never as HTML.
//
// Rows held still: while the pointer is over the table, a trial is selected, the table is
// scrolled or past its first page, the view pins the trials it shows (the `held` trait). The
// kernel then keeps sending those trials, in that order, with their current cells, and counts
// the trials that arrived meanwhile (`pending`): "N new trials - show". Row elements are kept
// by trial number and only their cells change, so the row under the pointer stays the trial it
// shows, and a click selects that trial by its number.

const STATE_COLORS = {
  COMPLETE: "#2ca02c", RUNNING: "#1f77b4", PRUNED: "#ff7f0e", FAIL: "#d62728", WAITING: "#7f7f7f",
};

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function sameNumbers(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function render({ model, el: root }) {
  root.classList.add("nas-notebook-trials");
  const bar = el("div", { class: "nas-notebook-trials-bar" });
  const query = el("input", {
    type: "text", class: "nas-notebook-trials-query",
    placeholder: "filter, e.g.  value > 0.9 and `fc.out_features` >= 64  (Enter)",
  });
  const states = el("span", { class: "nas-notebook-trials-states" });
  const pager = el("span", { class: "nas-notebook-trials-pager" });
  const prev = el("button", { type: "button", title: "previous page" }, "\u2039");
  const next = el("button", { type: "button", title: "next page" }, "\u203a");
  const where = el("span", {});
  pager.append(prev, where, next);
  bar.append(query, states, pager);
  const error = el("div", { class: "nas-notebook-trials-error" });
  // The notice line keeps its height when empty: showing it moves no row.
  const notice = el("div", { class: "nas-notebook-trials-notice", "aria-live": "polite" });
  const noticeText = el("span", {});
  const show = el("button", {
    type: "button", class: "nas-notebook-trials-show",
    title: "show the trials that arrived while the rows were held still",
  }, "show");
  notice.append(noticeText, show);
  const scroller = el("div", { class: "nas-notebook-trials-scroll" });
  const table = el("table", {});
  const head = el("thead");
  const body = el("tbody");
  table.append(head, body);
  scroller.append(table);
  // What the pointer may rest on while the rows hold still: the notice line and the rows.
  const view = el("div", { class: "nas-notebook-trials-view" });
  view.append(notice, scroller);
  const detailBox = el("div", { class: "nas-notebook-trials-detail-box" });
  const close = el("button", {
    type: "button", class: "nas-notebook-trials-close", title: "close the trial's details",
  }, "\u00d7");
  const detail = el("pre", { class: "nas-notebook-trials-detail" });
  detailBox.append(close, detail);
  root.append(bar, error, view, detailBox);

  const rowOf = new Map();  // trial number -> its <tr>, kept while the trial is shown
  let headKey = "";
  let shownGeneration = -1;
  let pointerInside = false;

  function choose(changes) {
    for (const [name, value] of Object.entries(changes)) model.set(name, value);
    model.save_changes();
  }

  query.addEventListener("keydown", (e) => {
    if (e.key === "Enter") choose({ query: query.value, page: 0 });
  });
  prev.addEventListener("click", () => choose({ page: Math.max(0, model.get("page") - 1) }));
  next.addEventListener("click", () => {
    const last = Math.max(0, Math.ceil(model.get("total") / model.get("page_size")) - 1);
    choose({ page: Math.min(last, model.get("page") + 1) });
  });
  show.addEventListener("click", () => model.send({ type: "show" }));
  close.addEventListener("click", () => choose({ selected: -1 }));

  // -- holding the rows still ------------------------------------------------------------

  function shownNumbers() {
    return Array.from(body.children, (tr) => Number(tr.dataset.number));
  }
  function wantHeld() {
    return pointerInside || model.get("selected") >= 0 || model.get("page") > 0
      || scroller.scrollTop > 0;
  }
  function syncHeld() {
    const held = model.get("held") || {};
    const isHeld = Array.isArray(held.numbers);
    if (wantHeld()) {
      const numbers = shownNumbers();
      if (!isHeld && numbers.length) {
        choose({ held: { numbers, generation: shownGeneration } });
      }
    } else if (isHeld) {
      choose({ held: {} });
    }
    drawNotice();
  }
  view.addEventListener("pointerenter", () => { pointerInside = true; syncHeld(); });
  view.addEventListener("pointerleave", () => { pointerInside = false; syncHeld(); });
  view.addEventListener("pointermove", () => {
    if (!pointerInside) { pointerInside = true; syncHeld(); }
  });
  scroller.addEventListener("scroll", syncHeld, { passive: true });

  // -- drawing ---------------------------------------------------------------------------

  function drawStates() {
    states.replaceChildren();
    const shown = new Set(model.get("states"));
    for (const [name, count] of Object.entries(model.get("state_counts"))) {
      const label = el("label", { style: `color:${STATE_COLORS[name] || "#000"}` });
      const box = el("input", { type: "checkbox", "data-state": name });
      box.checked = shown.has(name);
      box.addEventListener("change", () => {
        const now = new Set(model.get("states"));
        if (box.checked) now.add(name); else now.delete(name);
        choose({ states: [...now], page: 0 });
      });
      label.append(box, document.createTextNode(` ${name.toLowerCase()} ${count}`));
      states.append(label);
    }
  }

  function drawHead(columns) {
    const sortBy = model.get("sort_by");
    const ascending = model.get("ascending");
    const key = JSON.stringify([columns, sortBy, ascending]);
    if (key === headKey) return false;
    headKey = key;
    const headRow = el("tr");
    for (const name of columns) {
      const arrow = name === sortBy ? (ascending ? " \u25b2" : " \u25bc") : "";
      const th = el("th", { title: "sort", "data-column": name }, name + arrow);
      th.addEventListener("click", () => {
        if (model.get("sort_by") === name) choose({ ascending: !model.get("ascending"), page: 0 });
        else choose({ sort_by: name, ascending: true, page: 0 });
      });
      headRow.append(th);
    }
    head.replaceChildren(headRow);
    return true;
  }

  function fill(tr, cells, stateAt) {
    while (tr.children.length > cells.length) tr.lastChild.remove();
    while (tr.children.length < cells.length) tr.append(el("td"));
    cells.forEach((cell, i) => {
      const td = tr.children[i];
      if (td.textContent !== cell) td.textContent = cell;
      const color = i === stateAt ? STATE_COLORS[cell] || "#000" : "";
      if (td.style.color !== color) td.style.color = color;
    });
  }

  function drawTable() {
    const columns = model.get("columns");
    drawHead(columns);
    const stateAt = columns.indexOf("state");
    const incoming = new Map();
    const order = [];
    for (const row of model.get("rows")) {
      const number = Number(row[0]);
      incoming.set(number, row);
      order.push(number);
    }
    const held = model.get("held") || {};
    // Rows sent before the kernel learnt of the hold: their trials keep their places.
    const keep = Array.isArray(held.numbers) && held.generation === model.get("generation")
      && !sameNumbers(order, held.numbers) && sameNumbers(held.numbers, shownNumbers());
    const wanted = keep ? held.numbers : order;
    const selected = model.get("selected");
    wanted.forEach((number, i) => {
      let tr = rowOf.get(number);
      if (!tr) {
        tr = el("tr", { "data-number": String(number) });
        rowOf.set(number, tr);
      }
      const row = incoming.get(number);
      if (row) fill(tr, row, stateAt);
      tr.classList.toggle("nas-notebook-selected", number === selected);
      if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
    });
    const keepSet = new Set(wanted);
    for (const [number, tr] of rowOf) {
      if (!keepSet.has(number)) { tr.remove(); rowOf.delete(number); }
    }
    shownGeneration = model.get("generation");
    drawPager();
  }

  function drawPager() {
    const total = model.get("total");
    const size = model.get("page_size");
    const first = total ? model.get("page") * size + 1 : 0;
    where.textContent = ` ${first}\u2013${Math.min(total, first + size - 1)} of ${total} `;
    prev.disabled = model.get("page") === 0;
    next.disabled = first + size - 1 >= total;
  }

  function drawSelected() {
    const selected = model.get("selected");
    for (const [number, tr] of rowOf) tr.classList.toggle("nas-notebook-selected", number === selected);
  }

  function drawNotice() {
    const held = model.get("held") || {};
    const pending = Array.isArray(held.numbers) ? model.get("pending") : 0;
    noticeText.textContent = pending
      ? `${pending} new trial${pending === 1 ? "" : "s"} \u2014 `
      : "";
    show.style.display = pending ? "" : "none";
    notice.dataset.pending = String(pending);
  }

  function drawError() {
    error.textContent = model.get("error");
    error.style.display = model.get("error") ? "" : "none";
  }
  function drawDetail() {
    detail.textContent = model.get("detail");
    detailBox.style.display = model.get("detail") ? "" : "none";
  }

  // A click selects the trial of the row clicked, by its number.
  body.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-number]");
    if (!tr || !body.contains(tr)) return;
    const number = Number(tr.dataset.number);
    choose({ selected: number === model.get("selected") ? -1 : number });
  });

  query.value = model.get("query");
  drawStates(); drawTable(); drawError(); drawDetail(); drawNotice();
  const redraw = () => { drawTable(); syncHeld(); };
  model.on("change:rows", redraw);
  model.on("change:columns", redraw);
  model.on("change:sort_by", redraw);
  model.on("change:ascending", redraw);
  model.on("change:selected", () => { drawSelected(); syncHeld(); });
  model.on("change:held", syncHeld);
  model.on("change:pending", drawNotice);
  model.on("change:total", drawPager);
  model.on("change:page", drawPager);
  model.on("change:state_counts", drawStates);
  model.on("change:states", drawStates);
  model.on("change:error", drawError);
  model.on("change:detail", drawDetail);
  model.on("change:query", () => { query.value = model.get("query"); });
}

export default { render };
