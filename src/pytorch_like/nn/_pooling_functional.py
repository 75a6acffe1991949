"""More pooling of ``torch.nn.functional``: 3-D and ``_with_indices`` pooling, LP pooling,
max unpooling, unfold/fold (im2col/col2im), channel shuffle and fractional max pooling.

The 1-D/2-D pooling ops of ``functional`` are reused (same JAX functions, so eager autograd
and ``pytorch_like.compile`` share them); each op here is one JAX function wrapped in an
``Op``, and every gradient comes from JAX except max unpooling's (see ``_scatter_set``).
Argument checks happen before the op runs and raise torch's exception types and wording.

Deliberate differences from torch:
- out-of-range indices given to ``max_unpool*`` raise only when the indices' values are
  known (eager mode); inside ``pytorch_like.compile`` such entries are dropped.
- ``fractional_max_pool*`` draws its random samples from pytorch_like's generator
  (``manual_seed`` makes it reproducible), so without ``_random_samples`` the pooling
  regions differ from torch's; with the same ``_random_samples`` the results are equal.

Example:
    >>> import pytorch_like as torch
    >>> import pytorch_like.nn.functional as F
    >>> x = torch.randn(1, 2, 4, 4, 4)
    >>> y, idx = F.max_pool3d(x, 2, return_indices=True)
    >>> F.max_unpool3d(y, idx, 2).shape
    torch.Size([1, 2, 4, 4, 4])
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from ..ops import _sampling
from ..ops._dispatch import Op, apply
from ..random import _next_key
from ..tensor import Tensor
from .functional import (_adaptive, _adaptive_avg, _adaptive_max, _avg_pool_fn, _avg_poolnd,
                         _max_pool_fn, _max_pool_idx_fn, _max_poolnd, _ntuple, _size_list,
                         avg_pool1d, avg_pool2d, max_pool1d, max_pool2d, relu)

__all__ = [
    "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d",
    "max_unpool1d", "max_unpool2d", "max_unpool3d", "unfold", "fold", "channel_shuffle",
    "native_channel_shuffle", "fractional_max_pool2d", "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
]


def _check_dims(input: Tensor, nd: int, message: str) -> tuple:  # noqa: A002
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(message.format(shape=_size_list(shape)))
    return shape


# -- 3-D max / average pooling ----------------------------------------------------------
# Same JAX functions as the 1-D/2-D ops; separate Ops only for torch's grad_fn names (the
# autocast tables match them by op name, so they are tagged like the 2-D ones).
_max_pool3d_op = Op("max_pool", _max_pool_fn, grad_name="MaxPool3DWithIndicesBackward0")
_max_pool3d_idx_op = Op("max_pool_with_indices", _max_pool_idx_fn, nout=2, diff_out=(0,),
                        grad_name="MaxPool3DWithIndicesBackward0")


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """Mirrors ``F.max_pool3d`` on (N, C, D, H, W) or (C, D, H, W): stride defaults to the
    kernel size; torch's ceil_mode rule; the gradient goes to the first maximum of a window;
    ``return_indices`` also gives int64 flat indices into each D*H*W volume.

    Example:
        >>> F.max_pool3d(torch.randn(1, 2, 4, 4, 4), 2).shape
        torch.Size([1, 2, 2, 2, 2])
    """
    _check_dims(input, 3, "non-empty 4D or 5D (batch mode) tensor expected for input")
    k = _ntuple(kernel_size, 3)
    p, d = _ntuple(padding, 3), _ntuple(dilation, 3)
    # The shared geometry check raises torch's first message (padding against the dilated
    # kernel); torch's kernel then also bounds the padding by the undilated kernel.
    if all(pp <= (dd * (kk - 1) + 1) // 2 for kk, pp, dd in zip(k, p, d)):
        if any(pp > kk // 2 for kk, pp in zip(k, p)):
            raise RuntimeError(
                "pad should be smaller than or equal to half of kernel size, but got "
                f"kT: {k[0]} kW: {k[2]} kH: {k[1]} padT: {p[0]} padW: {p[2]} padH: {p[1]}")
    return _max_poolnd(3, "max_pool3d", input, kernel_size, stride, padding, dilation,
                       ceil_mode, return_indices, ops=(_max_pool3d_op, _max_pool3d_idx_op))


_avg_pool3d_op = Op("avg_pool", _avg_pool_fn, saves=(), grad_name="AvgPool3DBackward0")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mirrors ``F.avg_pool3d`` on (N, C, D, H, W) or (C, D, H, W), with torch's divisor
    under padding and ceil_mode, ``count_include_pad`` and ``divisor_override``.

    Example:
        >>> F.avg_pool3d(torch.ones(1, 1, 4, 4, 4), 2, divisor_override=4).flatten()[0]
        tensor(2.)
    """
    shape = _check_dims(input, 3, "non-empty 4D or 5D (batch mode) tensor expected for input")
    k = _ntuple(kernel_size, 3)
    p = _ntuple(padding, 3)
    for kk, pp in zip(k, p):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation=1")
    # torch's 3-D average pooling wants the unpadded input to hold a whole kernel.
    if any(L < kk for L, kk in zip(shape[-3:], k)):
        raise RuntimeError(
            f"input image (T: {shape[-3]} H: {shape[-2]} W: {shape[-1]}) smaller than kernel "
            f"size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return _avg_poolnd(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override, op=_avg_pool3d_op)



def _not_float(kernel: str, input: Tensor, bool_ok: bool = False) -> None:  # noqa: A002
    dt = input._dtype
    if not dt.is_floating_point and not (bool_ok and dt is D.bool_):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{D.type_word(dt)}'")


_adaptive_avg3d_op = Op("adaptive_avg_pool", _adaptive_avg.fn, saves=(),
                        grad_name="AdaptiveAvgPool3DBackward0")


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Mirrors ``F.adaptive_avg_pool3d``: torch's bins floor(i*n/o) to ceil((i+1)*n/o) on
    each of D, H, W; ``None`` in ``output_size`` keeps that size.

    Example:
        >>> F.adaptive_avg_pool3d(torch.ones(1, 3, 5, 7, 7), (1, None, 2)).shape
        torch.Size([1, 3, 1, 7, 2])
    """
    _check_dims(input, 3, "adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {shape}")
    _not_float("adaptive_avg_pool3d_cpu", input)
    return _adaptive(_adaptive_avg3d_op, 3, "adaptive_avg_pool3d", input,
                     _adaptive_sizes(output_size, 3, "adaptive_avg_pool3d"))


def _adaptive_sizes(output_size, nd: int, name: str):
    if isinstance(output_size, (list, tuple)) and len(output_size) != nd:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
    return output_size


# -- adaptive max pooling with indices --------------------------------------------------
def _bins(n: int, o: int) -> np.ndarray:
    """(o, widest bin) positions of torch's adaptive bins; short bins repeat their last
    position, which changes neither the maximum nor which one comes first."""
    starts = [(i * n) // o for i in range(o)]
    ends = [-((-(i + 1) * n) // o) for i in range(o)]
    width = max([e - s for s, e in zip(starts, ends)], default=1)
    return np.array([[min(s + j, e - 1) for j in range(width)] for s, e in zip(starts, ends)],
                    np.int32).reshape(o, width)


def _gather_windows(x, positions):
    """x (..., *spatial) -> (..., *out, window): the values in each output's window.

    ``positions[j]`` holds, per output position along spatial axis j, the input positions
    of its window: shape (o_j, k_j), or (..., o_j, k_j) when it differs per plane.
    Also returns each gathered element's flat index in its plane, with the same shape.
    """
    nd = len(positions)
    nlead = x.ndim - nd
    spatial = x.shape[nlead:]
    flat = None
    for j, pos in enumerate(positions):
        pos = jnp.asarray(pos, jnp.int32)
        o, k = pos.shape[-2:]
        lead = pos.shape[:-2] if pos.ndim > 2 else (1,) * nlead
        # Gathered axis j becomes (o_j, k_j); the axes already gathered sit before it.
        idx = pos.reshape(lead + (1, 1) * j + (o * k,) + (1,) * (nd - j - 1))
        axis = nlead + 2 * j
        x = jnp.take_along_axis(x, idx, axis=axis)
        x = x.reshape(x.shape[:axis] + (o, k) + x.shape[axis + 1:])
        term = (pos * math.prod(spatial[j + 1:])).reshape(
            lead + (1, 1) * j + (o, k) + (1, 1) * (nd - j - 1))
        flat = term if flat is None else flat + term
    perm = tuple(range(nlead)) + tuple(nlead + 2 * j for j in range(nd)) + \
        tuple(nlead + 2 * j + 1 for j in range(nd))
    x = jnp.transpose(x, perm)
    x = x.reshape(x.shape[:nlead + nd] + (-1,))
    flat = jnp.transpose(flat, perm)
    flat = flat.reshape(flat.shape[:nlead + nd] + (-1,))
    return x, jnp.broadcast_to(flat, x.shape)


def _window_argmax(windows, flat):
    """First maximum of each window, values and indices; with NaNs, the last NaN (torch's
    adaptive and fractional kernels let every NaN replace the running maximum)."""
    ws = lax.stop_gradient(windows)
    nan = jnp.isnan(ws)
    first_max = jnp.argmax(ws == jnp.max(ws, axis=-1, keepdims=True), axis=-1)
    last_nan = ws.shape[-1] - 1 - jnp.argmax(nan[..., ::-1], axis=-1)
    arg = jnp.where(nan.any(-1), last_nan, first_max)[..., None]
    values = jnp.take_along_axis(windows, arg, axis=-1)[..., 0]
    return values, jnp.take_along_axis(flat, arg, axis=-1)[..., 0]


def _adaptive_max_idx_fn(x, *, out_size):
    nd = len(out_size)
    positions = [_bins(n, o) for n, o in zip(x.shape[-nd:], out_size)]
    if any(o == 0 for o in out_size):
        shape = x.shape[:-nd] + tuple(out_size)
        return jnp.zeros(shape, x.dtype), jnp.zeros(shape, jnp.int32)
    windows, flat = _gather_windows(x, positions)
    return _window_argmax(windows, flat)


_adaptive_max_idx_ops = {
    nd: Op("adaptive_max_pool", _adaptive_max_idx_fn, nout=2, diff_out=(0,),
           grad_name=f"AdaptiveMaxPool{nd}DBackward0") for nd in (1, 2, 3)}
_adaptive_max3d_op = Op("adaptive_max_pool", _adaptive_max.fn,
                        grad_name="AdaptiveMaxPool3DBackward0")


def _adaptive_max_nd(nd: int, input: Tensor, output_size, return_indices: bool):  # noqa: A002
    name = f"adaptive_max_pool{nd}d"
    if nd == 1:
        if input.ndim not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               "tensor for argument #1 'self' (while checking arguments for "
                               "adaptive_max_pool1d)")
    else:
        _check_dims(input, nd, name + f"(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                    "{shape}")
    _not_float(f"{name}_cpu", input)
    output_size = _adaptive_sizes(output_size, nd, name)
    if not return_indices:
        op = _adaptive_max3d_op if nd == 3 else _adaptive_max
        return _adaptive(op, nd, name, input, output_size)
    shape = tuple(input.shape)
    sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    out = tuple(shape[-nd + j] if s is None else int(s) for j, s in enumerate(sizes))
    return apply(_adaptive_max_idx_ops[nd], (input,), (("out_size", out),), None,
                 (input._dtype, D.int64))


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Mirrors ``F.adaptive_max_pool3d``: the maximum over torch's adaptive bins on D, H, W;
    ``return_indices`` also gives int64 flat indices into each D*H*W volume.

    Example:
        >>> F.adaptive_max_pool3d(torch.randn(2, 3, 5, 6, 7), 2).shape
        torch.Size([2, 3, 2, 2, 2])
    """
    return _adaptive_max_nd(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.adaptive_max_pool1d_with_indices``: always (values, int64 indices);
    ``return_indices`` is accepted and ignored, as in torch.

    Example:
        >>> v, i = F.adaptive_max_pool1d_with_indices(torch.tensor([[1., 3., 2.]]), 2)
        >>> i
        tensor([[1, 1]])
    """
    return _adaptive_max_nd(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.adaptive_max_pool2d_with_indices``: always (values, int64 flat indices
    into each H*W plane).

    Example:
        >>> v, i = F.adaptive_max_pool2d_with_indices(torch.randn(1, 2, 5, 5), 2)
    """
    return _adaptive_max_nd(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.adaptive_max_pool3d_with_indices``: always (values, int64 flat indices
    into each D*H*W volume).

    Example:
        >>> v, i = F.adaptive_max_pool3d_with_indices(torch.randn(1, 2, 5, 5, 5), 2)
    """
    return _adaptive_max_nd(3, input, output_size, True)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.max_pool1d_with_indices``: ``max_pool1d`` that always returns
    (values, int64 indices); ``return_indices`` is ignored, as in torch.

    Example:
        >>> F.max_pool1d_with_indices(torch.tensor([[1., 3., 2., 0.]]), 2)[1]
        tensor([[1, 2]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.max_pool2d_with_indices``: always (values, int64 flat indices).

    Example:
        >>> v, i = F.max_pool2d_with_indices(torch.randn(1, 1, 4, 4), 2)
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.max_pool3d_with_indices``: always (values, int64 flat indices).

    Example:
        >>> v, i = F.max_pool3d_with_indices(torch.randn(1, 1, 4, 4, 4), 2)
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- LP pooling --------------------------------------------------------------------------
def _lp_pool(nd: int, pool_max, pool_avg, input: Tensor, norm_type, kernel_size,  # noqa: A002
             stride, ceil_mode: bool) -> Tensor:
    if isinstance(norm_type, (int, float)) and math.isinf(norm_type):
        # The p -> inf limit: a max pool of |x| (of -|x| for -inf), as torch computes it.
        if norm_type > 0:
            return pool_max(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -pool_max(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    k = _ntuple(kernel_size, nd) if nd > 1 else kernel_size
    out = pool_avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # The average times the full kernel volume (also for windows clipped by ceil_mode);
    # sign * relu(|.|) keeps torch's gradient at a zero sum.
    volume = math.prod(k) if nd > 1 else k
    return (out.sign() * relu(out.abs())).mul(volume).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """Mirrors ``F.lp_pool1d``: ``(sum over the window of x**p) ** (1/p)``, computed as torch
    does (average pool of x**p times the kernel size), so its values and gradients match.

    Example:
        >>> F.lp_pool1d(torch.tensor([[3., 4.]]), 2, 2)
        tensor([[5.]])
    """
    return _lp_pool(1, max_pool1d, avg_pool1d, input, norm_type, kernel_size, stride,
                    ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """Mirrors ``F.lp_pool2d`` (power-average pooling over (N, C, H, W) or (C, H, W)).

    Example:
        >>> F.lp_pool2d(torch.ones(1, 1, 4, 4), 2, 2)
        tensor([[[[2., 2.],
                  [2., 2.]]]])
    """
    return _lp_pool(2, max_pool2d, avg_pool2d, input, norm_type, kernel_size, stride,
                    ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """Mirrors ``F.lp_pool3d`` (power-average pooling over (N, C, D, H, W)).

    Example:
        >>> F.lp_pool3d(torch.ones(1, 1, 2, 2, 2), 1, 2).flatten()
        tensor([8.])
    """
    return _lp_pool(3, max_pool3d, avg_pool3d, input, norm_type, kernel_size, stride,
                    ceil_mode)


# -- max unpooling -----------------------------------------------------------------------
@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _scatter_set(flat_x, where, size: int):
    return jnp.zeros((size,), flat_x.dtype).at[where].set(flat_x, mode="drop")


def _scatter_set_fwd(flat_x, where, size: int):
    return _scatter_set(flat_x, where, size), where


def _scatter_set_bwd(size: int, where, g):
    # torch's gradient reads the output gradient at every index, also where several inputs
    # were written to one place (JAX's would credit only the value that was kept).
    return jnp.take(g, where, mode="fill", fill_value=0), None


_scatter_set.defvjp(_scatter_set_fwd, _scatter_set_bwd)


def _max_unpool_fn(x, idx, *, out_spatial):
    nd = len(out_spatial)
    lead = x.shape[:-nd]
    plane = math.prod(out_spatial)
    planes = math.prod(lead)
    idx = idx.reshape(planes, -1).astype(jnp.int32)
    base = (jnp.arange(planes, dtype=jnp.int32) * plane)[:, None]
    total = planes * plane
    # Entries outside their plane go past the end, where the scatter drops them.
    where = jnp.where((idx >= 0) & (idx < plane), base + idx, total).reshape(-1)
    out = _scatter_set(x.reshape(-1), where, total)
    return out.reshape(lead + tuple(out_spatial))


_max_unpool_ops = {nd: Op("max_unpool", _max_unpool_fn, saves=(1,),
                          grad_name=f"MaxUnpool{nd}DBackward0") for nd in (1, 2, 3)}


def _unpool_output_size(spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
                        output_size) -> tuple:
    nd = len(kernel)
    default = [(n - 1) * s + k - 2 * p for n, k, s, p in zip(spatial, kernel, stride, padding)]
    if output_size is None:
        size = default
    else:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for j in range(nd):
            lo, hi = default[j] - stride[j], default[j] + stride[j]
            if not lo < output_size[j] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {j} must '
                                 f"be between {lo} and {hi})")
        size = output_size
    for j, n in enumerate(size):
        if n < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{j}]={n}")
    return tuple(int(n) for n in size)


def _max_unpoolnd(nd: int, input: Tensor, indices: Tensor, kernel_size, stride,  # noqa: A002
                  padding, output_size) -> Tensor:
    k = _ntuple(kernel_size, nd)
    s = k if stride is None else _ntuple(stride, nd)
    p = _ntuple(padding, nd)
    out = _unpool_output_size(tuple(input.shape)[-nd:], k, s, p, output_size)
    shape = tuple(input.shape)
    # torch runs the 1-D case as 2-D with a trailing size-1 axis; its messages show that.
    view = nd if nd > 1 else 2
    if nd > 1 and len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {len(shape)} dimensions.")
    if indices._dtype is not D.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{D.type_word(indices._dtype)}")
    if tuple(indices.shape) != shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({_size_list(shape)}) but got indices tensor with shape: "
                           f"{_size_list(tuple(indices.shape))}")
    _not_float(f"max_unpool{view}d", input)
    idx = indices._cell.a
    if not isinstance(idx, jax.core.Tracer):
        plane = math.prod(out)
        flat = np.asarray(idx).reshape(-1)
        bad = np.nonzero((flat < 0) | (flat >= plane))[0]
        if bad.size:
            dims = "x".join(str(n) for n in (out + (1,) * (view - nd)))
            raise RuntimeError(f"Found an invalid max index: {int(flat[bad[0]])} (output "
                               f"volumes are of size {dims})")
    return apply(_max_unpool_ops[nd], (input, indices), (("out_spatial", out),), None,
                 input._dtype)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None,  # noqa: A002
                 padding=0, output_size=None) -> Tensor:
    """Mirrors ``F.max_unpool1d``: puts each value at its index (from ``max_pool1d(...,
    return_indices=True)``) in a zero output of ``output_size`` (default
    ``(L - 1) * stride - 2 * padding + kernel_size``).

    Example:
        >>> v, i = F.max_pool1d(torch.tensor([[1., 3., 2., 0.]]), 2, return_indices=True)
        >>> F.max_unpool1d(v, i, 2)
        tensor([[0., 3., 2., 0.]])
    """
    return _max_unpoolnd(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None,  # noqa: A002
                 padding=0, output_size=None) -> Tensor:
    """Mirrors ``F.max_unpool2d``: the partial inverse of ``max_pool2d`` (zeros elsewhere).

    Example:
        >>> x = torch.randn(1, 1, 4, 4)
        >>> F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2).shape
        torch.Size([1, 1, 4, 4])
    """
    return _max_unpoolnd(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None,  # noqa: A002
                 padding=0, output_size=None) -> Tensor:
    """Mirrors ``F.max_unpool3d``: the partial inverse of ``max_pool3d`` (zeros elsewhere).

    Example:
        >>> x = torch.randn(1, 1, 4, 4, 4)
        >>> F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2).shape
        torch.Size([1, 1, 4, 4, 4])
    """
    return _max_unpoolnd(3, input, indices, kernel_size, stride, padding, output_size)


# -- unfold / fold (im2col / col2im) -----------------------------------------------------
def _trunc_div(a: int, b: int) -> int:
    # C++ integer division (toward zero), which torch's block counts use.
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _im2col_args(kernel_size, dilation, padding, stride, extra: tuple = ()) -> tuple:
    """Each argument as a pair, with torch's checks in torch's order."""
    out = []
    for name, v in extra + (("kernel_size", kernel_size), ("dilation", dilation),
                            ("padding", padding), ("stride", stride)):
        pair = tuple(int(a) for a in v) if isinstance(v, (tuple, list)) else (int(v),) * 2
        if len(pair) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(pair)}")
        out.append(pair)
    k, d, p, s = out[-4:]
    if k[0] <= 0 or k[1] <= 0:
        raise RuntimeError("kernel size should be greater than zero, but got kernel_height: "
                           f"{k[0]} kernel_width: {k[1]}")
    if d[0] <= 0 or d[1] <= 0:
        raise RuntimeError("dilation should be greater than zero, but got dilation_height: "
                           f"{d[0]} dilation_width: {d[1]}")
    if p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")
    if s[0] <= 0 or s[1] <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    return tuple(out)


def _blocks(size: tuple, k: tuple, d: tuple, p: tuple, s: tuple) -> tuple:
    return tuple(_trunc_div(n + 2 * pp - (dd * (kk - 1) + 1), ss) + 1
                 for n, kk, dd, pp, ss in zip(size, k, d, p, s))


def _tiles(k, d, p, s) -> bool:
    # Non-overlapping, undilated, unpadded blocks (patch extraction): a reshape suffices.
    return k == s and d == (1, 1) and p == (0, 0)


def _unfold_fn(x, *, kernel, dilation, padding, stride, blocks):
    lead = x.shape[:-3]
    c = x.shape[-3]
    (kh, kw), (oh, ow) = kernel, blocks
    if _tiles(kernel, dilation, padding, stride):
        x = x[..., :oh * kh, :ow * kw].reshape(lead + (c, oh, kh, ow, kw))
        n = len(lead)
        x = jnp.transpose(x, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    else:
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding[0],) * 2, (padding[1],) * 2])
        views = []
        for i in range(kh):
            for j in range(kw):
                r, q = i * dilation[0], j * dilation[1]
                views.append(x[..., r:r + (oh - 1) * stride[0] + 1:stride[0],
                               q:q + (ow - 1) * stride[1] + 1:stride[1]])
        x = jnp.stack(views, axis=-3)
    return x.reshape(lead + (c * kh * kw, oh * ow))


def _fold_fn(x, *, out_size, kernel, dilation, padding, stride, blocks):
    lead = x.shape[:-2]
    (kh, kw), (oh, ow) = kernel, blocks
    c = x.shape[-2] // (kh * kw)
    x = x.reshape(lead + (c, kh, kw, oh, ow))
    n = len(lead) + 1
    if _tiles(kernel, dilation, padding, stride):
        x = jnp.transpose(x, tuple(range(n)) + (n + 2, n, n + 3, n + 1))
        x = x.reshape(lead + (c, oh * kh, ow * kw))
        return jnp.pad(x, [(0, 0)] * n + [(0, out_size[0] - oh * kh),
                                          (0, out_size[1] - ow * kw)])
    hp, wp = out_size[0] + 2 * padding[0], out_size[1] + 2 * padding[1]
    zero = np.array(0, x.dtype)
    total = None
    for i in range(kh):
        for j in range(kw):
            r, q = i * dilation[0], j * dilation[1]
            # Each kernel offset's blocks land on a strided grid: a padding with interior
            # gaps places them, and the overlaps add up.
            placed = lax.pad(x[..., i, j, :, :], zero, [(0, 0, 0)] * n + [
                (r, hp - r - (oh - 1) * stride[0] - 1, stride[0] - 1),
                (q, wp - q - (ow - 1) * stride[1] - 1, stride[1] - 1)])
            total = placed if total is None else total + placed
    return total[..., padding[0]:padding[0] + out_size[0], padding[1]:padding[1] + out_size[1]]


_unfold = Op("im2col", _unfold_fn, saves=(), grad_name="Im2ColBackward0")
_fold = Op("col2im", _fold_fn, saves=(), grad_name="Col2ImBackward0")


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Mirrors ``F.unfold`` (im2col): sliding blocks of (N, C, H, W) or (C, H, W) as
    columns (N, C*kh*kw, L), channel-major then kernel row-major, blocks row-major.

    Example:
        >>> patches = F.unfold(torch.randn(2, 3, 32, 32), 8, stride=8)  # ViT patches
        >>> patches.shape
        torch.Size([2, 192, 16])
    """
    shape = tuple(input.shape)
    n = len(shape)
    if n < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}]"
                         f", but got {n})")
    k, d, p, s = _im2col_args(kernel_size, dilation, padding, stride)
    if n > 4 or any(v == 0 for v in shape[-3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           "and other non-zero dimensions for input, but got: "
                           f"{_size_list(shape)}")
    _not_float("im2col_out_cpu", input, bool_ok=True)
    blocks = _blocks(shape[-2:], k, d, p, s)
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"Given input with spatial size {shape[-2:]}, kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of "
                           f"sliding blocks as {blocks}, but its components must be at least "
                           "one.")
    return apply(_unfold, (input,), (("kernel", k), ("dilation", d), ("padding", p),
                                     ("stride", s), ("blocks", blocks)))


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0,  # noqa: A002
         stride=1) -> Tensor:
    """Mirrors ``F.fold`` (col2im): sums columns (N, C*kh*kw, L) back into (N, C, H, W),
    adding where blocks overlap; the adjoint of :func:`unfold`.

    Example:
        >>> cols = F.unfold(torch.ones(1, 1, 3, 3), 2)
        >>> F.fold(cols, 3, 2)[0, 0]
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    shape = tuple(input.shape)
    out, k, d, p, s = _im2col_args(kernel_size, dilation, padding, stride,
                                   extra=(("output_size", output_size),))
    if len(shape) not in (2, 3) or any(v == 0 for v in shape[-2:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{_size_list(shape)}")
    if shape[-2] % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={shape[-2]} and "
                           f"kernel_size={k}.")
    blocks = _blocks(out, k, d, p, s)
    if blocks[0] * blocks[1] != shape[-1] or blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"Given output_size={out}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           "match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={shape[-1]}.")
    _not_float("col2im_out_cpu", input, bool_ok=True)
    return apply(_fold, (input,), (("out_size", out), ("kernel", k), ("dilation", d),
                                   ("padding", p), ("stride", s), ("blocks", blocks)))


# -- channel shuffle ---------------------------------------------------------------------
def _channel_shuffle_fn(x, *, groups):
    c = x.shape[1]
    split = x.reshape(x.shape[:1] + (groups, c // groups) + x.shape[2:])
    return jnp.swapaxes(split, 1, 2).reshape(x.shape)


_channel_shuffle = Op("channel_shuffle", _channel_shuffle_fn, saves=(),
                      grad_name="ChannelShuffleBackward0")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Mirrors ``F.channel_shuffle`` (ShuffleNet): dimension 1 of an input with more than two
    dimensions is split into ``groups`` groups whose channels are interleaved.

    Example:
        >>> F.channel_shuffle(torch.arange(6.).reshape(1, 6, 1), 2).flatten()
        tensor([0., 3., 1., 4., 2., 5.])
    """
    shape = tuple(input.shape)
    if len(shape) <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {_size_list(shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {shape[1]} "
                           f"channels and {groups} groups.")
    return apply(_channel_shuffle, (input,), (("groups", int(groups)),))


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Mirrors ``F.native_channel_shuffle``: the same shuffle as :func:`channel_shuffle`.

    Example:
        >>> F.native_channel_shuffle(torch.randn(1, 4, 2, 2), 2).shape
        torch.Size([1, 4, 2, 2])
    """
    return channel_shuffle(input, groups)


# -- fractional max pooling --------------------------------------------------------------
def _fractional_starts(u, n: int, o: int, k: int):
    """Window starts of fractional max pooling for samples ``u`` (any shape) -> (..., o).

    Computed in the samples' floating type, as torch does, so equal samples give torch's
    windows exactly.
    """
    last = jnp.full(u.shape + (1,), n - k, jnp.int32)
    if o == 1:
        return last
    alpha = jnp.asarray(n - k, u.dtype) / jnp.asarray(o - 1, u.dtype)
    i = jnp.arange(o - 1).astype(u.dtype)
    uu = u[..., None]
    starts = (jnp.trunc((i + uu) * alpha) - jnp.trunc(uu * alpha)).astype(jnp.int32)
    return jnp.concatenate([starts, last], axis=-1)


def _fractional_fn(x, samples, *, kernel, out_size, order):
    nd = len(kernel)
    batched = x.ndim == nd + 2
    if not batched:
        x = x[None]
    samples = samples[:x.shape[0]]
    if samples.dtype not in (jnp.float32, jnp.float64):
        samples = samples.astype(jnp.float32)
    if any(o == 0 for o in out_size):
        shape = x.shape[:2] + tuple(out_size)
        vals, idx = jnp.zeros(shape, x.dtype), jnp.zeros(shape, jnp.int32)
    else:
        positions = []
        for j, (n, o, k) in enumerate(zip(x.shape[2:], out_size, kernel)):
            starts = _fractional_starts(samples[..., order[j]], n, o, k)
            positions.append(starts[..., None] + jnp.arange(k, dtype=jnp.int32))
        windows, flat = _gather_windows(x, positions)
        vals, idx = _window_argmax(windows, flat)
    if not batched:
        vals, idx = vals[0], idx[0]
    return vals, idx


_fractional_ops = {nd: Op("fractional_max_pool", _fractional_fn, saves=(0, 1), nout=2,
                          diff_out=(0,), grad_name=f"FractionalMaxPool{nd}DBackward0")
                   for nd in (2, 3)}


def _fractional(nd: int, input: Tensor, kernel_size, output_size, output_ratio,  # noqa: A002
                _random_samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         "output_ratio")
    shape = tuple(input.shape)
    if output_size is None:
        if nd == 2 and isinstance(output_ratio, (list, tuple)) and len(output_ratio) > 2:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or "
                             "tuple of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (list, tuple)) \
            else (output_ratio,) * nd
        if len(ratio) < nd:
            raise IndexError("tuple index out of range")
        output_size = [int(shape[-nd + j] * ratio[j]) for j in range(nd)]
    out = tuple(int(v) for v in output_size) if isinstance(output_size, (list, tuple)) \
        else (int(output_size),) * nd
    k = _ntuple(kernel_size, nd)
    if len(out) != nd:
        raise RuntimeError(f"{name}: output_size must either be a single Int or tuple of Ints")
    if len(shape) not in (nd + 1, nd + 2):
        n = len(shape)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}]"
                         f", but got {-nd - 1})")
    words = ("height", "width") if nd == 2 else ("time", "height", "width")
    prefix = f"{name}(): " if nd == 2 else f"{name}_out(): "
    for w, n, o, kk in zip(words, shape[-nd:], out, k):
        if o + kk - 1 > n:
            raise RuntimeError(f"{prefix}pool {w} {kk} too large relative to input {w} {n}")
    batch = 1 if len(shape) == nd + 1 else shape[0]
    channels = shape[-nd - 1]
    if _random_samples is None:
        samples = _sampling.sample("uniform", _next_key(), (batch, channels, nd),
                                   input._dtype.storage)
    else:
        rs = _random_samples
        if rs.ndim != 3:
            raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {rs.ndim}")
        if rs.shape[2] != nd:
            raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                               f"{rs.shape[2]}.")
        if rs.shape[0] < batch:
            raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
        if rs.shape[1] != channels:
            raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
        if rs._dtype is not input._dtype:
            raise RuntimeError("Expect _random_samples to have the same dtype as input")
        samples = rs
    # torch pairs the samples with the axes width-first in 2-D and depth-first in 3-D.
    order = (1, 0) if nd == 2 else (0, 1, 2)
    return apply(_fractional_ops[nd], (input, samples),
                 (("kernel", k), ("out_size", out), ("order", order)), None,
                 (input._dtype, D.int64))


def fractional_max_pool2d_with_indices(
        input: Tensor, kernel_size, output_size=None, output_ratio=None,  # noqa: A002
        return_indices: bool = False, _random_samples: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.fractional_max_pool2d_with_indices``: always (values, int64 indices).

    Example:
        >>> v, i = F.fractional_max_pool2d_with_indices(torch.randn(1, 2, 8, 8), 2,
        ...                                             output_size=5)
    """
    return _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(
        input: Tensor, kernel_size, output_size=None, output_ratio=None,  # noqa: A002
        return_indices: bool = False, _random_samples: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Mirrors ``F.fractional_max_pool3d_with_indices``: always (values, int64 indices).

    Example:
        >>> v, i = F.fractional_max_pool3d_with_indices(torch.randn(1, 2, 6, 6, 6), 2,
        ...                                             output_ratio=0.5)
    """
    return _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None,  # noqa: A002
                          output_ratio=None, return_indices: bool = False,
                          _random_samples: Tensor | None = None):
    """Mirrors ``F.fractional_max_pool2d`` (Graham's fractional max pooling): windows of
    ``kernel_size`` at pseudo-random starts chosen by one uniform sample per plane and axis,
    giving ``output_size`` (or ``int(input_size * output_ratio)``) outputs.

    Deliberate difference: without ``_random_samples`` the samples come from pytorch_like's
    generator (reproducible with ``manual_seed``), not torch's; with the same
    ``_random_samples`` values and indices equal torch's.

    Example:
        >>> torch.manual_seed(0)
        >>> F.fractional_max_pool2d(torch.randn(1, 2, 9, 9), 2, output_ratio=0.5).shape
        torch.Size([1, 2, 4, 4])
    """
    vals, idx = _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return (vals, idx) if return_indices else vals


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None,  # noqa: A002
                          output_ratio=None, return_indices: bool = False,
                          _random_samples: Tensor | None = None):
    """Mirrors ``F.fractional_max_pool3d`` on (N, C, D, H, W) or (C, D, H, W); the same
    deliberate difference as :func:`fractional_max_pool2d`.

    Example:
        >>> F.fractional_max_pool3d(torch.randn(1, 2, 6, 6, 6), 2, output_size=3).shape
        torch.Size([1, 2, 3, 3, 3])
    """
    vals, idx = _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (vals, idx) if return_indices else vals

