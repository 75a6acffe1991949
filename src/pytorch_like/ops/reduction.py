"""Reductions: sum, mean, prod, std, var, max/min (values and indices), argmax, norm, ...

torch's conventions: ``dim`` may be an int or tuple, ``keepdim=False``; integer ``sum`` and
``prod`` give int64; ``std``/``var`` use Bessel's correction (``correction=1``) by default;
``max(dim)``/``min(dim)`` return a ``(values, indices)`` named tuple.
"""

from __future__ import annotations

import builtins as _builtins
import functools

import jax
import jax.numpy as jnp

from .. import _dtype as D
from .. import return_types as _rt
from ..tensor import Tensor, _wrap_dim
from ._dispatch import ALL, Op, apply
from ._util import cast_for, dims_arg, float_dtype, numpy_kwargs

__all__ = ["sum", "mean", "prod", "std", "var", "std_mean", "var_mean", "max", "min", "amax",
           "amin", "argmax", "argmin", "logsumexp", "softmax", "log_softmax", "cumsum",
           "cumprod", "norm", "all", "any", "median", "count_nonzero", "aminmax", "nansum",
           "nanmean", "mode", "sort", "argsort", "topk", "kthvalue", "cummax", "cummin",
           "quantile", "nanquantile", "logcumsumexp", "nanmedian", "cov", "corrcoef",
           "histogram", "trapezoid", "trapz", "cumulative_trapezoid", "msort", "bincount",
           "renorm"]



def _s(input, dim, keepdim):  # noqa: A002
    return (("dim", dims_arg(dim, input.ndim)), ("keepdim", bool(keepdim)))


def _sum_fn(x, *, dim, keepdim):
    return jnp.sum(x, axis=dim, keepdims=keepdim)


def _mean_fn(x, *, dim, keepdim):
    return jnp.mean(x, axis=dim, keepdims=keepdim)


def _prod_fn(x, *, dim, keepdim):
    return jnp.prod(x, axis=dim, keepdims=keepdim)


# torch names the full reduction's node ...Backward0 and the one over ``dim`` ...Backward1.
_sum = Op("sum", _sum_fn, saves=(), grad_name="SumBackward1")
_mean = Op("mean", _mean_fn, saves=(), grad_name="MeanBackward1")
_prod = Op("prod", _prod_fn, grad_name="ProdBackward1")
_sum_all = Op("sum", _sum_fn, saves=(), grad_name="SumBackward0")
_mean_all = Op("mean", _mean_fn, saves=(), grad_name="MeanBackward0")
_prod_all = Op("prod", _prod_fn, grad_name="ProdBackward0")


def _pick(full: Op, over_dim: Op, static: tuple) -> Op:
    return full if static[0][1] is None else over_dim


def _acc_dtype(input: Tensor, dtype) -> D.dtype:  # noqa: A002
    if dtype is not None:
        return D.to_dtype(dtype)
    return D.int64 if input.dtype._cat <= 1 else input.dtype


def sum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.sum``: bool and integer inputs sum to int64."""
    dt = _acc_dtype(input, dtype)
    st = _s(input, dim, keepdim)
    return apply(_pick(_sum_all, _sum, st), (input,), st, cast_for(dt, input), dt)


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    from .pointwise import isnan, where
    return sum(where(isnan(input), 0.0, input), dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.mean``: integer inputs need an explicit floating ``dtype``."""
    dt = D.to_dtype(dtype) if dtype is not None else input.dtype
    if dt._cat <= 1:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {D.type_word(dt)}")
    st = _s(input, dim, keepdim)
    return apply(_pick(_mean_all, _mean, st), (input,), st, cast_for(dt, input), dt)


