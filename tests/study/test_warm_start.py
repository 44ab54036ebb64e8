"""Warm start: finished trials of earlier studies seed a search's algorithm, copied once with
the decisions that fit its own, not counted in its budget, never run again, shown apart."""

import numpy as np
import optuna
import pytest

import nas_notebook as nb
from nas_notebook._schema import WARM_FROM
from nas_notebook.magics._command import add_options, search_kwargs

BODY = "x = floatv(0, 1)\nop = oneof(['a', 'b'])\n(x - 0.3) ** 2 + (op == 'b')"


def search(body=BODY, **kwargs):
    options = {"executor": "inline", "direction": "minimize", "seed": 0, **kwargs}
    return nb.Search(body, **options).start()


def warm(trials):
    return [t for t in trials if WARM_FROM in t.system_attrs]


def test_copied_once_with_the_decisions_that_fit_and_not_counted(tmp_path):
    storage = f"journal:{tmp_path / 's.journal'}"
    first = search(name="first", n_trials=12, storage=storage)
    # x now ranges over [0, 0.5] and op over a or c: values outside are left out
    body = "x = floatv(0, 0.5)\nop = oneof(['a', 'c'])\n(x - 0.3) ** 2"
    second = search(body, name="second", n_trials=5, storage=storage, warm_start="first")
    copied = warm(second.trials)
    done = first.trials
    expected = [t for t in done if t.params["x"] <= 0.5 or t.params["op"] == "a"]
    assert len(copied) == len(expected) and len(second.trials) == len(expected) + 5
    for t in copied:
        source = done[int(t.system_attrs[WARM_FROM].split("#")[1])]
        assert t.value == source.value and t.system_attrs[WARM_FROM].startswith("first#")
        assert all(source.params[k] == v for k, v in t.params.items())
        assert t.params.get("op", "a") == "a" and t.params.get("x", 0) <= 0.5
    status = second.status(second.progress().finished)
    assert (status.done, status.total, status.earlier) == (5, 5, 0)
    progress = second.progress()
    assert (progress.complete, progress.warm) == (5, len(copied))
    own = [t for t in second.trials if WARM_FROM not in t.system_attrs]
    assert second.best.number in {t.number for t in own}  # the search's own best
    assert second.best.value == min(t.value for t in own)
    # resumed, the search copies nothing twice
    before = len(second.trials)
    again = search(
        body, name="second", n_trials=2, storage=storage, warm_start="first", resume=True
    )
    assert len(warm(again.trials)) == len(copied) and len(again.trials) == before + 2


def test_bad_sources_are_refused_before_a_study_is_made():
    storage = optuna.storages.InMemoryStorage()
    search(name="first", n_trials=3, storage=storage)
    with pytest.raises(ValueError, match=r"no study 'nope' in this storage \(studies: first\)"):
        nb.Search(BODY, name="new", storage=storage, warm_start="nope")
    with pytest.raises(ValueError, match="shares no decision with this search"):
        nb.Search("y = floatv(0, 1)\ny", name="new", storage=storage, warm_start="first")
    with pytest.raises(ValueError, match="has 1 objective"):
        nb.Search(BODY, name="new", storage=storage, warm_start="first",
                  directions=["minimize", "minimize"], metric="a,b")  # fmt: skip
    with pytest.raises(ValueError, match="from itself"):
        nb.Search(BODY, name="first", storage=storage, warm_start="first", resume=True)
    assert [s.study_name for s in storage.get_all_studies()] == ["first"]


def test_the_option_on_the_cell_line():
    import argparse

    parser = argparse.ArgumentParser()
    add_options(parser.add_argument)
    kwargs = search_kwargs(parser.parse_args(["--warm-start", "a, b"]), resolve=False)
    assert kwargs["warm_start"] == ["a", "b"]
    with pytest.raises(ValueError, match="--warm-start: give one or more"):
        search_kwargs(parser.parse_args(["--warm-start", ","]), resolve=False)


def test_views_show_the_copied_trials_apart():
    from nas_notebook.plots import plot_optimization_history
    from nas_notebook.widgets import Dashboard

    storage = optuna.storages.InMemoryStorage()
    search(name="first", n_trials=10, storage=storage)
    second = search(name="second", n_trials=4, storage=storage, warm_start="first")
    names = [(t.name, len(t.x)) for t in plot_optimization_history(second).data]
    assert names[0] == ("objective", 4) and ("warm start", 10) in names
    dashboard = Dashboard(second, refresh_interval=0)
    assert "4 complete" in dashboard.counts.value and "10 warm start" in dashboard.counts.value
    frame = dashboard.table._frame
    assert frame["warm_from"].notna().sum() == 10
    assert set(frame["warm_from"].dropna().str.split("#").str[0]) == {"first"}
    dashboard.close()


def test_a_warm_start_finds_the_optimum_sooner():
    def best_after(n, warm_start):
        values = []
        for seed in range(4):
            storage = optuna.storages.InMemoryStorage()
            search("x = floatv(0, 1)\ny = floatv(0, 1)\n(x - 0.71) ** 2 + (y - 0.2) ** 2",
                   name="old", n_trials=40, storage=storage, seed=seed + 10, algo="tpe")  # fmt: skip
            new = search(
                "x = floatv(0, 1)\ny = floatv(0, 1)\n(x - 0.7) ** 2 + (y - 0.2) ** 2",
                name="new", n_trials=n, storage=storage, seed=seed, algo="tpe",
                warm_start="old" if warm_start else None,
            )  # fmt: skip
            own = [t.value for t in new.trials if WARM_FROM not in t.system_attrs]
            values.append(min(own))
        return float(np.mean(values))

    assert best_after(8, warm_start=True) < best_after(8, warm_start=False) / 3
