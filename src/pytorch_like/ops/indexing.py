"""Indexing: ``t[i]``, ``t[i] = v``, gather/scatter, index_select, masked_fill, nonzero.

Basic indices (ints, slices, None, ...) and integer-tensor indices follow torch (numpy's
rules). Python ints are bounds-checked with torch's IndexError and passed into the compiled
op as values, so ``x[i]`` in a loop compiles once. A boolean mask used to *read* has a
data-dependent shape, so it runs eagerly only; writing through a mask is a ``where`` and
also works under ``compile``. Integer-tensor indices in ``t[idx]`` are bounds-checked in
eager mode (torch's IndexError); deliberate difference: inside ``compile`` they cannot be
checked (JAX clamps reads and drops writes), nor are gather/scatter indices.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, _traced, _wrap_dim
from ._dispatch import Op, apply
from ._util import as_tensor_arg, operand
from ._views import make_view

__all__ = ["gather", "scatter", "scatter_add", "index_select", "masked_fill", "nonzero",
           "masked_select", "take", "index_add", "index_copy", "index_fill", "take_along_dim",
           "argwhere", "scatter_reduce", "index_put", "index_put_", "masked_scatter", "put"]


def _parse(t: Tensor, idx):
    """Split an index into a static spec and the dynamic index arrays it refers to."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    shape = t._cell.peek().shape
    n_ell = sum(1 for i in idx if i is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(_dims_used(i) for i in idx if i is not None and i is not Ellipsis)
    if not shape and len(idx) == 1 and isinstance(idx[0], (int, np.integer)) and \
            not isinstance(idx[0], bool):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    spec, dyn = [], []
    dim = 0
    n_adv = 0  # torch numbers tensor indices among themselves in its bounds error
    for item in idx:
        if item is None:
            spec.append(None)
        elif item is Ellipsis:
            spec.append(Ellipsis)
            dim += len(shape) - consumed
        elif isinstance(item, slice):
            spec.append(("s", _int_or_none(item.start), _int_or_none(item.stop),
                         _int_or_none(item.step)))
            if item.step is not None and _int_or_none(item.step) <= 0:
                raise ValueError("step must be greater than zero")
            dim += 1
        elif isinstance(item, bool):
            raise IndexError("pytorch_like does not support a Python bool as an index")
        elif isinstance(item, (int, np.integer)):
            size = shape[dim]
            i = int(item)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size "
                                 f"{size}")
            spec.append(("d", len(dyn)))
            dyn.append(i % size)
            dim += 1
        else:
            it = item if isinstance(item, Tensor) else as_tensor_arg(item)
            if it._dtype is D.bool_ or it._dtype is D.uint8:
                for ax in _mask_to_indices(it, shape, dim):
                    spec.append(("d", len(dyn)))
                    dyn.append(ax)
                dim += it.ndim
            else:
                if it._dtype._cat != 1:
                    raise IndexError("tensors used as indices must be long, int, byte or bool "
                                     "tensors")
                _check_bounds(it, shape[dim], n_adv)
                n_adv += 1
                spec.append(("d", len(dyn)))
                dyn.append(it)
                dim += 1
    return tuple(spec), dyn


def _check_bounds(index: Tensor, size: int, k: int) -> None:
    """torch's IndexError for an out-of-range tensor index (JAX would clamp it silently).

    Only concrete indices are checked: inside ``compile`` the values are not known.
    """
    a = index._cell.a
    if _traced(a) or a.size == 0:
        return
    arr = np.asarray(a)
    lo, hi = int(arr.min()), int(arr.max())
    if hi >= size:
        raise IndexError(f"index {hi} is out of bounds for dimension {k} with size {size}")
    if lo < -size:
        raise IndexError(f"index {lo} is out of bounds for dimension {k} with size {size}")


def _first_outside(index: Tensor, lo: int, hi: int) -> tuple[int, int] | None:
    """``(flat position, value)`` of the first index value outside ``[lo, hi)``, else None.

    torch reports the first offender in flat order. One host transfer of the index; None
    also when the index is empty or traced (inside ``compile`` the values are not known,
    and JAX clamps or drops instead).
    """
    a = index._cell.a
    if _traced(a) or a.size == 0:
        return None
    arr = np.asarray(a).reshape(-1)
    bad = (arr >= hi) | (arr < lo)
    if not bad.any():
        return None
    pos = int(bad.argmax())
    return pos, int(arr[pos])


