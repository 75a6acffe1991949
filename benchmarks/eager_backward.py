"""Eager training steps: forward and backward as one program, the backward alone as one
program, and op by op.

Run: python benchmarks/eager_backward.py [--models mlp cnn] [--batch 64 256] [--steps 20]
     [--rounds 10]

Eager mode records the ops of a graph under grad mode and, once the graph's structure
repeats, computes forward and backward as one cached program (``ops/_lazy.py``,
``autograd/engine.py`` ``_lazy_walk``); with that recording off (``PYTORCH_LIKE_LAZY=0``)
the forward runs op by op and the backward is one program (``_fused_walk``); with neither,
everything runs op by op (docs/decisions/001-autograd.md). This times the same eager Adam
step of ``train_step.py``'s models the three ways, alternating in one process: each round
runs ``--steps`` steps per variant, each step synced (its loss and parameters waited for).
The table gives the median ms per step, each variant's ratio to op by op (> 1: faster), the
process CPU time per step, and which programs ran.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import jax
import numpy as np

import pytorch_like as pl
from pytorch_like.autograd import engine
from pytorch_like.ops import _lazy
from train_step import make_model, make_opt, torch_like_step

_WALK_ONLY = 10**9


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# variant: (lazy recording, one program from the _FUSE_AFTER-th repeat on)
_VARIANTS = {"fwd+bwd": (True, True), "bwd": (False, True), "op by op": (False, False)}


def run(kind: str, batch: int, steps: int, rounds: int) -> dict:
    rng = np.random.default_rng(0)
    x = pl.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = pl.tensor(rng.integers(0, 10, batch))
    pl.manual_seed(0)
    model = make_model(pl, kind)
    params = list(model.parameters())
    step = torch_like_step(pl, model, make_opt(pl, "adam", model.parameters()))
    default, enabled = _lazy._FUSE_AFTER, _lazy.ENABLED
    engine._FUSED.clear()  # "ran" below is about this model's graphs
    engine._LAZY.clear()
    walls: dict = {k: [] for k in _VARIANTS}
    cpus: dict = {k: [] for k in _VARIANTS}
    names = list(_VARIANTS)
    try:
        for r in range(rounds):
            for name in names[r % 3:] + names[:r % 3]:
                _lazy.ENABLED, fuse = _VARIANTS[name]
                _lazy._FUSE_AFTER = default if fuse else _WALK_ONLY
                for _ in range(3):  # settle (and build the program in the first round)
                    step(x, y)
                jax.block_until_ready([p._cell.a for p in params])
                c0, t0 = _cpu_s(), time.perf_counter()
                for _ in range(steps):
                    loss = step(x, y)
                    jax.block_until_ready([loss._data] + [p._cell.a for p in params])
                walls[name].append((time.perf_counter() - t0) / steps * 1e3)
                cpus[name].append((_cpu_s() - c0) / steps * 1e3)
    finally:
        _lazy._FUSE_AFTER, _lazy.ENABLED = default, enabled
    ran = {"fwd+bwd": any(callable(e[1]) for e in engine._LAZY.values()),
           "bwd": any(callable(e[1]) for e in engine._FUSED.values())}
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in walls} | {
        "ran": ran}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--batch", nargs="+", type=int, default=[64, 256])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    print(f"{'config':12s} {'fwd+bwd':>8s} {'bwd':>8s} {'op by op':>9s} {'x fwd+bwd':>10s} "
          f"{'x bwd':>6s} {'cpu f+b':>8s} {'cpu bwd':>8s} {'cpu op':>7s}  programs that ran")
    for kind in args.models:
        for batch in args.batch:
            steps = args.steps if kind == "mlp" else max(3, args.steps // 4)
            r = run(kind, batch, steps, args.rounds)
            (fw, fc), (bw, bc), (ow, oc) = r["fwd+bwd"], r["bwd"], r["op by op"]
            # A program whose scratch a thread arena cannot hold is never used: the
            # variant then runs op by op (or with the backward alone as one program).
            ran = ", ".join(k for k, v in r["ran"].items() if v) or "none (scratch)"
            print(f"{kind}/b{batch:<8d} {fw:8.2f} {bw:8.2f} {ow:9.2f} {ow / fw:10.2f} "
                  f"{ow / bw:6.2f} {fc:8.2f} {bc:8.2f} {oc:7.2f}  {ran}", flush=True)
    print("(median ms per eager Adam step, each step synced; x: op by op / variant; "
          "cpu: process CPU ms per step)")


if __name__ == "__main__":
    main()
