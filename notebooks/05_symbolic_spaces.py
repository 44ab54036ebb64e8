# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Symbolic search spaces: programs that are also spaces
#
# In the quickstart, hyper values (`oneof`, `intv`, `floatv`) are decided where the code runs.
# This notebook writes them *into objects* instead: a class or a builder function made
# *symbolic* keeps the arguments it is called with, so a call whose arguments hold hyper values
# is a search space that prints, compares and rewrites like a value, and becomes a concrete
# object (a torch model, a configuration dict) once its decisions are made.
#
# 1. symbolize a class and a builder function, print a space and its decisions, and search it
#    with a `sample` feedback loop;
# 2. nested, conditional spaces: choices whose candidates carry their own choices;
# 3. rewrite an ordinary PyTorch model into a space with `rebind` (every conv's width relaxed);
# 4. search that space with `%%search --space` and build the best child model;
# 5. dict configuration spaces in Syne Tune's vocabulary (`randint`, `loguniform`, `choice`...);
# 6. how decisions are named.
#
# Everything trains on scikit-learn's 8x8 digits, on a CPU, in well under a minute.

# %%
# %load_ext nas_notebook

# %% [markdown]
# The data and three helpers used throughout: `fit` trains a model (a few epochs on 600 images,
# starting from the same seeded weights whatever built the model), `accuracy` scores it on 397
# held-out images and `n_params` counts its parameters.

# %%
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

torch.set_num_threads(1)
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
y = torch.tensor(digits.target, dtype=torch.long)
X_train, y_train = X[:600], y[:600]
X_valid, y_valid = X[1400:], y[1400:]


def fit(model, optimizer=None, epochs=2):
    """Train ``model``; ``optimizer`` makes the optimizer from the parameters (Adam by default)."""
    torch.manual_seed(0)
    model(X_train[:1])  # lazy layers learn their input sizes
    for layer in model.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    params = list(model.parameters())
    opt = optimizer(params) if optimizer else torch.optim.Adam(params, lr=1e-2)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(X_train)).split(32):
            opt.zero_grad()
            F.cross_entropy(model(X_train[batch]), y_train[batch]).backward()
            opt.step()
    return model


def accuracy(model):
    model.eval()
    with torch.no_grad():
        return (model(X_valid).argmax(1) == y_valid).float().mean().item()


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# %% [markdown]
# ## 1. Symbolize a class and a builder function
#
# `symbolize` (a decorator) makes a class or a function symbolic. Called with concrete arguments,
# the class `Block` builds an ordinary torch module; called with a hyper value anywhere in its
# arguments it builds nothing and returns the call itself, a `Symbolic` search space. A
# symbolized function such as `network` returns a `Functor`: the function with its arguments
# bound, run later with `functor()`.

# %% tags=["symbolize"]
from nas_notebook import floatv, intv, oneof
from nas_notebook.symbolic import Functor, Symbolic, clone, decisions, symbolize


@symbolize
class Block(torch.nn.Module):
    """A convolution and its activation."""

    def __init__(self, channels, kernel=3, activation="relu"):
        super().__init__()
        self.conv = torch.nn.LazyConv2d(channels, kernel, padding=kernel // 2)
        self.act = torch.nn.ReLU() if activation == "relu" else torch.nn.Tanh()

    def forward(self, x):
        return self.act(self.conv(x))


@symbolize
def network(block, repeats, classes=10):
    """``repeats`` copies of ``block``, then a linear classifier."""
    layers = [clone(block) for _ in range(repeats)]
    return torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.LazyLinear(classes))


concrete = Block(16)
print("Block(16) is a torch module:", isinstance(concrete, torch.nn.Module))
relaxed_block = Block(channels=oneof([8, 16, 32]), kernel=oneof([3, 5]))
print("Block(channels=oneof(...)) is a space:", isinstance(relaxed_block, Symbolic))

space = network(block=relaxed_block, repeats=intv(1, 3))
print("network(...) is a Functor:", isinstance(space, Functor))
print()
print(space)

# %% [markdown]
# `decisions(space)` lists what there is to decide, each decision named by the *key path* of
# the argument that holds it:

# %% tags=["decisions"]
for name, primitive in decisions(space).items():
    print(f"{name}: {primitive!r}")

# %% [markdown]
# `sample(space, algorithm, n)` is a feedback loop: each example is the space with its decisions
# made (here a `network(...)` functor with concrete arguments), and `feedback(value)` tells the
# algorithm how it did. `feedback.example.values` holds the decisions.

