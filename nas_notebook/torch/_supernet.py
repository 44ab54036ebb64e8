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
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from .._errors import DuplicateNameError, SearchSpaceError
from ..space import HyperPrimitive, ManyOf, OneOf
from ..space._codec import choices_for, encode_choice
from ..symbolic._keypath import join
from ..symbolic._materialize import _build as build_space
from ..symbolic._object import Functor, Symbolic, has_hyper
from ..symbolic._ops import candidate_path, children, decisions

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ChoiceFactory", "MixedOp", "SuperNet", "Switch", "rewrite"]

MODES = ("switch", "mixed")

AtChoice = Callable[[str, OneOf], Any]


def _candidate_modules(kind: str, candidates: Iterable[Any]) -> list[torch.nn.Module]:
    modules = list(candidates)
    if not modules:
        raise ValueError(f"{kind}: `candidates` is empty; give at least one module")
    for i, module in enumerate(modules):
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"{kind}: candidate {i} is not a torch module: {module!r}")
    return modules


class Switch(torch.nn.Module):
    """A choice between modules that runs one of them: the candidate at ``index``.

    The candidates are held in an ``nn.ModuleList``, so their weights belong to the switch
    whichever is chosen: every architecture that picks a candidate trains the same weights.

    Args:
        candidates: The modules to choose from (taking the same inputs).
        index: The candidate that runs, ``0 <= index < len(candidates)``.

    Raises:
        ValueError: No candidates.
        TypeError: A candidate that is not a torch module, or an ``index`` that is not an
            integer.
        IndexError: ``index`` out of range (the message gives the range).

    Example:
        >>> import torch
        >>> from nas_notebook.torch import Switch
        >>> switch = Switch([torch.nn.Identity(), torch.nn.ReLU()], index=1)
        >>> switch(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
        >>> switch.index = 0
        >>> switch(torch.tensor([-1.0, 2.0]))
        tensor([-1.,  2.])
    """

    candidates: torch.nn.ModuleList

    def __init__(self, candidates: Sequence[torch.nn.Module], index: int = 0) -> None:
        super().__init__()
        self.candidates = torch.nn.ModuleList(_candidate_modules("Switch", candidates))
        self._index = 0
        self.index = index

    @property
    def index(self) -> int:
        """The position of the candidate that runs (settable)."""
        return self._index

    @index.setter
    def index(self, value: int) -> None:
        count = len(self.candidates)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            try:  # a numpy integer or a one-element integer tensor is an index too
                value = value.__index__()
            except (AttributeError, TypeError):
                raise TypeError(
                    f"Switch.index must be an integer in 0..{count - 1}, got {value!r}"
                ) from None
        if not 0 <= value < count:
            raise IndexError(
                f"Switch.index must be in 0..{count - 1} (it has {count} candidates), got {value}"
            )
        self._index = int(value)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The chosen candidate's output."""
        return self.candidates[self._index](*args, **kwargs)

    def extra_repr(self) -> str:
        return f"index={self._index}"


class MixedOp(torch.nn.Module):
    """A choice between modules relaxed into their weighted sum (DARTS).

    The output is ``sum(softmax(alpha)[i] * candidates[i](x))``: ``alpha`` (one architecture
    parameter per candidate, zeros at first, so every candidate weighs the same) gets a
    gradient through the sum, and the largest one names the candidate to keep.

    Args:
        candidates: The modules to mix (taking the same inputs, giving outputs of one shape).

    Raises:
        ValueError: No candidates.
        TypeError: A candidate that is not a torch module.

    Example:
        >>> import torch
        >>> from nas_notebook.torch import MixedOp
        >>> mixed = MixedOp([torch.nn.Identity(), torch.nn.ReLU()])
        >>> mixed.weights().tolist()
        [0.5, 0.5]
        >>> mixed(torch.tensor([-1.0, 2.0])).tolist()
        [-0.5, 2.0]
    """

    candidates: torch.nn.ModuleList
    alpha: torch.nn.Parameter

    def __init__(self, candidates: Sequence[torch.nn.Module]) -> None:
        super().__init__()
        self.candidates = torch.nn.ModuleList(_candidate_modules("MixedOp", candidates))
        self.alpha = torch.nn.Parameter(torch.zeros(len(self.candidates)))

    def weights(self) -> torch.Tensor:
        """The candidates' weights in the sum: the softmax of ``alpha``."""
        return torch.softmax(self.alpha, dim=0)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The weighted sum of every candidate's output."""
        weights = self.weights()
        out: Any = None
        for i, candidate in enumerate(self.candidates):
            term = weights[i] * candidate(*args, **kwargs)
            out = term if out is None else out + term
        return out