def _check_gather_scatter_index(index: Tensor, size: int, dim: int) -> None:
    """torch's RuntimeError for a gather/scatter index outside the input's ``dim``.

    torch rejects negative indices here too (unlike ``t[idx]``), so the range is [0, size).
    """
    hit = _first_outside(index, 0, size)
    if hit is not None:
        raise RuntimeError(f"index {hit[1]} is out of bounds for dimension {dim} with size "
                           f"{size}")


def _dims_used(item) -> int:
    if isinstance(item, Tensor) and item._dtype is D.bool_:
        return item.ndim
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return item.ndim
    return 1


def _int_or_none(v):
    if v is None:
        return None
    return int(v.item()) if isinstance(v, Tensor) else int(v)


def _mask_to_indices(mask: Tensor, shape, dim: int):
    a = mask._cell.a
    if _traced(a):
        raise RuntimeError(
            "Indexing with a boolean mask has a data-dependent shape and cannot run inside a "
            "compiled function. Use torch.where(mask, x, other) or multiply by the mask "
            "instead, or index outside the compiled function.")
    m = np.asarray(a).astype(bool)
    want = tuple(shape[dim:dim + m.ndim])
    if m.shape != want:
        for k, (a_, b_) in enumerate(zip(m.shape, want)):
            if a_ != b_:
                raise IndexError(f"The shape of the mask [{', '.join(map(str, m.shape))}] at "
                                 f"index {k} does not match the shape of the indexed tensor "
                                 f"[{', '.join(map(str, shape))}] at index {dim + k}")
    return [Tensor._make(jnp.asarray(ix, D.int64.storage), D.int64) for ix in np.nonzero(m)]


def _build(spec, dyn):
    out = []
    for s in spec:
        if s is None or s is Ellipsis:
            out.append(s)
        elif s[0] == "s":
            out.append(slice(s[1], s[2], s[3]))
        else:
            out.append(dyn[s[1]])
    return tuple(out)


def _getitem_fn(x, *dyn, spec):
    return x[_build(spec, dyn)]


def _setitem_fn(x, v, *dyn, spec):
    ix = _build(spec, dyn)
    v = _fit_value(jnp.asarray(v), x[ix].shape)  # shapes only: XLA drops the unused read
    return x.at[ix].set(v.astype(x.dtype))


def _fit_value(v, target: tuple):
    """Mirrors how torch expands an assigned value: leading size-1 dims are dropped, then
    the value must broadcast to the indexed shape (torch's errors, not JAX's)."""
    while v.ndim > len(target) and v.shape[0] == 1:
        v = v[0]
    if v.ndim > len(target):
        raise RuntimeError(f"expand(torch.FloatTensor{{[{', '.join(map(str, v.shape))}]}}, "
                           f"size=[{', '.join(map(str, target))}]): the number of sizes "
                           f"provided ({len(target)}) must be greater or equal to the number "
                           f"of dimensions in the tensor ({v.ndim})")
    for k in range(1, v.ndim + 1):
        if v.shape[-k] not in (1, target[-k]):
            raise RuntimeError(
                f"The expanded size of the tensor ({target[-k]}) must match the existing size "
                f"({v.shape[-k]}) at non-singleton dimension {len(target) - k}.  Target "
                f"sizes: [{', '.join(map(str, target))}].  Tensor sizes: "
                f"[{', '.join(map(str, v.shape))}]")
    return v


# The gradient needs the index arrays (arguments 1, 2, ...) but not the indexed values.
_INDEX_ARGS = tuple(range(1, 64))
_getitem = Op("getitem", _getitem_fn, saves=_INDEX_ARGS, grad_name="IndexBackward0")
_setitem = Op("setitem", _setitem_fn, saves=tuple(range(2, 64)),
              grad_name="IndexPutBackward0")


# The same op under the node names torch gives basic indexing (its last non-trivial step).
_getitem_named = {name: Op("getitem", _getitem_fn, saves=_INDEX_ARGS, grad_name=name)
                  for name in ("SelectBackward0", "SliceBackward0", "UnsqueezeBackward0")}
_getitem_named["IndexBackward0"] = _getitem


def _getitem_op(spec, dyn) -> Op:
    if any(isinstance(d, Tensor) for d in dyn):
        return _getitem
    for s in reversed(spec):
        if s is None:
            return _getitem_named["UnsqueezeBackward0"]
        if s is Ellipsis:
            continue
        if s[0] == "d":
            return _getitem_named["SelectBackward0"]
        if s[1:] != (None, None, None) and s[1:] != (None, None, 1):
            return _getitem_named["SliceBackward0"]
    return _getitem_named["SliceBackward0"]


