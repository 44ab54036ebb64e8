"""Image classification data sets as tensors, split into train / valid / test.

``digits`` (scikit-learn's 8x8 digits, shipped with scikit-learn) is the default and always
loads offline. ``mnist``, ``fashion_mnist`` and ``cifar10`` come through torchvision: it is
imported only when one of them is asked for (it is an optional dependency, and a torchvision
built for another torch fails at import), and the files must be on disk under ``root``, or
``download=True`` fetches them. Either failure raises :class:`DatasetUnavailableError` naming
what is missing and where it was looked for.

Everything is held in memory as tensors, which suits the small data sets a notebook searches:
images ``(N, C, H, W)`` float32 in ``[0, 1]``, labels int64. Worker processes get them with the
trial's other free names, once per worker.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = [
    "DATASETS",
    "DataSplit",
    "DatasetUnavailableError",
    "default_root",
    "load_dataset",
]

Pair = tuple["torch.Tensor", "torch.Tensor"]


class DatasetUnavailableError(RuntimeError):
    """A data set that cannot be loaded here: torchvision does not import, or its files are
    not under the root and were not downloaded. The message says which, and what to do.

    Example:
        >>> from nas_notebook.data import DatasetUnavailableError, load_dataset
        >>> try:
        ...     split = load_dataset("cifar10", root="/nonexistent")
        ... except DatasetUnavailableError as error:
        ...     print("load_dataset('cifar10')" in str(error))
        True
    """


@dataclass(frozen=True)
class DataSplit:
    """A data set split three ways, as tensors.

    Attributes:
        name: The data set's name, as :func:`load_dataset` takes it.
        train: ``(images, labels)`` to train on.
        valid: ``(images, labels)`` to select on: what a search scores its trials with.
        test: ``(images, labels)`` held out: the data set's own test split when it has one.
        classes: The class names, by label.
        input_shape: The shape of one image, ``(C, H, W)``.

    Example:
        >>> data = load_dataset("digits")
        >>> images, labels = data.train
        >>> images.shape[1:] == data.input_shape, len(data.classes), data.n_features
        (True, 10, 64)
    """

    name: str
    train: Pair
    valid: Pair
    test: Pair
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]

    @property
    def n_features(self) -> int:
        """The number of values in one image (the input width of a flat MLP)."""
        return int(np.prod(self.input_shape))

    def __repr__(self) -> str:
        sizes = ", ".join(f"{part}={len(getattr(self, part)[1])}" for part in self.parts())
        return f"DataSplit({self.name!r}, {sizes}, input_shape={self.input_shape})"

    @staticmethod
    def parts() -> tuple[str, str, str]:
        """The names of the three splits."""
        return ("train", "valid", "test")


@dataclass(frozen=True)
class _Torchvision:
    """How to read one torchvision data set: its class name, the folder its files go in under
    ``root``, and the held-out part of its training split used for validation."""

    cls: str
    folder: str
    valid_size: int


_TORCHVISION = {
    "mnist": _Torchvision("MNIST", "MNIST", 10_000),
    "fashion_mnist": _Torchvision("FashionMNIST", "FashionMNIST", 10_000),
    "cifar10": _Torchvision("CIFAR10", "cifar-10-batches-py", 5_000),
}

#: The names :func:`load_dataset` knows.
DATASETS: tuple[str, ...] = ("digits", *_TORCHVISION)


def default_root() -> Path:
    """Where torchvision data sets are looked for: ``$NAS_NOTEBOOK_DATA``, else
    ``~/.cache/nas_notebook/data``.

    Example:
        >>> import os
        >>> os.environ["NAS_NOTEBOOK_DATA"] = "/data/sets"
        >>> str(default_root())
        '/data/sets'
        >>> del os.environ["NAS_NOTEBOOK_DATA"]
    """
    given = os.environ.get("NAS_NOTEBOOK_DATA")
    return Path(given).expanduser() if given else Path.home() / ".cache" / "nas_notebook" / "data"


def load_dataset(
    name: str = "digits",
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    limit: int | None = None,
    seed: int = 0,
) -> DataSplit:
    """Load an image classification data set as tensors split into train, valid and test.

    Args:
        name: One of :data:`DATASETS`: ``"digits"`` (scikit-learn's 1,797 8x8 digits, split
            60/20/20, stratified), ``"mnist"``, ``"fashion_mnist"`` (their last 10,000 training
            images are the validation split, as in Syne Tune's FashionMNIST example) or
            ``"cifar10"`` (last 5,000), with the data set's own test split.
        root: Where torchvision's files are (default: :func:`default_root`); not used by
            ``digits``.
        download: Let torchvision fetch missing files (needs network access).
        limit: Keep at most this many examples of each split (a seeded random subset: a quick
            search on a laptop CPU).
        seed: Seed of the digits split and of the ``limit`` subsets.

    Returns:
        The :class:`DataSplit`.

    Raises:
        ValueError: An unknown ``name`` (the message lists the known ones) or a ``limit``
            below 1.
        DatasetUnavailableError: torchvision does not import, or the files are missing.

    Example:
        >>> data = load_dataset("digits")
        >>> data
        DataSplit('digits', train=1078, valid=359, test=360, input_shape=(1, 8, 8))
        >>> data.train[0].dtype, data.n_features, data.classes[:3]
        (torch.float32, 64, ('0', '1', '2'))
        >>> load_dataset("digits", limit=100).train[0].shape
        torch.Size([100, 1, 8, 8])
    """
    if name not in DATASETS:
        raise ValueError(
            f"load_dataset: unknown data set `name` {name!r}; known: {', '.join(DATASETS)}"
        )
    if limit is not None and limit < 1:
        raise ValueError(f"load_dataset: `limit` must be at least 1, got {limit!r}")
    if name == "digits":
        split = _digits(seed)
    else:
        location = Path(root).expanduser() if root is not None else default_root()
        split = _from_torchvision(name, _TORCHVISION[name], location, download)
    return split if limit is None else _limited(split, limit, seed)


def _digits(seed: int) -> DataSplit:
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_rest, y_train, y_rest = train_test_split(
        x, y, train_size=0.6, stratify=y, random_state=seed
    )
    x_valid, x_test, y_valid, y_test = train_test_split(
        x_rest, y_rest, train_size=0.5, stratify=y_rest, random_state=seed
    )

    def pair(images: np.ndarray, labels: np.ndarray) -> Pair:
        return torch.from_numpy(images), torch.from_numpy(labels)

    return DataSplit(
        "digits",
        pair(x_train, y_train),
        pair(x_valid, y_valid),
        pair(x_test, y_test),
        tuple(str(c) for c in digits.target_names),
        (1, 8, 8),
    )


def _import_torchvision(name: str) -> Any:
    try:
        import torchvision
    except Exception as exc:  # a torchvision built for another torch raises RuntimeError
        raise DatasetUnavailableError(
            f"load_dataset({name!r}) needs torchvision, which does not import here "
            f"({type(exc).__name__}: {exc}). Install the torchvision release that matches "
            "your torch, or use 'digits' (it ships with scikit-learn)."
        ) from exc
    return torchvision


def _from_torchvision(name: str, spec: _Torchvision, root: Path, download: bool) -> DataSplit:
    torchvision = _import_torchvision(name)
    make: Callable[..., Any] = getattr(torchvision.datasets, spec.cls)
    try:
        train = make(root=str(root), train=True, download=download)
        test = make(root=str(root), train=False, download=download)
    except RuntimeError as exc:
        if download:
            raise DatasetUnavailableError(
                f"load_dataset({name!r}): torchvision could not download {spec.cls} into "
                f"{root}: {exc}"
            ) from exc
        raise DatasetUnavailableError(
            f"load_dataset({name!r}): the {spec.cls} files are not under {root / spec.folder} "
            f"({exc}). Put them there, pass `root=` where they are, or pass download=True "
            "(needs network access)."
        ) from exc
    except OSError as exc:  # no network, a refused connection, an unwritable root
        raise DatasetUnavailableError(
            f"load_dataset({name!r}): torchvision could not fetch {spec.cls} into {root}: {exc}"
        ) from exc
    x, y = _tensors(train)
    cut = len(y) - spec.valid_size
    classes = tuple(str(c) for c in getattr(train, "classes", range(int(y.max()) + 1)))
    return DataSplit(
        name, (x[:cut], y[:cut]), (x[cut:], y[cut:]), _tensors(test), classes, tuple(x.shape[1:])
    )


def _tensors(dataset: Any) -> Pair:
    """A torchvision data set's in-memory arrays as ``(N, C, H, W)`` floats in ``[0, 1]`` and
    int64 labels (MNIST keeps ``(N, H, W)`` uint8 tensors, CIFAR ``(N, H, W, C)`` arrays)."""
    import torch

    images = torch.as_tensor(np.asarray(dataset.data))
    if images.ndim == 3:
        images = images.unsqueeze(1)
    elif images.ndim == 4 and images.shape[-1] in (1, 3):
        images = images.permute(0, 3, 1, 2)
    labels = torch.as_tensor(np.asarray(dataset.targets), dtype=torch.int64)
    return images.float().div_(255.0).contiguous(), labels


def _limited(split: DataSplit, limit: int, seed: int) -> DataSplit:
    import torch

    generator = torch.Generator().manual_seed(seed)

    def subset(pair: Pair) -> Pair:
        if len(pair[1]) <= limit:
            return pair
        keep = torch.randperm(len(pair[1]), generator=generator)[:limit]
        return pair[0][keep], pair[1][keep]

    return dataclasses.replace(
        split, train=subset(split.train), valid=subset(split.valid), test=subset(split.test)
    )
