// The trial table of the dashboard: the kernel sorts, filters and pages (the study may hold
// 100,000 trials); this view only draws one page and sends the user's choices back.
// Every string from the study is set with textContent, never as HTML.

const STATE_COLORS = {
  COMPLETE: "#2ca02c", RUNNING: "#1f77b4", PRUNED: "#ff7f0e", FAIL: "#d62728", WAITING: "#7f7f7f",
};

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
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
  const scroller = el("div", { class: "nas-notebook-trials-scroll" });
  const table = el("table", {});
  scroller.append(table);
  const detail = el("pre", { class: "nas-notebook-trials-detail" });
  root.append(bar, error, scroller, detail);

  query.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { model.set("query", query.value); model.set("page", 0); model.save_changes(); }
  });
  prev.addEventListener("click", () => {
    model.set("page", Math.max(0, model.get("page") - 1)); model.save_changes();
  });
  next.addEventListener("click", () => {
    const last = Math.max(0, Math.ceil(model.get("total") / model.get("page_size")) - 1);
    model.set("page", Math.min(last, model.get("page") + 1)); model.save_changes();
  });

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
        model.set("states", [...now]); model.set("page", 0); model.save_changes();
      });
      label.append(box, document.createTextNode(` ${name.toLowerCase()} ${count}`));
      states.append(label);
    }
  }

  function drawTable() {
    const columns = model.get("columns");
    const sortBy = model.get("sort_by");
    const ascending = model.get("ascending");
    const head = el("thead");
    const headRow = el("tr");
    for (const name of columns) {
      const arrow = name === sortBy ? (ascending ? " \u25b2" : " \u25bc") : "";
      const th = el("th", { title: "sort", "data-column": name }, name + arrow);
      th.addEventListener("click", () => {
        if (model.get("sort_by") === name) model.set("ascending", !model.get("ascending"));
        else { model.set("sort_by", name); model.set("ascending", true); }
        model.set("page", 0); model.save_changes();
      });
      headRow.append(th);
    }
    head.append(headRow);
    const body = el("tbody");
    const selected = model.get("selected");
    const stateAt = columns.indexOf("state");
    for (const row of model.get("rows")) {
      const number = Number(row[0]);
      const tr = el("tr", { "data-number": String(number) });
      if (number === selected) tr.classList.add("nas-notebook-selected");
      row.forEach((cell, i) => {
        const td = el("td", {}, cell);
        if (i === stateAt) td.style.color = STATE_COLORS[cell] || "#000";
        tr.append(td);
      });
      tr.addEventListener("click", () => {
        model.set("selected", number === model.get("selected") ? -1 : number);
        model.save_changes();
      });
      body.append(tr);
    }
    table.replaceChildren(head, body);
    const total = model.get("total");
    const size = model.get("page_size");
    const first = total ? model.get("page") * size + 1 : 0;
    where.textContent = ` ${first}\u2013${Math.min(total, first + size - 1)} of ${total} `;
    prev.disabled = model.get("page") === 0;
    next.disabled = first + size - 1 >= total;
  }

  function drawError() {
    error.textContent = model.get("error");
    error.style.display = model.get("error") ? "" : "none";
  }
  function drawDetail() {
    detail.textContent = model.get("detail");
    detail.style.display = model.get("detail") ? "" : "none";
  }

  query.value = model.get("query");
  drawStates(); drawTable(); drawError(); drawDetail();
  model.on("change:rows", drawTable);
  model.on("change:columns", drawTable);
  model.on("change:selected", drawTable);
  model.on("change:state_counts", drawStates);
  model.on("change:states", drawStates);
  model.on("change:error", drawError);
  model.on("change:detail", drawDetail);
  model.on("change:query", () => { query.value = model.get("query"); });
}

export default { render };
