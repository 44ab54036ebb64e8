"""The tables, targets and summary line of ``bench/browser.py``."""

from __future__ import annotations

from typing import Any

FIRST_CELL_S = 1.0
TAB_LONGTASK_MS = 300.0

#: How optuna-dashboard reaches each view (the "from" column).
_PEER_FROM = {
    "navigation": "navigation",
    "click on analytics": "click Analytics",
    "click on Load plot anyway (over 100 trials)": "click Load anyway",
    "drawn with the page": "click Analytics",
    "click on smartSelection": "click Smart Sel.",
    "click on trials": "click Trials",
}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ratio(peer: float | None, ours: float | None) -> str:
    if peer is None or ours is None:
        return "-"
    if ours <= 0:
        return "-" if peer <= 0 else "ours 0"
    return f"{peer / ours:.1f}x"


def _ours_row(size: dict[str, Any], tab: str) -> dict[str, Any] | None:
    ours = size["ours"]
    return ours["tabs"].get(tab) if ours else None


def _peer_row(size: dict[str, Any], tab: str) -> tuple[dict[str, Any] | None, float | None]:
    """The peer's view of ``tab`` and its long tasks (None where the view shares its page's)."""
    peer = size["optuna_dashboard"]
    if not peer:
        return None, None
    view = peer["views"].get(tab)
    if not view:
        return None, None
    if view["from"] == "navigation":
        page = peer.get("study_page") or {}
        return view, page.get("longtask_ms") if tab == "History" else None
    return view, view.get("longtask_ms")


def comparable_ms(size: dict[str, Any], tab: str) -> float | None:
    """Our time to compare with the peer's for ``tab``: the tab's own, except where the peer
    draws the view with its study page (from navigation), where a user of ours runs the cell,
    sees History, and clicks the tab: our first paint plus the tab's click to drawn."""
    ours = _ours_row(size, tab)
    peer, _ = _peer_row(size, tab)
    if not ours:
        return None
    if tab != "History" and peer and peer["from"] == "navigation":
        first = _ours_row(size, "History")
        return None if not first else first["drawn_ms"] + ours["drawn_ms"]
    return float(ours["drawn_ms"])


def tables(sizes: list[dict[str, Any]], kernels: dict[str, Any], tabs: list[str]) -> str:
    lines = []
    for size in sizes:
        lines.append(
            f"{size['n']:,} trials ({size['complete']:,} complete, {size['pruned']:,} pruned, "
            f"{size['failed']:,} failed)"
        )
        header = (
            f"{'view':<22}{'ours ms':>9}{'long ms':>9}  |{'peer ms':>9}{'long ms':>9}  "
            f"{'peer from':<18}|{'drawn':>8}{'long':>8}"
        )
        lines.append(header)
        lines.append(f"{'':<22}{'(optuna-dashboard 0.21)':>53}{'peer/ours':>18}")
        lines.append("-" * len(header))
        for tab in tabs:
            ours = _ours_row(size, tab)
            peer, peer_long = _peer_row(size, tab)
            ours_drawn = ours["drawn_ms"] if ours else None
            ours_long = ours["longtask_ms"] if ours else None
            peer_drawn = peer["drawn_ms"] if peer else None
            source = _PEER_FROM.get(peer["from"], peer["from"]) if peer else "-"
            ratio = _ratio(peer_drawn, comparable_ms(size, tab))
            if peer and peer["from"] == "navigation" and tab != "History":
                source, ratio = "navigation (page)", ratio + "*"
            label = f"{tab} (first paint)" if tab == "History" else tab
            lines.append(
                f"{label:<22}{_ms(ours_drawn):>9}{_ms(ours_long):>9}  |{_ms(peer_drawn):>9}"
                f"{_ms(peer_long):>9}  {source:<18}|{ratio:>8}{_ratio(peer_long, ours_long):>8}"
            )
        ours_side, peer_side = size["ours"], size["optuna_dashboard"]
        first = (ours_side or {}).get("first_paint")
        if first:
            load = ours_side.get("load_ext_ms")
            lines.append(
                f"ours: cell returned in {_ms(first['cell_returned_ms'])} ms; long tasks up to "
                f"the History drawn {_ms(first['longtask_to_drawn_ms'])} ms; %load_ext "
                f"nas_notebook before it {_ms(load)} ms (the studies panel's one cell: "
                f"{_ms((load or 0) + first['drawn_ms'])} ms); all points drawn at first paint: "
                f"{first['all_points']}"
            )
        if peer_side:
            history = peer_side["views"].get("History") or {}
            page = peer_side.get("study_page") or {}
            lines.append(
                f"optuna-dashboard: server answered {peer_side['server_answer_s']:.1f} s after "
                f"its start; long tasks up to its history drawn "
                f"{_ms(history.get('longtask_to_drawn_ms'))} ms; its study page (history, "
                f"intermediate values, importances, timeline) quiet after "
                f"{_ms(page.get('window_ms'))} ms"
            )
        lines.append("")
    lines.append(
        f"fresh kernels (median of {kernels['kernels']}): start "
        f"{kernels['median_kernel_start_s']:.2f} s; %load_ext nas_notebook "
        f"{kernels['median_load_ext_s']:.3f} s; first %%search (3 random trials, memory) "
        f"{kernels['median_search_cell_s']:.3f} s, request to reply"
    )
    lines.append(
        "ms: ours from the cell's run (History) or the tab's click to its figure drawn (Trials: "
        "rows shown); optuna-dashboard from navigation to its study page or the click on its "
        "side bar's link (the contour over 100 trials: on Load plot anyway). long ms: main-"
        "thread tasks over 50 ms from that moment to 1 s of quiet (the peer's History: its "
        "whole study page; '-' where a view shares that page). peer/ours over 1: we are faster; "
        "* the peer draws it with its study page, from navigation: compared with our first "
        "paint + the tab's click to drawn."
    )
    return "\n".join(lines)


