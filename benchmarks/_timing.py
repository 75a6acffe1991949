"""Shared timing helper for benchmarks: medians of repeated runs, measured in one process."""

from __future__ import annotations

import statistics
import time
from typing import Callable


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
                   before: dict[str, Callable[[], None]] | None = None) -> dict[str, float]:
    """Median per-call time of each function, in microseconds, measured in alternation.

    Each round runs every function ``number`` times (synced at the end), one after the
    other, so that a machine that drifts between fast and slow phases slows all of them
    alike; ``before[name]`` runs untimed before that function's turn (to hand state over).
    """
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            if before and name in before:
                before[name]()
            t0 = time.perf_counter()
            for _ in range(number):
                out = fn()
            if sync is not None:
                sync(out)
            times[name].append((time.perf_counter() - t0) / number * 1e6)
    return {k: statistics.median(v) for k, v in times.items()}
