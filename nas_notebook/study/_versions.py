"""Study names and their versions: a name already used in a storage gets a numbered sibling
(``net``, ``net.2``, ``net.3``...), and resuming ``net`` continues the latest of them."""

from __future__ import annotations

from optuna.storages import BaseStorage

__all__ = ["continued_seed", "latest_version", "next_version", "study_names", "version_number"]


def study_names(storage: BaseStorage) -> list[str]:
    """The names of every study in ``storage``.

    Example:
        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> _ = optuna.create_study(storage=storage, study_name="net")
        >>> study_names(storage)
        ['net']
    """
    return [s.study_name for s in storage.get_all_studies()]


def _version_of(name: str, base: str) -> int | None:
    if name == base:
        return 1
    prefix, _, number = name.rpartition(".")
    return int(number) if prefix == base and number.isdigit() else None


def version_number(base: str, name: str) -> int:
    """The version of study ``name`` among the studies called ``base`` (0 for another name).

    Example:
        >>> version_number("net", "net"), version_number("net", "net.3"), version_number("net", "x")
        (1, 3, 0)
    """
    return _version_of(name, base) or 0


def latest_version(base: str, existing: list[str]) -> str:
    """The newest study of name ``base`` among ``existing`` (which must hold one).

    Example:
        >>> latest_version("net", ["net", "net.3", "net.2", "other"])
        'net.3'
    """
    versions = [(v, n) for n in existing if (v := _version_of(n, base)) is not None]
    return max(versions)[1]


def next_version(base: str, existing: list[str]) -> str:
    """The name a new study called ``base`` gets when ``existing`` already holds ``base``.

    Example:
        >>> next_version("net", ["net", "net.2"])
        'net.3'
    """
    versions = [v for n in existing if (v := _version_of(n, base)) is not None]
    return f"{base}.{max(versions) + 1}"


def continued_seed(seed: int, n_trials: int) -> int:
    """The seed for an algorithm that takes over a study of ``n_trials`` trials: reproducible,
    and different from the seed that drew those trials.

    Example:
        >>> continued_seed(0, 6) == continued_seed(0, 6) != continued_seed(0, 7)
        True
    """
    import numpy as np

    return int(np.random.SeedSequence([seed, n_trials]).generate_state(1)[0])
