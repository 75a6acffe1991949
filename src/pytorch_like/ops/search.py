"""Lookups in sorted or counted values: ``searchsorted``, ``bucketize``, ``isin``,
``unique``, ``histc``.

Mirror torch's functions of the same names (int64 indices, torch's ``right``/``side``
semantics, ``histc``'s closed last bin). None is differentiable, as in torch. ``unique``
has a data-dependent size, so it runs eagerly only (inside ``compile`` it raises and says
what to do instead).

Example:
    >>> torch.bucketize(torch.tensor([1, 5, 9]), torch.tensor([2, 4, 6, 8]))
    tensor([0, 2, 4])
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, _traced
from ._dispatch import Op, apply
from ._util import operand

__all__ = ["searchsorted", "bucketize", "isin", "unique", "unique_consecutive", "histc"]


def _searchsorted_fn(seq, x, *, right, out):
    side = "right" if right else "left"
    if seq.ndim <= 1:
        res = jnp.searchsorted(seq, x, side=side)
    else:
        # One sorted row per leading index: the same search mapped over the leading axes.
        lead = seq.shape[:-1]
        flat = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=side))(
            seq.reshape(-1, seq.shape[-1]), x.reshape(-1, x.shape[-1]))
        res = flat.reshape(lead + x.shape[-1:])
    return res.astype(out)


_searchsorted = Op("searchsorted", _searchsorted_fn, differentiable=False)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False,  # noqa: A002
                 right: bool = False, side: str | None = None, sorter=None) -> Tensor:
    """Mirrors ``torch.searchsorted``: where each value would be inserted to keep order.

    ``sorted_sequence`` is 1-D, or N-D with the same leading dims as ``input`` (one sorted
    row each). Example:
        >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]))
        tensor([1, 3])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' "
                               f"but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    if sorter is not None:
        from .indexing import gather
        sorted_sequence = gather(sorted_sequence, -1, sorter)
    values = input if isinstance(input, Tensor) else Tensor._make(
        jnp.asarray(operand(input)), sorted_sequence._dtype)
    seq_shape, val_shape = tuple(sorted_sequence.shape), tuple(values.shape)
    if len(seq_shape) > 1 and (len(val_shape) != len(seq_shape)
                               or seq_shape[:-1] != val_shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq_shape)} and input value tensor {list(val_shape)}")
    dt = D.int32 if out_int32 else D.int64
    return apply(_searchsorted, (sorted_sequence, values),
                 (("right", bool(right)), ("out", dt.storage)), None, dt)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False,  # noqa: A002
              right: bool = False) -> Tensor:
    """Mirrors ``torch.bucketize``: the bucket of each value among 1-D ``boundaries``
    (``right=False``: ``boundaries[i-1] < x <= boundaries[i]``)."""
    if boundaries.ndim != 1:
        raise RuntimeError("boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _isin_fn(x, test, *, invert):
    return jnp.isin(x, test, invert=invert)


_isin = Op("isin", _isin_fn, differentiable=False)


def isin(elements, test_elements, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Mirrors ``torch.isin``: whether each element occurs in ``test_elements``."""
    e = elements if isinstance(elements, Tensor) else Tensor._wrap(jnp.asarray(elements))
    t = test_elements if isinstance(test_elements, Tensor) else \
        Tensor._wrap(jnp.asarray(test_elements))
    return apply(_isin, (e, t), (("invert", bool(invert)),), None, D.bool_)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """Mirrors ``torch.unique``: the distinct values (sorted), optionally with the inverse
    indices and the counts (int64). Eager only: the result's size depends on the data.

    Example:
        >>> torch.unique(torch.tensor([3, 1, 3, 2]), return_counts=True)
        (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    a = input._cell.a
    if _traced(a):
        raise RuntimeError("torch.unique has a data-dependent output shape and cannot run "
                           "inside a compiled function; compute it before calling the "
                           "compiled function.")
    host = np.asarray(a)
    if dim is not None:
        dim = dim % max(host.ndim, 1)
    vals, inverse, counts = np.unique(host, return_inverse=True, return_counts=True,
                                      axis=dim)
    if dim is None:
        inverse = inverse.reshape(host.shape)
    out = [Tensor._make(jnp.asarray(vals), input._dtype)]
    if return_inverse:
        out.append(Tensor._make(jnp.asarray(inverse, D.int64.storage), D.int64))
    if return_counts:
        out.append(Tensor._make(jnp.asarray(counts, D.int64.storage), D.int64))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input: Tensor, return_inverse: bool = False,  # noqa: A002
                       return_counts: bool = False, dim: int | None = None):
    """Mirrors ``torch.unique_consecutive``: collapse each run of equal consecutive values
    (or, with ``dim``, equal consecutive slices along ``dim``) to one, optionally with the
    inverse indices and the run lengths (int64). As in torch, NaNs never compare equal and
    a 0-d input gives a 1-element result. Eager only: the result's size depends on the data.

    Example:
        >>> torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
        (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    a = input._cell.a
    if _traced(a):
        raise RuntimeError("torch.unique_consecutive has a data-dependent output shape and "
                           "cannot run inside a compiled function; compute it before calling "
                           "the compiled function.")
    host = np.asarray(a)
    if dim is None:
        rows = host.reshape(-1, 1)
    else:
        d = dim % max(host.ndim, 1)
        moved = np.moveaxis(host.reshape(host.shape or (1,)), d, 0)
        rows = moved.reshape(moved.shape[0], -1)
    n = rows.shape[0]
    # A run starts where a row differs from the one before it (NaN != NaN starts a run).
    starts = np.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else False
    first = np.flatnonzero(starts)
    if dim is None:
        vals = host.reshape(-1)[first]
        inverse = (np.cumsum(starts) - 1).reshape(host.shape)
    else:
        vals = np.moveaxis(moved[first], 0, d)
        inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(first, n))
    out = [Tensor._make(jnp.asarray(vals), input._dtype)]
    if return_inverse:
        out.append(Tensor._make(jnp.asarray(inverse, D.int64.storage), D.int64))
    if return_counts:
        out.append(Tensor._make(jnp.asarray(counts, D.int64.storage), D.int64))
    return out[0] if len(out) == 1 else tuple(out)

def _histc_fn(x, *, bins, lo, hi):
    x = x.reshape(-1)
    if lo == hi and x.size:
        lo, hi = jnp.min(x), jnp.max(x)  # the data's own range
    lo, hi = jnp.asarray(lo, x.dtype), jnp.asarray(hi, x.dtype)
    # Equal ends (constant data) widen by one on each side, as torch does.
    same = lo == hi
    lo, hi = jnp.where(same, lo - 1, lo), jnp.where(same, hi + 1, hi)
    idx = jnp.floor((x - lo) / (hi - lo) * bins).astype(jnp.int32)
    idx = jnp.where(x == hi, bins - 1, idx)  # the last bin is closed on the right
    inside = (x >= lo) & (x <= hi)
    return jnp.zeros((bins,), x.dtype).at[jnp.where(inside, idx, bins)].add(1, mode="drop")


_histc = Op("histc", _histc_fn, differentiable=False)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.histc``: counts in ``bins`` equal bins over ``[min, max]`` (the data's
    own range when both are 0); values outside are ignored."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f'"histogram_cpu" not implemented for '
                           f"'{D.type_word(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError("torch.histc(): bins must be > 0, but got "
                           f"{bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc(): max must be larger than min")
    return apply(_histc, (input,), (("bins", int(bins)), ("lo", float(min)),
                                    ("hi", float(max))))
