"""``nas_notebook.data``: the digits split offline; the torchvision data sets' errors when
torchvision is missing or the files are absent, and their conversion to tensors (through a
stand-in ``torchvision`` module here: the real one does not import beside this torch build).
The real torchvision path runs where torchvision imports and skips elsewhere, saying so."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nas_notebook.data import (  # noqa: E402
    DATASETS,
    DatasetUnavailableError,
    DataSplit,
    default_root,
    load_dataset,
)


def test_digits_is_split_three_ways_stratified_and_reproducible():
    data = load_dataset()
    assert isinstance(data, DataSplit) and data.name == "digits"
    sizes = [len(getattr(data, part)[1]) for part in data.parts()]
    assert sizes == [1078, 359, 360]
    x, y = data.train
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert tuple(x.shape[1:]) == data.input_shape == (1, 8, 8) and data.n_features == 64
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    # Stratified: every class in every split, in about the same proportion.
    for part in data.parts():
        counts = np.bincount(getattr(data, part)[1].numpy(), minlength=10)
        assert counts.min() > 0.8 * counts.max()
    # Disjoint: no image of the validation or test split is also a training image.
    train = {row.tobytes() for row in data.train[0].numpy().reshape(len(y), -1)}
    for part in ("valid", "test"):
        images = getattr(data, part)[0].numpy()
        assert sum(row.tobytes() in train for row in images.reshape(len(images), -1)) < 5
    again = load_dataset("digits")
    assert torch.equal(again.valid[0], data.valid[0])
    other = load_dataset("digits", seed=1)
    assert not torch.equal(other.valid[1], data.valid[1])


def test_limit_keeps_a_seeded_subset_of_each_split():
    data = load_dataset("digits", limit=50, seed=3)
    assert [len(getattr(data, p)[1]) for p in data.parts()] == [50, 50, 50]
    assert torch.equal(load_dataset("digits", limit=50, seed=3).train[0], data.train[0])
    with pytest.raises(ValueError, match="`limit` must be at least 1"):
        load_dataset("digits", limit=0)


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown data set `name` 'svhn'; known: digits, mnist"):
        load_dataset("svhn")
    assert DATASETS == ("digits", "mnist", "fashion_mnist", "cifar10")


def test_default_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NAS_NOTEBOOK_DATA", str(tmp_path))
    assert default_root() == tmp_path
    monkeypatch.delenv("NAS_NOTEBOOK_DATA")
    assert default_root() == Path.home() / ".cache" / "nas_notebook" / "data"


def test_without_torchvision_the_error_says_so_and_points_to_digits(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import raises ImportError
    with pytest.raises(
        DatasetUnavailableError,
        match=r"load_dataset\('fashion_mnist'\) needs "
        r"torchvision, which does not import here .*use 'digits'",
    ):
        load_dataset("fashion_mnist")


class _FakeSet:
    """What torchvision's MNIST/CIFAR classes keep in memory: ``data`` and ``targets``."""

    calls: list[dict] = []
    files = True

    def __init__(self, root, train, download, **_):
        type(self).calls.append({"root": root, "train": train, "download": download})
        if not (type(self).files or download):
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        if not type(self).files:
            raise OSError("[Errno 101] Network is unreachable")
        n = 12 if train else 4
        rng = np.random.default_rng(int(train))
        self.data, self.targets, self.classes = self.make(rng, n)


class _FakeMNIST(_FakeSet):
    @staticmethod
    def make(rng, n):
        data = torch.from_numpy(rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8))
        return data, torch.arange(n) % 10, [f"class {i}" for i in range(10)]


class _FakeCIFAR(_FakeSet):
    @staticmethod
    def make(rng, n):
        data = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)  # numpy, HWC
        return data, [i % 10 for i in range(n)], [f"c{i}" for i in range(10)]


@pytest.fixture
def fake_torchvision(monkeypatch):
    module = types.ModuleType("torchvision")
    module.datasets = types.SimpleNamespace(
        MNIST=_FakeMNIST, FashionMNIST=_FakeMNIST, CIFAR10=_FakeCIFAR
    )
    monkeypatch.setitem(sys.modules, "torchvision", module)
    _FakeSet.calls, _FakeSet.files = [], True
    yield _FakeSet
    _FakeSet.files = True


def test_torchvision_sets_become_tensors_with_a_held_out_validation_split(
    fake_torchvision, monkeypatch, tmp_path
):
    import nas_notebook.data._datasets as datasets

    monkeypatch.setitem(
        datasets._TORCHVISION,
        "fashion_mnist",
        datasets._Torchvision("FashionMNIST", "FashionMNIST", 2),
    )
    data = load_dataset("fashion_mnist", root=tmp_path)
    assert fake_torchvision.calls == [
        {"root": str(tmp_path), "train": True, "download": False},
        {"root": str(tmp_path), "train": False, "download": False},
    ]
    assert [len(getattr(data, p)[1]) for p in data.parts()] == [10, 2, 4]
    x, y = data.train
    assert x.shape == (10, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0 and float(x.max()) > 0.9
    assert data.input_shape == (1, 28, 28) and data.n_features == 784
    assert data.classes[0] == "class 0" and torch.equal(data.valid[1], torch.tensor([0, 1]))

    monkeypatch.setitem(
        datasets._TORCHVISION, "cifar10", datasets._Torchvision("CIFAR10", "cifar-10-batches-py", 3)
    )
    cifar = load_dataset("cifar10", root=tmp_path, limit=5)
    assert cifar.train[0].shape == (5, 3, 32, 32) and cifar.valid[0].shape == (3, 3, 32, 32)


def test_missing_files_name_the_folder_and_the_way_out(fake_torchvision, tmp_path):
    fake_torchvision.files = False
    with pytest.raises(DatasetUnavailableError) as error:
        load_dataset("mnist", root=tmp_path)
    message = str(error.value)
    assert f"the MNIST files are not under {tmp_path / 'MNIST'}" in message
    assert "download=True" in message and "Dataset not found" in message
    with pytest.raises(
        DatasetUnavailableError, match=r"could not fetch MNIST .*Network is unreachable"
    ):
        load_dataset("mnist", root=tmp_path, download=True)


def _real_torchvision():
    try:
        import torchvision  # noqa: F401
    except Exception as exc:
        pytest.skip(
            f"torchvision does not import beside this torch ({type(exc).__name__}: {exc}); "
            "the real torchvision path is checked where it does"
        )


def test_real_torchvision_reports_missing_files(tmp_path):
    _real_torchvision()
    with pytest.raises(DatasetUnavailableError, match="files are not under"):
        load_dataset("fashion_mnist", root=tmp_path)


def test_real_torchvision_reads_files_on_disk(tmp_path):
    _real_torchvision()
    import os

    root = os.environ.get("NAS_NOTEBOOK_DATA")
    if not root or not (Path(root) / "FashionMNIST").is_dir():
        pytest.skip("no FashionMNIST files under $NAS_NOTEBOOK_DATA")
    data = load_dataset("fashion_mnist", root=root)
    assert [len(getattr(data, p)[1]) for p in data.parts()] == [50_000, 10_000, 10_000]
    assert data.input_shape == (1, 28, 28) and len(data.classes) == 10