def getitem(t: Tensor, idx) -> Tensor:
    """``t[idx]`` as torch does it: basic indexing gives a view of ``t``, an index tensor
    (advanced indexing) a copy."""
    spec, dyn = _parse(t, idx)
    out = apply(_getitem_op(spec, dyn), (t, *dyn), (("spec", spec),), None, t._dtype)
    if not any(isinstance(d, Tensor) for d in dyn):
        make_view(out, t, ("index", spec), dyn)
    return out


def _where_set(x, m, v):
    return jnp.where(m, jnp.asarray(v).astype(x.dtype), x)


_masked_set = Op("masked_set", _where_set, saves=(1,), grad_name="IndexPutBackward0")


def setitem(t: Tensor, idx, value) -> None:
    """``t[idx] = value``: an in-place write that rebinds ``t`` and bumps its version."""
    from ._inplace import assign

    value = operand(value)
    if isinstance(value, Tensor) and value._dtype is not t._dtype:
        value = value.to(t._dtype)
    if isinstance(idx, Tensor) and idx._dtype is D.bool_ and (
            not isinstance(value, Tensor) or value.numel() == 1):
        # A mask write keeps a static shape: a where, usable under compile.
        m = idx
        while m.ndim < t.ndim:
            m = m.unsqueeze(-1)
        v = value.reshape(()) if isinstance(value, Tensor) else value
        assign(t, lambda: apply(_masked_set, (t, m, v), (), None, t._dtype))
        return
    spec, dyn = _parse(t, idx)
    assign(t, lambda: apply(_setitem, (t, value, *dyn), (("spec", spec),), None, t._dtype))


def _gather_fn(x, idx, *, dim):
    # torch treats a 0-d input or index as 1-d of size 1; the result has the index's shape.
    out_shape = idx.shape
    x, idx = jnp.atleast_1d(x), jnp.atleast_1d(idx)
    cut = tuple(slice(0, idx.shape[d]) if d != dim else slice(None) for d in range(x.ndim))
    return jnp.take_along_axis(x[cut], idx, axis=dim).reshape(out_shape)


_gather = Op("gather", _gather_fn, saves=(1,), grad_name="GatherBackward0")