_Choice = (Switch, MixedOp)


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


def _not_shareable(name: str, primitive: HyperPrimitive, why: str) -> SearchSpaceError:
    return SearchSpaceError(
        f"rewrite: decision {name!r} ({primitive!r}) {why}; only choices between modules "
        "(a oneof whose candidates are torch modules) can share weights"
    )


def _is_module_class(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, torch.nn.Module)


def _module_choice(primitive: HyperPrimitive, name: str) -> OneOf:
    """``primitive`` when it is a choice between modules without decisions of their own, or
    between module classes (which the model instantiates with arguments of its own)."""
    if isinstance(primitive, ManyOf):
        raise _not_shareable(name, primitive, "picks several candidates (a manyof)")
    if not isinstance(primitive, OneOf):
        raise _not_shareable(name, primitive, f"is a number ({primitive.kind}), not a choice")
    classes = [_is_module_class(candidate) for candidate in primitive.candidates]
    if all(classes):
        return primitive
    if any(classes):
        raise _not_shareable(
            name, primitive, "mixes module classes and modules: give all of one kind"
        )
    for i, candidate in enumerate(primitive.candidates):
        if isinstance(candidate, Symbolic) and not isinstance(candidate, Functor):
            is_module = isinstance(candidate.target, type) and issubclass(
                candidate.target, torch.nn.Module
            )
        else:
            is_module = isinstance(candidate, torch.nn.Module)
        if not is_module:
            raise _not_shareable(
                name, primitive, f"has candidate {i} ({candidate!r}), which is not a torch module"
            )
        if has_hyper(candidate):
            own = list(decisions(candidate, candidate_path(primitive, name, i)))
            raise _not_shareable(
                name,
                primitive,
                f"has candidate {i} holding decisions of its own ({', '.join(own)}), whose "
                "variants would need weights of their own: make each variant a candidate",
            )
    return primitive


def _build(node: Any, path: str, at_choice: AtChoice) -> Any:
    """``node`` built as ``materialize`` builds it, each choice between modules replaced by
    ``at_choice(name, oneof)``; any other decision is refused."""
    return build_space(
        node,
        path,
        _refuse_decision,
        lambda primitive, name: at_choice(name, _module_choice(primitive, name)),
    )


def _refuse_decision(primitive: HyperPrimitive, name: str) -> Any:  # pragma: no cover
    raise SearchSpaceError(f"rewrite: unexpected decision {name!r}")


def _no_choice(name: str, primitive: OneOf) -> Any:  # pragma: no cover - candidates hold none
    raise SearchSpaceError(f"rewrite: unexpected decision {name!r} inside a candidate")


def _parts(value: Any, path: str = "") -> Iterator[tuple[str, torch.nn.Module]]:
    """The torch modules of a built value by key path: the value itself, or those in its
    lists, tuples, dicts and functor arguments."""
    if isinstance(value, torch.nn.Module):
        yield path, value
        return
    if isinstance(value, (list, tuple, dict, Functor)):
        for key, child in children(value):
            yield from _parts(child, join(path, key))


def _index(name: str, primitive: OneOf, params: Mapping[str, Any], what: str) -> int:
    """The candidate position stored for the choice ``name`` in ``params``."""
    if name not in params:
        raise SearchSpaceError(
            f"{what}: decision {name!r} ({primitive!r}) is missing from `params` (which has "
            f"{sorted(params)!r})"
        )
    choices = choices_for(primitive.candidates)
    try:
        return choices.index(params[name])
    except ValueError:
        raise SearchSpaceError(
            f"{what}: decision {name!r} has no candidate for the stored value "
            f"{params[name]!r} (its choices: {list(choices)!r})"
        ) from None


