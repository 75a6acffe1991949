"""Mixed precision: compiled training-step time, float32 vs torch.autocast (+ GradScaler).

Run: python benchmarks/amp.py [--models cnn transformer] [--batch 64] [--steps 20]
     [--modes fp32 bf16 bf16+scaler fp16+scaler]

Models: the source material's MNIST CNN (conv32-conv64-maxpool-dropout-fc128-dropout-fc10,
batch of 1x28x28 images) and a small transformer encoder (2 x nn.TransformerEncoderLayer,
d_model 128, 4 heads, feed-forward 512, sequence 64, mean-pooled into 10 classes). Each step
is the torch AMP recipe written the torch way and compiled with ``pytorch_like.compile``:
``zero_grad``; forward and loss under ``torch.autocast``; ``scaler.scale(loss).backward()``;
``scaler.step``; ``scaler.update``. ``fp32`` runs the same step with autocast and the scaler
disabled. The autocast device type follows JAX's backend ('cuda' on a GPU, else 'cpu').

The table gives the median ms per step (one step per timed call, synchronised on the loss)
and the ratio to float32. Absolute times drift between runs on shared machines.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import numpy as np

import pytorch_like as pl
import pytorch_like.nn.functional as F
from pytorch_like import amp

_MODES = {  # name: (autocast dtype or None, GradScaler enabled)
    "fp32": (None, False),
    "bf16": (pl.bfloat16, False),
    "bf16+scaler": (pl.bfloat16, True),
    "fp16+scaler": (pl.float16, True),
}


class _Encoder(pl.nn.Module):
    def __init__(self, d: int = 128, heads: int = 4, ff: int = 512, layers: int = 2) -> None:
        super().__init__()
        layer = pl.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.1, batch_first=True)
        self.encoder = pl.nn.TransformerEncoder(layer, layers)
        self.head = pl.nn.Linear(d, 10)

    def forward(self, x):
        return self.head(self.encoder(x).mean(1))


def _model(kind: str):
    pl.manual_seed(0)
    if kind == "cnn":
        from pytorch_like.examples.mnist import Net

        return Net()
    return _Encoder()


def _data(kind: str, batch: int):
    rng = np.random.default_rng(0)
    shape = (batch, 1, 28, 28) if kind == "cnn" else (batch, 64, 128)
    x = pl.tensor(rng.standard_normal(shape).astype(np.float32))
    return x, pl.tensor(rng.integers(0, 10, batch))


def _device_type() -> str:
    return "cpu" if jax.default_backend() == "cpu" else "cuda"


def time_mode(kind: str, mode: str, batch: int, steps: int) -> tuple[float, float, float]:
    """(first-call seconds incl. compilation, median ms per step, last loss)."""
    dtype, scaled = _MODES[mode]
    dev = _device_type()
    model = _model(kind)
    opt = pl.optim.Adam(model.parameters(), lr=1e-3)
    scaler = amp.GradScaler(dev, enabled=scaled)
    # Referenced by the step so compile carries the scale through the program as state.
    held = [scaler._scale, scaler._growth_tracker] if scaled else []
    loss_fn = F.nll_loss if kind == "cnn" else F.cross_entropy

    def step(x, y):
        held  # noqa: B018
        opt.zero_grad()
        with amp.autocast(dev, dtype=dtype, enabled=dtype is not None):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        return loss

    fn = pl.compile(step)
    x, y = _data(kind, batch)
    t0 = time.perf_counter()
    for _ in range(3):  # first call creates Adam's state; then the stable program
        loss = fn(x, y)
    float(loss)
    first = time.perf_counter() - t0
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = fn(x, y)
        float(loss)
        times.append((time.perf_counter() - t0) * 1e3)
    return first, statistics.median(times), float(loss)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["cnn", "transformer"],
                   choices=["cnn", "transformer"])
    p.add_argument("--modes", nargs="+", default=["fp32", "bf16", "bf16+scaler"],
                   choices=sorted(_MODES))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    args = p.parse_args(argv)
    dev = jax.devices()[0]
    print(f"backend {jax.default_backend()} ({dev.device_kind}), autocast device_type "
          f"'{_device_type()}', batch {args.batch}, {args.steps} timed steps, Adam")
    print(f"{'model':12s} {'mode':12s} {'ms/step':>9s} {'vs fp32':>8s} {'compile s':>10s} "
          f"{'loss':>8s}")
    for kind in args.models:
        base = None
        for mode in args.modes:
            first, ms, loss = time_mode(kind, mode, args.batch, args.steps)
            if mode == "fp32":
                base = ms
            ratio = f"{ms / base:8.2f}" if base else f"{'-':>8s}"
            print(f"{kind:12s} {mode:12s} {ms:9.2f} {ratio} {first:10.1f} {loss:8.4f}",
                  flush=True)


if __name__ == "__main__":
    main()
