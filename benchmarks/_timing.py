"""Shared timing helper for benchmarks: medians of repeated runs, measured in one process."""

from __future__ import annotations

import random
import statistics
import time
from typing import Callable


def block(a):
    """Wait for a step's results: a list of JAX arrays, one array, or anything else (a
    torch tensor, already computed when returned)."""
    if isinstance(a, list):
        import jax

        return jax.block_until_ready(a)
    return a.block_until_ready() if hasattr(a, "block_until_ready") else a


def median_us(fn: Callable[[], object], *, number: int = 200, repeat: int = 15,
              sync: Callable[[object], object] | None = None) -> float:
    """Median over ``repeat`` runs of the mean time of ``number`` calls, in microseconds."""
    out = fn()
    if sync is not None:
        sync(out)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            out = fn()
        if sync is not None:
            sync(out)
        times.append((time.perf_counter() - t0) / number * 1e6)
    return statistics.median(times)


def interleaved_us(fns: dict[str, Callable[[], object]], *, number: int = 100,
                   rounds: int = 31, sync: Callable[[object], object] | None = None,
                   before: dict[str, Callable[[], None]] | None = None,
                   settle: int = 0) -> dict[str, float]:
    """Median per-call time of each function, in microseconds, measured in alternation.

    Each round runs every function ``number`` times (synced at the end), one after the
    other, so that a machine that drifts between fast and slow phases slows all of them
    alike; ``before[name]`` runs untimed before that function's turn (to hand state over).
    The order is shuffled every round (seeded), and ``settle`` untimed calls precede each
    timed turn: what ran just before matters (torch's OpenMP threads keep spinning after
    its step, and XLA's after its program; on two cores whichever library ran next lost
    ~1 ms per step), while a training loop runs one library at a time.
    """
    times: dict[str, list[float]] = {k: [] for k in fns}
    names = list(fns)
    order = random.Random(0)
    for _ in range(rounds):
        order.shuffle(names)
        for name in names:
            fn = fns[name]
            if before and name in before:
                before[name]()
            for _ in range(settle):
                out = fn()
            if settle and sync is not None:
                sync(out)
            t0 = time.perf_counter()
            for _ in range(number):
                out = fn()
            if sync is not None:
                sync(out)
            times[name].append((time.perf_counter() - t0) / number * 1e6)
    return {k: statistics.median(v) for k, v in times.items()}


def cpu_dispatch() -> str:
    """How JAX runs CPU programs in this process: 'async' (JAX's default) or 'sync'
    (``PYTORCH_LIKE_CPU_SYNC_DISPATCH=1``; see ``pytorch_like/_backend.py``)."""
    import jax
    return "async" if jax.config.values.get("jax_cpu_enable_async_dispatch", True) else "sync"
