"""``%%search NAME [options]``: run the cell as a search in the background."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Float, Unicode
from traitlets.config import Configurable

from .._errors import StorageError, UnknownAlgorithmError
from ..search import Search
from ..study import default_storage_url
from ..trial import TRIAL_NAMES
from ._command import OPTIONS, search_kwargs

__all__ = ["SearchMagics", "load_ipython_extension"]


def _with_options(fn: Any) -> Any:
    fn = argument("name", help="the study name; also the variable bound to the search handle")(fn)
    for flags, kwargs in reversed(OPTIONS):
        fn = argument(*flags, **kwargs)(fn)
    return magic_arguments()(fn)


@magics_class
class SearchMagics(Magics, Configurable):
    """The ``%%search`` cell magic. Defaults are configurable: ``%config SearchMagics.x = ...``."""

    default_storage = Unicode(
        None,
        allow_none=True,
        help="Storage URL used without --storage; None means a journal file per notebook folder "
        "(.nas_notebook/studies.journal).",
    ).tag(config=True)
    default_executor = Unicode("thread", help="Executor used without --executor.").tag(config=True)
    default_algo = Unicode("tpe", help="Algorithm used without --algo.").tag(config=True)
    dashboard = Bool(True, help="Show the live dashboard under the cell.").tag(config=True)
    refresh_interval = Float(0.5, help="Seconds between dashboard refreshes.").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        Configurable.__init__(self, config=shell.config if shell else None)
        Magics.__init__(self, shell=shell, **kwargs)
        if shell is not None:
            shell.configurables.append(self)

    @line_cell_magic
    @_with_options
    def search(self, line: str, cell: str | None = None) -> None:
        """Run the cell as a search: each trial runs the cell body with its hyper values
        (``oneof``, ``manyof``, ``floatv``, ``intv``) drawn by the algorithm. The last expression,
        or the metric named by ``--metric`` (``report(accuracy=...)``), is the objective.

        The cell returns at once (unless ``--executor inline``); NAME is bound to the
        :class:`~nas_notebook.Search` handle: ``NAME.best``, ``NAME.dataframe()``,
        ``NAME.wait()``, ``NAME.stop()``, ``NAME.study``.

        ``%search NAME --benchmark SPEC [options]`` (one line, no cell) searches a benchmark,
        which brings its own trial body, in simulated time unless ``--executor`` says otherwise.
        """
        args = parse_argstring(self.search, line)
        shell = self.shell
        assert shell is not None
        name = args.name
        if not name.isidentifier():
            raise UsageError(f"%%search: NAME must be a Python identifier, got {name!r}")
        if cell is None and args.benchmark is None:
            raise UsageError(
                f"%search {name}: the line form needs --benchmark; use %%search to search a cell"
            )
        try:
            kwargs = search_kwargs(args, shell.user_ns)
        except ValueError as exc:
            raise UsageError(f"%%search {name}: {exc}") from None
        kwargs.pop("scheduler")
        kwargs["algo"] = kwargs["algo"] or self.default_algo
        kwargs["executor"] = kwargs["executor"] or self.default_executor
        if kwargs["storage"] is None:
            kwargs["storage"] = self.default_storage or default_storage_url()
        try:
            search = Search(cell, name=name, user_ns=shell.user_ns, first_line=2, **kwargs)
            search.prepare()
        except (ValueError, StorageError, UnknownAlgorithmError) as exc:
            raise UsageError(f"%%search {name}: {exc}") from None
        earlier = shell.user_ns.get(name)
        if isinstance(earlier, Search) and earlier.driver is not None and not earlier.done:
            # The earlier run's dashboard is gone with the cell's output: stop it rather than
            # leave it searching unseen. Its running trials finish; nothing completed is lost.
            earlier.stop()
            print(f"Stopped the earlier search {earlier.name!r} (its trials are kept).")
        shell.user_ns[name] = search
        if search.recovered:
            print(
                f"Trials {search.recovered} of {search.name!r} were left running by a process "
                "that ended; they are marked failed."
                + (" They run again first, with their own parameters." if search.rerun else "")
            )
        if search.study.study_name != name and not args.resume:
            print(
                f"A study named {name!r} already exists in the storage; this one is "
                f"{search.study.study_name!r} (use --resume to continue the earlier one)."
            )
        if self.dashboard:
            from IPython.display import display

            display(search.dashboard(refresh_interval=self.refresh_interval))
        search.start()


def load_ipython_extension(ipython: Any) -> None:
    """Register :class:`SearchMagics` and add the primitives and ``report`` to the namespace.

    Names the notebook already defines are left as they are.

    Example:
        >>> from IPython.testing.globalipapp import get_ipython
        >>> shell = get_ipython()
        >>> shell.user_ns["report"] = "mine"
        >>> load_ipython_extension(shell)
        >>> shell.user_ns["report"], shell.user_ns["oneof"].__name__
        ('mine', 'oneof')
        >>> del shell.user_ns["report"]
    """
    ipython.register_magics(SearchMagics(shell=ipython))
    for key, value in TRIAL_NAMES.items():
        ipython.user_ns.setdefault(key, value)
