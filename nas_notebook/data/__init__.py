"""Data sets for searches: scikit-learn's digits offline by default; MNIST, FashionMNIST and
CIFAR-10 through torchvision when it imports and the files are there (needs torch).

Example:
    >>> from nas_notebook.data import load_dataset
    >>> load_dataset().valid[0].shape
    torch.Size([359, 1, 8, 8])
"""

from ._datasets import DATASETS, DatasetUnavailableError, DataSplit, default_root, load_dataset

__all__ = ["DATASETS", "DataSplit", "DatasetUnavailableError", "default_root", "load_dataset"]
