import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook import floatv, oneof, sample, trace


def program():
    x = floatv(-2.0, 2.0)
    shift = oneof([0.0, 1.0])
    return -((x - shift) ** 2)


@pytest.mark.parametrize("space", [program, trace(program)])
def test_feedback_loop_tells_every_example(space):
    seen = []
    for example, feedback in sample(space, "tpe", 25, seed=0):
        with example():
            reward = program()
        feedback(reward)
        seen.append((example.number, example.values, reward))
    assert [n for n, _, _ in seen] == list(range(25))
    assert all(set(values) == {"x", "shift"} for _, values, _ in seen)
    assert max(r for _, _, r in seen) > -0.2


def test_an_example_left_without_feedback_is_failed_and_the_reason_stored():
    study = optuna.create_study(direction="maximize")
    for i, (example, feedback) in enumerate(sample(program, study=study, num_examples=3)):
        with example():
            value = program()
        if i != 1:
            feedback(value)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[1].system_attrs["fail_reason"] == "no feedback was given for this example"


def test_breaking_out_of_the_loop_leaves_no_trial_running():
    study = optuna.create_study(direction="maximize")
    for example, _feedback in sample(program, study=study):
        with example():
            program()
        break
    assert [t.state for t in study.trials] == [TrialState.FAIL]


def test_nan_feedback_fails_the_example_and_says_so():
    study = optuna.create_study(direction="maximize")
    loop = sample(program, study=study, num_examples=1)
    _example, feedback = next(loop)
    with pytest.raises(ValueError, match="feedback value is NaN"):
        feedback(float("nan"))
    assert study.trials[0].state == TrialState.FAIL


def test_feedback_report_prunes():
    study = optuna.create_study(
        direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.5)
    )
    loop = sample(program, study=study, num_examples=1)
    _example, feedback = next(loop)
    assert feedback.report(0.1, step=0) is True
    assert feedback.report(0.9, step=1) is False
    loop.close()  # closing the loop settles the example
    assert study.trials[0].state == TrialState.FAIL


def test_sample_rejects_non_spaces():
    with pytest.raises(TypeError, match="traced Space, a function, a symbolic object"):
        next(sample(42))


def test_an_explicit_algorithm_is_used_on_a_given_study():
    import optuna

    from nas_notebook import floatv, sample
    from nas_notebook.algorithms import RegularizedEvolution

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))

    def f():
        return floatv(0.0, 1.0, name="x")

    used = []
    for example, feedback in sample(f, "evolution", 3, study=study, seed=0):
        used.append(type(example.trial.study.sampler))
        with example():
            feedback(f())
    assert used == [RegularizedEvolution] * 3
    assert isinstance(study.sampler, optuna.samplers.TPESampler)  # the caller's object as it was
    assert len(study.trials) == 3  # the same study


def test_a_given_study_keeps_its_own_sampler_without_an_algorithm():
    import optuna

    from nas_notebook import floatv, sample

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    for example, feedback in sample(lambda: floatv(0.0, 1.0, name="x"), num_examples=2, study=study):
        assert isinstance(example.trial.study.sampler, optuna.samplers.TPESampler)
        with example():
            feedback(0.5)