def gather(input, dim: int, index, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.gather``: ``out[i][j] = input[i][index[i][j]]`` for dim=1."""
    d = _wrap_dim(dim, input.ndim)
    # A 0-d tensor counts as 1-d of size 1 (torch's rule for gather/scatter).
    if max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    for k in range(input.ndim):
        if k != d and index.shape[k] > input.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(index.shape)} to be smaller than self "
                               f"{list(input.shape)} apart from dimension {d}")
    _check_gather_scatter_index(index, input.shape[d] if input.ndim else 1, d)
    return apply(_gather, (input, index), (("dim", d),), None, input._dtype)


def take_along_dim(input, indices, dim=None) -> Tensor:  # noqa: A002
    if dim is None:
        return take(input, indices)
    return gather(input, dim, indices.expand(*[
        s if k != _wrap_dim(dim, input.ndim) else -1 for k, s in enumerate(input.shape)]))


def _scatter_index(idx, dim):
    grids = jnp.meshgrid(*[jnp.arange(s) for s in idx.shape], indexing="ij")
    grids[dim] = idx
    return tuple(grids)


def _scatter_fn(x, idx, src, *, dim, mode):
    # torch treats a 0-d input, index or src as 1-d of size 1 (the tutorials' one-hot
    # ``zeros(10).scatter_(0, tensor(y), value=1)``); the result keeps the input's shape.
    out_shape = x.shape
    x, idx = jnp.atleast_1d(x), jnp.atleast_1d(idx)
    ix = _scatter_index(idx, dim)
    if hasattr(src, "shape") and jnp.ndim(src) > 0:
        src = src[tuple(slice(0, s) for s in idx.shape)]
    src = jnp.asarray(src).astype(x.dtype)
    ref = x.at[ix]
    if mode == "set":
        return ref.set(src).reshape(out_shape)
    if mode == "add":
        return ref.add(src).reshape(out_shape)
    if mode == "multiply":
        return ref.multiply(src).reshape(out_shape)
    raise ValueError(f"reduce argument must be either add or multiply, got {mode}")


_scatter = Op("scatter", _scatter_fn, saves=(1,), grad_name="ScatterBackward0")


def _scatter_reduce_fn(x, idx, src, *, dim, reduce, include_self):
    """``scatter_reduce`` on arrays, with torch's gradient for every reduction.

    Positions no index reaches keep ``x``. With ``include_self=False`` the reached ones
    reduce over ``src`` alone. ``sum`` and ``mean`` differentiate as written; ``prod``,
    ``amax`` and ``amin`` carry torch's own formulas (custom JVPs below).
    """
    out_shape = x.shape
    x, idx = jnp.atleast_1d(x), jnp.atleast_1d(idx)
    ix = _scatter_index(idx, dim)
    src = jnp.atleast_1d(src)[tuple(slice(0, s) for s in idx.shape)].astype(x.dtype)
    keep = None if include_self else ~_reached(x, ix)
    if reduce in ("sum", "mean"):
        total = (x if keep is None else jnp.where(keep, x, 0)).at[ix].add(src)
        if reduce == "sum":
            return total.reshape(out_shape)
        count = jnp.zeros(x.shape, x.dtype).at[ix].add(1)
        # Every position keeps at least one term: its own value or one from src.
        count = count + 1 if keep is None else count + keep.astype(x.dtype)
        if jnp.issubdtype(x.dtype, jnp.integer):
            return jnp.floor_divide(total, count).reshape(out_shape)
        return (total / count).reshape(out_shape)
    f = _REDUCERS[(reduce, include_self)]
    return f(x, src, *ix).reshape(out_shape)


def _reached(x, ix):
    """The positions of ``x`` that the scatter index ``ix`` writes to."""
    return jnp.zeros(x.shape, bool).at[ix].set(True)


def _identity(reduce: str, dtype):
    """The value that leaves a reduction unchanged (a reached position of ``include_self
    =False`` starts from it)."""
    if reduce == "prod":
        return 1
    if dtype == jnp.bool_:
        return reduce == "amin"
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -jnp.inf if reduce == "amax" else jnp.inf


def _reducer(reduce: str, include_self: bool):
    """``x.at[ix].multiply/max/min(src)`` (without ``x``'s own reached values when not
    ``include_self``) with torch's gradient, where JAX's differs or is missing.

    prod: JAX has no gradient of a scatter-multiply with repeated indices; torch's divides
    the result by each factor, a zero factor's gradient being the product of the others.
    amax/amin: torch splits each result's gradient evenly between the values equal to it;
    JAX's rule spreads it over every contributor. torch counts the input's element among
    the ties even when ``include_self=False`` excludes it from the value (its own gradient
    is then zero): that split is reproduced as is. ``max``/``min``, which torch's forward
    accepts as aliases, have no gradient there: differentiating them raises its error.
    """
    kind = {"max": "amax", "min": "amin"}.get(reduce, reduce)

    def combine(base, src, ix):
        ref = base.at[ix]
        if kind == "prod":
            return ref.multiply(src)
        return ref.max(src) if kind == "amax" else ref.min(src)

    def start(x, ix):
        if include_self:
            return x
        return jnp.where(_reached(x, ix), jnp.asarray(_identity(kind, x.dtype), x.dtype), x)

    @jax.custom_jvp
    def f(x, src, *ix):
        return combine(start(x, ix), src, ix)

    @f.defjvp
    def f_jvp(primals, tangents):
        x, src, *ix = primals
        dx, dsrc = tangents[0], tangents[1]
        ix = tuple(ix)
        if kind != reduce:
            raise RuntimeError(f"Expected 'reduce' to be one of 'sum', 'prod', 'mean', "
                               f"'amax', 'amin' but got {reduce}.")
        out = f(x, src, *ix)
        zeros = jnp.zeros_like(x)
        keep = 1 if include_self else ~_reached(x, ix)
        if kind == "prod":
            # The products here go through ``f`` itself, so that they differentiate again
            # (double backward); JAX's scatter-multiply would not.
            masked_self = jnp.where(x == 0, 1, x)
            self_coef = f(masked_self, src, *ix) / masked_self * keep
            src_zero = src == 0
            zeros_there = zeros.at[ix].add(src_zero.astype(x.dtype))[ix]
            single = src_zero & (zeros_there == 1)
            # A lone zero factor: the product of the others, computed without it.
            without = f(x, jnp.where(single, 1, src), *ix)[ix]
            src_coef = jnp.where(single, without, out[ix] / jnp.where(src_zero, 1, src))
        else:
            self_hit = (x == out).astype(x.dtype)
            src_hit = (src == out[ix]).astype(x.dtype)
            count = self_hit + zeros.at[ix].add(src_hit)
            self_coef = self_hit / count * keep
            src_coef = src_hit / count[ix]
        return out, dx * self_coef + zeros.at[ix].add(dsrc * src_coef)
    return f


_REDUCERS = {(r, inc): _reducer(r, inc) for r in ("prod", "amax", "amin", "max", "min")
             for inc in (True, False)}

# sum and mean need only the index for their gradient; products and extremes need the
# values themselves.
_scatter_reduce_by_index = Op("scatter_reduce", _scatter_reduce_fn, saves=(1,),
                              grad_name="ScatterReduceBackward0")
_scatter_reduce_by_value = Op("scatter_reduce", _scatter_reduce_fn,
                              grad_name="ScatterReduceBackward0")


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.scatter``: ``out[i][index[i][j]] = src[i][j]`` for dim=1."""
    if src is None:
        src = value
    d = _wrap_dim(dim, input.ndim)
    mode = {None: "set", "add": "add", "multiply": "multiply"}[reduce]
    _check_scatter_tensors(input, d, index, src)
    src = operand(src)
    _check_scatter(input, d, index, src)
    return apply(_scatter, (input, index, src), (("dim", d), ("mode", mode)), None,
                 input._dtype)


def _check_scatter(input: Tensor, d: int, index: Tensor, src) -> None:  # noqa: A002
    """Eager checks torch makes before a scatter (JAX would drop or clamp silently)."""
    if isinstance(src, Tensor) and src.ndim == 0 and index.numel() > 1:
        # A 0-d src holds one value: torch does not broadcast it over a longer index.
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                           f"{list(input.shape)} apart from dimension {d} and to be no larger "
                           f"size than src []")
    _check_gather_scatter_index(index, input.shape[d] if input.ndim else 1, d)


