"""Eager training steps with the backward as one program vs walked node by node.

Run: python benchmarks/eager_backward.py [--models mlp cnn] [--batch 64 256] [--steps 20]
     [--rounds 10]

Eager mode runs the backward of a graph whose structure repeats as one cached program
(``autograd/engine.py``, ``_fused_walk``; docs/decisions/001-autograd.md). This times the
same eager Adam step of ``train_step.py``'s models both ways, alternating in one process:
each round runs ``--steps`` steps per variant, each step synced (its loss and parameters
waited for), and the table gives the median ms per step and walk / one program (> 1: the
one program is faster), with the process CPU time per step beside it.
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
from train_step import make_model, make_opt, torch_like_step

_WALK_ONLY = 10**9


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(kind: str, batch: int, steps: int, rounds: int) -> dict:
    rng = np.random.default_rng(0)
    x = pl.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = pl.tensor(rng.integers(0, 10, batch))
    pl.manual_seed(0)
    model = make_model(pl, kind)
    params = list(model.parameters())
    step = torch_like_step(pl, model, make_opt(pl, "adam", model.parameters()))
    default = engine._FUSE_AFTER
    engine._FUSED.clear()  # "used" below is about this model's graph
    walls: dict = {"program": [], "walk": []}
    cpus: dict = {"program": [], "walk": []}
    try:
        for r in range(rounds):
            order = ("program", "walk") if r % 2 else ("walk", "program")
            for name in order:
                engine._FUSE_AFTER = default if name == "program" else _WALK_ONLY
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
        engine._FUSE_AFTER = default
    used = [e[1] for e in engine._FUSED.values()]
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in walls} | {
        "fused": any(callable(u) for u in used)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--batch", nargs="+", type=int, default=[64, 256])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    print(f"{'config':12s} {'one program':>12s} {'walk':>8s} {'walk/prog':>10s} "
          f"{'cpu prog':>9s} {'cpu walk':>9s}  used")
    for kind in args.models:
        for batch in args.batch:
            steps = args.steps if kind == "mlp" else max(3, args.steps // 4)
            r = run(kind, batch, steps, args.rounds)
            (pw, pc), (ww, wc) = r["program"], r["walk"]
            # A program whose scratch a thread arena cannot hold is never used (the walk
            # runs in both columns then).
            print(f"{kind}/b{batch:<8d} {pw:12.2f} {ww:8.2f} {ww / pw:10.2f} {pc:9.2f} "
                  f"{wc:9.2f}  {'one program' if r['fused'] else 'walk (scratch)'}",
                  flush=True)
    print("(median ms per eager Adam step, each step synced; cpu: process CPU ms per step)")


if __name__ == "__main__":
    main()
