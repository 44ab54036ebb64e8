import json
import math
import os
import socket

import numpy as np
import pytest

# The README's install includes torch: in CI a missing torch is a failure, not a skip.
torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")

from nas_notebook.benchmarks import (  # noqa: E402
    cell_index,
    cell_ops,
    isomorphism_classes,
    pilot,
)
from nas_notebook.benchmarks._build_batched import (  # noqa: E402
    BatchedNetworks,
    initial_network,
)
from nas_notebook.benchmarks._build_training import train_cells  # noqa: E402
from nas_notebook.benchmarks._pilot_data import load_folds  # noqa: E402
from nas_notebook.benchmarks.nas201_model import Network  # noqa: E402


def test_the_sample_is_fixed_and_holds_the_required_cells():
    cells = pilot.pilot_sample()
    assert cells == pilot.pilot_sample() and cells == sorted(set(cells))
    assert len(cells) == 200
    assert cell_index(("conv_3x3",) * 6) in cells
    representatives = {members[0] for members in isomorphism_classes().values()}
    assert set(cells) <= representatives
    ops = [cell_ops(c) for c in cells]
    assert sum("none" in o for o in ops) > 50 and sum("skip_connect" in o for o in ops) > 50
    assert sum("none" not in o and "skip_connect" not in o for o in ops) > 10


def test_split_half_of_identical_and_of_reversed_halves():
    ranks = np.arange(40.0)
    same = np.stack([ranks, ranks], axis=1)
    stats = pilot.split_half(same)
    for key in ("spearman", "spearman_better_half", "top10", "top20"):
        assert stats[key] == 1.0
    assert stats["runs_per_half"] == 1 and stats["splits"] == 1
    reversed_ = pilot.split_half(np.stack([ranks, -ranks], axis=1))
    assert reversed_["spearman"] == -1.0 and reversed_["top10"] == reversed_["top20"] == 0.0
    # four runs split in two halves of two: three ways
    assert pilot.split_half(np.tile(ranks[:, None], (1, 4)))["splits"] == 3


