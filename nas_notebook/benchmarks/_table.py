"""The tabulated benchmark's file: compressed numpy arrays, the build protocol as JSON metadata,
and a sha256 checksum of the arrays that :func:`load_table` verifies. No torch needed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["checksum", "load_table", "write_table"]


def checksum(arrays: dict[str, np.ndarray]) -> str:
    """sha256 over the arrays, in name order (name, dtype, shape and bytes of each).

    Example:
        >>> checksum({"a": np.zeros(2)}) == checksum({"a": np.zeros(2)})
        True
    """
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def write_table(
    path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: dict[str, Any]
) -> dict[str, Any]:
    """Write ``arrays`` and ``meta`` (plus the arrays' checksum) to ``path`` atomically; returns
    the metadata written.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.npz"
        >>> meta = write_table(path, {"x": np.arange(3)}, {"protocol": {"epochs": 1}})
        >>> sorted(meta), len(meta["sha256"])
        (['protocol', 'sha256'], 64)
    """
    meta = {**meta, "sha256": checksum(arrays)}
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp.npz")
    np.savez_compressed(tmp, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
    os.replace(tmp, target)
    return meta


def load_table(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a table: (metadata, arrays); raises ``ValueError`` on a checksum mismatch.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.npz"
        >>> _ = write_table(path, {"x": np.arange(3)}, {"protocol": {}})
        >>> load_table(path)[1]["x"].tolist()
        [0, 1, 2]
    """
    with np.load(path) as z:
        arrays = {name: z[name] for name in z.files}
    meta = json.loads(str(arrays.pop("meta")))
    if checksum(arrays) != meta["sha256"]:
        raise ValueError(f"{path}: checksum mismatch (the file was changed or is damaged)")
    return meta, arrays