# %% tags=["sample"]
from nas_notebook import sample

for net_fn, feedback in sample(space, "random", 4, seed=0):
    net = net_fn()
    score = accuracy(fit(net, epochs=1))
    feedback(score)
    print(
        f"example {feedback.example.number}: {feedback.example.values} -> "
        f"{n_params(net):,} parameters, accuracy {score:.3f}"
    )

# %% [markdown]
# ## 2. Nested and conditional spaces
#
# A candidate of a `oneof` can be a symbolic object with hyper values of its own: those
# decisions exist only when their parent picks that candidate. Below, the first layer is a
# `Block` (with a width and a kernel size to decide) or an average pooling (with its own size;
# any class can be symbolized, torch's included), and the optimizer is SGD (with a learning
# rate and a momentum) or Adam (with a learning rate of another range). Fixed values (`epochs`)
# are simply kept.

# %% tags=["conditional-space"]
AvgPool2d = symbolize(torch.nn.AvgPool2d)


@symbolize
def make_optimizer(params, kind, lr, momentum=0.0):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    return torch.optim.Adam(params, lr=lr)


recipe = {
    "op": oneof(
        [Block(channels=oneof([8, 16, 32]), kernel=oneof([3, 5])), AvgPool2d(oneof([2, 4]))]
    ),
    "optimizer": oneof(
        [
            make_optimizer(kind="sgd", lr=floatv(0.01, 0.5, log=True), momentum=floatv(0.0, 0.9)),
            make_optimizer(kind="adam", lr=floatv(1e-3, 3e-2, log=True)),
        ]
    ),
    "epochs": 2,
}
for name, primitive in decisions(recipe).items():
    print(f"{name}: {primitive!r}")

# %% [markdown]
# A candidate's own decisions are named under it: `op[0].channels` belongs to candidate 0 of
# `op`. In the table of a few examples (each trial's parameters as Optuna stores them; the two
# choices shown by what they picked) a sub-decision has a value only in the rows where its parent
# chose it. The optimizer functor gets the model's parameters when called.

# %% tags=["conditional"]
import pandas as pd

rows = []
for chosen, feedback in sample(recipe, "random", 8, seed=3):
    net = torch.nn.Sequential(chosen["op"], torch.nn.Flatten(), torch.nn.LazyLinear(10))
    score = accuracy(fit(net, optimizer=chosen["optimizer"], epochs=chosen["epochs"]))
    feedback(score)
    picked = {"op": type(chosen["op"]).__name__, "optimizer": chosen["optimizer"].kind}
    rows.append({**feedback.example.trial.params, **picked, "accuracy": round(score, 3)})
table = pd.DataFrame(rows).sort_index(axis=1)  # columns by name: parents before children
table

# %% [markdown]
# ## 3. Rewrite a model into a space with `rebind`
#
# `from nas_notebook.torch import nn` instead of `from torch import nn`: the same layers, whose
# constructor arguments also accept hyper values, and which remember the arguments they were
# built with. So an ordinary model can be *rewritten*: `rebind(model, fn)` calls
# `fn(key_path, value, parent)` on every argument of every layer and rebuilds what `fn` replaced.
# Here every convolution's `out_channels` `c` is relaxed to `oneof([c // 2, c, c * 2])`.

# %% tags=["model"]
from nas_notebook.symbolic import encode, materialize, rebind
from nas_notebook.torch import nn

model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1),
    nn.ReLU(),
    nn.LazyConv2d(16, 3, padding=1),
    nn.ReLU(),
    nn.Flatten(),
    nn.LazyLinear(10),
)


