"""``F.embedding_bag``: sums, means or maxima of bags of embedding rows, without the
intermediate (num_indices, embedding_dim) tensor ever reaching Python.

One op built from one JAX function: each index is assigned its bag by a sorted search over
``offsets`` inside the op, so the offsets' *values* may be traced (``pytorch_like.compile``
with offsets as a tensor keeps every shape static). The reductions are JAX segment
reductions; gradients for ``weight`` and ``per_sample_weights`` come from ``jax.vjp``.

Example:
    >>> import pytorch_like as torch
    >>> import pytorch_like.nn.functional as F
    >>> w = torch.arange(12.).view(4, 3)
    >>> F.embedding_bag(torch.tensor([0, 1, 3]), w, torch.tensor([0, 2]), mode="sum")
    tensor([[ 3.,  5.,  7.],
            [ 9., 10., 11.]])
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..ops._dispatch import Op, apply
from ..tensor import Tensor

__all__ = ["embedding_bag"]


def _bag_fn(w, idx, offsets, psw, *, mode, nbags, bag_len, padding_idx):
    n = idx.shape[0]
    pos = jnp.arange(n)
    if offsets is None:
        seg = pos // max(bag_len, 1)
    else:
        # A position's bag is the number of offsets at or before it, minus one: a running
        # count of bag starts (a repeated offset, an empty bag, counts twice). Positions at
        # or after a closing last offset land on bag ``nbags`` and are dropped below.
        starts = jnp.zeros(n + 1, jnp.int32).at[offsets].add(1, mode="drop")[:n]
        seg = jnp.cumsum(starts) - 1
    keep = seg < nbags
    if padding_idx is not None:
        keep = keep & (idx != padding_idx)
    seg = jnp.where(keep, seg, nbags)
    rows = jnp.take(w, idx, axis=0)
    if psw is not None:
        rows = rows * psw[:, None]
    count = jax.ops.segment_sum(keep.astype(w.dtype), seg, num_segments=nbags + 1)[:nbags]
    if mode == "max":
        out = jax.ops.segment_max(rows, seg, num_segments=nbags + 1)[:nbags]
        return jnp.where(count[:, None] > 0, out, jnp.zeros((), w.dtype))
    out = jax.ops.segment_sum(rows, seg, num_segments=nbags + 1)[:nbags]
    if mode == "mean":
        # Empty bags stay zero rather than 0/0.
        out = out / jnp.maximum(count, 1)[:, None]
    return out


_embedding_bag = Op("embedding_bag", _bag_fn, grad_name="EmbeddingBagBackward0")


def _type_name(dtype: D.dtype) -> str:
    from ..autograd.engine import _type_name

    return _type_name(dtype)


def _check_index_dtype(t: Tensor) -> None:
    if t._dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{_type_name(t._dtype)} instead (while checking arguments for "
                           "embedding_bag)")


def _concrete(t: Tensor | None) -> bool:
    return t is None or not isinstance(t._cell.a, jax.core.Tracer)


def _check_values(idx: Tensor, offsets: Tensor | None, n: int) -> None:
    """torch's value checks; they need the values, so they run only outside a trace."""
    if offsets is not None and offsets.shape[0]:
        off = np.asarray(offsets._cell.a)
        if off[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                               "mini-batch has to start from position 0. However, got "
                               f"{off[0]}\n[ {_type_name(offsets._dtype)}{{}} ]")
        if off[-1] > idx.shape[0]:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length "
                               f"{idx.shape[0]} but got offsets[-1] of {off[-1]}")
    iv = np.asarray(idx._cell.a).reshape(-1)
    bad = np.nonzero((iv < 0) | (iv >= n))[0]
    if bad.size:
        k = int(bad[0])
        raise RuntimeError(f"Index {k} of input takes value {iv[k]} which is not in the valid "
                           f"range [0, {n})")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Mirrors ``F.embedding_bag``: reduce bags of rows of ``weight`` without building the
    per-index embeddings.

    ``input`` is either 2-D (B, L), B bags of L indices (``offsets`` must be None), or 1-D
    with ``offsets`` giving each bag's start (``include_last_offset=True``: the last offset
    closes the last bag and later indices are ignored). ``mode``: 'sum', 'mean' or 'max';
    an empty bag gives zeros. ``per_sample_weights`` (same shape as ``input``, 'sum' only)
    scales each row. Indices equal to ``padding_idx`` are left out of their bag (and of the
    mean's count). ``max_norm`` renormalises the looked-up rows of ``weight`` in place first.
    The value checks (offsets[0] == 0, offsets[-1] within the input, indices within the
    table) run in eager mode; inside ``pytorch_like.compile`` they are skipped.

    Deliberate differences: ``sparse=True`` still gives ``weight`` a dense gradient (no
    sparse tensors here; plain SGD takes the same step); ``scale_grad_by_freq`` is not
    supported; decreasing offsets are not rejected (their bags come out empty); with
    ``include_last_offset`` indices after the closing offset are always ignored (torch's
    result there depends on the mode and on ``padding_idx``).

    Example:
        >>> w = torch.randn(10, 3)
        >>> F.embedding_bag(torch.tensor([[1, 2], [4, 5]]), w, mode="max").shape
        torch.Size([2, 3])
    """
    if per_sample_weights is not None and tuple(input.shape) != \
            tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                         "is not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    bag_len = 0
    if input.dim() == 2:
        if offsets is not None:
            # Named as torch names its own tensor class, for the same message.
            kind = "<class 'torch.Tensor'>" if isinstance(offsets, Tensor) else type(offsets)
            raise ValueError("if input is 2D, then offsets has to be None, as input is "
                             "treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {kind}")
        nbags, bag_len = (int(s) for s in input.shape)
        # A 2-D input has B bags whatever include_last_offset says, as in torch.
        include_last_offset = False
        input = input.reshape(-1)  # noqa: A001
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        nbags = int(offsets.shape[0]) - (1 if include_last_offset else 0)
        nbags = max(nbags, 0)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    _check_index_dtype(input)
    if offsets is not None:
        _check_index_dtype(offsets)
    if per_sample_weights is not None and per_sample_weights._dtype is not weight._dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as "
                           "tensor for argument #1 'per_sample_weights'; but type "
                           f"{_type_name(weight._dtype)} does not equal "
                           f"{_type_name(per_sample_weights._dtype)} (while checking "
                           "arguments for embedding_bag)")
    if scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq is not supported")
    n = int(weight.shape[0])
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise RuntimeError("padding_idx must be within the number of embeddings, "
                               f"{-n} through {n - 1}, but got {padding_idx}")
        padding_idx = padding_idx % n
    if _concrete(input) and _concrete(offsets):
        _check_values(input, offsets if bag_len == 0 else None, n)
    if max_norm is not None:
        from .functional import _renorm_rows

        weight._set(_renorm_rows(weight._cell.a, input._cell.a, float(max_norm),
                                 float(norm_type)))
    return apply(_embedding_bag, (weight, input, offsets, per_sample_weights),
                 (("mode", mode), ("nbags", nbags), ("bag_len", bag_len),
                  ("padding_idx", padding_idx)), None, weight._dtype)