def targets(
    sizes: list[dict[str, Any]], kernels: dict[str, Any], tabs: list[str]
) -> dict[str, Any]:
    """Each target, met or missed and by how much: ``{"lines": [...], "targets": [...]}``."""
    found: list[dict[str, Any]] = []

    def check(name: str, value: float | None, limit: float, unit: str) -> None:
        met = value is not None and value < limit
        digits = 3 if unit == "s" else 0
        if value is None:
            shown = "not measured"
        else:
            margin = f"{abs(limit - value):,.{digits}f} {unit}"
            shown = f"{value:,.{digits}f} {unit} ({'under' if met else 'over'} by {margin})"
        found.append(
            {
                "target": name,
                "value": value,
                "limit": limit,
                "unit": unit,
                "met": met,
                "line": f"{'MET   ' if met else 'MISSED'} {name}: {shown}",
            }
        )

    search_s = kernels["median_search_cell_s"]
    check("first %%search of a fresh kernel < 1 s", search_s, FIRST_CELL_S, "s")
    for size in sizes:
        first = (size["ours"] or {}).get("first_paint")
        value = first["drawn_ms"] / 1000 if first else None
        check(f"dashboard cell to first paint < 1 s at {size['n']:,}", value, FIRST_CELL_S, "s")
    if sizes:
        big = max(sizes, key=lambda s: s["n"])
        for tab in tabs:
            row = _ours_row(big, tab)
            check(
                f"{tab} first view < 300 ms of long tasks at {big['n']:,}",
                row["longtask_ms"] if row else None,
                TAB_LONGTASK_MS,
                "ms",
            )
    slower = []
    compared = 0
    for size in sizes:
        for tab in tabs:
            ours = comparable_ms(size, tab)
            peer, _ = _peer_row(size, tab)
            if ours is not None and peer:
                compared += 1
                if peer["drawn_ms"] < ours:
                    slower.append(
                        f"{tab} at {size['n']:,}: {ours:,.0f} vs {peer['drawn_ms']:,.0f} ms"
                    )
    met = compared > 0 and not slower
    status = ("MET   " if met else "MISSED") if compared else "NOT MEASURED"
    found.append(
        {
            "target": "at least as fast as optuna-dashboard (time to drawn, every view)",
            "compared": compared,
            "slower": slower,
            "met": met,
            "line": f"{status} at least as fast as optuna-dashboard on "
            f"every view: {compared - len(slower)} of {compared} views"
            + (f"; slower: {'; '.join(slower)}" if slower else ""),
        }
    )
    return {"lines": [f["line"] for f in found], "targets": found}


def summary(sizes: list[dict[str, Any]], kernels: dict[str, Any]) -> str:
    parts = []
    for size in sizes:
        first = (size["ours"] or {}).get("first_paint")
        peer = size["optuna_dashboard"]
        history = (peer or {}).get("views", {}).get("History") if peer else None
        text = f"{size['n']:,}: first paint {_ms(first['drawn_ms'] if first else None)} ms"
        if history:
            text += (
                f" (optuna-dashboard {_ms(history['drawn_ms'])} ms, "
                f"{_ratio(history['drawn_ms'], first['drawn_ms'] if first else None)})"
            )
        tabs = [(t, r) for t, r in (size["ours"] or {}).get("tabs", {}).items() if r]
        if tabs:
            tab, row = max(tabs, key=lambda tr: tr[1]["longtask_ms"])
            text += f", most long tasks {tab} {_ms(row['longtask_ms'])} ms"
        parts.append(text)
    parts.append(f"first %%search {kernels['median_search_cell_s']:.3f} s")
    return "; ".join(parts)