def nanmean(input, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    from .pointwise import isnan
    notnan = (~isnan(input)).sum(dim, keepdim)
    return nansum(input, dim, keepdim) / notnan


def prod(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    dt = _acc_dtype(input, dtype)
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    st = _s(input, dim, keepdim)
    return apply(_pick(_prod_all, _prod, st), (input,), st, cast_for(dt, input), dt)


def _var_fn(x, *, dim, keepdim, correction):
    return jnp.var(x, axis=dim, keepdims=keepdim, ddof=correction)


def _std_fn(x, *, dim, keepdim, correction):
    return jnp.std(x, axis=dim, keepdims=keepdim, ddof=correction)


_var = Op("var", _var_fn, grad_name="VarBackward0")
_std = Op("std", _std_fn, grad_name="StdBackward0")


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(name: str, input, dim, unbiased, keepdim, correction):  # noqa: A002
    if isinstance(dim, bool):  # torch.var(x, False) means unbiased=False
        unbiased, dim = dim, None
    dims = dims_arg(dim, input.ndim)
    correction = _correction(unbiased, correction)
    shape = tuple(input.shape)
    factor = 1
    for d in (range(len(shape)) if dims is None else dims):
        factor *= shape[d]
    if factor - correction <= 0:
        import warnings

        from ..autograd.anomaly_mode import user_stacklevel
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=user_stacklevel())
    return (("dim", dims), ("keepdim", bool(keepdim)), ("correction", correction))


def _variance(op: Op, name: str, input, dim, unbiased, keepdim, correction):  # noqa: A002
    dt = float_dtype(input.dtype)
    return apply(op, (input,), _var_args(name, input, dim, unbiased, keepdim, correction),
                 cast_for(dt, input), dt)


def var(input, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
        correction=None) -> Tensor:
    """Mirrors ``torch.var``: sample variance (``correction=1``) by default; torch's
    warning when the degrees of freedom are not positive (the result is then inf or nan)."""
    return _variance(_var, "var", input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
        correction=None) -> Tensor:
    """Mirrors ``torch.std``: sample standard deviation (``correction=1``) by default, with
    ``var``'s warning."""
    return _variance(_std, "std", input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return (_variance(_var, "var_mean", input, dim, unbiased, keepdim, correction),
            mean(input, dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return (_variance(_std, "std_mean", input, dim, unbiased, keepdim, correction),
            mean(input, dim, keepdim))


# -- max / min ---------------------------------------------------------------------------
def _amax_fn(x, *, dim, keepdim):
    return jnp.max(x, axis=dim, keepdims=keepdim)


def _amin_fn(x, *, dim, keepdim):
    return jnp.min(x, axis=dim, keepdims=keepdim)


_amax = Op("amax", _amax_fn, grad_name="AmaxBackward0")
_amin = Op("amin", _amin_fn, grad_name="AminBackward0")


def _max_dim_fn(x, *, dim, keepdim, largest):
    idx = jnp.argmax(x, axis=dim, keepdims=True) if largest else \
        jnp.argmin(x, axis=dim, keepdims=True)
    vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(D.int64.storage)


_max_dim = Op("max_dim", _max_dim_fn, nout=2, diff_out=(0,), grad_name="MaxBackward0")
_min_dim = Op("min_dim", _max_dim_fn, nout=2, diff_out=(0,), grad_name="MinBackward0")
_max_all = Op("max", _amax_fn, grad_name="MaxBackward1")
_min_all = Op("min", _amin_fn, grad_name="MinBackward1")


def _check_nonempty(name: str, input, dim, whole: tuple | None = None,  # noqa: A002
                    as_given: bool = False) -> None:
    """torch's errors for a reduction without identity (max, min, argmax, median, ...)
    over an empty dimension: ``IndexError`` naming the first such dimension (wrapped to
    be non-negative; as the user wrote it with ``as_given``, as torch's amax and amin do),
    or, with no ``dim`` and no values, ``whole`` = ``(exception class, message after the
    name)`` (torch's wording differs per op; None: the result is defined)."""
    if input.numel():
        return
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        if whole is not None:
            raise whole[0](name + whole[1])
        return
    shape = input.shape
    for d in dim if isinstance(dim, (tuple, list)) else (dim,):
        w = _wrap_dim(int(d), input.ndim)
        if shape[w] == 0:
            raise IndexError(f"{name} Expected reduction dim {d if as_given else w} to have "
                             "non-zero size.")


# What torch says when a reduction without identity gets no ``dim`` and no values.
_SPECIFY = " Expected reduction dim to be specified for input.numel() == 0."
_SPECIFY_LONG = _SPECIFY + " Specify the reduction dim with the 'dim' argument."


def _reduce_extreme(input, dim, keepdim, largest: bool, other):  # noqa: A002
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        from .pointwise import maximum, minimum
        return maximum(input, other) if largest else minimum(input, other)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{'max' if largest else 'min'}(): Expected reduction dim to be "
                               "specified for input.numel() == 0. Specify the reduction dim "
                               "with the 'dim' argument.")
        return apply(_max_all if largest else _min_all, (input,),
                     (("dim", None), ("keepdim", False)))
    _check_nonempty("max():" if largest else "min():", input, dim)
    d = dims_arg(dim, input.ndim)[0]
    v, i = apply(_max_dim if largest else _min_dim, (input,),
                 (("dim", d), ("keepdim", bool(keepdim)), ("largest", largest)), None,
                 (input.dtype, D.int64))
    return (_rt.max if largest else _rt.min)(v, i)


def max(input, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001, A002
    """Mirrors ``torch.max``: the maximum, or ``(values, indices)`` along ``dim``."""
    return _reduce_extreme(input, dim, keepdim, True, other)


def min(input, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001, A002
    """Mirrors ``torch.min``: the minimum, or ``(values, indices)`` along ``dim``."""
    return _reduce_extreme(input, dim, keepdim, False, other)


def amax(input, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    _check_nonempty("amax():", input, dim, (RuntimeError, _SPECIFY_LONG), as_given=True)
    return apply(_amax, (input,), _s(input, dim, keepdim))


def amin(input, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    _check_nonempty("amin():", input, dim, (RuntimeError, _SPECIFY_LONG), as_given=True)
    return apply(_amin, (input,), _s(input, dim, keepdim))


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    _check_nonempty("aminmax:", input, dim)
    if dim is None and not input.numel():
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    return _rt.aminmax(amin(input, dim if dim is not None else (), keepdim),
              amax(input, dim if dim is not None else (), keepdim))


def _argmax_fn(x, *, dim, keepdim, largest):
    f = jnp.argmax if largest else jnp.argmin
    if dim is None:
        out = f(x.reshape(-1))
        return (out.reshape((1,) * x.ndim) if keepdim else out).astype(D.int64.storage)
    return f(x, axis=dim, keepdims=keepdim).astype(D.int64.storage)


_argmax = Op("argmax", _argmax_fn, differentiable=False)


def argmax(input, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.argmax`` (int64; over the flattened tensor when ``dim`` is None)."""
    _check_nonempty("argmax():", input, dim, (IndexError, _SPECIFY))
    d = None if dim is None else dims_arg(dim, input.ndim)[0]
    return apply(_argmax, (input,), (("dim", d), ("keepdim", keepdim), ("largest", True)),
                 None, D.int64)


def argmin(input, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    _check_nonempty("argmin():", input, dim, (IndexError, _SPECIFY))
    d = None if dim is None else dims_arg(dim, input.ndim)[0]
    return apply(_argmax, (input,), (("dim", d), ("keepdim", keepdim), ("largest", False)),
                 None, D.int64)


# -- softmax family ----------------------------------------------------------------------
def _lse_fn(x, *, dim, keepdim):
    return jax.nn.logsumexp(x, axis=dim, keepdims=keepdim)


_logsumexp = Op("logsumexp", _lse_fn, grad_name="LogsumexpBackward0")


def logsumexp(input, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.logsumexp``."""
    dt = float_dtype(input.dtype)
    return apply(_logsumexp, (input,), _s(input, dim, keepdim), cast_for(dt, input), dt)


def _softmax_fn(x, *, dim):
    return jax.nn.softmax(x, axis=dim)


def _log_softmax_fn(x, *, dim):
    return jax.nn.log_softmax(x, axis=dim)


_softmax = Op("softmax", _softmax_fn, grad_name="SoftmaxBackward0")
_log_softmax = Op("log_softmax", _log_softmax_fn, grad_name="LogSoftmaxBackward0")


def _softmax_dim(input, dim):  # noqa: A002
    if dim is None:
        import warnings

        from ..autograd.anomaly_mode import user_stacklevel
        warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=user_stacklevel())
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return dims_arg(dim, input.ndim)[0]


def _softmax_dtype(name: str, input, d: int, dtype):  # noqa: A002
    """The dtype a softmax computes in: ``dtype``, else the input's, which torch refuses
    for integers and bools (it has no such kernel) with the message below."""
    if dtype is not None:
        return D.to_dtype(dtype)
    if input.dtype._cat < 2:
        kernel = f"{name}_lastdim_kernel_impl" if d == _builtins.max(input.ndim - 1, 0) \
            else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{D.type_word(input.dtype)}'")
    return float_dtype(input.dtype)


def softmax(input, dim=None, dtype=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.softmax``."""
    d = _softmax_dim(input, dim)
    dt = _softmax_dtype("softmax", input, d, dtype)
    return apply(_softmax, (input,), (("dim", d),), cast_for(dt, input), dt)


def log_softmax(input, dim=None, dtype=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.log_softmax``."""
    d = _softmax_dim(input, dim)
    dt = _softmax_dtype("log_softmax", input, d, dtype)
    return apply(_log_softmax, (input,), (("dim", d),), cast_for(dt, input), dt)


# -- scans -------------------------------------------------------------------------------
def _cumsum_fn(x, *, dim):
    return jnp.cumsum(x, axis=dim)


def _cumprod_fn(x, *, dim):
    return jnp.cumprod(x, axis=dim)


_cumsum = Op("cumsum", _cumsum_fn, saves=(), grad_name="CumsumBackward0")
_cumprod = Op("cumprod", _cumprod_fn, grad_name="CumprodBackward0")


def cumsum(input, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.cumsum`` (integer inputs accumulate in int64)."""
    dt = _acc_dtype(input, dtype)
    return apply(_cumsum, (input,), (("dim", dims_arg(dim, input.ndim)[0]),),
                 cast_for(dt, input), dt)


def cumprod(input, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    dt = _acc_dtype(input, dtype)
    return apply(_cumprod, (input,), (("dim", dims_arg(dim, input.ndim)[0]),),
                 cast_for(dt, input), dt)


def _cumext_fn(x, *, dim, largest):
    n = x.shape[dim]
    if n == 0:  # nothing to scan: empty values and indices, as torch returns
        return x, jnp.zeros(x.shape, D.int64.storage)
    xs = jnp.moveaxis(x, dim, 0)

    def step(carry, xi):
        v, i, k = carry
        better = (xi >= v) if largest else (xi <= v)
        v = jnp.where(better, xi, v)
        i = jnp.where(better, k, i)
        return (v, i, k + 1), (v, i)

    init = (xs[0], jnp.zeros(xs.shape[1:], jnp.int32), jnp.int32(0))
    _, (vals, idx) = jax.lax.scan(step, init, xs)
    del n
    return jnp.moveaxis(vals, 0, dim), jnp.moveaxis(idx, 0, dim).astype(D.int64.storage)


_cumext = Op("cummax", _cumext_fn, nout=2, diff_out=(0,))


def cummax(input, dim: int):  # noqa: A002
    v, i = apply(_cumext, (input,), (("dim", dims_arg(dim, input.ndim)[0]), ("largest", True)),
                 None, (input.dtype, D.int64))
    return _rt.cummax(v, i)


def cummin(input, dim: int):  # noqa: A002
    v, i = apply(_cumext, (input,), (("dim", dims_arg(dim, input.ndim)[0]),
                                     ("largest", False)), None, (input.dtype, D.int64))
    return _rt.cummin(v, i)


# -- norms -------------------------------------------------------------------------------
def _norm_fn(x, *, p, dim, keepdim):
    if p == "fro" or p == 2:
        # sqrt of a sum of squares, with a zero-safe gradient at 0 like torch's.
        sq = jnp.sum(x * x, axis=dim, keepdims=keepdim)
        safe = jnp.where(sq > 0, sq, 1.0)
        return jnp.where(sq > 0, jnp.sqrt(safe), 0.0).astype(x.dtype)
    if p == float("inf"):
        return jnp.max(jnp.abs(x), axis=dim, keepdims=keepdim)
    if p == float("-inf"):
        return jnp.min(jnp.abs(x), axis=dim, keepdims=keepdim)
    if p == 0:
        return jnp.sum(x != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=dim, keepdims=keepdim)
    return jnp.sum(jnp.abs(x) ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)


_norm = Op("norm", _norm_fn, grad_name="LinalgVectorNormBackward0")


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.norm``: vector p-norms over ``dim`` (Frobenius/2-norm by default);
    integer and bool inputs are refused, as torch's ``linalg`` norms do."""
    from .linalg import _check_float
    _check_float("linalg.matrix_norm" if p == "nuc" else "linalg.vector_norm", input)
    dt = D.to_dtype(dtype) if dtype is not None else float_dtype(input.dtype)
    if p is None:
        p = "fro"
    return apply(_norm, (input,), (("p", p), ("dim", dims_arg(dim, input.ndim)),
                                   ("keepdim", keepdim)), cast_for(dt, input), dt)


# -- logical -----------------------------------------------------------------------------
def _all_fn(x, *, dim, keepdim):
    return jnp.all(x, axis=dim, keepdims=keepdim)


def _any_fn(x, *, dim, keepdim):
    return jnp.any(x, axis=dim, keepdims=keepdim)


_all = Op("all", _all_fn, differentiable=False)
_any = Op("any", _any_fn, differentiable=False)


def all(input, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.all``: a bool tensor."""
    return apply(_all, (input,), _s(input, dim, keepdim), None, D.bool_)


def any(input, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.any``: a bool tensor."""
    return apply(_any, (input,), _s(input, dim, keepdim), None, D.bool_)


def count_nonzero(input, dim=None) -> Tensor:  # noqa: A002
    return sum(input != 0, dim)


# -- order statistics --------------------------------------------------------------------
def _sort_fn(x, *, dim, descending, stable):
    idx = jnp.argsort(x, axis=dim, stable=True, descending=descending)
    return jnp.take_along_axis(x, idx, axis=dim), idx.astype(D.int64.storage)


_sort = Op("sort", _sort_fn, nout=2, diff_out=(0,), grad_name="SortBackward0")


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    """Mirrors ``torch.sort``: ``(values, indices)``."""
    v, i = apply(_sort, (input,), (("dim", dims_arg(dim, input.ndim)[0]),
                                   ("descending", descending), ("stable", stable)), None,
                 (input.dtype, D.int64))
    return _rt.sort(v, i)


def argsort(input, dim: int = -1, descending: bool = False, stable=False) -> Tensor:  # noqa: A002
    return sort(input, dim, descending, stable).indices


def _topk_fn(x, *, k, dim, largest, sorted):
    xs = jnp.moveaxis(x, dim, -1)
    v, i = jax.lax.top_k(xs if largest else -xs, k)
    if not largest:
        v = -v
    return jnp.moveaxis(v, -1, dim), jnp.moveaxis(i, -1, dim).astype(D.int64.storage)


_topk = Op("topk", _topk_fn, nout=2, diff_out=(0,), grad_name="TopkBackward0")


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """Mirrors ``torch.topk``: ``(values, indices)``."""
    d = dims_arg(dim, input.ndim)[0]
    if k > (input.shape[d] if input.ndim else 1):
        raise RuntimeError("selected index k out of range")
    v, i = apply(_topk, (input,), (("k", int(k)), ("dim", d), ("largest", largest),
                                   ("sorted", sorted)), None, (input.dtype, D.int64))
    return _rt.topk(v, i)


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):  # noqa: A002
    from .indexing import index_select
    _check_nonempty("kthvalue():", input, dim)
    vals, idx = sort(input, dim)
    d = dims_arg(dim, input.ndim)[0]
    from .creation import tensor
    sel = tensor([k - 1])
    v, i = index_select(vals, d, sel), index_select(idx, d, sel)
    if not keepdim:
        v, i = v.squeeze(d), i.squeeze(d)
    return _rt.kthvalue(v, i)


def _no_median(input) -> Tensor:  # noqa: A002
    """torch's median of no values: NaN (for integers their NaN stand-in, the lowest
    value). Not differentiable here (torch's has a grad_fn, whose gradient is empty)."""
    from .creation import full
    import numpy as np
    st = np.dtype(input.dtype.storage)
    fill = float("nan") if st.kind in "fc" else False if st.kind == "b" \
        else int(np.iinfo(st).min)  # the storage's lowest value (int32 without x64)
    return full((), fill, dtype=input.dtype)


def median(input, dim=None, keepdim: bool = False):  # noqa: A002
    """Mirrors ``torch.median``: the lower of the two middle values."""
    if dim is None:
        flat = input.reshape(-1)
        if not flat.numel():  # torch: NaN, the median of no values
            return _no_median(input)
        return sort(flat).values[(flat.numel() - 1) // 2]
    _check_nonempty("median():", input, dim)
    n = input.shape[dims_arg(dim, input.ndim)[0]]
    return _rt.median(*kthvalue(input, (n - 1) // 2 + 1, dim, keepdim))


def mode(input, dim: int = -1, keepdim: bool = False):  # noqa: A002
    import numpy as np
    _check_nonempty("mode():", input, dim)
    arr = np.moveaxis(input.numpy(), dim, -1)
    flat = arr.reshape(-1, arr.shape[-1])
    vals, idxs = [], []
    for row in flat:
        u, c = np.unique(row, return_counts=True)
        v = u[np.argmax(c)]
        vals.append(v)
        idxs.append(np.nonzero(row == v)[0][-1])
    from .creation import tensor
    v = tensor(np.array(vals).reshape(arr.shape[:-1]), dtype=input.dtype)
    i = tensor(np.array(idxs).reshape(arr.shape[:-1]), dtype=D.int64)
    if keepdim:
        v, i = v.unsqueeze(dim), i.unsqueeze(dim)
    return _rt.mode(v, i)


def _quantile_fn(x, q, *, dim, keepdim, method, nan):
    # torch's algorithm: sort (NaN last), rank = q * (valid count - 1), then interpolate
    # between the neighbouring order statistics; 'nearest' rounds half to even.
    ndim, flat = x.ndim, dim is None
    if flat:
        x, dim = x.reshape(-1), 0
    v = jnp.moveaxis(jnp.sort(x, axis=dim), dim, -1)
    n = v.shape[-1]
    isnan = jnp.isnan(v)
    valid = (n - isnan.sum(-1, keepdims=True)) if nan else jnp.full(v.shape[:-1] + (1,), n)
    qs = q.reshape(q.shape + (1,) * v.ndim)
    rank = qs * (valid - 1).astype(v.dtype)
    if not nan:
        rank = jnp.where(isnan.any(-1, keepdims=True), n - 1, rank)  # NaN wins
    lo = jnp.clip(jnp.floor(rank), 0, n - 1).astype(jnp.int32)
    hi = jnp.clip(jnp.ceil(rank), 0, n - 1).astype(jnp.int32)
    vb = jnp.broadcast_to(v, q.shape + v.shape)
    pick = functools.partial(jnp.take_along_axis, vb, axis=-1)
    if method == "lower":
        out = pick(lo)
    elif method == "higher":
        out = pick(hi)
    elif method == "nearest":
        out = pick(jnp.round(rank).astype(jnp.int32))
    else:
        a, b = pick(lo), pick(hi)
        w = 0.5 if method == "midpoint" else (rank - lo).astype(v.dtype)
        out = a + (b - a) * w
    if nan:
        out = jnp.where(valid == 0, jnp.nan, out)
    out = out[..., 0]
    if keepdim:
        # Every reduced axis stays, with size 1: all of them when the input was flattened.
        kept = tuple(range(q.ndim, q.ndim + ndim)) if flat else q.ndim + dim
        out = jnp.expand_dims(out, kept)
    return out


_quantile_op = Op("quantile", _quantile_fn, saves=ALL, grad_name="QuantileBackward0")
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, nan):  # noqa: A002
    name = "nanquantile" if nan else "quantile"
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest. Got {interpolation}")
    from .creation import tensor
    qt = q if isinstance(q, Tensor) else tensor(q, dtype=input.dtype)
    if qt.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    qv = qt._cell.a
    if not isinstance(qv, jax.core.Tracer) and bool(((qv < 0) | (qv > 1)).any()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    d = None if dim is None else dims_arg(dim, input.ndim)[0]
    return apply(_quantile_op, (input, qt.detach()),
                 (("dim", d), ("keepdim", bool(keepdim)), ("method", interpolation),
                  ("nan", nan)))


def quantile(input, q, dim=None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """Mirrors ``torch.quantile``: the ``q``-th quantiles (a number or a 1-D tensor, whose
    dimension then comes first) along ``dim`` or of all elements; NaN if a slice has NaN.

    Example:
        >>> torch.quantile(torch.tensor([0., 1., 2., 3.]), 0.5)
        tensor(1.5000)
    """
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear") -> Tensor:
    """Mirrors ``torch.nanquantile``: ``quantile`` ignoring NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


# -- more scans and statistics -----------------------------------------------------------
def _logcumsumexp_fn(x, *, dim):
    return jax.lax.cumlogsumexp(x, axis=dim)


_logcumsumexp = Op("logcumsumexp", _logcumsumexp_fn, grad_name="LogcumsumexpBackward0")


def logcumsumexp(input, dim: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.logcumsumexp``: ``log(cumsum(exp(input), dim))`` computed stably;
    floating inputs only, as in torch.

    Example:
        >>> torch.logcumsumexp(torch.tensor([0.0, 0.0]), 0)
        tensor([0.0000, 0.6931])
    """
    if input.dtype._cat != 2:
        raise NotImplementedError('"logcumsumexp_out_cpu" not implemented for '
                                  f"'{D.type_word(input.dtype)}'")
    d = dims_arg(dim, _builtins.max(input.ndim, 1))[0]
    return apply(_logcumsumexp, (input,), (("dim", d if input.ndim else None),))


def _nanmedian_fn(x, *, dim):
    # Sorting puts NaN last, so the median of the k valid values sits at (k - 1) // 2; with
    # no valid value that position is clamped to 0 (a NaN, index 0 as in torch).
    idx = jnp.argsort(x, axis=dim, stable=True)
    valid = jnp.sum(~jnp.isnan(x), axis=dim, keepdims=True)
    pos = jnp.maximum((valid - 1) // 2, 0)
    i = jnp.take_along_axis(idx, pos, axis=dim)
    return jnp.take_along_axis(x, i, axis=dim), i.astype(D.int64.storage)


_nanmedian = Op("nanmedian", _nanmedian_fn, nout=2, diff_out=(0,),
                grad_name="NanmedianBackward0")


def nanmedian(input, dim=None, keepdim: bool = False):  # noqa: A002
    """Mirrors ``torch.nanmedian``: the lower median ignoring NaNs (NaN when a slice has no
    other value). Without ``dim`` a 0-d tensor, with ``dim`` a ``(values, indices)`` named
    tuple. For a slice that is all NaN the index here is 0 (torch's may be another NaN's).

    Example:
        >>> torch.nanmedian(torch.tensor([1.0, float('nan'), 3.0, 2.0]))
        tensor(2.)
    """
    if dim is None:
        if not input.numel():  # torch: NaN, the median of no values
            return _no_median(input)
        v, _ = apply(_nanmedian, (input.reshape(-1),), (("dim", 0),), None,
                     (input.dtype, D.int64))
        return v.reshape(())
    _check_nonempty("median():", input, dim)  # torch's nanmedian says median() too
    d = dims_arg(dim, _builtins.max(input.ndim, 1))[0]
    x = input if input.ndim else input.reshape(1)
    v, i = apply(_nanmedian, (x,), (("dim", d),), None, (input.dtype, D.int64))
    if not keepdim or input.ndim == 0:
        v, i = v.squeeze(d), i.squeeze(d)
    return _rt.nanmedian(v, i)


def _cov_fn(x, fw, aw, *, correction):
    x = x if x.ndim == 2 else x.reshape(1, -1)
    n = x.shape[1]
    w = None
    if fw is not None:
        w = fw.astype(x.dtype)
    if aw is not None:
        w = aw.astype(x.dtype) if w is None else w * aw.astype(x.dtype)
    if w is None:
        w_sum = jnp.asarray(n, x.dtype)
        avg = jnp.mean(x, axis=1)
    else:
        w_sum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1) / w_sum
    if correction == 0:
        norm = w_sum
    elif w is None:
        norm = w_sum - correction
    elif aw is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * jnp.sum(w * aw.astype(x.dtype)) / w_sum
    norm = jnp.maximum(norm, 0)
    xc = x - avg[:, None]
    xw = xc if w is None else xc * w
    c = xw @ xc.T / norm
    return c.reshape(()) if c.shape == (1, 1) else c


_cov = Op("cov", _cov_fn)


def _cov_args(input, fweights, aweights):  # noqa: A002
    if input.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an "
                         f"input with {input.ndim} dimensions")
    if fweights is not None and fweights.dtype._cat != 1:
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                           f"fweights with {D.type_word(fweights.dtype)} dtype")
    if aweights is not None and aweights.dtype._cat != 2:
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                           f"aweights with {D.type_word(aweights.dtype)} dtype")


def cov(input, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.cov``: the covariance of the variables in the rows of ``input`` (a
    1-D input is one variable), with frequency and observation weights.

    Example:
        >>> torch.cov(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    _cov_args(input, fweights, aweights)
    dt = float_dtype(input.dtype)
    return apply(_cov, (input, fweights, aweights), (("correction", correction),),
                 cast_for(dt, input), dt)


def _corrcoef_fn(x):
    c = _cov_fn(x, None, None, correction=1)
    if c.ndim == 0:
        return c / c
    d = jnp.sqrt(jnp.diagonal(c))
    return jnp.clip(c / d[:, None] / d[None, :], -1, 1)


_corrcoef = Op("corrcoef", _corrcoef_fn)


def corrcoef(input) -> Tensor:  # noqa: A002
    """Mirrors ``torch.corrcoef``: Pearson correlation coefficients of the rows, clipped to
    [-1, 1].

    Example:
        >>> torch.corrcoef(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    _cov_args(input, None, None)
    dt = float_dtype(input.dtype)
    return apply(_corrcoef, (input,), (), cast_for(dt, input), dt)


def _histogram_fn(x, edges, w, *, bins, range, density):  # noqa: A002
    return jnp.histogram(x.reshape(-1), bins=edges if edges is not None else bins,
                         range=range, weights=None if w is None else w.reshape(-1),
                         density=density)


_histogram = Op("histogram", _histogram_fn, nout=2, differentiable=False)


def histogram(input, bins=100, *, range=None, weight=None, density: bool = False):  # noqa: A001, A002
    """Mirrors ``torch.histogram``: a ``(hist, bin_edges)`` named tuple. ``bins`` is a
    count (equal bins over ``range``, default the data's min to max) or a tensor of edges;
    the last bin includes its right edge. Floating inputs only, as in torch.

    Example:
        >>> torch.histogram(torch.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
        torch.return_types.histogram(
        hist=tensor([0., 2., 1., 0.]),
        bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
    """
    if input.dtype._cat != 2:
        raise NotImplementedError(f'"histogramdd" not implemented for '
                                  f"'{D.type_word(input.dtype)}'")
    edges = bins.to(input.dtype) if isinstance(bins, Tensor) else None
    static = (("bins", None if edges is not None else int(bins)),
              ("range", None if range is None else (float(range[0]), float(range[1]))),
              ("density", bool(density)))
    h, e = apply(_histogram, (input, edges, weight), static, None, (input.dtype, input.dtype))
    return _rt.histogram(h.to(input.dtype), e)


def _trapezoid_fn(y, x, *, dx, dim, cumulative):
    n = y.shape[dim]
    hi = jax.lax.slice_in_dim(y, 1, n, axis=dim)
    lo = jax.lax.slice_in_dim(y, 0, _builtins.max(n - 1, 0), axis=dim)
    if x is None:
        terms = (hi + lo) * dx
    else:
        if x.ndim == 1:
            x = x.reshape((-1,) + (1,) * (y.ndim - dim - 1))
            xd = 0
        else:
            xd = dim - y.ndim + x.ndim
        m = x.shape[xd]
        terms = (hi + lo) * (jax.lax.slice_in_dim(x, 1, m, axis=xd)
                             - jax.lax.slice_in_dim(x, 0, _builtins.max(m - 1, 0), axis=xd))
    return (jnp.cumsum(terms, axis=dim) if cumulative else jnp.sum(terms, axis=dim)) / 2


_trapezoid_op = Op("trapezoid", _trapezoid_fn)


def _trapezoid(y, x, dx, dim, cumulative: bool) -> Tensor:
    from ._util import result_dtype

    if x is not None and not isinstance(x, Tensor):
        dx, x = x, None
    d = dims_arg(dim, y.ndim)[0]
    if x is not None and x.ndim == 1 and x.shape[0] != y.shape[d]:
        raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
    dx = 1 if dx is None else dx
    dt = float_dtype(result_dtype(y, x) if x is not None else result_dtype(y, dx))
    return apply(_trapezoid_op, (y, x), (("dx", dx), ("dim", d), ("cumulative", cumulative)),
                 cast_for(dt, y, x), dt)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Mirrors ``torch.trapezoid``: the trapezoidal rule along ``dim``, with sample points
    ``x`` or a constant spacing ``dx`` (default 1).

    Example:
        >>> torch.trapezoid(torch.tensor([1.0, 2.0, 4.0]))
        tensor(4.5000)
    """
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments: both x "
                        "and dx were given")
    return _trapezoid(y, x, dx, dim, False)


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Mirrors ``torch.trapz``, the older name of :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None,
                         dim: int = -1) -> Tensor:
    """Mirrors ``torch.cumulative_trapezoid``: the running trapezoidal integral along
    ``dim`` (one element shorter than ``y`` there).

    Example:
        >>> torch.cumulative_trapezoid(torch.tensor([1.0, 2.0, 4.0]))
        tensor([1.5000, 4.5000])
    """
    return _trapezoid(y, x, dx, dim, True)


def msort(input) -> Tensor:  # noqa: A002
    """Mirrors ``torch.msort``: ``sort(input, dim=0).values``.

    Example:
        >>> torch.msort(torch.tensor([[3.0, 1.0], [2.0, 5.0]]))
        tensor([[2., 1.],
                [3., 5.]])
    """
    return sort(input, 0).values


def _bincount_fn(x, w, *, length):
    return jnp.bincount(x, weights=w, length=length)


_bincount = Op("bincount", _bincount_fn, differentiable=False)


def bincount(input, weights=None, minlength: int = 0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.bincount``: counts (or summed ``weights``) of each value of a 1-D
    non-negative integer tensor; int64 counts, float32 sums for float32 weights, else
    float64, as in torch.

    The output length depends on the data, so this runs eagerly (inside ``compile`` it
    needs a concrete input).

    Example:
        >>> torch.bincount(torch.tensor([0, 2, 2]))
        tensor([1, 0, 2])
    """
    if input.dtype._cat != 1:
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{D.type_word(input.dtype)}'")
    if input.ndim != 1 or (input.numel() and int(input.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    length = _builtins.max(int(input.max()) + 1 if input.numel() else 0, int(minlength))
    if weights is None:
        return apply(_bincount, (input, None), (("length", length),), None, D.int64)
    dt = D.float32 if weights.dtype is D.float32 else D.float64
    return apply(_bincount, (input, weights.to(dt)), (("length", length),), None, dt)


def _renorm_fn(x, *, p, dim, maxnorm):
    axes = tuple(a for a in range(x.ndim) if a != dim)
    # |x| with torch's gradient sign(x) (0 at 0; jnp.abs's is 1 there).
    mag = x * jax.lax.stop_gradient(jnp.sign(x))
    norm = jnp.sum(mag ** p, axis=axes, keepdims=True) ** (1.0 / p)
    # torch's small constant keeps the rescaled norm just under maxnorm.
    scale = jnp.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return (x * scale).astype(x.dtype)


_renorm = Op("renorm", _renorm_fn, grad_name="RenormBackward0")


def renorm(input, p, dim: int, maxnorm) -> Tensor:  # noqa: A002
    """Mirrors ``torch.renorm``: each slice ``input.select(dim, i)`` whose ``p``-norm
    exceeds ``maxnorm`` is rescaled to norm ``maxnorm``; gradients flow through the norm,
    as in torch.

    Example:
        >>> torch.renorm(torch.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dtype._cat != 2:
        raise NotImplementedError(f'"renorm_out" not implemented for '
                                  f"'{D.type_word(input.dtype)}'")
    return apply(_renorm, (input,), (("p", float(p)), ("dim", dims_arg(dim, input.ndim)[0]),
                                     ("maxnorm", float(maxnorm))))


# ``keepdims=``/``axis=`` work on every reduction, as with torch's argument parser
# (``norm`` is a Python function in torch, which rejects them).
for _name in __all__:
    if _name != "norm":
        globals()[_name] = numpy_kwargs(globals()[_name])
del _name
