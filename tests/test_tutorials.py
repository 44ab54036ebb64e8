"""The tutorials form one documented set: each is listed in the README's map, and each is
executed by a test module of the suite (one that reads its file and runs it in a kernel)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def test_the_tutorials_are_numbered_in_order():
    numbers = [int(path.name[:2]) for path in TUTORIALS]
    assert numbers == list(range(1, len(TUTORIALS) + 1))


def test_every_tutorial_is_in_the_readme_map():
    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"^\| `(\d\d_\w+)` \|", readme, re.M)
    assert listed == [path.stem for path in TUTORIALS]


def test_every_tutorial_is_executed_by_a_test():
    runners = {
        path.name: path.read_text()
        for path in (ROOT / "tests").glob("test_*.py")
        if "execute(" in path.read_text()
    }
    for tutorial in TUTORIALS:
        executed_by = [name for name, text in runners.items() if f'"{tutorial.name}"' in text]
        assert executed_by, f"no test executes notebooks/{tutorial.name}"