def _check_scatter_tensors(input: Tensor, d: int, index, src) -> None:  # noqa: A002
    """torch's checks of ``scatter``/``scatter_add``'s index dtype and rank, and of a tensor
    ``src`` of the index's rank (dtype, sizes), as ``scatter_reduce`` makes them."""
    if not isinstance(index, Tensor):
        return
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src.ndim and src.ndim == index.ndim:
        _check_scatter_reduce(input, d, index, src)
    elif max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")


def scatter_add(input, dim: int, index, src) -> Tensor:  # noqa: A002
    """Mirrors ``torch.scatter_add`` (duplicates add up)."""
    d = _wrap_dim(dim, input.ndim)
    _check_scatter_tensors(input, d, index, src)
    _check_scatter(input, d, index, src)
    return apply(_scatter, (input, index, src), (("dim", d), ("mode", "add")), None,
                 input._dtype)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Tensor:
    """Mirrors ``torch.scatter_reduce``: reduces ``src`` into ``input`` at ``index`` along
    ``dim`` with ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.

    With ``include_self=False`` the input's values at reached positions take no part;
    positions no index reaches keep the input's values. Integer ``'mean'`` rounds down, as
    torch's. Gradients (input and src) are torch's: ``prod`` divides out each factor (a
    lone zero gets the product of the others), ``amax``/``amin`` split each result's
    gradient evenly over the values equal to it. torch's forward also takes ``'max'`` and
    ``'min'``, with no gradient; so do these.

    Example:
        >>> x = torch.tensor([1., 2., 3.])
        >>> x.scatter_reduce(0, torch.tensor([0, 0, 2]), torch.tensor([4., 6., 8.]), "mean")
        tensor([3.6667, 2.0000, 5.5000])
        >>> x.scatter_reduce(0, torch.tensor([0, 0, 2]), torch.tensor([4., 6., 8.]), "mean",
        ...                  include_self=False)
        tensor([5., 2., 8.])
    """
    d = _wrap_dim(dim, input.ndim)
    _check_scatter_reduce(input, d, index, src)
    if reduce not in _REDUCES and reduce not in ("max", "min"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    _check_scatter(input, d, index, src)
    if input._dtype is D.bool_:
        # torch's sum of booleans is their "or", the product their "and"; no mean.
        if reduce == "mean":
            raise NotImplementedError('"scatter_gather_tensor_cpu_reduce_mean" not '
                                      "implemented for 'Bool'")
        reduce = {"sum": "amax", "prod": "amin"}.get(reduce, reduce)
    op = _scatter_reduce_by_index if reduce in ("sum", "mean") else _scatter_reduce_by_value
    return apply(op, (input, index, src),
                 (("dim", d), ("reduce", reduce), ("include_self", bool(include_self))), None,
                 input._dtype)


_index_reduce_by_index = Op("index_reduce", _scatter_reduce_fn, saves=(1,),
                            grad_name="IndexReduceBackward0")
_index_reduce_by_value = Op("index_reduce", _scatter_reduce_fn,
                            grad_name="IndexReduceBackward0")


def _index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str,  # noqa: A002
                  include_self: bool) -> Tensor:
    """``index_reduce`` after its ``reduce`` and vector checks: torch's remaining checks,
    then the scatter reduction of ``source``'s slices with the index repeated across the
    other dimensions (torch's index_reduce gradient has scatter_reduce's formulas)."""
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{D.type_word(index._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"index_reduce_(): self ({D.type_word(input._dtype)}) and source "
                           f"({D.type_word(source._dtype)}) must have the same scalar type")
    d = _wrap_dim(dim, input.ndim)
    if d != 0 and d >= source.ndim:
        raise RuntimeError(f"index_reduce_(): Indexing dim {d} is out of bounds of the source "
                           f"tensor with dim {source.ndim}")
    n = index.numel()
    along = source.shape[d] if source.ndim else 1
    if n != along:
        raise RuntimeError(f"index_reduce_(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({along}), for dim: {d}")
    xs, ss = list(input.shape), list(source.shape)
    if xs and ss:
        del xs[d], ss[d]
    if xs != ss:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    if _first_outside(index, 0, input.shape[d] if input.ndim else 1) is not None:
        raise IndexError("index out of range in self")
    shape = [1] * source.ndim
    if source.ndim:
        shape[d] = -1
    idx = index.reshape(shape).expand(tuple(source.shape)) if source.ndim else \
        index.reshape(())
    op = _index_reduce_by_index if reduce == "mean" else _index_reduce_by_value
    return apply(op, (input, idx, source),
                 (("dim", d), ("reduce", reduce), ("include_self", bool(include_self))), None,
                 input._dtype)


def _check_scatter_reduce(input: Tensor, d: int, index: Tensor, src: Tensor) -> None:  # noqa: A002
    """torch's checks of a scatter's index dtype, ranks, src dtype and sizes."""
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    rank = max(input.ndim, 1)
    if max(index.ndim, 1) != rank:
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")
    if max(src.ndim, 1) != rank:
        raise RuntimeError("Index tensor must have the same number of dimensions as src "
                           "tensor")
    ishape = tuple(index.shape) or (1,)
    sshape = tuple(src.shape) or (1,)
    xshape = tuple(input.shape) or (1,)
    if any(ishape[k] > sshape[k] or (k != d and ishape[k] > xshape[k])
           for k in range(rank)):
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                           f"{list(input.shape)} apart from dimension {d} and to be no larger "
                           f"size than src {list(src.shape)}")


