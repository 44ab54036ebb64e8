"""Factorized search: an outer ``sample`` decides the decisions its ``partition`` accepts, an
inner ``sample`` over each outer example searches the others. Neither loop's algorithm sees the
other's decisions, and each feedback reaches its own study."""

import optuna
import pytest

from nas_notebook import SearchSpaceError, floatv, intv, oneof, sample

OPS = ["conv3", "conv1", "pool"]


def cell():
    ops = [oneof(OPS, name=f"op{i}") for i in range(3)]
    lr = floatv(1e-3, 1e-1, log=True, name="lr")
    epochs = intv(1, 5, name="epochs")
    # the best architecture is all conv3; the best hyperparameters are lr 1e-2, 5 epochs
    score = sum(op == "conv3" for op in ops) - abs(__import__("math").log10(lr) + 2) + epochs / 5
    return score


def test_each_loop_sees_only_its_decisions_and_gets_its_feedback():
    seen_outer, inner_studies = [], []
    outer_loop = sample(
        cell,
        "evolution:population_size=4,tournament_size=2",
        12,
        seed=0,
        partition=lambda name: name.startswith("op"),
    )
    for outer, outer_feedback in outer_loop:
        best = float("-inf")
        for inner, inner_feedback in sample(outer, "tpe", 6, seed=1):
            with inner():
                score = cell()
            inner_feedback(score)
            best = max(best, score)
            # the inner example carries the outer choices, fixed across the inner loop
            assert {k: inner.values[k] for k in ("op0", "op1", "op2")} == outer.values
        inner_studies.append(inner.trial.study)
        seen_outer.append(dict(outer.values))
        outer_feedback(best)
    outer_study = outer.trial.study
    # the outer algorithm's study holds only the architecture, valued by the inner loops' best
    assert len(outer_study.trials) == 12
    for trial, values, inner_study in zip(outer_study.trials, seen_outer, inner_studies):
        assert set(trial.params) == {"op0", "op1", "op2"} and trial.params == values
        assert set(trial.distributions) == {"op0", "op1", "op2"}
        assert trial.value == pytest.approx(inner_study.best_value)
        # each inner study holds only the hyperparameters, and one study per outer example
        assert len(inner_study.trials) == 6
        assert all(set(t.params) == {"lr", "epochs"} for t in inner_study.trials)
    assert len({id(s) for s in inner_studies}) == 12
    # evolution's lineage stays within the outer loop
    children = [t for t in outer_study.trials if "evolution:parent" in t.system_attrs]
    assert children and all(t.system_attrs["evolution:mutated"].startswith("op") for t in children)


def test_outer_examples_refuse_inner_decisions_and_plain_examples_are_no_space():
    for outer, outer_feedback in sample(cell, "random", 1, partition=lambda n: n == "lr"):
        with pytest.raises(SearchSpaceError, match="'op0' is left to an inner loop"), outer():
            cell()
        outer_feedback.skip("not evaluated")
    for example, feedback in sample(cell, "random", 1):
        with pytest.raises(ValueError, match="give the outer sample"):
            next(sample(example, "random", 1))
        feedback.skip()
    for outer, _ in sample(cell, "random", 1, partition=lambda n: n == "lr"):
        with pytest.raises(ValueError, match="`partition` is for the outer loop"):
            next(sample(outer, "random", 1, partition=lambda n: True))
    assert outer.trial.study.trials[-1].state == optuna.trial.TrialState.FAIL  # no feedback given


def test_factorized_search_finds_the_optimum_of_both_parts():
    best_outer = None
    for outer, outer_feedback in sample(
        cell, "random", 27, seed=3, partition=lambda n: n.startswith("op")
    ):
        scores = []
        for inner, inner_feedback in sample(outer, "tpe", 25, seed=0):
            with inner():
                scores.append(cell())
            inner_feedback(scores[-1])
        outer_feedback(max(scores))
    best_outer = outer.trial.study.best_trial
    assert best_outer.params == {"op0": "conv3", "op1": "conv3", "op2": "conv3"} or (
        best_outer.value > 3.5
    )
