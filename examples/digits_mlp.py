# ---
# jupyter:
#   jupytext:
#     text_representation:
#       format_name: percent
# ---
# %% [markdown]
# # A small MLP on scikit-learn's 8x8 digits
#
# Run headless with `python -m nas_notebook run examples/digits_mlp.py`; the cell below the
# `# %%search` line is the trial body, exactly as it would be in a notebook cell.

# %%
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.set_num_threads(1)
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
y = torch.tensor(digits.target)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def train_one_epoch(model, lr, batch_size=64):
    optimizer = getattr(model, "_optimizer", None) or torch.optim.Adam(model.parameters(), lr=lr)
    model._optimizer = optimizer
    model.train()
    order = torch.randperm(len(X_train))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(X_train[idx]), y_train[idx])
        loss.backward()
        optimizer.step()


def evaluate(model):
    model.eval()
    with torch.no_grad():
        return (model(X_val).argmax(1) == y_val).float().mean().item()


# %%search digits_mlp --n-trials 20 --algo tpe --seed 0
width = intv(16, 256, log=True)
lr = floatv(1e-4, 1e-1, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
model = nn.Sequential(nn.Flatten(), nn.Linear(64, width), act(), nn.Linear(width, 10))
for epoch in range(5):
    train_one_epoch(model, lr)
    report(accuracy=evaluate(model), step=epoch)
evaluate(model)

# %%
print(f"validation accuracy of the best MLP: {digits_mlp.best.value:.4f}")
