"""Samplers: the order in which a DataLoader visits a map-style dataset.

Mirrors ``torch.utils.data.sampler``. Random samplers take a seed from the torch-style
``generator`` (or the global one seeded by ``torch.manual_seed``) when iteration starts and
draw the indices with numpy from it, so a seeded generator reproduces the same order; the
orders differ from torch's for the same seed (the bit streams cannot match).

Our samplers also expose a private ``_index_array()`` (all indices of one pass as a numpy
array) that ``BatchSampler`` slices into batches without a Python call per index; a
subclass that overrides ``__iter__`` is iterated normally.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from ...random import Generator
from ._worker import _seed_from_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Mirrors ``torch.utils.data.Sampler``: subclasses define ``__iter__`` (and ``__len__``).

    Example:
        >>> class Reverse(Sampler):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(self.n - 1, -1, -1))
        ...     def __len__(self): return self.n
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


def _array_source(sampler):
    """``sampler._index_array`` when iterating ``sampler`` means iterating that array."""
    cls = type(sampler)
    fn = getattr(sampler, "_index_array", None)
    if fn is not None and cls.__iter__ is getattr(cls, "_array_iter", None):
        return fn
    return None


class SequentialSampler(Sampler[int]):
    """Mirrors ``torch.utils.data.SequentialSampler``: ``0, 1, ..., len(data_source) - 1``.

    Example:
        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    _array_iter = __iter__

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Mirrors ``torch.utils.data.RandomSampler``: a random permutation (or, with
    ``replacement=True``, ``num_samples`` uniform draws) of the dataset's indices.

    A new seed is taken from ``generator`` (default: the global generator) each time
    iteration starts, in the thread that calls ``iter()``.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> order = list(RandomSampler(range(10), generator=g))
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError("replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray:
        n = len(self.data_source)
        rng = np.random.default_rng(_seed_from_generator(self.generator))
        m = self.num_samples
        if self.replacement:
            return rng.integers(0, n, size=m, dtype=np.int64)
        parts = [rng.permutation(n) for _ in range(m // n)]
        if m % n:
            parts.append(rng.permutation(n)[: m % n])
        return np.concatenate(parts).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    _array_iter = __iter__

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """Mirrors ``torch.utils.data.SubsetRandomSampler``: the given indices in random order.

    Example:
        >>> list(SubsetRandomSampler([10, 20, 30]))  # e.g. [20, 10, 30]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _perm(self) -> np.ndarray:
        rng = np.random.default_rng(_seed_from_generator(self.generator))
        return rng.permutation(len(self.indices))

    def _index_array(self) -> np.ndarray:
        return np.asarray(self.indices, dtype=np.int64).reshape(-1)[self._perm()]

    def __iter__(self) -> Iterator[int]:
        perm = self._perm().tolist()
        return (self.indices[i] for i in perm)

    _array_iter = __iter__

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Mirrors ``torch.utils.data.WeightedRandomSampler``: index ``i`` drawn with
    probability ``weights[i] / sum(weights)``, with or without replacement.

    Invalid weights (negative, all zero, too few non-zero for ``replacement=False``) raise
    torch's ``RuntimeError`` messages when iteration starts, as ``torch.multinomial`` does.

    Example:
        >>> list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=True))
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) \
                or num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        from ...ops.creation import tensor

        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self._w = w
        self.weights = tensor(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        w = self._w
        if not np.all(np.isfinite(w)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(w < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        total = w.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement:
            if self.num_samples > len(w):
                raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples "
                                   "without replacement")
            if self.num_samples > int(np.count_nonzero(w)):
                raise RuntimeError("invalid multinomial distribution (with replacement=False, "
                                   "not enough non-negative category to sample)")
        rng = np.random.default_rng(_seed_from_generator(self.generator))
        out = rng.choice(len(w), size=self.num_samples, replace=self.replacement, p=w / total)
        return out.astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    _array_iter = __iter__

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Mirrors ``torch.utils.data.BatchSampler``: groups another sampler's indices into lists.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _iter_arrays(self) -> Iterator[np.ndarray]:
        """The batches as numpy index arrays (what the DataLoader consumes)."""
        bs = self.batch_size
        src = _array_source(self.sampler)
        if src is not None:
            idx = src()
            stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
            return (idx[i:i + bs] for i in range(0, stop, bs))
        return self._group(iter(self.sampler))

    def _group(self, it: Iterator) -> Iterator[np.ndarray]:
        bs = self.batch_size
        while True:
            chunk = []
            for x in it:
                chunk.append(x)
                if len(chunk) == bs:
                    break
            if not chunk or (self.drop_last and len(chunk) < bs):
                return
            yield chunk
            if len(chunk) < bs:
                return

    def __iter__(self) -> Iterator[list[int]]:
        for b in self._iter_arrays():
            yield b.tolist() if isinstance(b, np.ndarray) else b

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // \
            self.batch_size
