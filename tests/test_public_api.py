import importlib

import pytest

MODULES = [
    "nas_notebook",
    "nas_notebook.space",
    "nas_notebook.trial",
    "nas_notebook.study",
    "nas_notebook.search",
    "nas_notebook.executors",
    "nas_notebook.algorithms",
    "nas_notebook.magics",
    "nas_notebook.widgets",
    "nas_notebook.plots",
    "nas_notebook.testing",
    "nas_notebook.benchmarks",
    "nas_notebook.symbolic",
    "nas_notebook.torch",
    "nas_notebook.data",
]


def _isort_key(name: str) -> tuple[int, str]:
    """The order of ruff's RUF022: constants, then classes, then the rest, each sorted."""
    if name.isupper() or (name.replace("_", "").isupper() and "_" in name):
        return (0, name)
    return (1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_complete(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported, key=_isort_key), "sort it as `ruff check --fix` does"
    for item in exported:
        assert hasattr(module, item), f"{name}.{item} is in __all__ but missing"
    ours = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_")
        and getattr(value, "__module__", "").startswith("nas_notebook")
        and callable(value)
    }
    assert ours <= set(exported), ours - set(exported)


def test_importing_the_package_does_not_import_torch_or_torchvision():
    import subprocess
    import sys

    code = "import sys, nas_notebook; print('torch' in sys.modules, 'torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_benchmark_space_imports_without_torch():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"  # any torch import now fails
        "from nas_notebook.benchmarks import cell_ops, search_space, flops\n"
        "print(cell_ops(0), flops(cell_ops(0)) > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
