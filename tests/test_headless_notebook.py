"""The tutorial ``notebooks/08_headless_and_data.py`` runs end to end in a real Jupyter kernel,
and what a reader sees holds: the data set it loaded (FashionMNIST when torchvision and its
files are there, the digits otherwise, saying why); Syne Tune's seven-parameter MLP space; a
``%%search --space`` of 16 trials, some pruned by ASHA; the same search run headless from a
script, resumed into the same study, refused with status 2 on bad options, and interrupted by a
SIGINT that loses no completed trial.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState
from test_notebooks import cell_tagged, errors, execute, journal, search_cells, stdout

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_headless_and_data.py"
SUMMARY = re.compile(r"study 'mlp': (\d+) complete, (\d+) failed, (\d+) pruned")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    nb, searches = search_cells(NOTEBOOK)
    assert [s.split()[1] for s in searches] == ["mlp"]
    for option in ("--space config", "-n 16", "--algo tpe", "--pruner asha", "--seed 0"):
        assert option in searches[0].splitlines()[0], option
    cwd = tmp_path_factory.mktemp("headless")
    return execute(nb, cwd), cwd


def summaries(text: str) -> list[tuple[int, int, int]]:
    return [tuple(int(n) for n in found) for found in SUMMARY.findall(text)]  # type: ignore[misc]


def test_runs_without_errors(run: tuple[Any, Path]) -> None:
    nb, _ = run
    assert errors(nb) == []


def test_the_data_set_and_why(run: tuple[Any, Path]) -> None:
    nb, _ = run
    text = stdout(cell_tagged(nb, "data"))
    assert "data sets: digits, mnist, fashion_mnist, cifar10" in text
    try:
        import torchvision  # noqa: F401
    except Exception:
        assert "FashionMNIST is not available here, so the digits are used" in text
        assert "needs torchvision, which does not import here" in text
        assert "DataSplit('digits', train=1078, valid=359, test=360" in text
    else:  # pragma: no cover - where torchvision imports
        assert "DataSplit('" in text


def test_the_space_is_syne_tunes(run: tuple[Any, Path]) -> None:
    nb, _ = run
    text = stdout(cell_tagged(nb, "space"))
    lines = dict(re.findall(r"^(\w+): (.+)$", text, re.M))
    assert lines == {
        "n_units_1": "intv(4, 1024)",
        "n_units_2": "intv(4, 1024)",
        "batch_size": "intv(8, 128)",
        "dropout_1": "floatv(0.0, 0.99)",
        "dropout_2": "floatv(0.0, 0.99)",
        "learning_rate": "floatv(1e-06, 1.0, log=True)",
        "weight_decay": "floatv(1e-08, 1.0, log=True)",
    }


def test_the_notebook_search_prunes_and_finds_a_good_mlp(run: tuple[Any, Path]) -> None:
    nb, _ = run
    text = stdout(cell_tagged(nb, "notebook-results"))
    found = re.search(r"^16 trials: (\d+) complete, (\d+) pruned$", text, re.M)
    assert found, text
    complete, pruned = int(found.group(1)), int(found.group(2))
    assert complete + pruned == 16 and pruned >= 1 and complete >= 3
    best = float(re.search(r"best validation accuracy ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    assert best > 0.8
    (shown,) = [o for o in cell_tagged(nb, "notebook-results").outputs if "data" in o]
    best_config = shown["data"]["text/plain"]
    for key in ("n_units_1", "batch_size", "learning_rate", "weight_decay"):
        assert f"'{key}'" in best_config


def test_headless_run_then_resume_into_the_same_study(run: tuple[Any, Path]) -> None:
    nb, cwd = run
    first = stdout(cell_tagged(nb, "headless"))
    assert (
        "$ nas-notebook run mlp_search.py -n 8 --storage journal:mlp.journal   -> exit status 0"
        in first
    )
    assert re.search(r"mlp: 100%\|#+\| 8/8", first), first  # the ASCII bar of a non-terminal
    assert sum(summaries(first)[0]) == 8
    assert "best configuration: {'n_units_1': " in first  # the after-search section ran

    second = stdout(cell_tagged(nb, "resume"))
    assert "--resume   -> exit status 0" in second
    assert sum(summaries(second)[0]) == 12
    storage = journal(cwd / "mlp.journal")
    assert [s.study_name for s in storage.get_all_studies()] == ["mlp"]
    study = optuna.load_study(study_name="mlp", storage=storage)
    assert len(study.trials) == 12
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.trials)


def test_bad_options_exit_with_status_2(run: tuple[Any, Path]) -> None:
    nb, _ = run
    text = stdout(cell_tagged(nb, "bad-option"))
    assert text.count("-> exit status 2") == 2
    assert "nas-notebook: unknown algorithm 'tpee'; known algorithms: bohb" in text
    assert "argument --n-trials/-n: invalid int value: 'many'" in text
    assert "Traceback" not in text


def test_ctrl_c_keeps_every_completed_trial(run: tuple[Any, Path]) -> None:
    nb, cwd = run
    text = stdout(cell_tagged(nb, "interrupt"))
    found = re.search(r"exit status 130; (\d+) trials had finished before the signal", text)
    assert found and int(found.group(1)) >= 3, text
    assert "interrupted: completed trials are kept" in text
    assert "finished before the signal, still there: True" in stdout(
        cell_tagged(nb, "interrupt-states")
    )
    study = optuna.load_study(study_name="mlp", storage=journal(cwd / "interrupted.journal"))
    states = [t.state for t in study.trials]
    assert TrialState.RUNNING not in states and len(states) < 200
    assert sum(s in (TrialState.COMPLETE, TrialState.PRUNED) for s in states) >= int(found.group(1))
    for trial in study.trials:
        if trial.state == TrialState.FAIL:
            assert trial.system_attrs["fail_reason"].startswith("stopped: ")


def test_the_options_are_listed(run: tuple[Any, Path]) -> None:
    nb, _ = run
    text = stdout(cell_tagged(nb, "help"))
    for flag in (
        "--n-trials",
        "--algo",
        "--pruner",
        "--storage",
        "--executor",
        "--workers",
        "--resume",
    ):
        assert flag in text
