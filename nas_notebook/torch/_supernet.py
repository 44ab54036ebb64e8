"""Weight sharing: one super-network holds every candidate of a model space, each with one set
of weights that every architecture using it trains and reads.

:func:`rewrite` turns a symbolic model space whose decisions are choices between modules
(``oneof([nn.Conv2d(...), nn.Identity(), ...])``) into a :class:`SuperNet`. Each choice
becomes one of two modules holding the built candidates:

* a :class:`Switch` (ENAS, TuNAS) runs the one candidate its ``index`` picks: fix or sample an
  architecture, train the weights it uses, and compare architectures on the shared weights;
* a :class:`MixedOp` (DARTS) runs every candidate and sums their outputs, weighted by the
  softmax of its architecture parameters ``alpha``, which gradient descent trains along with
  the weights; :meth:`SuperNet.derive` then keeps the strongest candidate of each choice.

A choice between module *classes* (``oneof([Zero, Skip, Conv3x3], name="edge")``, each called by
the model with arguments of its own, such as ``op(channels)``) becomes a :class:`ChoiceFactory`:
every place the model instantiates it gets its own choice module over those arguments, all of
them one decision (one index, one ``alpha``). That is how a cell repeated at several widths
shares its architecture.

Decisions are named as :func:`~nas_notebook.symbolic.materialize` names them, so an
architecture is an ordinary params dict (what an Optuna trial stores): ``materialize(space,
params)`` builds it with fresh weights, :meth:`SuperNet.child` with the super-network's.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from .._errors import DuplicateNameError, SearchSpaceError
from ..space import OneOf, choices_for, encode_choice
from ..symbolic import candidate_path
from ._architecture import candidate_index, chosen_state, params_of
from ._choices import MixedOp, Switch
from ._shareable import build_choices, is_module_class, no_choice, parts

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MODES", "ChoiceFactory", "SuperNet"]

MODES = ("switch", "mixed")


class ChoiceFactory:
    """What a choice between module *classes* becomes in a super-network: the model calls it
    where it would call the chosen class (``op(channels)``), and gets a :class:`Switch` or
    :class:`MixedOp` of every candidate class built with those arguments. Each call is one
    more place of the same decision (kept in step; one ``alpha``).

    Built by :func:`rewrite`; called by the model's own code while the super-network is built.
    """

    def __init__(self, supernet: SuperNet, name: str, classes: Sequence[type]) -> None:
        self.supernet = supernet
        self.name = name
        self.classes = tuple(classes)

    def __call__(self, *args: Any, **kwargs: Any) -> Switch | MixedOp:
        candidates = [cls(*args, **kwargs) for cls in self.classes]
        return self.supernet._place(self.name, candidates)

    def __repr__(self) -> str:
        names = ", ".join(cls.__qualname__ for cls in self.classes)
        return f"ChoiceFactory({self.name!r}: {names})"


class SuperNet(torch.nn.Module):
    """A model space as one network whose choices between modules share their weights.

    Built by :func:`rewrite` (see there). ``forward`` runs :attr:`model`.

    Attributes:
        model: The built network: the space with each choice replaced by a :class:`Switch` or
            :class:`MixedOp` of its built candidates. When the space is a list or dict holding
            models, the same list or dict (its modules are then registered as ``parts``).
        choices: Decision name -> its :class:`Switch` or :class:`MixedOp`, in tree order (the
            first one, when one explicitly named decision is used at several places: those
            are kept together by :meth:`fix` and :meth:`sample`, and share ``alpha``).
        mode: ``"switch"`` or ``"mixed"``.

    Example:
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import nn, rewrite
        >>> space = nn.Sequential(nn.Linear(4, 4), oneof([nn.Tanh(), nn.Identity()]))
        >>> supernet = rewrite(space)
        >>> supernet.mode, {name: type(op).__name__ for name, op in supernet.choices.items()}
        ('switch', {'args[1]': 'Switch'})
        >>> supernet.fix({"args[1]": "Identity()"}); supernet.derive()
        {'args[1]': 'Identity()'}
    """

    model: Any
    choices: dict[str, Switch | MixedOp]
    mode: str

    def __init__(self, space: Any, mode: str = "switch") -> None:
        if mode not in MODES:
            raise ValueError(f"rewrite: `mode` must be one of {MODES!r}, got {mode!r}")
        super().__init__()
        self.mode = mode
        # Kept out of the module tree: the space's modules are templates, never trained.
        self.__dict__["_space"] = space
        self._sites: dict[str, list[Switch | MixedOp]] = {}
        self._oneofs: dict[str, OneOf] = {}
        built = build_choices(space, "", self._make_choice)
        unused = [name for name, sites in self._sites.items() if not sites]
        if unused:
            raise SearchSpaceError(
                f"rewrite: the model never instantiated the module classes of {unused!r}; a "
                "choice between classes is called by the model (op(channels)) to be used"
            )
        self.choices = {name: sites[0] for name, sites in self._sites.items()}
        if isinstance(built, torch.nn.Module):
            self.model = built
        else:
            self.__dict__["model"] = built
            self.parts = torch.nn.ModuleList(module for _, module in parts(built))

    def _make_choice(self, name: str, primitive: OneOf) -> Switch | MixedOp | ChoiceFactory:
        known = self._oneofs.get(name)
        if known is not None and choices_for(known.candidates) != choices_for(primitive.candidates):
            raise DuplicateNameError(
                f"rewrite: two different choices are named {name!r}: {known!r} and {primitive!r}"
            )
        self._oneofs.setdefault(name, primitive)
        self._sites.setdefault(name, [])
        if is_module_class(primitive.candidates[0]):
            return ChoiceFactory(self, name, primitive.candidates)
        candidates = [
            build_choices(candidate, candidate_path(primitive, name, i), no_choice)
            for i, candidate in enumerate(primitive.candidates)
        ]
        return self._place(name, candidates)

    def _place(self, name: str, candidates: list[torch.nn.Module]) -> Switch | MixedOp:
        """A new choice module for decision ``name`` over built ``candidates``, kept in step
        with the decision's other places."""
        op: Switch | MixedOp = Switch(candidates) if self.mode == "switch" else MixedOp(candidates)
        sites = self._sites.setdefault(name, [])
        if isinstance(op, MixedOp) and sites:
            # One decision, one set of architecture parameters, wherever it is used.
            op.alpha = sites[0].alpha  # type: ignore[assignment]
        elif isinstance(op, Switch) and sites:
            first = sites[0]
            assert isinstance(first, Switch)
            op.index = first.index
        sites.append(op)
        return op

    @property
    def space(self) -> Any:
        """The model space the super-network was built from."""
        return self.__dict__["_space"]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The output of :attr:`model`."""
        if not isinstance(self.model, torch.nn.Module):
            raise TypeError(
                f"this super-network's space builds a {type(self.model).__name__}, not a "
                "module: call the modules in `supernet.model`"
            )
        return self.model(*args, **kwargs)

    def _need_switches(self, what: str) -> None:
        if self.mode != "switch":
            raise ValueError(
                f"{what}: a super-network in {self.mode!r} mode has no switches to set; "
                "rewrite the space with mode='switch', or call derive() for its architecture"
            )

    def _indices(self, params: Mapping[str, Any] | Any, what: str, strict: bool) -> dict[str, int]:
        stored = params_of(params, what)
        indices = {
            name: candidate_index(name, self._oneofs[name], stored, what) for name in self._sites
        }
        unknown = sorted(set(stored) - set(indices))
        if unknown and strict:
            raise SearchSpaceError(
                f"{what}: decisions {unknown!r} are not in this space (its decisions: "
                f"{sorted(indices)!r})"
            )
        return indices

    def _params(self, indices: Mapping[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, index in indices.items():
            out.update(encode_choice(name, self._oneofs[name], [index]))
        return out

    def fix(self, params: Mapping[str, Any] | Any, *, strict: bool = True) -> None:
        """Set every switch to the architecture ``params`` (switch mode).

        Args:
            params: Decision name -> stored value, as Optuna stores it (a trial's ``params``,
                or a trial).
            strict: Refuse decisions that are not in the space (False: ignore them).

        Raises:
            ValueError: A super-network in mixed mode.
            SearchSpaceError: A decision missing from ``params``, a value that is none of its
                choices, or (``strict``) a decision not in the space; all named. No switch
                changes then.

        Example:
            >>> from nas_notebook import oneof
            >>> from nas_notebook.torch import nn, rewrite
            >>> supernet = rewrite(nn.Sequential(nn.Linear(4, 4), oneof([nn.ReLU(), nn.Tanh()])))
            >>> supernet.fix({"args[1]": "Tanh()"})
            >>> supernet.choices["args[1]"].index
            1
        """
        self._need_switches("fix")
        for name, index in self._indices(params, "fix", strict).items():
            for op in self._sites[name]:
                assert isinstance(op, Switch)
                op.index = index

    def sample(
        self, generator: torch.Generator | np.random.Generator | int | None = None
    ) -> dict[str, Any]:
        """Set every switch to a candidate drawn uniformly (switch mode); the architecture.

        Args:
            generator: A ``torch.Generator``, a numpy ``Generator``, a seed, or None for
                torch's global random generator.

        Returns:
            The params dict of the drawn architecture (what :meth:`fix` takes).

        Raises:
            ValueError: A super-network in mixed mode.

        Example:
            >>> from nas_notebook import oneof
            >>> from nas_notebook.torch import nn, rewrite
            >>> supernet = rewrite(nn.Sequential(nn.Linear(4, 4), oneof([nn.ReLU(), nn.Tanh()])))
            >>> params = supernet.sample(0)
            >>> params == supernet.derive(), list(params)
            (True, ['args[1]'])
        """
        self._need_switches("sample")
        if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
            generator = torch.Generator().manual_seed(int(generator))
        indices = {}
        for name, sites in self._sites.items():
            count = len(sites[0].candidates)
            if generator is None or isinstance(generator, torch.Generator):
                device = generator.device if generator is not None else None
                drawn = torch.randint(count, (1,), generator=generator, device=device)
                indices[name] = int(drawn.item())
            elif hasattr(generator, "integers"):
                indices[name] = int(generator.integers(count))
            else:
                raise TypeError(
                    "sample: `generator` must be a torch.Generator, a numpy Generator, a seed "
                    f"or None, got {generator!r}"
                )
            for op in sites:
                assert isinstance(op, Switch)
                op.index = indices[name]
        return self._params(indices)

    def derive(self, exclude: Collection[Any] = ()) -> dict[str, Any]:
        """The architecture the super-network stands for, as a params dict: each switch's
        current candidate (switch mode), or each choice's candidate with the largest ``alpha``
        (mixed mode; the first one on a tie).

        Args:
            exclude: Stored values (labels) never derived in mixed mode, unless a choice has
                nothing else: DARTS leaves out its zero op this way.

        Example:
            >>> import torch
            >>> from nas_notebook import oneof
            >>> from nas_notebook.torch import nn, rewrite
            >>> space = nn.Sequential(nn.Linear(4, 4), oneof([nn.ReLU(), nn.Tanh()]))
            >>> supernet = rewrite(space, mode="mixed")
            >>> with torch.no_grad():
            ...     supernet.choices["args[1]"].alpha[1] = 1.0
            >>> supernet.derive()
            {'args[1]': 'Tanh()'}
        """
        indices = {}
        for name, op in self.choices.items():
            if isinstance(op, Switch):
                indices[name] = op.index
            else:
                alpha = op.alpha.detach().clone()
                labels = choices_for(self._oneofs[name].candidates)
                left_out = [i for i, label in enumerate(labels) if label in exclude]
                if len(left_out) < len(labels):
                    alpha[left_out] = -math.inf
                indices[name] = int(torch.argmax(alpha).item())
        return self._params(indices)

    def _alphas(self) -> dict[int, torch.nn.Parameter]:
        return {
            id(op.alpha): op.alpha
            for sites in self._sites.values()
            for op in sites
            if isinstance(op, MixedOp)
        }

    def arch_parameters(self) -> list[torch.nn.Parameter]:
        """The architecture parameters: each :class:`MixedOp`'s ``alpha`` (none in switch
        mode), in the order of :attr:`choices`."""
        return list(self._alphas().values())

    def weight_parameters(self) -> list[torch.nn.Parameter]:
        """Every other parameter: the weights of the network and its candidates."""
        alphas = self._alphas()
        return [p for p in self.parameters() if id(p) not in alphas]

    def child(self, params: Mapping[str, Any] | Any, *, strict: bool = True) -> Any:
        """The plain model of the architecture ``params``, with the super-network's weights.

        The object ``materialize(space, params)`` builds (no :class:`Switch` or
        :class:`MixedOp` in it), but whose weights, buffers included, are copies of the
        super-network's current ones: those of the chosen candidates, and of every module
        around them. Training the child leaves the super-network as it is, and the other way
        round. The child is put on the super-network's device and floating-point type (when
        it has one of each), in its training mode; the global random state is left as it was.

        Args:
            params: Decision name -> stored value, as Optuna stores it (a trial's ``params``,
                or a trial); e.g. from :meth:`derive` or :meth:`sample`.
            strict: Refuse decisions that are not in the space (False: ignore them).

        Returns:
            The model (a list or dict of them when the space is one).

        Raises:
            SearchSpaceError: A decision missing from ``params``, a value that is none of its
                choices, or (``strict``) a decision not in the space; all named.

        Example:
            >>> import torch
            >>> from nas_notebook import oneof
            >>> from nas_notebook.torch import nn, rewrite
            >>> space = nn.Sequential(nn.Linear(4, 4), oneof([nn.ReLU(), nn.Tanh()]))
            >>> supernet = rewrite(space)
            >>> child = supernet.child({"args[1]": "Tanh()"})
            >>> child
            Sequential(
              (0): Linear(in_features=4, out_features=4, bias=True)
              (1): Tanh()
            )
            >>> torch.equal(child[0].weight, supernet.model[0].weight)
            True
        """
        indices = self._indices(params, "child", strict)
        picks = {id(op): indices[name] for name, sites in self._sites.items() for op in sites}

        def choose(name: str, primitive: OneOf) -> Any:
            i = indices[name]
            return build_choices(
                primitive.candidates[i], candidate_path(primitive, name, i), no_choice
            )

        # Built with fresh weights first, so it is exactly the object materialize makes; those
        # weights are then overwritten, and drawing them must not disturb the caller's stream.
        with torch.random.fork_rng(devices=[]):
            child = build_choices(self.space, "", choose)
        mine = dict(parts(self.model))
        devices = {t.device for t in [*self.parameters(), *self.buffers()]}
        dtypes = {p.dtype for p in self.parameters() if p.is_floating_point()}
        for path, module in parts(child):
            if len(devices) == 1:
                module.to(device=next(iter(devices)))
            if len(dtypes) == 1:
                module.to(dtype=next(iter(dtypes)))
            module.load_state_dict(chosen_state(mine[path], picks))
            module.train(self.training)
        return child
