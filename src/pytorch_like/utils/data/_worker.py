"""Per-thread state of the DataLoader's worker threads, and the numpy RNG transforms draw from.

Mirrors ``torch.utils.data.get_worker_info``. torch's workers are processes, each with its
own RNG seeded ``base_seed + worker_id``; ours are threads, so the state lives in a
``threading.local``. Random transforms call :func:`_numpy_rng`: inside a loader thread it is
a numpy generator seeded from the loader's base seed (drawn from the loader's ``generator``
or the global one at ``iter()`` time) and the batch number, so every batch is reproducible
whatever thread loads it; elsewhere it is a numpy generator seeded from the global
``torch.manual_seed`` generator.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from ...random import Generator, default_generator

__all__ = ["WorkerInfo", "get_worker_info"]

_local = threading.local()
_fallback_lock = threading.Lock()
# The numpy generator used outside loader threads, and the global key it was seeded after.
_fallback: dict[str, Any] = {"key": None, "gen": None, "rng": None}


@dataclass(frozen=True)
class WorkerInfo:
    """Mirrors ``torch.utils.data._utils.worker.WorkerInfo``: what a worker thread is.

    Example:
        >>> info = torch.utils.data.get_worker_info()   # inside Dataset code
        >>> info.id, info.num_workers, info.seed
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """Mirrors ``torch.utils.data.get_worker_info``.

    Returns the calling worker thread's :class:`WorkerInfo` when the DataLoader runs with
    ``num_workers > 0``, and ``None`` otherwise (in the main thread, and in the single
    prefetch thread of ``num_workers=0``, which stands for torch's main-process loading).

    Example:
        >>> class Shards(torch.utils.data.IterableDataset):
        ...     def __iter__(self):
        ...         info = torch.utils.data.get_worker_info()
        ...         return iter(range(10) if info is None else range(info.id, 10, info.num_workers))
    """
    return getattr(_local, "info", None)


def _seed_from_generator(generator: Generator | None = None) -> int:
    """A 63-bit seed drawn from a torch-style generator (advances it, like torch's draw)."""
    key = (generator or default_generator)._next_key()
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    words = np.asarray(key).reshape(-1)
    seed = 0
    for w in words[:2]:
        seed = (seed << 32) | int(w)
    return seed & ((1 << 63) - 1)


def _numpy_rng() -> np.random.Generator:
    """The numpy generator a random transform should draw from in this thread.

    Example:
        >>> torch.manual_seed(0); a = _numpy_rng().integers(10)
        >>> torch.manual_seed(0); assert _numpy_rng().integers(10) == a
    """
    rng = getattr(_local, "rng", None)
    if rng is not None:
        return rng
    gen = default_generator
    with _fallback_lock:
        # Re-seed whenever the global generator moved since our last seed draw (a
        # manual_seed or any other random op): results are then a function of the torch
        # RNG state, so ``manual_seed`` reproduces them, at one key split per re-seed.
        if _fallback["rng"] is None or gen._key is not _fallback["key"] \
                or _fallback["gen"] is not gen:
            _fallback["rng"] = np.random.default_rng(_seed_from_generator(gen))
            _fallback["key"] = gen._key
            _fallback["gen"] = gen
        return _fallback["rng"]
