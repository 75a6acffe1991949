"""``DistributedSampler``: each replica (process) reads its own shard of a dataset.

Mirrors ``torch.utils.data.distributed.DistributedSampler``: the indices (shuffled with
``seed + epoch`` when ``shuffle``) are padded by repeating the first ones (or, with
``drop_last``, truncated) to a multiple of ``num_replicas``, and replica ``rank`` takes every
``num_replicas``-th index starting at ``rank``. The permutation is numpy's for that seed, so
every replica computes the same one; it differs from torch's permutation for the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TypeVar

import numpy as np

from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]

T_co = TypeVar("T_co", covariant=True)

_NO_DIST = ("Requires distributed package to be available: pytorch_like.distributed is not "
            "available, so pass num_replicas and rank to DistributedSampler explicitly")


def _dist_default(what: str) -> int:
    try:
        from ... import distributed as dist  # type: ignore[attr-defined]
    except ImportError:
        raise RuntimeError(_NO_DIST) from None
    if hasattr(dist, "is_available") and not dist.is_available():
        raise RuntimeError(_NO_DIST)
    return int(dist.get_world_size() if what == "world" else dist.get_rank())


class DistributedSampler(Sampler[T_co]):
    """Mirrors ``torch.utils.data.distributed.DistributedSampler``.

    ``num_replicas`` and ``rank`` default to ``pytorch_like.distributed``'s world size and
    rank; without that package, pass them. Call ``set_epoch(epoch)`` before each epoch to
    get a new shuffle.

    Example:
        >>> sampler = DistributedSampler(ds, num_replicas=2, rank=0, seed=0)
        >>> loader = DataLoader(ds, batch_size=32, sampler=sampler)
        >>> for epoch in range(3):
        ...     sampler.set_epoch(epoch)
        ...     for batch in loader: ...
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _dist_default("world")
        if rank is None:
            rank = _dist_default("rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _index_array(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            idx = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            idx = np.arange(n)
        if self.drop_last:
            idx = idx[: self.total_size]
        elif self.total_size > n:
            pad = self.total_size - n
            idx = np.concatenate([idx, np.resize(idx, pad)])
        return idx[self.rank:self.total_size:self.num_replicas].astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[T_co]:
        return iter(self._index_array().tolist())

    _array_iter = __iter__

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Mirrors ``DistributedSampler.set_epoch``: the next pass shuffles with seed + epoch."""
        self.epoch = epoch
