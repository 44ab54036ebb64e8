"""What every benchmark records about the machine and the versions it ran with."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from typing import Any

import numpy as np
import optuna

import nas_notebook as nb


def environment(**extra: Any) -> dict[str, Any]:
    """Python, Optuna, numpy and nas_notebook versions, the platform, the CPU count and load, the
    time (UTC), plus ``extra`` (a benchmark's own versions or settings)."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "optuna": optuna.__version__,
        "numpy": np.__version__,
        "nas_notebook": nb.__version__,
        **extra,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
