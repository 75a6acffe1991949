"""Datasets: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``ConcatDataset``, ``Subset``...

Mirrors ``torch.utils.data.dataset``. One addition, private: a map-style dataset backed by
arrays may define ``_getbatch(indices)``, taking a numpy integer array and returning the
*numpy form* of ``default_collate([self[i] for i in indices])`` (numpy arrays where the
batch has tensors; see ``_collate.py``), or ``NotImplemented`` when it cannot. The
DataLoader uses it with the default collation, so a batch costs one vectorised gather per
array instead of one Python call per sample. ``TensorDataset``, ``Subset``,
``ConcatDataset`` and the vision datasets implement it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from ...random import Generator, default_generator
from ...tensor import Tensor
from ._worker import _seed_from_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class Dataset(Generic[T_co]):
    """Mirrors ``torch.utils.data.Dataset``: a map from keys (usually ``0..len-1``) to samples.

    Subclasses define ``__getitem__`` and usually ``__len__``. ``a + b`` concatenates.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 10
        ...     def __getitem__(self, i): return i, i * i
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Mirrors ``torch.utils.data.IterableDataset``: a stream of samples (define ``__iter__``).

    Deliberate difference: with ``num_workers > 0`` torch runs one copy of the stream per
    worker process; here an iterable dataset is always read by a single loader thread, so
    ``get_worker_info()`` is ``None`` inside it and the stream is never duplicated.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self): return iter(range(5))
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset[T_co]) -> ChainDataset:
        return ChainDataset([self, other])


def _host_array(owner: Any, t: Any, slot: Any) -> np.ndarray | None:
    """A numpy copy of a tensor's logical values, cached on ``owner`` until the tensor's
    array is replaced (an in-place update rebinds it), or ``None`` when gathering must stay
    on the device."""
    if isinstance(t, np.ndarray):
        return t
    if not isinstance(t, Tensor):
        return np.asarray(t)
    a = t._cell.a
    cache = owner.__dict__.setdefault("_host_cache", {})
    hit = cache.get(slot)
    if hit is not None and hit[0] is a:
        return hit[1]
    if jax.default_backend() != "cpu":
        return None
    arr = np.asarray(a)
    if arr.dtype != t._dtype.np:
        arr = arr.astype(t._dtype.np)
    cache[slot] = (a, arr)
    return arr


@jax.jit
def _device_take(a, idx):
    return jnp.take(a, idx, axis=0)


def _gather(owner: Any, t: Any, indices: np.ndarray, slot: Any) -> Any:
    """``t[indices]`` along dim 0: numpy on the host, one jitted gather on an accelerator."""
    n = len(t)
    if indices.size and (indices.max() >= n or indices.min() < -n):
        bad = int(indices.max() if indices.max() >= n else indices.min())
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    host = _host_array(owner, t, slot)
    if host is not None:
        return host[indices]
    return Tensor._make(_device_take(t._cell.a, jnp.asarray(indices % n)), t._dtype)


class TensorDataset(Dataset[tuple]):
    """Mirrors ``torch.utils.data.TensorDataset``: sample ``i`` is ``(t[i] for t in tensors)``.

    Batches are gathered with one vectorised indexing per tensor (no per-sample calls) when
    the DataLoader uses the default collation.

    Example:
        >>> ds = TensorDataset(torch.randn(100, 3), torch.arange(100))
        >>> x, y = ds[0]
    """

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    def _getbatch(self, indices: np.ndarray):
        if any(isinstance(t, Tensor) and t._rg for t in self.tensors):
            return NotImplemented  # per-sample indexing keeps the autograd graph
        return [_gather(self, t, indices, k) for k, t in enumerate(self.tensors)]


