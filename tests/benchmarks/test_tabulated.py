"""The table as an objective: the simulated executor replays each cell's recorded epochs at
their recorded times; the loader refuses a missing or altered file. (A synthetic table with the
real shape: the built one ships separately.)"""

import numpy as np
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.benchmarks import (
    EDGES,
    TabulatedBenchmark,
    cell_index,
    edge_name,
)
from nas_notebook.executors import SimulatedExecutor, simulated_span
from nas_notebook.testing import synthetic_table

EPOCHS = 4


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("table") / "t.npz"
    synthetic_table(path, epochs=EPOCHS)
    return path


def cell_of(trial):
    return cell_index([trial.params[edge_name(e)] for e in EDGES])


def test_the_simulated_executor_replays_the_table(table):
    bench = TabulatedBenchmark(table)
    search = nb.Search(
        bench.objective(),
        n_trials=40,
        executor=SimulatedExecutor(workers=4),
        algo="random",
        seed=0,
        pruner="median",
        direction="maximize",
    ).start()
    states = {t.state for t in search.trials}
    assert states <= {TrialState.COMPLETE, TrialState.PRUNED} and TrialState.PRUNED in states
    times = bench.arrays["epoch_time"][:, 0].astype(float)
    for t in search.trials:
        cell = cell_of(t)
        curve = bench.curve(cell)
        steps = sorted(t.intermediate_values)
        assert [t.intermediate_values[s] for s in steps] == pytest.approx(curve[: len(steps)])
        start, end = simulated_span(t)
        spent = end - start
        # a pruned trial stops consuming time at the epoch it was stopped
        assert spent == pytest.approx(times[cell, : len(steps)].sum())
        if t.state == TrialState.COMPLETE:
            assert len(steps) == EPOCHS and t.value == pytest.approx(curve[-1])
    assert bench.best() == pytest.approx(float(bench.arrays["valid_acc"][..., -1].max()))


def test_a_missing_table_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_nas201 --out DIR"):
        TabulatedBenchmark(tmp_path / "none.npz")


def test_an_altered_table_fails_its_checksum(table, tmp_path):
    import json

    with np.load(table) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays.pop("meta")))
    arrays["valid_acc"] = arrays["valid_acc"].copy()
    arrays["valid_acc"][0, 0, 0] = 0.5
    np.savez_compressed(tmp_path / "bad.npz", meta=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match="checksum mismatch"):
        TabulatedBenchmark(tmp_path / "bad.npz")


def test_bad_seed_or_epochs_name_the_argument(table):
    bench = TabulatedBenchmark(table)
    with pytest.raises(ValueError, match="seed: the table has seeds"):
        bench.objective(seed=3)
    with pytest.raises(ValueError, match="epochs: an integer from 1 to 4"):
        bench.objective(epochs=9)


def test_search_runs_a_benchmark_by_name(table):
    search = nb.Search(
        benchmark=f"nas201_digits:path={table},epochs=3",
        n_trials=12,
        executor="simulated",
        workers=3,
        algo="random",
        seed=1,
    ).start()
    assert search.objective.metric == "valid_acc" and search.direction == "maximize"
    bench = TabulatedBenchmark(table)
    for t in search.trials:
        curve = bench.curve(cell_of(t))
        assert t.intermediate_values == pytest.approx({1: curve[0], 2: curve[1], 3: curve[2]})
        assert t.value == pytest.approx(curve[2])
    assert search.executor.now > 0


def test_the_magic_takes_a_benchmark_and_simulates_by_default(table, tmp_path, monkeypatch):
    from IPython.core.error import UsageError

    from nas_notebook.testing import ipython_shell

    monkeypatch.chdir(tmp_path)  # the default storage is a journal file in the working folder
    shell = ipython_shell()
    shell.run_line_magic(
        "search", f"sim --benchmark nas201_digits:path={table} -n 20 --workers 4 --seed 0"
    )
    sim = shell.user_ns["sim"]
    assert sim.executor.name == "simulated" and sim.done
    assert len(sim.trials) == 20 and sim.best.value == pytest.approx(
        max(t.value for t in sim.trials if t.value is not None)
    )
    with pytest.raises(UsageError, match="unknown benchmark 'nope'; known: nas201_digits"):
        shell.run_line_magic("search", "bad --benchmark nope")
    with pytest.raises(UsageError, match="the line form needs --benchmark"):
        shell.run_line_magic("search", "bad -n 3")
    with pytest.raises(UsageError, match="leave the cell empty"):
        shell.run_cell_magic("search", f"bad --benchmark nas201_digits:path={table}", "x = 1\n")
    with pytest.raises(UsageError, match="bad options"):
        shell.run_line_magic("search", f"bad --benchmark nas201_digits:path={table},lr=3")
    with pytest.raises(UsageError, match="--metric: the benchmark"):
        shell.run_cell_magic(
            "search", f"bad --benchmark nas201_digits:path={table} --metric loss", "# comment\n"
        )