def _index_select_fn(x, idx, *, dim):
    return jnp.take(x, idx, axis=dim)


_index_select = Op("index_select", _index_select_fn, saves=(1,),
                   grad_name="IndexSelectBackward0")


def index_select(input, dim: int, index) -> Tensor:  # noqa: A002
    """Mirrors ``torch.index_select``."""
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, input.ndim)
    if _first_outside(index, 0, input.shape[d] if input.ndim else 1) is not None:
        raise IndexError("index out of range in self")
    return apply(_index_select, (input, index.reshape(-1)),
                 (("dim", _wrap_dim(dim, input.ndim)),), None, input._dtype)


def _index_update_fn(x, idx, src, *, dim, mode):
    ix = (slice(None),) * dim + (idx,)
    src = jnp.asarray(src).astype(x.dtype)
    if mode == "add":
        return x.at[ix].add(src)
    return x.at[ix].set(src)


_index_update = Op("index_update", _index_update_fn, saves=(1,))


def _check_index_update(input, dim: int, index, lo_neg: bool, err,  # noqa: A002
                        prefix: str = "") -> None:
    """torch's error for an index_add/index_copy/index_fill index outside the dimension."""
    size = input.shape[dim] if input.ndim else 1
    hit = _first_outside(index, -size if lo_neg else 0, size)
    if hit is not None:
        raise err(f"{prefix}index {hit[1]} is out of bounds for dimension {dim} with size "
                  f"{size}")


def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:  # noqa: A002
    _check_index_update(input, _wrap_dim(dim, input.ndim), index, False, RuntimeError)
    src = source * alpha if alpha != 1 else source
    return apply(_index_update, (input, index, src), (("dim", _wrap_dim(dim, input.ndim)),
                                                      ("mode", "add")), None, input._dtype)