def _params_of(params: Mapping[str, Any] | Any, what: str) -> Mapping[str, Any]:
    stored = getattr(params, "params", params)  # an Optuna trial stands for its params
    if not isinstance(stored, Mapping):
        raise SearchSpaceError(
            f"{what}: `params` must map decision names to stored values, got {params!r}"
        )
    return stored


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
        built = _build(space, "", self._make_choice)
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
            self.parts = torch.nn.ModuleList(module for _, module in _parts(built))

    def _make_choice(self, name: str, primitive: OneOf) -> Switch | MixedOp | ChoiceFactory:
        known = self._oneofs.get(name)
        if known is not None and choices_for(known.candidates) != choices_for(primitive.candidates):
            raise DuplicateNameError(
                f"rewrite: two different choices are named {name!r}: {known!r} and {primitive!r}"
            )
        self._oneofs.setdefault(name, primitive)
        self._sites.setdefault(name, [])
        if _is_module_class(primitive.candidates[0]):
            return ChoiceFactory(self, name, primitive.candidates)
        candidates = [
            _build(candidate, candidate_path(primitive, name, i), _no_choice)
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
        stored = _params_of(params, what)
        indices = {name: _index(name, self._oneofs[name], stored, what) for name in self._sites}
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
            return _build(primitive.candidates[i], candidate_path(primitive, name, i), _no_choice)

        # Built with fresh weights first, so it is exactly the object materialize makes; those
        # weights are then overwritten, and drawing them must not disturb the caller's stream.
        with torch.random.fork_rng(devices=[]):
            child = _build(self.space, "", choose)
        mine = dict(_parts(self.model))
        devices = {t.device for t in [*self.parameters(), *self.buffers()]}
        dtypes = {p.dtype for p in self.parameters() if p.is_floating_point()}
        for path, module in _parts(child):
            if len(devices) == 1:
                module.to(device=next(iter(devices)))
            if len(dtypes) == 1:
                module.to(dtype=next(iter(dtypes)))
            module.load_state_dict(_chosen_state(mine[path], picks))
            module.train(self.training)
        return child


def _chosen_state(module: torch.nn.Module, picks: Mapping[int, int]) -> dict[str, Any]:
    """``module``'s state dict as a child sees it: each choice replaced by its picked candidate
    (``picks``: choice id -> candidate position), the other candidates and ``alpha`` left out.
    The tensors are the super-network's own: ``load_state_dict`` copies them into the child."""
    out = {}
    for key, value in module.state_dict().items():
        *names, leaf = key.split(".")
        kept: list[str] = []
        current = module
        keep = True
        position = 0
        while position < len(names):
            if isinstance(current, _Choice):
                # ``candidates.<i>``: only the picked candidate's entries are the child's.
                i = int(names[position + 1])
                if i != picks[id(current)]:
                    keep = False
                    break
                current = current.candidates[i]
                position += 2
                continue
            current = current.get_submodule(names[position])
            kept.append(names[position])
            position += 1
        if keep and not isinstance(current, _Choice):  # a MixedOp's own tensor is alpha
            out[".".join([*kept, leaf])] = value
    return out


def rewrite(space: Any, mode: str = "switch") -> SuperNet:
    """The weight-sharing super-network of a model space.

    Every decision of ``space`` must be a ``oneof`` between torch modules: concrete modules
    (``nn.Conv2d(4, 4, 3)``) or symbolic module templates without hyper values of their own.
    Each becomes one :class:`Switch` (``mode="switch"``) or :class:`MixedOp`
    (``mode="mixed"``) holding its candidates, built once (one set of weights each); the rest
    of the space is built as :func:`~nas_notebook.symbolic.materialize` builds it. Decisions
    keep materialize's names, so an architecture is an ordinary params dict.

    Args:
        space: A symbolic model space (from ``nas_notebook.torch.nn`` layers and models built
            with hyper values), or a list/dict holding such spaces.
        mode: ``"switch"`` (one candidate runs: ENAS, TuNAS, one-shot search by sampling) or
            ``"mixed"`` (the softmax-weighted sum of all candidates: DARTS).

    Returns:
        The :class:`SuperNet`.

    Raises:
        SearchSpaceError: A decision that is not a choice between modules (a ``floatv``, an
            ``intv``, a ``manyof``, a ``oneof`` of other values, or one whose candidate holds
            decisions of its own), named.
        DuplicateNameError: One explicit name given to two different choices.
        ValueError: An unknown ``mode``.

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import nn, rewrite
        >>> space = nn.Sequential(
        ...     nn.Linear(4, 8), oneof([nn.ReLU(), nn.Tanh(), nn.Identity()]), nn.Linear(8, 2)
        ... )
        >>> supernet = rewrite(space)
        >>> supernet.choices
        {'args[1]': Switch(
          index=0
          (candidates): ModuleList(
            (0): ReLU()
            (1): Tanh()
            (2): Identity()
          )
        )}
        >>> supernet.fix({"args[1]": "Tanh()"})
        >>> supernet(torch.zeros(3, 4)).shape
        torch.Size([3, 2])
        >>> rewrite(space, mode="mixed").arch_parameters()
        [Parameter containing:
        tensor([0., 0., 0.], requires_grad=True)]
    """
    return SuperNet(space, mode)