def relax_filters(path, value, parent):
    if isinstance(parent, torch.nn.Conv2d) and path.endswith(".out_channels"):
        return oneof([value // 2, value, value * 2])
    return value


space = rebind(model, relax_filters)
print(space)
print()
for name, primitive in decisions(space).items():
    print(f"{name}: {primitive!r}")

# %% [markdown]
# The model itself is untouched, and it is still a plain torch model (same layers, same
# `state_dict` keys). It is also one point of the space: `encode` finds the decisions that
# give it back, and `materialize` builds the model for any decisions.

# %% tags=["untouched"]
print(model)
print("a torch.nn.Module:", isinstance(model, torch.nn.Module))
print("state_dict keys:", list(model.state_dict()))
print("encode(space, model):", encode(space, model))
wide = materialize(space, {"args[0].out_channels": 16, "args[2].out_channels": 32})
print("widest child:", wide[0], wide[2], sep="\n  ")

# %% [markdown]
# ## 4. Search the relaxed model
#
# `%%search NAME --space space` runs the cell once per trial with `space` holding a freshly
# materialized child model (the other names of the notebook as they are). The cell trains it
# and ends with its validation accuracy, the objective. `--executor inline` blocks until the six
# trials are done. (With six trials TPE is still in its random start-up phase: this shows the
# mechanics, not the algorithm.)

# %% tags=["search"]
# %%search relaxed --space space --algo tpe -n 6 --executor inline --seed 0 --direction maximize --storage memory
net = space
fit(net, epochs=2)
accuracy(net)

# %% [markdown]
# Every trial's decisions are Optuna parameters named by their key paths. `relaxed.best.build()`
# materializes the best trial's decisions into a new (untrained) child model.

# %% tags=["search-table"]
print(relaxed)
relaxed.dataframe()[["number", "state", "value", "args[0].out_channels", "args[2].out_channels"]]

# %% tags=["best-model"]
best = relaxed.best
child = best.build()
child(X_train[:1])  # lazy layers take their sizes
print(f"best trial {best.number}: accuracy {best.value:.3f} with {best.params}")
print(child)
original = clone(model)  # a copy: the original stays as it is
original(X_train[:1])
print(f"{n_params(child):,} parameters (the original model: {n_params(original):,})")

# %% [markdown]
# ## 5. Dict configuration spaces
#
# A configuration space can also be written as data, in [Syne Tune](https://syne-tune.readthedocs.io)'s
# vocabulary: `randint`, `lograndint`, `uniform`, `loguniform`, `choice`, `ordinal`, `finrange`,
# `logfinrange`, mixed with fixed values. Each domain is a decision named by its key. Here a
# scikit-learn `MLPClassifier` on the flattened digits; `Search(fn, space=config)` calls `fn`
# with each trial's materialized dict, and `best.build()` gives the best one back.

# %% tags=["config"]
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from nas_notebook import Search
from nas_notebook.space import choice, finrange, loguniform, randint, uniform

config = {
    "width": randint(16, 128),
    "depth": choice([1, 2]),
    "activation": choice(["relu", "tanh"]),
    "learning_rate_init": loguniform(1e-4, 1e-1),
    "alpha": loguniform(1e-6, 1e-2),
    "beta_1": uniform(0.8, 0.95),
    "batch_size": finrange(32, 128, 4, cast_int=True),
    "max_iter": 40,
    "random_state": 0,
}
for name, primitive in decisions(config).items():
    print(f"{name}: {primitive!r}")

# %% tags=["config-search"]
flat = X.reshape(len(X), -1).numpy()  # the same images as 64 features


def mlp_accuracy(cfg):
    settings = dict(cfg)
    settings["hidden_layer_sizes"] = (settings.pop("width"),) * settings.pop("depth")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(**settings).fit(flat[:600], y_train.numpy())
    return clf.score(flat[1400:], y_valid.numpy())


mlp = Search(
    mlp_accuracy,
    space=config,
    n_trials=12,
    algo="tpe",
    seed=0,
    direction="maximize",
    executor="inline",
    name="mlp",
).start()
best_config = mlp.best.build()
print(f"{len(mlp.trials)} trials, best accuracy {mlp.best.value:.3f} (trial {mlp.best.number})")
print("best.build():", best_config)

# %% [markdown]
# ## 6. How decisions are named
#
# A decision is named by the key path of the hyper value in the space: a dict key (`lr`,
# `opt.beta`), a constructor argument (`block.channels`), a positional argument of a container
# (`args[2].out_channels` is the third layer of the `Sequential`); a candidate's own decisions
# sit under `choice[i]` (`optimizer[0].momentum`). The names are the Optuna parameter names, so plots,
# tables and `best.params` speak the same language as the code.
#
# Because the name is *where* a value sits, not *which object* it is, a layer used twice gets two
# decisions: `conv = nn.LazyConv2d(oneof([8, 16]), 3)` placed twice in a `Sequential` gives
# `args[0].out_channels` and `args[2].out_channels`, decided independently. To tie them, name the
# hyper value: `oneof([8, 16], name="width")` is one decision wherever it appears.