def index_copy(input, dim: int, index, source) -> Tensor:  # noqa: A002
    _check_index_update(input, _wrap_dim(dim, input.ndim), index, False, IndexError,
                        "index_copy_(): ")
    return apply(_index_update, (input, index, source), (("dim", _wrap_dim(dim, input.ndim)),
                                                         ("mode", "set")), None, input._dtype)


def index_fill(input, dim: int, index, value) -> Tensor:  # noqa: A002
    # torch's index_fill accepts negative indices (counted from the end).
    _check_index_update(input, _wrap_dim(dim, input.ndim), index, True, IndexError)
    return apply(_index_update, (input, index, operand(value)),
                 (("dim", _wrap_dim(dim, input.ndim)), ("mode", "set")), None, input._dtype)


_masked_fill = Op("masked_fill", lambda x, m, v: jnp.where(m, jnp.asarray(v).astype(x.dtype),
                                                           x),
                  saves=(1,), grad_name="MaskedFillBackward0")


def masked_fill(input, mask, value) -> Tensor:  # noqa: A002
    """Mirrors ``torch.masked_fill``: ``value`` where ``mask`` is True."""
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")
    from ._util import check_broadcast
    if tuple(mask.shape) != tuple(input.shape):
        check_broadcast(tuple(input.shape), tuple(mask.shape))
    v = operand(value)
    if isinstance(v, Tensor) and v.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {v.ndim} dimension(s).")
    return apply(_masked_fill, (input, mask, v), (), None, input._dtype)


def nonzero(input, *, as_tuple: bool = False):  # noqa: A002
    """Mirrors ``torch.nonzero`` (eager only: the result's size depends on the data)."""
    a = input._cell.a
    if _traced(a):
        raise RuntimeError("torch.nonzero has a data-dependent output shape and cannot run "
                           "inside a compiled function; use torch.where(cond, x, y) instead.")
    nz = np.nonzero(np.asarray(a))
    if as_tuple:
        return tuple(Tensor._make(jnp.asarray(i, D.int64.storage), D.int64) for i in nz)
    arr = np.stack(nz, 1) if nz else np.zeros((0, 0), np.int64)
    return Tensor._make(jnp.asarray(arr, D.int64.storage), D.int64)


argwhere = nonzero


def masked_select(input, mask) -> Tensor:  # noqa: A002
    """Mirrors ``torch.masked_select`` (eager only)."""
    from .shape import broadcast_tensors
    x, m = broadcast_tensors(input, mask)
    return getitem(x, m)


def _take_fn(x, idx):
    return jnp.take(x.reshape(-1), idx)


_take = Op("take", _take_fn, saves=(1,), grad_name="TakeBackward0")


def take(input, index) -> Tensor:  # noqa: A002
    """Mirrors ``torch.take``: ``input`` read as 1-D; negative indices count from the end."""
    n = input.numel()
    hit = _first_outside(index, -n, n)
    if hit is not None:
        raise IndexError(f"out of range: tried to access index {hit[1]} on a tensor of {n} "
                         f"elements.")
    return apply(_take, (input, index), (), None, input._dtype)




# -- index_put, masked_scatter, put ------------------------------------------------------
def _index_put_fn(x, v, *idx, accumulate):
    ref = x.at[tuple(idx)]
    v = v.astype(x.dtype)
    return ref.add(v) if accumulate else ref.set(v)


_index_put = Op("index_put", _index_put_fn, saves=tuple(range(2, 64)),
                grad_name="IndexPutBackward0")


def _index_put_args(input, indices, values):  # noqa: A002
    if not isinstance(values, Tensor):
        values = as_tensor_arg(values)
    if values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{D.type_word(input.dtype)} for the destination and "
                           f"{D.type_word(values.dtype)} for the source.")
    dyn = []
    for i in indices:
        i = as_tensor_arg(i)
        if i.dtype in (D.bool_, D.uint8):
            dyn.extend(nonzero(i, as_tuple=True))
        elif i.dtype._cat != 1:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        else:
            dyn.append(i)
    return dyn, values


