import sys

import nas_notebook as nb
from nas_notebook.trial._output import TrialLog
from nas_notebook.widgets import Dashboard

NS = {"floatv": nb.floatv}
BODY = "import sys\nx = floatv(0, 1)\nprint('value', round(x, 3))\nsys.stderr.write('warn\\n')\nprint('partial', end='')\nx"


def test_background_trial_output_goes_to_the_search_log_not_the_cell(capsys):
    s = nb.Search(BODY, n_trials=3, executor="thread", algo="random", seed=0, user_ns=NS)
    s.start()
    print("from the notebook while trials run")
    s.wait()
    captured = capsys.readouterr()
    assert "value" not in captured.out + captured.err
    assert "from the notebook while trials run" in captured.out
    lines = s.log.lines()
    for t in s.trials:
        assert f"[trial {t.number}] value {round(t.params['x'], 3)}" in lines
        assert f"[trial {t.number}] partial" in lines
        assert f"[trial {t.number}] warn" in lines


def test_inline_trials_print_to_the_cell(capsys):
    s = nb.Search(BODY, n_trials=2, executor="inline", user_ns=NS).start()
    assert capsys.readouterr().out.count("value ") == 2
    assert s.log.lines() == []


def test_dashboard_shows_trial_output_escaped():
    s = nb.Search("x = floatv(0, 1)\nprint('<i>hello</i>')\nx", n_trials=2, user_ns=NS)
    s.start().wait()
    d = Dashboard(s, refresh_interval=0)
    assert d.output.value.count("&lt;i&gt;hello&lt;/i&gt;") == 2
    assert d.output.value.index("[trial 1]") < d.output.value.index("[trial 0]")  # newest first


def test_log_keeps_the_last_lines_and_versions():
    log = TrialLog(maxlen=3)
    for i in range(5):
        log.write(0, f"line {i}\n")
    assert log.lines() == ["[trial 0] line 2", "[trial 0] line 3", "[trial 0] line 4"]
    lines, version = log.since(3)
    assert lines == ["[trial 0] line 3", "[trial 0] line 4"] and version == 5
    assert sys.stdout is not None