def test_a_benchmark_body_pickles_for_worker_processes(table, tmp_path):
    import pickle

    body = TabulatedBenchmark(table).objective(epochs=2)
    again = pickle.loads(pickle.dumps(body))
    assert again._arrays is None and len(pickle.dumps(body)) < 500
    search = nb.Search(
        again,
        n_trials=4,
        executor="process",
        workers=2,
        algo="random",
        seed=0,
        metric="valid_acc",
        storage=f"journal:{tmp_path / 'w.journal'}",
    ).start()
    search.wait()
    assert [len(t.intermediate_values) for t in search.trials] == [2, 2, 2, 2]


def test_the_command_line_runs_a_benchmark(table, tmp_path, capsys):
    from nas_notebook.cli import main

    script = tmp_path / "bench.py"
    script.write_text(f"# %%search nas --benchmark nas201_digits:path={table} --workers 8\n")
    assert main(["run", str(script), "-n", "30", "--storage", "memory", "--quiet"]) == 0
    assert "study 'nas': 30 complete" in capsys.readouterr().out


def test_the_shipped_table_is_complete_and_consistent():
    from nas_notebook.benchmarks import (
        TABLE_PATH,
        cell_ops,
        flops,
        isomorphism_classes,
        param_count,
    )

    assert TABLE_PATH.stat().st_size < 8_000_000
    bench = TabulatedBenchmark()  # verifies the checksum
    arrays, protocol = bench.arrays, bench.meta["protocol"]
    seeds, epochs = len(bench.seeds), protocol["epochs"]
    assert bench.seeds[0] == 0 and epochs == bench.epochs == 10
    for name in ("train_loss", "train_acc", "valid_loss", "valid_acc", "epoch_time", "time"):
        assert arrays[name].shape == (15_625, seeds, epochs), name
        assert np.isfinite(arrays[name].astype(float)).all(), name
    for name in ("test_loss", "test_acc", "trained_as"):
        assert arrays[name].shape == (15_625, seeds), name
    for name in ("train_acc", "valid_acc", "test_acc"):
        values = arrays[name].astype(float)
        assert ((values >= 0) & (values <= 1)).all(), name
    assert (arrays["epoch_time"] > 0).all()
    assert (np.diff(arrays["time"], axis=2) > 0).all()  # cumulative time strictly increases
    np.testing.assert_allclose(arrays["time"], np.cumsum(arrays["epoch_time"], axis=2), rtol=1e-5)
    # one representative per isomorphism class, its results copied to the members
    trained = arrays["trained_as"]
    for members in isomorphism_classes().values():
        rep, rest = members[0], list(members)
        assert (trained[rest] == rep).all()
        assert (arrays["valid_acc"][rest] == arrays["valid_acc"][rep]).all()
    channels = protocol["channels"]
    for cell in (0, 1, 777, 15_624):
        assert arrays["params"][cell] == param_count(cell_ops(cell), channels)
        assert arrays["flops"][cell] == flops(cell_ops(cell), channels)
    # the table says something: good cells are far better than the empty one, and learn
    final = arrays["valid_acc"][:, 0, -1].astype(float)
    assert final.max() > 0.95 and final[0] < 0.2
    assert np.median(final) > 0.5


def test_the_mean_over_seeds_is_a_benchmark_too(tmp_path):
    path = tmp_path / "two.npz"
    synthetic_table(path, seeds=2, epochs=3)
    bench = TabulatedBenchmark(path)
    both = bench.arrays["valid_acc"][7].astype(float)  # (seeds, epochs)
    np.testing.assert_allclose(bench.curve(7, seed="mean"), both.mean(axis=0))
    assert bench.values("test_acc", "mean").shape == (15_625,)
    search = nb.Search(
        benchmark=f"nas201_digits:path={path},seed='mean'",
        n_trials=6,
        executor="simulated",
        workers=2,
        algo="random",
        seed=0,
    ).start()
    for t in search.trials:
        assert t.value == pytest.approx(bench.curve(cell_of(t), seed="mean")[-1])
    with pytest.raises(ValueError, match=r"seeds \[0, 1\] \(or 'mean'\), not 5"):
        bench.objective(seed=5)
