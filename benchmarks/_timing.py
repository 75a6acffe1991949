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