class StackDataset(Dataset[T_co]):
    """Mirrors ``torch.utils.data.StackDataset``: zips datasets into tuples (``*args``) or
    dicts (``**kwargs``).

    Example:
        >>> ds = StackDataset(image=images, label=labels); ds[0]  # {'image': ..., 'label': ...}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple | dict = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length

    def _getbatch(self, indices: np.ndarray):
        parts = self.datasets.values() if isinstance(self.datasets, dict) else self.datasets
        got = []
        for d in parts:
            fn = getattr(d, "_getbatch", None)
            out = fn(indices) if fn is not None else NotImplemented
            if out is NotImplemented:
                return NotImplemented
            got.append(out)
        if isinstance(self.datasets, dict):
            return dict(zip(self.datasets.keys(), got))
        return got


class ConcatDataset(Dataset[T_co]):
    """Mirrors ``torch.utils.data.ConcatDataset``: datasets one after another.

    Example:
        >>> ds = ConcatDataset([TensorDataset(torch.zeros(3)), TensorDataset(torch.ones(2))])
        >>> len(ds)
        5
    """

    @staticmethod
    def cumsum(sequence) -> list[int]:
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][idx - start]

    def _getbatch(self, indices: np.ndarray):
        n = len(self)
        idx = np.where(indices < 0, indices + n, indices)
        which = np.searchsorted(np.asarray(self.cumulative_sizes), idx, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
        parts, positions = [], []
        for k in np.unique(which):
            if k >= len(self.datasets):
                raise IndexError(f"index {int(idx[which == k][0])} is out of range for "
                                 f"ConcatDataset of length {n}")
            fn = getattr(self.datasets[k], "_getbatch", None)
            pos = np.nonzero(which == k)[0]
            out = fn(idx[pos] - starts[k]) if fn is not None else NotImplemented
            if out is NotImplemented:
                return NotImplemented
            parts.append(out)
            positions.append(pos)
        if len(parts) == 1:
            return parts[0]
        inverse = np.argsort(np.concatenate(positions), kind="stable")
        return _merge(parts, inverse)


def _merge(parts: list, inverse: np.ndarray):
    """Concatenate numpy-form batches leaf by leaf and restore the sampler's order."""
    first = parts[0]
    if isinstance(first, np.ndarray):
        if not all(isinstance(p, np.ndarray) for p in parts):
            return NotImplemented
        return np.concatenate(parts)[inverse]
    if isinstance(first, dict):
        out = {k: _merge([p[k] for p in parts], inverse) for k in first}
        return NotImplemented if any(v is NotImplemented for v in out.values()) else out
    if isinstance(first, (list, tuple)):
        cols = [_merge([p[i] for p in parts], inverse) for i in range(len(first))]
        if any(c is NotImplemented for c in cols):
            return NotImplemented
        return type(first)(cols) if isinstance(first, list) else tuple(cols)
    return NotImplemented


class ChainDataset(IterableDataset):
    """Mirrors ``torch.utils.data.ChainDataset``: iterable datasets one after another.

    Example:
        >>> list(ChainDataset([Count(), Count()]))  # two streams back to back
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[T_co]):
    """Mirrors ``torch.utils.data.Subset``: the samples of ``dataset`` at ``indices``.

    Example:
        >>> evens = Subset(ds, range(0, len(ds), 2))
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        fn = getattr(self.dataset, "__getitems__", None)
        if callable(fn):
            return fn([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _index_array(self) -> np.ndarray:
        cached = self.__dict__.get("_idx_cache")
        if cached is not None and cached[0] is self.indices and cached[1] == len(self.indices):
            return cached[2]
        arr = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        self.__dict__["_idx_cache"] = (self.indices, len(self.indices), arr)
        return arr

    def _getbatch(self, indices: np.ndarray):
        fn = getattr(self.dataset, "_getbatch", None)
        if fn is None:
            return NotImplemented
        own = self._index_array()
        n = len(own)
        if indices.size and (indices.max() >= n or indices.min() < -n):
            bad = int(indices.max() if indices.max() >= n else indices.min())
            raise IndexError(f"list index {bad} out of range for Subset of length {n}")
        return fn(own[indices])


def random_split(dataset: Dataset[T], lengths: Sequence[int | float],
                 generator: Generator | None = default_generator) -> list[Subset[T]]:
    """Mirrors ``torch.utils.data.random_split``: disjoint random subsets of given sizes.

    ``lengths`` are sizes summing to ``len(dataset)``, or fractions summing to 1 (each
    floored, the remainder handed out one by one from the first split). The permutation
    is drawn with numpy from a seed taken from ``generator``, so a seeded generator gives
    the same split every time (the split differs from torch's for the same seed).

    Example:
        >>> train, val = random_split(range(10), [0.8, 0.2],
        ...                           generator=torch.Generator().manual_seed(42))
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = np.random.default_rng(_seed_from_generator(generator)).permutation(n).tolist()
    return [Subset(dataset, perm[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]
