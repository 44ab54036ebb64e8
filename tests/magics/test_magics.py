import time

import pytest
from IPython.core.error import UsageError
from optuna.trial import TrialState

from nas_notebook import Search
from nas_notebook.testing import ipython_shell


@pytest.fixture
def ip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shell = ipython_shell()
    shell.run_line_magic("config", "SearchMagics.dashboard = False")
    yield shell
    shell.run_line_magic("config", "SearchMagics.dashboard = True")


BODY = """width = intv(4, 32, log=True)
act = oneof([math.sin, math.cos])
for step in range(3):
    report(score=act(width / 10) + step, step=step)
act(width / 10)
"""


def test_search_cell_binds_a_handle_and_returns_at_once(ip):
    ip.run_cell("import math, time")
    t0 = time.monotonic()
    ip.run_cell_magic(
        "search", "demo --n-trials 8 --algo random --seed 1", "time.sleep(0.05)\n" + BODY
    )
    assert time.monotonic() - t0 < 0.3
    demo = ip.user_ns["demo"]
    assert isinstance(demo, Search) and demo.state in ("running", "finished")
    ip.run_cell("print('the notebook still answers')")
    demo.wait()
    assert len(demo.trials) == 8 and {t.state for t in demo.trials} == {TrialState.COMPLETE}
    assert set(demo.best.params) == {"width", "act"}
    assert demo.best.params["act"] in ("sin", "cos")
    assert len(demo.trials[0].intermediate_values) == 3
    # the default storage is the folder's journal file
    assert (ip.user_ns["demo"].study._storage.__class__.__name__) == "JournalStorage"


def test_trial_bodies_do_not_touch_notebook_variables(ip):
    ip.run_cell("import math\nwidth = 'notebook value'")
    ip.run_cell_magic("search", "iso --n-trials 3 --executor inline --storage memory", BODY)
    assert ip.user_ns["width"] == "notebook value"


def test_resume_continues_the_study(ip):
    ip.run_cell("import math")
    ip.run_cell_magic("search", "exp --n-trials 3 --executor inline", BODY)
    ip.run_cell_magic("search", "exp --n-trials 2 --executor inline --resume", BODY)
    assert len(ip.user_ns["exp"].trials) == 5
    ip.run_cell_magic("search", "exp --n-trials 1 --executor inline", BODY)
    assert ip.user_ns["exp"].name == "exp.2"


@pytest.mark.parametrize(
    ("line", "body", "message"),
    [
        (
            "s --algo simulated-annealing",
            "x = floatv(0, 1)\nx",
            "unknown algorithm 'simulated-annealing'; known algorithms: ",
        ),
        ("s --nonsense 3", "x = floatv(0, 1)\nx", "unrecognized arguments: --nonsense"),
        (
            "s --storage postgresql+psycopg://nobody@127.0.0.1:1/none",
            "x = floatv(0, 1)\nx",
            "does not open",
        ),
        ("s --resume --storage memory", "x = floatv(0, 1)\nx", "no study named 's'"),
        ("s --storage memory", "x = oneof([])\nx", "line 2: oneof: `candidates` is empty"),
        (
            "s --storage memory",
            "lr = floatv(0.1, 0.01)\nlr",
            "line 2: floatv(low=0.1, high=0.01): `low` must not exceed `high`",
        ),
        (
            "s --storage memory",
            "lr = floatv(0, 1, log=True)\nlr",
            "`low` must be > 0 on a log scale",
        ),
        (
            "s --storage memory",
            "ops = manyof(4, ['a', 'b'])\nops",
            "line 2: manyof: `k`=4 exceeds the 2 candidates",
        ),
        (
            "s --storage memory",
            "x = floatv(0, 1)\ny = floatv(0, 1)\nx = floatv(0, 2)\nx",
            "line 4: two decisions would share the name 'x': cell line 2 and cell line 4",
        ),
        (
            "s --storage memory",
            "x = floatv(0, 1)\nundefined_helper(x)",
            "line 3: name 'undefined_helper' is not defined",
        ),
        ("s --storage memory", "x = floatv(0, 1\n", "syntax error"),
        ("2fast --storage memory", "x = floatv(0, 1)\nx", "NAME must be a Python identifier"),
        ("s --direction upward", "x = floatv(0, 1)\nx", "invalid choice: 'upward'"),
        (
            "s --storage memory",
            "x = floatv(0, 1, prior=2)\nx",
            "line 2: floatv: `prior`=2 is outside [0.0, 1.0]",
        ),
        (
            "s --storage memory",
            "act = oneof(['relu', 'gelu'], prior='tanh')\nact",
            "line 2: oneof: `prior`='tanh' is not one of the candidates",
        ),
        (
            "s --storage memory --warm-start earlier",
            "x = floatv(0, 1)\nx",
            "warm_start: no study 'earlier' in this storage",
        ),
    ],
)
def test_bad_input_is_a_usage_error_naming_the_problem(ip, line, body, message):
    with pytest.raises(
        UsageError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("+", r"\+"),
    ):
        ip.run_cell_magic("search", line, body)