def test_top_agreement_counts_ties_at_the_threshold_as_a_random_break():
    a = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    b = np.array([5.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    # top 2 of a: cells 0 and 1; of b: cell 0 and one of cells 1..3 (a third each)
    assert pilot.top_agreement(a, b, 0.2) == pytest.approx((1 + 1 / 3) / 2)
    assert pilot.top_agreement(np.zeros(10), np.zeros(10), 0.1) == pytest.approx(0.1)


def test_spearman_brown_values_and_the_runs_it_needs():
    assert pilot.spearman_brown(0.5, 2) == pytest.approx(2 / 3)
    assert pilot.spearman_brown(0.6, 1) == pytest.approx(0.6)
    assert pilot.spearman_brown(0.8, 0.5) == pytest.approx(0.4 / 0.6)
    assert pilot.runs_needed(0.6, 1, 0.9) == pytest.approx(6.0)
    assert pilot.runs_needed(0.9, 3, 0.9) == pytest.approx(3.0)
    for r, half in [(0.3, 1), (0.62, 1), (0.85, 2), (0.5, 4)]:
        single = r / (half - (half - 1) * r)
        assert pilot.spearman_brown(single, half) == pytest.approx(r)
        assert pilot.spearman_brown(single, pilot.runs_needed(r, half)) == pytest.approx(0.9)
    assert math.isinf(pilot.runs_needed(0.0, 1)) and math.isinf(pilot.runs_needed(-0.2, 1))


def test_the_projection_matches_gaussian_data():
    rng = np.random.default_rng(1)
    scores = rng.normal(0, 1, (20_000, 1)) + rng.normal(0, 1, (20_000, 8))
    one = pilot.split_half(scores[:, :2])
    four = pilot.split_half(scores, per_half=4)
    projected = pilot.project(one, [1, 4])
    for key in ("spearman", "top10", "top20"):
        assert projected[1][key] == pytest.approx(one[key], abs=1e-6)
        assert projected[4][key] == pytest.approx(four[key], abs=0.02)
    # top-10 % agreement of a bivariate normal: its known ends, and the inverse
    assert pilot.normal_top_agreement(0.0) == pytest.approx(0.1)
    assert pilot.normal_top_agreement(1.0) == 1.0 and pilot.latent_correlation(1.0) == 1.0
    for r in (-0.5, 0.2, 0.7, 0.95):
        assert pilot.latent_correlation(pilot.normal_top_agreement(r)) == pytest.approx(r)
    assert pilot.normal_top_agreement(0.5, 0.2) > pilot.normal_top_agreement(0.5, 0.1)
    # the runs for top-10 % agreement 0.7 give that agreement when projected
    needed = pilot.runs_for_top(one["top10"], 1)
    assert pilot.project(one, [math.ceil(needed)])[math.ceil(needed)]["top10"] >= 0.7
    # a rho that is not positive does not grow
    flat = {**one, "spearman_better_half": -0.05}
    assert pilot.project(flat, [8])[8]["spearman_better_half"] == -0.05


def test_split_half_with_fewer_runs_per_half_and_its_standard_errors():
    rng = np.random.default_rng(2)
    scores = rng.normal(0, 1, (300, 1)) + rng.normal(0, 1, (300, 6))
    one, three = (pilot.split_half(scores, per_half=m) for m in (1, 3))
    assert one["splits"] == 15 and three["splits"] == 10
    # Spearman-Brown from one run per half predicts three
    assert pilot.spearman_brown(one["spearman"], 3) == pytest.approx(three["spearman"], abs=0.04)
    with pytest.raises(ValueError, match="no two halves"):
        pilot.split_half(scores, per_half=4)
    se = pilot.split_half_se(scores, draws=30)
    assert 0.01 < se["spearman"] < 0.1 and se["top10"] > se["spearman"]


def _cells_1d():
    return [0, 15_624, 11_718, 3_906, 1_234, 8_000, 5, 777]


def test_the_1d_batched_forward_equals_each_plain_1d_network():
    cells, channels = _cells_1d(), 4
    model = BatchedNetworks([cell_ops(c) for c in cells], channels, dims=1)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)
    x = torch.rand(5, 1, 40)
    logits = model(x)
    assert logits.shape == (5, len(cells), 10)
    for row, cell in enumerate(cells):
        net = Network(cell_ops(cell), channels=channels, dims=1)
        net.load_state_dict(model.network_state(row))
        torch.testing.assert_close(logits[:, row], net(x), atol=1e-5, rtol=1e-5)
    assert all(p.dim() in (1, 2, 3, 4) for p in Network(cell_ops(cells[1]), 4, dims=1).parameters())
    with pytest.raises(ValueError, match="dims"):
        Network(cell_ops(1), 4, dims=3)


def _plain_training(cell, seed, data, settings):
    """One cell trained alone, as the protocol says, with the plain 1-D module."""
    net = initial_network(cell, seed, settings["channels"], dims=1)
    x, y = data["train"]
    batch, epochs = settings["batch_size"], settings["epochs"]
    steps = math.ceil(len(y) / batch)
    opt = torch.optim.Adam(net.parameters(), lr=settings["optimizer"]["lr"])
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1 + math.cos(math.pi * step / (epochs * steps)))
    )
    generator = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        total = 0.0
        for step in range(steps):
            index = order[step * batch : (step + 1) * batch]
            loss = torch.nn.functional.cross_entropy(net(x[index]), y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            total += loss.item() * len(index)
    with torch.no_grad():
        valid = torch.nn.functional.cross_entropy(net(data["valid"][0]), data["valid"][1])
    return total / len(y), valid.item()


def test_the_1d_trainer_matches_plain_networks_trained_alone():
    generator = torch.Generator().manual_seed(0)
    data = {
        "train": (torch.randn(150, 1, 40, generator=generator), torch.arange(150) % 10),
        "valid": (torch.randn(60, 1, 40, generator=generator), torch.arange(60) % 10),
    }
    settings = pilot.protocol("mnist1d-2k", epochs=1, channels=4)
    cells = _cells_1d()[:5]
    out = train_cells(cells, 3, data, settings)
    assert "test_loss" not in out and out["valid_loss"].shape == (5, 1)
    for row, cell in enumerate(cells):
        train_loss, valid_loss = _plain_training(cell, 3, data, settings)
        assert out["train_loss"][row, 0] == pytest.approx(train_loss, rel=1e-4, abs=1e-5)
        assert out["valid_loss"][row, 0] == pytest.approx(valid_loss, rel=1e-4, abs=1e-5)


def test_epochs_before_the_validated_ones_are_nan():
    data = load_folds({"name": "digits", "train": 100})[0]
    settings = pilot.protocol("digits-train450", epochs=3, eval_epochs=1, channels=2)
    out = train_cells([11_718], 0, data, settings)
    assert np.isnan(out["valid_acc"][0, :2]).all() and np.isfinite(out["valid_acc"][0, 2])


def test_the_folds_validate_every_digit_once():
    folds = load_folds({"name": "digits", "folds": 3})
    assert len(folds) == 3 and sum(len(f["valid"][1]) for f in folds) == 1797
    for fold in folds:
        assert len(fold["train"][1]) + len(fold["valid"][1]) == 1797
    (small,) = load_folds({"name": "digits", "train": 450})
    assert (len(small["train"][1]), len(small["valid"][1])) == (450, 1347)


def test_mnist1d_is_generated_offline_and_leaves_the_global_random_state(monkeypatch):
    pytest.importorskip("mnist1d")
    from nas_notebook.benchmarks._pilot_data import mnist1d_split

    def refuse(*args, **kwargs):
        raise AssertionError("MNIST-1D must be generated, never downloaded")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    state = np.random.get_state()[1].copy()
    first = mnist1d_split(100, 200)
    assert (np.random.get_state()[1] == state).all()
    x, y = first["valid"]
    assert x.shape == (200, 1, 40) and x.dtype == np.float32 and set(y.tolist()) == set(range(10))
    assert np.array_equal(mnist1d_split(100, 200)["train"][0], first["train"][0])


def test_a_quick_pilot_runs_end_to_end(tmp_path, capsys):
    assert pilot.main(["digits-cv2", "--quick", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "digits-cv2.json").read_text())
    assert report["protocol"]["epochs"] == 1 and len(report["cells"]) == 8
    assert len(report["runs"]["valid_acc"]) == 8 and len(report["runs"]["valid_acc"][0]) == 2
    for name in pilot.METRICS:
        assert name in printed
        metric = report["metrics"][name]
        assert set(metric["measured"]) >= {"spearman", "spearman_better_half", "top10", "top20"}
        assert set(metric["runs_per_cell"]) == {
            "spearman_0.9",
            "spearman_better_half_0.9",
            "top10_0.7",
            "top20_0.7",
        }
    assert report["cpu_s_per_run"] > 0 and 0 <= report["valid_acc_mean_over_runs"]["min"] <= 1
    assert pilot.main(["--table", "--out", str(tmp_path)]) == 0
    assert "digits-cv2" in capsys.readouterr().out


def test_many_runs_are_split_by_drawing_distinct_halves():
    from nas_notebook.benchmarks._pilot_stats import MAX_SPLITS, _halves

    rng = np.random.default_rng(0)
    # 16 runs in halves of 4 make 450,450 splits: listing them all took hours
    splits = _halves(16, 4, rng)
    assert len(splits) == MAX_SPLITS
    assert len({frozenset((tuple(a), tuple(b))) for a, b in splits}) == MAX_SPLITS
    assert all(len(a) == len(b) == 4 and not set(a) & set(b) for a, b in splits)
    # few enough: every split, each once
    assert len(_halves(5, 2, rng)) == 15
    assert sorted(map(tuple, (a + b for a, b in _halves(4, 2, rng)))) == [
        (0, 1, 2, 3),
        (0, 2, 1, 3),
        (0, 3, 1, 2),
    ]