def index_put(input, indices, values, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.index_put``: a copy of ``input`` with ``input[indices] = values``
    (``+=`` with ``accumulate=True``, which adds every duplicate index). ``indices`` is a
    tuple or list of index tensors; bool masks are turned into indices eagerly.

    Example:
        >>> torch.zeros(3).index_put((torch.tensor([0, 0]),), torch.tensor(1.), True)
        tensor([2., 0., 0.])
    """
    dyn, values = _index_put_args(input, indices, values)
    return apply(_index_put, (input, values, *dyn), (("accumulate", bool(accumulate)),), None,
                 input._dtype)


def index_put_(input, indices, values, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.index_put_``: :func:`index_put` written into ``input``."""
    from ._inplace import assign

    return assign(input, lambda: index_put(input, indices, values, accumulate))


def _masked_scatter_fn(x, m, src):
    m = jnp.broadcast_to(m, x.shape)
    flat = m.reshape(-1)
    # The k-th True position (row-major) takes source element k.
    pos = jnp.clip(jnp.cumsum(flat) - 1, 0, None)
    taken = jnp.take(src.reshape(-1), pos, mode="clip").reshape(x.shape)
    return jnp.where(m, taken, x)


_masked_scatter = Op("masked_scatter", _masked_scatter_fn, saves=(1,),
                     grad_name="MaskedScatterBackward0")


def masked_scatter(input, mask, source) -> Tensor:  # noqa: A002
    """Mirrors ``torch.masked_scatter``: where ``mask`` (broadcast to ``input``) is True,
    the source's elements in row-major order, else ``input``. Differentiable in both.

    Deliberate difference: inside ``compile`` a source with fewer elements than the mask's
    True count cannot be detected (the last element repeats); eagerly it raises as torch.

    Example:
        >>> torch.zeros(3).masked_scatter(torch.tensor([True, False, True]), torch.tensor([1., 2.]))
        tensor([1., 0., 2.])
    """
    if mask.dtype is not D.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {D.type_word(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{D.type_word(input.dtype)} and {D.type_word(source.dtype)}")
    from ._util import check_broadcast

    if tuple(mask.shape) != tuple(input.shape):
        check_broadcast(tuple(input.shape), tuple(mask.shape))
    if not _traced(mask._cell.a):
        ones = int(np.sum(np.broadcast_to(np.asarray(mask._cell.a), tuple(input.shape))))
        if source.numel() < ones:
            raise RuntimeError("Number of elements of source < number of ones in mask")
    return apply(_masked_scatter, (input, mask, source), (), None, input._dtype)


def _put_fn(x, idx, src, *, accumulate):
    flat = x.reshape(-1)
    i = idx.reshape(-1)
    i = jnp.where(i < 0, i + flat.shape[0], i)
    ref = flat.at[i]
    v = src.reshape(-1).astype(x.dtype)
    return (ref.add(v) if accumulate else ref.set(v)).reshape(x.shape)


_put = Op("put", _put_fn, saves=(1,), grad_name="PutBackward0")


def put(input, index, source, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.put``: ``input`` viewed as 1-D gets ``source`` at ``index``
    (negative indices count from the end; ``accumulate`` adds). Indices are bounds-checked
    eagerly, not inside ``compile``.

    Example:
        >>> torch.zeros(2, 2).put(torch.tensor([1, -1]), torch.tensor([9., 8.]))
        tensor([[0., 9.],
                [0., 8.]])
    """
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {D.type_word(input.dtype)} and source.dtype = "
                           f"{D.type_word(source.dtype)}")
    n = input.numel()
    if not _traced(index._cell.a) and index.numel():
        arr = np.asarray(index._cell.a)
        bad = arr[(arr >= n) | (arr < -n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor "
                             f"of {n} elements.")
    return apply(_put, (input, index, source), (("accumulate", bool(accumulate)),), None,
                 input._dtype)


def _fill_diagonal_mask(shape: tuple, wrap: bool) -> np.ndarray:
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    mask = np.zeros(shape, bool)
    if len(shape) > 2:
        if len(set(shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        k = np.arange(shape[0])
        mask[(k,) * len(shape)] = True
        return mask
    rows, cols = shape
    # Row-major positions 0, cols + 1, 2 (cols + 1), ...; with wrap a tall matrix restarts
    # the diagonal below the square part, one row further down, as torch does.
    end = rows * cols if wrap else min(rows, cols) * cols
    mask.reshape(-1)[np.arange(0, end, cols + 1)] = True
    return mask


def fill_diagonal_(input: Tensor, fill_value, wrap: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``Tensor.fill_diagonal_``: ``fill_value`` on the main diagonal of a 2-D
    tensor (or of an n-D tensor with all sizes equal), in place.

    Example:
        >>> torch.zeros(2, 3).fill_diagonal_(1.0)
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    from ._inplace import assign

    mask = _fill_diagonal_mask(tuple(input.shape), wrap)
    m = Tensor._make(jnp.asarray(mask), D.bool_)
    return assign(input, lambda: apply(_masked_fill, (input, m, operand(fill_value)), (), None,
                                       input._dtype))
