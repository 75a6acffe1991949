"""Mixed-precision training end to end: autocast + GradScaler reach float32's accuracy."""

from __future__ import annotations

import os

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as nn
import pytorch_like.nn.functional as F
from pytorch_like import amp


def _make_trainer(model, opt, low: bool):
    """A compiled torch-style AMP step: autocast forward, scaled backward, scaler step."""
    scaler = amp.GradScaler("cpu", enabled=low)
    # Captured so that compile carries the scaler's tensors even where it does not walk
    # GradScaler objects itself.
    held = [scaler._scale, scaler._growth_tracker] if low else []

    def step(x, y):
        held  # noqa: B018
        opt.zero_grad()
        with pl.autocast("cpu", dtype=pl.bfloat16, enabled=low):
            loss = F.nll_loss(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        return loss

    return pl.compile(step), scaler


def _accuracy(model, x, y, low: bool, batch: int = 1000) -> float:
    model.eval()
    right = 0
    with pl.no_grad(), pl.autocast("cpu", enabled=low):
        for i in range(0, len(y), batch):
            out = model(x[i:i + batch])
            right += int((out.argmax(1) == y[i:i + batch]).sum())
    model.train()
    return right / len(y)


class _SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 3)
        self.fc = nn.Linear(6 * 3 * 3, 4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return F.log_softmax(self.fc(x.flatten(1)), dim=1)


def _synthetic(n: int, seed: int):
    """8x8 images of 4 classes: a bright row or column at a class-specific place, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    x = rng.normal(0, 0.5, (n, 1, 8, 8)).astype(np.float32)
    for i, c in enumerate(y):
        if c < 2:
            x[i, 0, 2 + 3 * c, :] += 2.0
        else:
            x[i, 0, :, 2 + 3 * (c - 2)] += 2.0
    return pl.tensor(x), pl.tensor(y)


def test_small_cnn_amp_matches_float32_accuracy():
    xtr, ytr = _synthetic(512, 0)
    xte, yte = _synthetic(512, 1)
    results = {}
    for low in (False, True):
        pl.manual_seed(0)
        model = _SmallCNN()
        opt = pl.optim.Adam(model.parameters(), lr=1e-2)
        step, scaler = _make_trainer(model, opt, low)
        losses = [step(xtr[i:i + 32], ytr[i:i + 32]) for i in range(0, 512, 32)]
        assert all(p.dtype is pl.float32 for p in model.parameters())
        results[low] = (_accuracy(model, xte, yte, low), float(losses[-1]), scaler.get_scale())
    acc32, acc16 = results[False][0], results[True][0]
    assert acc32 > 0.9 and acc16 > 0.9, results
    assert abs(acc32 - acc16) <= 0.03, results
    assert results[True][2] == 2.0**16  # no overflow: the scale never backed off


@pytest.mark.slow
def test_mnist_cnn_amp_within_0_3_percent_of_float32():
    root = os.environ.get("PYTORCH_LIKE_MNIST_DIR")
    if not root:
        pytest.skip("set PYTORCH_LIKE_MNIST_DIR to the folder with MNIST's IDX files")
    from pytorch_like.examples.mnist import Net
    from pytorch_like.utils.data import DataLoader
    from pytorch_like.vision import datasets, transforms

    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST(root, train=True, transform=tf, download=False)
    test = datasets.MNIST(root, train=False, transform=tf, download=False)
    n_batches = int(os.environ.get("PYTORCH_LIKE_AMP_MNIST_BATCHES", "300"))
    xte, yte = next(iter(DataLoader(test, batch_size=len(test))))
    accs = {}
    for low in (False, True):
        pl.manual_seed(1)
        model = Net()
        opt = pl.optim.Adam(model.parameters(), lr=1e-3)
        step, _ = _make_trainer(model, opt, low)
        gen = pl.Generator()
        gen.manual_seed(1)
        loader = DataLoader(train, batch_size=64, shuffle=True, generator=gen)
        pl.manual_seed(2)  # the same dropout masks in both runs
        for i, (x, y) in enumerate(loader):
            if i == n_batches:
                break
            step(x, y)
        accs[low] = _accuracy(model, xte, yte, low)
    print(f"MNIST CNN after {n_batches} batches: float32 {100 * accs[False]:.2f}%, "
          f"autocast(bf16)+GradScaler {100 * accs[True]:.2f}%")
    assert accs[False] > 0.95
    assert abs(accs[False] - accs[True]) <= 0.003, accs
