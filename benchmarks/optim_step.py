"""Benchmark: ``optimizer.step()`` for a model with 100 parameter tensors (~10M values).

Compares, in ONE run with interleaved rounds (so machine noise hits all equally):

* pytorch_like: ``optim.SGD(momentum=0.9)`` / ``optim.Adam`` ``step()`` (one fused jitted
  update for the group, buffers donated);
* raw optax: ``optax.sgd(lr, momentum=0.9)`` / ``optax.adam(lr)`` under ``jax.jit`` with the
  parameters and optimizer state donated (the lower bound for this update in JAX);
* torch: ``torch.optim.SGD`` / ``torch.optim.Adam`` with ``foreach=True``.

Each timing is one step, synchronized (``block_until_ready``), median over the rounds.
Prints a table with each time and its ratio to raw optax. Goal: pytorch_like within 1.2x.

Usage: ``python benchmarks/optim_step.py [--rounds 15] [--steps 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import pytorch_like as pl
import pytorch_like.optim as pl_optim

try:
    import torch
except ImportError:
    torch = None

N_TENSORS = 100
# 50 weight matrices and 50 bias vectors: 50 * 400 * 496 + 50 * 496 = 9,944,800 values.
SHAPES = [(400, 496) if i % 2 == 0 else (496,) for i in range(N_TENSORS)]


def _arrays(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in SHAPES]
    return params, grads


def _time_steps(step, sync, steps: int) -> list[float]:
    out = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        sync()
        out.append(time.perf_counter() - t0)
    return out


class _Ours:
    def __init__(self, kind: str, params, grads) -> None:
        self.params = [pl.tensor(p.copy(), requires_grad=True) for p in params]
        for p, g in zip(self.params, grads):
            p.grad = pl.tensor(g.copy())
        self.opt = (pl_optim.SGD(self.params, lr=1e-3, momentum=0.9) if kind == "sgd"
                    else pl_optim.Adam(self.params, lr=1e-3))

    def step(self) -> None:
        self.opt.step()

    def sync(self) -> None:
        jax.block_until_ready([p._cell.a for p in self.params])


class _Optax:
    def __init__(self, kind: str, params, grads) -> None:
        tx = optax.sgd(1e-3, momentum=0.9) if kind == "sgd" else optax.adam(1e-3)
        self.params = [jnp.array(p) for p in params]
        self.grads = [jnp.array(g) for g in grads]
        self.state = tx.init(self.params)

        def update(params, state, grads):
            updates, state = tx.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        self.fn = jax.jit(update, donate_argnums=(0, 1))

    def step(self) -> None:
        self.params, self.state = self.fn(self.params, self.state, self.grads)

    def sync(self) -> None:
        jax.block_until_ready(self.params)


class _Torch:
    def __init__(self, kind: str, params, grads) -> None:
        self.params = [torch.tensor(p, requires_grad=True) for p in params]
        for p, g in zip(self.params, grads):
            p.grad = torch.tensor(g)
        self.opt = (torch.optim.SGD(self.params, lr=1e-3, momentum=0.9, foreach=True)
                    if kind == "sgd" else torch.optim.Adam(self.params, lr=1e-3, foreach=True))

    def step(self) -> None:
        self.opt.step()

    def sync(self) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--steps", type=int, default=5, help="steps per implementation per round")
    args = ap.parse_args()
    params, grads = _arrays(0)
    total = sum(int(np.prod(s)) for s in SHAPES)
    print(f"{N_TENSORS} parameter tensors, {total:,} values, float32; "
          f"jax backend: {jax.default_backend()} ({jax.devices()[0].device_kind})")
    rows = []
    for kind, label in (("sgd", "SGD(momentum=0.9)"), ("adam", "Adam")):
        impls = {"pytorch_like": _Ours(kind, params, grads),
                 "raw optax (jit, donated)": _Optax(kind, params, grads)}
        if torch is not None:
            impls["torch (foreach=True)"] = _Torch(kind, params, grads)
        for impl in impls.values():  # compile and warm up
            for _ in range(3):
                impl.step()
            impl.sync()
        times: dict[str, list[float]] = {k: [] for k in impls}
        names = list(impls)
        for r in range(args.rounds):
            # Rotate the order each round: torch's worker threads keep spinning for a while
            # after its step and would otherwise always slow down the same neighbour.
            for name in names[r % len(names):] + names[:r % len(names)]:
                impl = impls[name]
                times[name].extend(_time_steps(impl.step, impl.sync, args.steps))
        base = statistics.median(times["raw optax (jit, donated)"])
        for name in impls:
            med = statistics.median(times[name])
            rows.append((label, name, med * 1e3, med / base))
    print(f"\n{'optimizer':<20}{'implementation':<28}{'median step (ms)':>18}"
          f"{'vs raw optax':>14}")
    for label, name, ms, ratio in rows:
        print(f"{label:<20}{name:<28}{ms:>18.3f}{ratio:>13.2f}x")


if __name__ == "__main__":
    main()