def test_failing_trials_are_recorded_with_traceback_and_the_study_goes_on(ip):
    body = "k = intv(0, 5)\nif k > 2:\n    raise ValueError(f'k={k} too large')\nk"
    ip.run_cell_magic("search", "f --n-trials 10 --algo random --seed 2 --executor inline", body)
    frame = ip.user_ns["f"].dataframe()
    failed = frame[frame.state == "FAIL"]
    assert len(failed) and len(frame) == 10
    assert all(r.startswith("ValueError: k=") for r in failed.fail_reason)
    assert all("line 4" in tb for tb in failed.traceback)


def test_help_lists_every_option(ip, capsys):
    from nas_notebook.magics import SearchMagics

    doc = SearchMagics.search.__doc__
    for flag in [
        "--n-trials",
        "--timeout",
        "--algo",
        "--direction",
        "--metric",
        "--storage",
        "--seed",
        "--executor",
        "--resume",
        "--workers",
        "--pruner",
    ]:
        assert flag in doc


def test_magic_shows_a_dashboard(ip):
    ip.run_line_magic("config", "SearchMagics.dashboard = True")
    ip.run_cell("import math")
    shown = []
    ip.display_pub.publish = lambda data, **kw: shown.append(data)
    ip.run_cell_magic("search", "dash --n-trials 2 --executor inline --storage memory", BODY)
    assert any("application/vnd.jupyter.widget-view+json" in d for d in shown)


def test_rerunning_the_cell_stops_the_earlier_search(ip, capsys):
    ip.run_cell("import time")
    body = "time.sleep(0.05)\nx = floatv(0, 1)\nx"
    ip.run_cell_magic("search", "again --n-trials 200 --storage memory", body)
    first = ip.user_ns["again"]
    ip.run_cell_magic("search", "again --n-trials 2 --storage memory", body)
    second = ip.user_ns["again"]
    assert second is not first
    assert "Stopped the earlier search 'again'" in capsys.readouterr().out
    first.wait()
    second.wait()
    assert first.state == "stopped" and len(first.trials) < 200
    assert second.state == "finished" and len(second.trials) == 2


def test_dask_executor_uses_a_client_from_the_namespace(ip):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)
    try:
        ip.user_ns["my_client"] = client
        ip.run_cell_magic(
            "search", "d --executor dask --n-trials 3 --algo random", "x = floatv(0, 1)\nx"
        )
        d = ip.user_ns["d"]
        d.wait()
        assert d.executor._client is client
        assert [t.state.name for t in d.trials] == ["COMPLETE"] * 3
    finally:
        ip.user_ns.pop("my_client", None)
        client.close()
        cluster.close()


def test_scheduler_without_dask_is_a_usage_error(ip):
    with pytest.raises(UsageError, match="--scheduler is for --executor dask"):
        ip.run_cell_magic("search", "s --scheduler tcp://127.0.0.1:1", "x = floatv(0, 1)\nx")


def test_space_option_materializes_a_variable_for_each_trial(ip):
    ip.run_cell(
        "from nas_notebook.space import choice, loguniform, randint\n"
        "config = {'lr': loguniform(1e-4, 1e-1), 'layers': randint(1, 3),\n"
        "          'act': choice(['relu', 'tanh']), 'epochs': 5}"
    )
    ip.run_cell_magic(
        "search",
        "cfg --n-trials 5 --executor inline --storage memory --seed 0 --space config",
        "assert isinstance(config, dict) and config['epochs'] == 5\n"
        "config['layers'] + (config['act'] == 'tanh')",
    )
    cfg = ip.user_ns["cfg"]
    assert {t.state for t in cfg.trials} == {TrialState.COMPLETE}
    assert set(cfg.best.params) == {"lr", "layers", "act"}
    best = cfg.best.build()
    assert best["epochs"] == 5 and best["layers"] + (best["act"] == "tanh") == cfg.best.value
    # the notebook's variable is still the space
    assert ip.user_ns["config"]["lr"].log


def test_space_option_naming_no_space_is_a_usage_error(ip):
    ip.run_cell("config = {'lr': 0.1}")
    with pytest.raises(UsageError, match="--space config: 'config' holds no hyper value"):
        ip.run_cell_magic("search", "s --storage memory --space config", "config['lr']")
    with pytest.raises(UsageError, match="--space nothing: name 'nothing' is not defined"):
        ip.run_cell_magic("search", "s --storage memory --space nothing", "1")


def test_warm_start_on_the_cell_line(ip, tmp_path):
    ip.run_cell("import math")
    storage = f"journal:{tmp_path / 'w.journal'}"
    ip.run_cell_magic("search", f"first -n 4 --executor inline --storage {storage}", BODY)
    ip.run_cell_magic(
        "search", f"second -n 2 --executor inline --storage {storage} --warm-start first", BODY
    )
    second = ip.user_ns["second"]
    assert second.progress().warm == 4 and second.progress().complete == 2
    with pytest.raises(UsageError, match="warm_start: study 'first' shares no decision"):
        ip.run_cell_magic(
            "search", f"third --storage {storage} --warm-start first", "y = floatv(0, 1)\ny"
        )
