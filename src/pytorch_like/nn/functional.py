"""``torch.nn.functional``: layers as functions, each op defined once from a JAX function.

Mirrors ``torch.nn.functional`` for linear, convolution, pooling, normalization, dropout,
embedding, activations, padding and a few utilities; the ``nn`` layer classes call these.
Every differentiable op is an :class:`Op` whose gradient comes from ``jax.vjp``:
convolutions lower to ``jax.lax.conv_general_dilated`` with torch's NCHW/OIHW layout and
pooling to ``jax.lax.reduce_window``. Random masks (dropout) draw their key from the global
generator at call time, so ``torch.manual_seed`` drives them.

Deliberate differences: the dropout masks are not torch's bits (a different PRNG); an
out-of-range index in ``embedding`` is not checked on device (JAX clamps it).

Example:
    >>> import pytorch_like.nn.functional as F
    >>> F.relu(torch.tensor([-1., 2.]))
    tensor([0., 2.])
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from ..autograd.anomaly_mode import user_stacklevel
from ..ops import _sampling
from ..ops import pointwise as _pw
from ..ops import reduction as _red
from ..ops import shape as _shape
from ..ops._dispatch import Op, apply
from ..ops._dispatch import autocast_hook as _autocast_hook
from ..ops._inplace import assign as _assign
from ..ops._out import _c_name
from ..ops._util import cast_for, check_tensor_arg, float_dtype, python_type_name
from ..random import _next_key
from ..ops import _lazy
from ..tensor import Tensor, _Lazy, _Storage, _wrap_dim

__all__ = [
    "linear", "bilinear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "dropout3d", "feature_alpha_dropout", "local_response_norm",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "batch_norm",
    "layer_norm", "group_norm", "instance_norm", "rms_norm", "dropout", "dropout1d",
    "dropout2d", "alpha_dropout", "embedding", "one_hot", "pad", "relu", "relu_", "relu6",
    "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish",
    "sigmoid", "tanh", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "softplus",
    "softsign", "softshrink", "hardshrink", "tanhshrink", "threshold", "logsigmoid", "glu",
    "prelu", "softmax", "softmin", "log_softmax", "normalize", "cosine_similarity",
    "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "flatten", "unflatten",
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
]


# -- helpers -----------------------------------------------------------------------------
def _ntuple(x, n: int) -> tuple:
    if isinstance(x, (tuple, list)):
        if len(x) == 1 and n > 1:
            return tuple(int(x[0]) for _ in range(n))
        return tuple(int(v) for v in x)
    return (int(x),) * n


def _size_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _float_op(op: Op, x: Tensor, static: tuple = (), *extra) -> Tensor:
    dt = float_dtype(x._dtype)
    return apply(op, (x, *extra), static, cast_for(dt, x, *extra), dt)


def _maybe_inplace(x: Tensor, inplace: bool, compute) -> Tensor:
    if inplace:
        return _assign(x, compute)
    return compute()


# -- linear ------------------------------------------------------------------------------
def _linear_fn(x, w, b):
    y = lax.dot_general(x, w, (((x.ndim - 1,), (1,)), ((), ())))
    return y if b is None else y + b


# As torch's addmm: the input is kept only for the weight's gradient, the weight only for
# the input's, the bias never; changing what is not kept in place between forward and
# backward (an optimizer step on the first layer) is allowed there, and here.
_LINEAR_SAVES = {0: (1,), 1: (0,)}
_linear = Op("linear", _linear_fn, saves=_LINEAR_SAVES, grad_name="AddmmBackward0")
_linear_nb = Op("linear", _linear_fn, saves=_LINEAR_SAVES, grad_name="MmBackward0")
# torch folds other ranks to one matrix product and views the result back, so that view
# names the output's grad_fn (``logits`` of a (B, T, C) model print ``<ViewBackward0>``).
_linear_view = Op("linear", _linear_fn, saves=_LINEAR_SAVES, grad_name="ViewBackward0")
_linear_nb_view = Op("linear", _linear_fn, saves=_LINEAR_SAVES,
                     grad_name="UnsafeViewBackward0")
_linear_nb_vec = Op("linear", _linear_fn, saves=_LINEAR_SAVES, grad_name="SqueezeBackward4")


def _check_same_dtype(a: Tensor, b: Tensor, what: str) -> None:
    # Under torch.autocast the op's policy casts both inputs first (torch checks after that).
    if a._dtype is not b._dtype and _autocast_hook.policy is None:
        raise RuntimeError(f"{what} must have the same dtype, but got "
                           f"{D.type_word(a._dtype)} and "
                           f"{D.type_word(b._dtype)}")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """Mirrors ``F.linear``: ``input @ weight.T + bias`` over the last dimension.

    Example:
        >>> F.linear(torch.ones(2, 3), torch.ones(4, 3)).shape
        torch.Size([2, 4])
    """
    check_tensor_arg("linear", "input", 1, input)
    check_tensor_arg("linear", "weight", 2, weight)
    if bias is not None:
        check_tensor_arg("linear", "bias", 3, bias)
    xs, ws = input._cell.peek().shape, weight._cell.peek().shape
    if not xs or xs[-1] != ws[-1]:
        rows = math.prod(xs[:-1]) if xs else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                           f"{xs[-1] if xs else 1} and {ws[-1]}x{ws[0]})")
    _check_same_dtype(input, weight, "mat1 and mat2")
    if len(xs) == 2:
        op = _linear if bias is not None else _linear_nb
    elif bias is not None:
        op = _linear_view
    else:
        op = _linear_nb_vec if len(xs) == 1 else _linear_nb_view
    return apply(op, (input, weight, bias))


def _bilinear_fn(x1, x2, w, b):
    y = jnp.einsum("...i,kij,...j->...k", x1, w, x2)
    return y if b is None else y + b


_bilinear = Op("bilinear", _bilinear_fn)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """Mirrors ``F.bilinear``: ``y_k = x1^T W_k x2 + b_k``."""
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    return apply(_bilinear, (input1, input2, weight, bias))


# -- convolution -------------------------------------------------------------------------
_DIMNUMS = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"),
            3: ("NCDHW", "OIDHW", "NCDHW")}


def _conv_fn(x, w, b, *, stride, padding, dilation, groups):
    nd = x.ndim - 2
    if nd == 2 and jax.default_backend() == "cpu":
        # XLA's CPU convolutions run faster channels-last (measured ~25% on the MNIST CNN
        # step); the public layout stays torch's NCHW/OIHW, transposed at the edges. In a
        # compiled program the layout pass (``_relayout``) removes the transposes between
        # layers; XLA alone does not across the bias/ReLU/pooling in between.
        y = lax.conv_general_dilated(
            jnp.transpose(x, (0, 2, 3, 1)), jnp.transpose(w, (2, 3, 1, 0)),
            window_strides=stride, padding=padding, rhs_dilation=dilation,
            feature_group_count=groups, dimension_numbers=("NHWC", "HWIO", "NHWC"))
        y = jnp.transpose(y, (0, 3, 1, 2))
    else:
        y = lax.conv_general_dilated(x, w, window_strides=stride, padding=padding,
                                     rhs_dilation=dilation, feature_group_count=groups,
                                     dimension_numbers=_DIMNUMS[nd])
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y


_conv = Op("convolution", _conv_fn, grad_name="ConvolutionBackward0", backend_options=True)


def _conv_padding(padding, nd: int, kernel: tuple, dilation: tuple, stride: tuple) -> tuple:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(f"Invalid padding string '{padding}', should be one of "
                         "{'valid', 'same'}")
    return tuple((p, p) for p in _ntuple(padding, nd))


_CONV_SIGNATURES = (
    "(Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints "
    "padding = 0, tuple of ints dilation = 1, int groups = 1)",
    "(Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "
    "\"valid\", tuple of ints dilation = 1, int groups = 1)")


def _conv_arg_types_error(name: str, args: tuple, kwargs: dict) -> TypeError:
    """torch's overload-mismatch TypeError for conv1d/2d/3d given a non-Tensor input or
    weight (``net(images_as_numpy)``), naming the arguments as passed. When all seven are
    passed by position (as the Conv modules do), torch adds a line of marked types per
    overload: the input, a Parameter weight and every later argument marked."""
    got = ", ".join([python_type_name(a) for a in args]
                    + [f"{k}={python_type_name(v)}" for k, v in kwargs.items()])
    lines = [f"{name}() received an invalid combination of arguments - got ({got}), but "
             "expected one of:"]
    marked = None
    if len(args) == 7 and not kwargs:
        parts = []
        for i, a in enumerate(args):
            desc = python_type_name(a)
            if isinstance(a, tuple):
                names = [type(x).__name__ for x in a]
                desc = f"tuple of ({', '.join(names)}{',' if len(names) == 1 else ''})"
            elif isinstance(a, list):
                desc = f"list of [{', '.join(type(x).__name__ for x in a)}]"
            bad = i >= 2 or not isinstance(a, Tensor) or desc == "Parameter"
            parts.append(f"!{desc}!" if bad else desc)
        marked = ("      didn't match because some of the arguments have invalid types: "
                  f"({', '.join(parts)})")
    for sig in _CONV_SIGNATURES:
        lines.append(f" * {sig}")
        if marked is not None:
            lines.append(marked)
    return TypeError("\n".join(lines) + "\n")


def _check_conv_weight_dtype(input: Tensor, weight: Tensor) -> None:  # noqa: A002
    # torch's wording for conv and transposed conv (autocast casts both itself).
    if input._dtype is not weight._dtype and _autocast_hook.policy is None:
        raise RuntimeError(f"expected scalar type {D.type_word(input._dtype)} but found "
                           f"{D.type_word(weight._dtype)}")


def _tensor_args_checked(fn):
    """Wrap conv1d/2d/3d so a non-Tensor input or weight raises torch's TypeError, which
    lists the arguments as they were passed (positional types, then ``name=type``)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        x = args[0] if args else kwargs.get("input")
        w = args[1] if len(args) > 1 else kwargs.get("weight")
        if not (isinstance(x, Tensor) and isinstance(w, Tensor)):
            raise _conv_arg_types_error(fn.__name__, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper


def _convnd(name: str, nd: int, input: Tensor, weight: Tensor, bias, stride,  # noqa: A002
            padding, dilation, groups: int) -> Tensor:
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {_size_list(shape)}")
    unbatched = len(shape) == nd + 1
    if unbatched:
        input = _shape.unsqueeze(input, 0)  # noqa: A001
        shape = (1,) + shape
    if bias is not None and input._dtype is not bias._dtype and _autocast_hook.policy is None:
        # torch compares the input with the bias first, naming C++ scalar types.
        raise RuntimeError(f"Input type ({_c_name(input._dtype)}) and bias type "
                           f"({_c_name(bias._dtype)}) should be the same")
    ws = tuple(weight.shape)
    if shape[1] != ws[1] * groups:
        what = f"[{', '.join(map(str, shape[1:]))}]" if unbatched else _size_list(shape)
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_size_list(ws)}, expected input{what} "
            f"to have {ws[1] * groups} channels, but got {shape[1]} channels instead")
    stride_t = _ntuple(stride, nd)
    dil = _ntuple(dilation, nd)
    pads = _conv_padding(padding, nd, ws[2:], dil, stride_t)
    padded = [n + lo + hi for n, (lo, hi) in zip(shape[2:], pads)]
    kernel = [d * (k - 1) + 1 for k, d in zip(ws[2:], dil)]
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater "
            "than actual input size")
    _check_conv_weight_dtype(input, weight)
    out = apply(_conv, (input, weight, bias),
                (("stride", stride_t), ("padding", pads), ("dilation", dil),
                 ("groups", int(groups))))
    return _shape.squeeze(out, 0) if unbatched else out


@_tensor_args_checked
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    """Mirrors ``F.conv1d`` (N, C, L) with weight (out, in/groups, k)."""
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@_tensor_args_checked
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    """Mirrors ``F.conv2d``: NCHW input, OIHW weight; padding an int, tuple, 'same' or 'valid'.

    Example:
        >>> F.conv2d(torch.ones(1, 1, 5, 5), torch.ones(2, 1, 3, 3), padding='same').shape
        torch.Size([1, 2, 5, 5])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@_tensor_args_checked
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    """Mirrors ``F.conv3d`` (N, C, D, H, W)."""
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_t_fn(x, w, b, *, stride, padding, output_padding, dilation, groups):
    nd = x.ndim - 2
    cin, cout_g = w.shape[0], w.shape[1]
    k = w.shape[2:]
    # A transposed convolution is the gradient of a convolution: dilate the input by the
    # stride and convolve with the spatially flipped kernel, in/out channels swapped.
    wg = w.reshape((groups, cin // groups, cout_g) + k)
    wg = jnp.swapaxes(wg, 1, 2).reshape((groups * cout_g, cin // groups) + k)
    wg = jnp.flip(wg, axis=tuple(range(2, 2 + nd)))
    pads = tuple((d * (kk - 1) - p, d * (kk - 1) - p + op)
                 for kk, p, op, d in zip(k, padding, output_padding, dilation))
    y = lax.conv_general_dilated(x, wg, window_strides=(1,) * nd, padding=pads,
                                 lhs_dilation=stride, rhs_dilation=dilation,
                                 feature_group_count=groups, dimension_numbers=_DIMNUMS[nd])
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y


_conv_t = Op("conv_transpose", _conv_t_fn, grad_name="ConvolutionBackward0",
              backend_options=True)


def _conv_transposend(name: str, nd: int, input, weight, bias, stride, padding,  # noqa: A002
                      output_padding, groups, dilation) -> Tensor:
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {_size_list(shape)}")
    unbatched = len(shape) == nd + 1
    if unbatched:
        input = _shape.unsqueeze(input, 0)  # noqa: A001
        shape = (1,) + shape
    ws = tuple(weight.shape)
    if shape[1] != ws[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {_size_list(ws)}, expected input"
            f"{_size_list(shape)} to have {ws[0]} channels, but got {shape[1]} channels "
            "instead")
    _check_conv_weight_dtype(input, weight)
    stride_t, pad_t = _ntuple(stride, nd), _ntuple(padding, nd)
    op_t, dil = _ntuple(output_padding, nd), _ntuple(dilation, nd)
    if any(o >= s and o >= d for o, s, d in zip(op_t, stride_t, dil)):
        # torch's message names every axis; a 1-d transposed conv runs as a 2-d one there,
        # with a unit height axis.
        axes = ("depth", "height", "width")[3 - max(nd, 2):]
        lead = ((0,), (1,), (1,)) if nd == 1 else ((), (), ())
        parts = [f"{what}_{ax}: {v}" for what, vals in
                 zip(("output_padding", "stride", "dilation"),
                     (lead[0] + op_t, lead[1] + stride_t, lead[2] + dil))
                 for ax, v in zip(axes, vals)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           f"but got {' '.join(parts)}")
    out = apply(_conv_t, (input, weight, bias),
                (("stride", stride_t), ("padding", pad_t), ("output_padding", op_t),
                 ("dilation", dil), ("groups", int(groups))))
    return _shape.squeeze(out, 0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """Mirrors ``F.conv_transpose1d``; weight (in, out/groups, k)."""
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """Mirrors ``F.conv_transpose2d``; weight (in, out/groups, kH, kW).

    Example:
        >>> F.conv_transpose2d(torch.ones(1, 2, 4, 4), torch.ones(2, 3, 3, 3), stride=2).shape
        torch.Size([1, 3, 9, 9])
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """Mirrors ``F.conv_transpose3d`` over (N, C, D, H, W); weight (in, out/groups, kD, kH, kW).

    Example:
        >>> F.conv_transpose3d(torch.ones(1, 2, 3, 3, 3), torch.ones(2, 4, 2, 2, 2)).shape
        torch.Size([1, 4, 4, 4, 4])
    """
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


# -- pooling -----------------------------------------------------------------------------
def _pool_geometry(name: str, spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
                   dilation: tuple, ceil_mode: bool, nd: int, channels_shape: tuple) -> tuple:
    """Output sizes and (left, right) paddings with torch's ceil_mode rule."""
    outs, pads = [], []
    for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
        eff = d * (k - 1) + 1
        num = L + 2 * p - eff
        out = (num + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= L + p:
            out -= 1
        outs.append(out)
        pads.append((p, max((out - 1) * s + eff - L - p, 0)))
    if any(o < 1 for o in outs):
        lead = "x".join(str(c) for c in channels_shape)
        raise RuntimeError(f"Given input size: ({lead}x{'x'.join(map(str, spatial))}). "
                           f"Calculated output size: ({lead}x{'x'.join(map(str, outs))}). "
                           "Output size is too small")
    return tuple(outs), tuple(pads)


def _window(x, kernel, stride, pads, dilation):
    lead = x.ndim - len(kernel)
    return dict(window_dimensions=(1,) * lead + tuple(kernel),
                window_strides=(1,) * lead + tuple(stride),
                padding=((0, 0),) * lead + tuple(pads),
                window_dilation=(1,) * lead + tuple(dilation))


def _lowest(dtype):
    # A numpy constant (not a traced array) lets JAX pick its differentiable max-window
    # primitive instead of the generic reduce_window.
    dtype = np.dtype(dtype)
    return np.array(-np.inf if jnp.issubdtype(dtype, jnp.floating) else np.iinfo(dtype).min,
                    dtype)


def _window_views(v, window):
    # One (..., out, ...) view per window offset, in row-major offset order.
    axes, sizes = window
    for offs in np.ndindex(*sizes):
        index = [slice(None)] * v.ndim
        for a, o in zip(axes, offs):
            index[a] = o
        yield v[tuple(index)]


@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def _window_max(v, window):
    return _window_max_fwd(v, window)[0]


def _window_index(ndim, window):
    # Each element's position inside its window, row-major over the window axes.
    axes, sizes = window
    pos, step = None, 1
    for a, n in zip(reversed(axes), reversed(sizes)):
        shape = [1] * ndim
        shape[a] = n
        term = lax.broadcasted_iota(jnp.int32, tuple(shape), a) * step
        pos = term if pos is None else pos + term
        step *= n
    return pos


def _window_max_fwd(v, window):
    # Elementwise maxima over the window offsets rather than a reduction: XLA's CPU
    # reductions over interleaved axes are slow (10 ms of the MNIST CNN step), and
    # elementwise code runs in whatever layout the surrounding program uses.
    views = list(_window_views(v, window))
    best = views[0]
    for w in views[1:]:
        best = jnp.maximum(best, w)
    # First maximum of each window; a NaN is the maximum (torch propagates NaN).
    first = jnp.full(best.shape, len(views), jnp.int32)
    for k, w in enumerate(views):
        first = jnp.where((first == len(views)) & ((w == best) | jnp.isnan(w)), k, first)
    return best, jnp.expand_dims(first, window[0])


def _window_max_bwd(window, first, g):
    # The gradient goes to the first maximum of each window, as torch's max_pool2d and
    # XLA's select-and-scatter both do; a select is much cheaper than the scatter on CPU.
    g = jnp.expand_dims(g, window[0])
    hit = _window_index(g.ndim, window) == first
    return (jnp.where(hit, g, jnp.zeros((), g.dtype)),)


_window_max.defvjp(_window_max_fwd, _window_max_bwd)


def _tiled_max_pool(x, kernel):
    """Non-overlapping max pooling (stride == kernel, no padding) as a reshape.

    Measured on the MNIST CNN step on CPU: 72 ms instead of 103 ms with reduce_window,
    whose gradient lowers to a slow select-and-scatter there. Same values and gradients.
    The window axes are reduced in place (no transpose), which keeps the layout pass of
    ``compile`` free to run the pooling channels-last.
    """
    nd = len(kernel)
    lead = x.ndim - nd
    outs = [x.shape[lead + j] // kernel[j] for j in range(nd)]
    x = x[(Ellipsis,) + tuple(slice(0, o * k) for o, k in zip(outs, kernel))]
    split = x.shape[:lead] + tuple(d for o, k in zip(outs, kernel) for d in (o, k))
    window = (tuple(lead + 2 * j + 1 for j in range(nd)), tuple(kernel))
    return _window_max(x.reshape(split), window)


def _max_pool_fn(x, *, kernel, stride, pads, dilation):
    if (tuple(stride) == tuple(kernel) and all(d == 1 for d in dilation)
            and all(p == (0, 0) for p in pads) and jax.default_backend() == "cpu"
            and jnp.issubdtype(x.dtype, jnp.floating)):
        return _tiled_max_pool(x, tuple(kernel))
    if all(d == 1 for d in dilation):
        return lax.reduce_window(x, _lowest(x.dtype), lax.max,
                                 **_window(x, kernel, stride, pads, dilation))
    # JAX has no VJP for dilated max windows: take the max over the strided views, one per
    # kernel offset, instead.
    nd = len(kernel)
    lead = x.ndim - nd
    xp = lax.pad(x, _lowest(x.dtype), [(0, 0, 0)] * lead + [(lo, hi, 0) for lo, hi in pads])
    outs = [(xp.shape[lead + j] - dilation[j] * (kernel[j] - 1) - 1) // stride[j] + 1
            for j in range(nd)]
    best = None
    for offs in np.ndindex(*kernel):
        start = [0] * lead + [o * d for o, d in zip(offs, dilation)]
        limit = [xp.shape[i] for i in range(lead)] + [
            o * d + (n - 1) * s + 1 for o, d, n, s in zip(offs, dilation, outs, stride)]
        view = lax.slice(xp, start, limit, [1] * lead + list(stride))
        best = view if best is None else jnp.maximum(best, view)
    return best


def _max_pool_idx_fn(x, *, kernel, stride, pads, dilation):
    values = _max_pool_fn(x, kernel=kernel, stride=stride, pads=pads, dilation=dilation)
    nd = len(kernel)
    spatial = x.shape[-nd:]
    flat = jnp.arange(math.prod(spatial), dtype=jnp.int32).reshape(spatial)
    idx = jnp.broadcast_to(flat, x.shape)
    xs = lax.stop_gradient(x)

    def pick(a, b):
        av, ai = a
        bv, bi = b
        # torch keeps the first maximum of a window (and propagates NaN).
        take_a = (av > bv) | ((av == bv) & (ai < bi)) | jnp.isnan(av)
        return jnp.where(take_a, av, bv), jnp.where(take_a, ai, bi)

    _, ind = lax.reduce_window((xs, idx), (_lowest(x.dtype), np.array(np.iinfo(np.int32).max,
                                                                       np.int32)),
                               pick, **_window(x, kernel, stride, pads, dilation))
    return values, ind


_max_pool = Op("max_pool", _max_pool_fn, grad_name="MaxPool2DWithIndicesBackward0")
_max_pool_idx = Op("max_pool_with_indices", _max_pool_idx_fn, nout=2, diff_out=(0,),
                   grad_name="MaxPool2DWithIndicesBackward0")


def _max_poolnd(nd: int, name: str, input, kernel_size, stride, padding,  # noqa: A002
                dilation, ceil_mode, return_indices, ops=None):
    check_tensor_arg(name, "input", 1, input)
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input, but got "
                           f"{len(shape)}D input of size {_size_list(shape)}")
    k = _ntuple(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _ntuple(stride, nd)
    p, d = _ntuple(padding, nd), _ntuple(dilation, nd)
    _, pads = _pool_geometry(name, shape[-nd:], k, s, p, d, ceil_mode, nd, shape[-nd - 1:-nd])
    static = (("kernel", k), ("stride", s), ("pads", pads), ("dilation", d))
    plain, with_idx = ops or (_max_pool, _max_pool_idx)  # 3-D: ops with torch's grad names
    if return_indices:
        return apply(with_idx, (input,), static, None, (input._dtype, D.int64))
    return apply(plain, (input,), static)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """Mirrors ``F.max_pool1d``."""
    return _max_poolnd(1, "max_pool1d", input, kernel_size, stride, padding, dilation,
                       ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """Mirrors ``F.max_pool2d``: stride defaults to the kernel size; torch's ceil_mode rule;
    ``return_indices`` gives (values, int64 flat indices into each H*W plane).

    Example:
        >>> F.max_pool2d(torch.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_poolnd(2, "max_pool2d", input, kernel_size, stride, padding, dilation,
                       ceil_mode, return_indices)


def _avg_divisor(spatial, kernel, stride, padding, outs, count_include_pad) -> np.ndarray:
    """The per-window divisor torch uses: the window clipped to the padded input (or, without
    count_include_pad, to the input itself); the ceil_mode overhang never counts."""
    per_dim = []
    for L, k, s, p, o in zip(spatial, kernel, stride, padding, outs):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, L + p)
        if count_include_pad:
            per_dim.append(end - start)
        else:
            per_dim.append(np.minimum(end, L) - np.maximum(start, 0))
    div = per_dim[0].astype(np.float64)
    for c in per_dim[1:]:
        div = np.multiply.outer(div, c)
    return div


def _avg_pool_fn(x, *, kernel, stride, pads, divisor):
    total = lax.reduce_window(x, np.array(0, x.dtype), lax.add,
                              **_window(x, kernel, stride, pads, (1,) * len(kernel)))
    return total / jnp.asarray(np.asarray(divisor), x.dtype)


_avg_pool = Op("avg_pool", _avg_pool_fn, saves=(), grad_name="AvgPool2DBackward0")


def _avg_poolnd(nd: int, name: str, input, kernel_size, stride, padding,  # noqa: A002
                ceil_mode, count_include_pad, divisor_override, op=None):
    check_tensor_arg(name, "input", 1, input)
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input, but got "
                           f"{len(shape)}D input of size {_size_list(shape)}")
    k = _ntuple(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _ntuple(stride, nd)
    p = _ntuple(padding, nd)
    for kk, pp in zip(k, p):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation=1")
    outs, pads = _pool_geometry(name, shape[-nd:], k, s, p, (1,) * nd, ceil_mode, nd,
                                shape[-nd - 1:-nd])
    if divisor_override:
        divisor = float(divisor_override)
    else:
        div = _avg_divisor(shape[-nd:], k, s, p, outs, count_include_pad)
        # A uniform divisor stays a plain number; otherwise the per-window array is a
        # static argument of the op (hashed by value).
        divisor = float(div.flat[0]) if np.all(div == div.flat[0]) else _Hashable(div)
    dt = float_dtype(input._dtype)
    return apply(op or _avg_pool, (input,), (("kernel", k), ("stride", s), ("pads", pads),
                                       ("divisor", divisor)), cast_for(dt, input), dt)


class _Hashable:
    """A numpy array usable as a static argument (hashed by its bytes)."""

    __slots__ = ("a", "_h")

    def __init__(self, a: np.ndarray) -> None:
        self.a = a
        self._h = hash((a.shape, a.tobytes()))

    def __hash__(self) -> int:
        return self._h

    def __eq__(self, other) -> bool:
        return isinstance(other, _Hashable) and self.a.shape == other.a.shape and \
            bool(np.array_equal(self.a, other.a))

    def __array__(self, dtype=None, copy=None):
        return self.a if dtype is None else self.a.astype(dtype)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mirrors ``F.avg_pool1d``."""
    return _avg_poolnd(1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mirrors ``F.avg_pool2d`` including torch's divisor with padding and ceil_mode."""
    return _avg_poolnd(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


def _adaptive_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Row i averages input[floor(i*n/o) : ceil((i+1)*n/o)], torch's adaptive bins."""
    m = np.zeros((n_out, n_in), np.float32)
    for i in range(n_out):
        a = (i * n_in) // n_out
        b = -((-(i + 1) * n_in) // n_out)
        m[i, a:b] = 1.0 / (b - a)
    return m


def _adaptive_avg_fn(x, *, out_size):
    nd = len(out_size)
    for j, o in enumerate(out_size):
        axis = x.ndim - nd + j
        n = x.shape[axis]
        if o and n % o == 0:  # o == 0 (torch allows it) takes the empty-matrix path
            x = x.reshape(x.shape[:axis] + (o, n // o) + x.shape[axis + 1:]).mean(axis + 1)
        else:
            m = jnp.asarray(_adaptive_matrix(n, o), x.dtype)
            x = jnp.moveaxis(jnp.tensordot(x, m, axes=((axis,), (1,))), -1, axis)
    return x


def _adaptive_max_fn(x, *, out_size):
    nd = len(out_size)
    for j, o in enumerate(out_size):
        axis = x.ndim - nd + j
        n = x.shape[axis]
        if n % o == 0:
            x = x.reshape(x.shape[:axis] + (o, n // o) + x.shape[axis + 1:]).max(axis + 1)
        else:
            parts = []
            for i in range(o):
                a, b = (i * n) // o, -((-(i + 1) * n) // o)
                parts.append(lax.slice_in_dim(x, a, b, axis=axis).max(axis, keepdims=True))
            x = jnp.concatenate(parts, axis=axis)
    return x


_adaptive_avg = Op("adaptive_avg_pool", _adaptive_avg_fn, saves=(),
                   grad_name="AdaptiveAvgPool2DBackward0")
_adaptive_max = Op("adaptive_max_pool", _adaptive_max_fn,
                   grad_name="AdaptiveMaxPool2DBackward0")


def _adaptive(op, nd: int, name: str, input: Tensor, output_size) -> Tensor:  # noqa: A002
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{_size_list(shape)}")
    sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    out = tuple(shape[-nd + j] if s is None else int(s) for j, s in enumerate(sizes))
    dt = float_dtype(input._dtype) if op is _adaptive_avg else input._dtype
    return apply(op, (input,), (("out_size", out),), cast_for(dt, input), dt)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Mirrors ``F.adaptive_avg_pool1d``."""
    return _adaptive(_adaptive_avg, 1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Mirrors ``F.adaptive_avg_pool2d``: torch's bins floor(i*n/o) to ceil((i+1)*n/o).

    Example:
        >>> F.adaptive_avg_pool2d(torch.ones(1, 3, 7, 7), 1).shape
        torch.Size([1, 3, 1, 1])
    """
    return _adaptive(_adaptive_avg, 2, "adaptive_avg_pool2d", input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Mirrors ``F.adaptive_max_pool1d``; ``return_indices`` adds int64 indices."""
    if return_indices:
        return adaptive_max_pool1d_with_indices(input, output_size)  # noqa: F405
    return _adaptive(_adaptive_max, 1, "adaptive_max_pool1d", input, output_size)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Mirrors ``F.adaptive_max_pool2d``; ``return_indices`` adds int64 flat indices."""
    if return_indices:
        return adaptive_max_pool2d_with_indices(input, output_size)  # noqa: F405
    return _adaptive(_adaptive_max, 2, "adaptive_max_pool2d", input, output_size)


# -- normalization -----------------------------------------------------------------------
def _bcast(v, x, axis: int = 1):
    if v is None:
        return None
    shape = [1] * x.ndim
    shape[axis] = -1
    return v.reshape(shape)


def _bn_train_fn(x, w, b, *, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    n = x.size // x.shape[1]
    mean = jnp.mean(x, axis=axes)
    var = jnp.var(x, axis=axes)
    y = (x - _bcast(mean, x)) * lax.rsqrt(_bcast(var, x) + eps)
    if w is not None:
        y = y * _bcast(w, x)
    if b is not None:
        y = y + _bcast(b, x)
    return y, mean, var * (n / max(n - 1, 1))


def _bn_eval_fn(x, rm, rv, w, b, *, eps):
    y = (x - _bcast(rm, x)) * lax.rsqrt(_bcast(rv, x) + eps)
    if w is not None:
        y = y * _bcast(w, x)
    if b is not None:
        y = y + _bcast(b, x)
    return y


_bn_train = Op("batch_norm", _bn_train_fn, nout=3, diff_out=(0,),
               grad_name="NativeBatchNormBackward0")
_bn_eval = Op("batch_norm", _bn_eval_fn, grad_name="NativeBatchNormBackward0")


def _ema_fn(running, new, momentum):
    return (running * (1 - momentum) + new.astype(running.dtype) * momentum).astype(
        running.dtype)


def _cumulative_fn(running, new, count):
    # momentum=None: a cumulative average, factor 1 / num_batches_tracked.
    f = 1.0 / count.astype(jnp.float32)
    return (running * (1 - f) + new.astype(running.dtype) * f).astype(running.dtype)


_ema = Op("running_stat_update", _ema_fn, differentiable=False)
_cumulative = Op("running_stat_update", _cumulative_fn, differentiable=False)


def _update_running(buf: Tensor, new: Tensor, momentum, count: Tensor | None) -> None:
    """``buf`` (a running statistic) moved towards ``new`` (the batch's), in place.

    When the batch statistic is still pending (recorded under grad mode, ``ops/_lazy.py``)
    so is the update: the one-program ``backward()`` computes it with the forward, and any
    read of ``buf`` computes it first. The previous update is computed before a new one is
    recorded, so updates never chain across steps."""
    op, extra = (_cumulative, count._cell.a) if momentum is None else (_ema, float(momentum))
    stat = new._cell.peek()
    if type(stat) is _Lazy and type(buf._cell) is _Storage:
        out = _lazy.defer(op, [buf._cell.a, stat, extra])
        if out is not None:
            buf._set(out[0])
            _lazy.bind(out[0], buf._cell)
            return
    buf._set(op.forward((), None)(buf._cell.a, new._cell.a, extra))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float | None = 0.1, eps: float = 1e-5,
               _count: Tensor | None = None) -> Tensor:
    """Mirrors ``F.batch_norm``: batch statistics in training (biased variance to normalize,
    unbiased variance into ``running_var``, updated in place with ``momentum``), running
    statistics otherwise. ``momentum=None`` (a cumulative average) needs the module's
    ``num_batches_tracked``, passed by BatchNorm as ``_count``.
    """
    shape = tuple(input.shape)
    c = shape[1] if len(shape) > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if training:
        if math.prod(shape) // c == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        dt = float_dtype(input._dtype)
        y, mean, var = apply(_bn_train, (input, weight, bias), (("eps", float(eps)),),
                             cast_for(dt, input), (dt, dt, dt))
        if running_mean is not None:
            _update_running(running_mean, mean, momentum, _count)
        if running_var is not None:
            _update_running(running_var, var, momentum, _count)
        return y
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    dt = float_dtype(input._dtype)
    return apply(_bn_eval, (input, running_mean, running_var, weight, bias),
                 (("eps", float(eps)),), cast_for(dt, input), dt)


def _ln_fn(x, w, b, *, n, eps):
    axes = tuple(range(x.ndim - n, x.ndim))
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.var(x, axis=axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


_layer_norm = Op("layer_norm", _ln_fn, grad_name="NativeLayerNormBackward0")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Mirrors ``F.layer_norm`` over the trailing ``normalized_shape`` dimensions."""
    ns = (int(normalized_shape),) if isinstance(normalized_shape, int) \
        else tuple(int(s) for s in normalized_shape)
    shape = tuple(input.shape)
    if len(shape) < len(ns) or shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={_size_list(ns)}, expected input with "
                           f"shape [*, {', '.join(map(str, ns))}], but got input of "
                           f"size{_size_list(shape)}")
    dt = float_dtype(input._dtype)
    return apply(_layer_norm, (input, weight, bias), (("n", len(ns)), ("eps", float(eps))),
                 cast_for(dt, input), dt)


def _rms_fn(x, w, *, n, eps):
    axes = tuple(range(x.ndim - n, x.ndim))
    ms = jnp.mean(x * x, axis=axes, keepdims=True)
    e = jnp.finfo(x.dtype).eps if eps is None else eps
    y = x * lax.rsqrt(ms + e)
    return y if w is None else y * w


_rms_norm = Op("rms_norm", _rms_fn)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """Mirrors ``F.rms_norm``; ``eps=None`` uses the dtype's machine epsilon, as torch."""
    ns = (int(normalized_shape),) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    dt = float_dtype(input._dtype)
    return apply(_rms_norm, (input, weight), (("n", len(ns)),
                                              ("eps", None if eps is None else float(eps))),
                 cast_for(dt, input), dt)


def _gn_fn(x, w, b, *, groups, eps):
    n, c = x.shape[0], x.shape[1]
    g = x.reshape((n, groups, -1))
    mean = jnp.mean(g, axis=2, keepdims=True)
    var = jnp.var(g, axis=2, keepdims=True)
    y = ((g - mean) * lax.rsqrt(var + eps)).reshape(x.shape)
    if w is not None:
        y = y * _bcast(w, x)
    if b is not None:
        y = y + _bcast(b, x)
    del c
    return y


_group_norm = Op("group_norm", _gn_fn, grad_name="NativeGroupNormBackward0")


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Mirrors ``F.group_norm``: statistics over each group of channels and all positions."""
    shape = tuple(input.shape)
    if len(shape) < 2 or shape[1] % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {_size_list(shape)} and "
                           f"num_groups={num_groups}")
    dt = float_dtype(input._dtype)
    return apply(_group_norm, (input, weight, bias),
                 (("groups", int(num_groups)), ("eps", float(eps))), cast_for(dt, input), dt)


def _in_fn(x, w, b, *, eps):
    axes = tuple(range(2, x.ndim))
    n = math.prod(x.shape[2:])
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.var(x, axis=axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + eps)
    if w is not None:
        y = y * _bcast(w, x)
    if b is not None:
        y = y + _bcast(b, x)
    # What running statistics take in (torch's rule): the batch's average of each instance's
    # mean and unbiased variance.
    return (y, jnp.mean(mean, axis=0).reshape(-1),
            jnp.mean(var, axis=0).reshape(-1) * (n / max(n - 1, 1)))


_instance_norm = Op("instance_norm", _in_fn, nout=3, diff_out=(0,),
                    grad_name="NativeBatchNormBackward0")


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Mirrors ``F.instance_norm``: each sample's channel normalized over its own positions.

    With ``use_input_stats`` and running statistics given, those are updated in place with
    ``momentum`` from the batch's average of the per-instance mean and unbiased variance;
    ``use_input_stats=False`` normalizes with the running statistics instead.

    Example:
        >>> F.instance_norm(torch.randn(2, 3, 4, 4, 4)).shape
        torch.Size([2, 3, 4, 4, 4])
    """
    shape = tuple(input.shape)
    if use_input_stats and math.prod(shape[2:]) == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    if not use_input_stats and running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    n, c = shape[0], shape[1]
    # torch folds the batch into the channels, so its messages count N * C elements.
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {n * c} elements not {t.numel() * n}")
    dt = float_dtype(input._dtype)
    if not use_input_stats:
        return apply(_bn_eval, (input, running_mean, running_var, weight, bias),
                     (("eps", float(eps)),), cast_for(dt, input), dt)
    y, mean, var = apply(_instance_norm, (input, weight, bias), (("eps", float(eps)),),
                         cast_for(dt, input), (dt, dt, dt))
    if running_mean is not None:
        _update_running(running_mean, mean, float(momentum), None)
        _update_running(running_var, var, float(momentum), None)
    return y


def _lrn_fn(x, *, size, alpha, beta, k):
    c = x.shape[1]
    sq = x * x
    pads = [(0, 0)] * x.ndim
    pads[1] = (size // 2, (size - 1) // 2)
    sq = jnp.pad(sq, pads)
    # The channel window of each position: a sum of ``size`` shifted slices.
    total = sum(lax.slice_in_dim(sq, i, i + c, axis=1) for i in range(size))
    return x / (k + (alpha / size) * total) ** beta


_lrn = Op("local_response_norm", _lrn_fn, grad_name="DivBackward0")


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Mirrors ``F.local_response_norm``: ``x / (k + alpha/size * sum x^2) ** beta``, the sum
    over ``size`` neighbouring channels (``size // 2`` before, ``(size - 1) // 2`` after,
    zeros past the edges), as in AlexNet.

    Example:
        >>> F.local_response_norm(torch.randn(2, 8, 5, 5), size=5).shape
        torch.Size([2, 8, 5, 5])
    """
    if input.ndim < 3:
        raise ValueError("Expected 3D or higher dimensionality" + " " * 26
                         + f"input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    return _float_op(_lrn, input, (("size", int(size)), ("alpha", float(alpha)),
                                   ("beta", float(beta)), ("k", float(k))))


# -- dropout -----------------------------------------------------------------------------
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_fn(x, key, *, p, mask_shape):
    shape = x.shape if mask_shape is None else mask_shape
    keep = _sampling.keep_mask(key, tuple(shape), p)
    scale = jnp.asarray(1.0 / (1.0 - p), x.dtype)
    return jnp.where(keep, x * scale, jnp.zeros((), x.dtype))


# torch's CPU dropout multiplies by a scaled mask, so its grad_fn is a MulBackward0.
_dropout = Op("dropout", _dropout_fn, saves=(), grad_name="MulBackward0")


def _apply_dropout(x: Tensor, p: float, inplace: bool, mask_shape) -> Tensor:
    if p == 1.0:
        return _maybe_inplace(x, inplace, lambda: _pw.mul(x, 0.0))
    key = _next_key()
    return _maybe_inplace(x, inplace, lambda: apply(
        _dropout, (x, key), (("p", float(p)), ("mask_shape", mask_shape))))


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Mirrors ``F.dropout``: zero each element with probability ``p`` and scale the rest by
    ``1/(1-p)`` in training; the input itself otherwise. The mask comes from the global
    generator (``torch.manual_seed``).

    Example:
        >>> torch.manual_seed(0); y = F.dropout(torch.ones(8), 0.5)
    """
    check_tensor_arg("dropout", "input", 1, input)
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_dropout(input, p, inplace, None)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                     batched_ndim: int) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape)
    if len(shape) == batched_ndim:
        mask = shape[:2] + (1,) * (len(shape) - 2)
    else:
        mask = shape[:1] + (1,) * (len(shape) - 1)
    return _apply_dropout(input, p, inplace, mask)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Mirrors ``F.dropout1d``: zeroes whole channels of (N, C, L) or (C, L) input."""
    if input.ndim not in (2, 3):
        raise RuntimeError("dropout1d: Expected 2D or 3D input, but received a "
                           f"{input.ndim}D input. Note that dropout1d exists to provide "
                           "channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or "
                           "3D inputs).")
    return _feature_dropout(input, p, training, inplace, 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Mirrors ``F.dropout2d``: zeroes whole channels (one draw per sample and channel).

    A 3D input is treated as (N, C, L), with torch's warning.
    """
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. "
                      "Note that dropout2d exists to provide channel-wise dropout on inputs "
                      "with 2 spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 3D or 4D inputs).", stacklevel=user_stacklevel())
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=user_stacklevel())
    return _feature_dropout(input, p, training, inplace, input.ndim if input.ndim == 3 else 4)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Mirrors ``F.dropout3d``: zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input,
    one draw per sample and channel, and scales the rest by ``1/(1-p)``.

    Other ranks give torch's warning and are treated as unbatched (dim 0 the channel).

    Example:
        >>> y = F.dropout3d(torch.ones(2, 4, 3, 3, 3), 0.5)  # each y[n, c] all 0 or all 2
    """
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. "
                      "Note that dropout3d exists to provide channel-wise dropout on inputs "
                      "with 3 spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 4D or 5D inputs).", stacklevel=user_stacklevel())
    return _feature_dropout(input, p, training, inplace, 5)


def _alpha_dropout_fn(x, key, *, p, mask_shape=None):
    alpha_p = -1.7580993408473766  # -selu_scale * selu_alpha
    keep = jax.random.bernoulli(key, 1.0 - p, x.shape if mask_shape is None else mask_shape)
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    return jnp.where(keep, x, alpha_p) * a + b


_alpha_dropout = Op("alpha_dropout", _alpha_dropout_fn, saves=())


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Mirrors ``F.alpha_dropout`` (keeps SELU's mean and variance)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _pw.mul(input, 0.0)
    key = _next_key()
    return _maybe_inplace(input, inplace, lambda: apply(_alpha_dropout, (input, key),
                                                        (("p", float(p)),)))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """Mirrors ``F.feature_alpha_dropout``: alpha dropout (SELU's mean and variance kept) with
    one draw per sample and channel, so a dropped channel is constant over its positions.

    Example:
        >>> y = F.feature_alpha_dropout(torch.randn(2, 4, 5), 0.2, training=True)
    """
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda: _pw.mul(input, 0.0))
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    key = _next_key()
    mask = tuple(input.shape)[:2] + (1,) * (input.ndim - 2)
    return _maybe_inplace(input, inplace, lambda: apply(
        _alpha_dropout, (input, key), (("p", float(p)), ("mask_shape", mask))))


# -- embedding ---------------------------------------------------------------------------
def _embedding_fn(w, idx, *, padding_idx):
    out = jnp.take(w, idx, axis=0)
    if padding_idx is not None:
        # The padding row gets no gradient, as in torch.
        out = jnp.where((idx == padding_idx)[..., None], lax.stop_gradient(out), out)
    return out


_embedding = Op("embedding", _embedding_fn, saves=(1,), grad_name="EmbeddingBackward0")


@jax.jit
def _renorm_rows(w, idx, max_norm, norm_type):
    rows = jnp.take(w, idx.reshape(-1), axis=0)
    norms = jnp.sum(jnp.abs(rows) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = jnp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    return w.at[idx.reshape(-1)].set((rows * scale[:, None]).astype(w.dtype))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Mirrors ``F.embedding``: rows of ``weight`` picked by integer ``input``.

    ``padding_idx``'s row receives no gradient; ``max_norm`` renormalises the looked-up
    rows of ``weight`` in place first. ``scale_grad_by_freq`` and ``sparse`` are not
    supported.
    """
    if input._dtype not in (D.int64, D.int32):
        from ..autograd.engine import _type_name

        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{_type_name(input._dtype)} instead (while checking arguments for "
                           "embedding)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += n
    # JAX would clamp (or give nan for) a row outside the table, and take -1 as the last
    # row; torch rejects both. Skipped for traced indices (inside compile).
    from ..ops.indexing import _first_outside

    if _first_outside(input, 0, n) is not None:
        raise IndexError("index out of range in self")
    if max_norm is not None:
        weight._set(_renorm_rows(weight._cell.a, input._cell.a, float(max_norm),
                                 float(norm_type)))
    return apply(_embedding, (weight, input), (("padding_idx", padding_idx),), None,
                 weight._dtype)


def _one_hot_fn(x, *, n):
    return jax.nn.one_hot(x, n, dtype=jnp.int32)


_one_hot = Op("one_hot", _one_hot_fn, differentiable=False)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Mirrors ``F.one_hot``: int64 one-hot vectors in a new last dimension."""
    if tensor._dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel():
        lo, hi = int(tensor.min()), int(tensor.max())
        if lo < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    out = apply(_one_hot, (tensor,), (("n", int(num_classes)),), None, D.int64)
    return out


# -- padding -----------------------------------------------------------------------------
def _pad_fn(x, *, pads, mode, value):
    if mode == "constant":
        cfg = [(lo, hi, 0) for lo, hi in pads]
        return lax.pad(x, jnp.asarray(value, x.dtype), cfg)
    jmode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
    # Negative padding crops. torch crops before wrapping circularly, but reflects and
    # replicates from the whole input and crops afterwards.
    if mode == "circular":
        return jnp.pad(_crop(x, pads), grow, mode=jmode)
    return _crop(jnp.pad(x, grow, mode=jmode), pads)


def _crop(x, pads):
    if all(lo >= 0 and hi >= 0 for lo, hi in pads):
        return x
    start = [max(-lo, 0) for lo, _ in pads]
    stop = [n - max(-hi, 0) for n, (_, hi) in zip(x.shape, pads)]
    return lax.slice(x, start, stop)


_pad = Op("pad", _pad_fn, saves=(), grad_name="ConstantPadNdBackward0")


def _check_mode_pad(shape: tuple, pad: tuple, mode: str) -> None:
    """torch's limits for reflect/replicate/circular: 1 to 3 padded dimensions after a
    channel and an optional batch dimension; reflection narrower than the input; circular
    padding wrapping at most once."""
    k = len(pad) // 2
    if k not in (1, 2, 3) or len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {len(shape)}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    nd = len(shape)
    if mode == "circular":
        for i in range(k):
            n, lo, hi = shape[nd - 1 - i], pad[2 * i], pad[2 * i + 1]
            if lo > n or hi > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if n + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    if 0 in (shape[1:] if nd == k + 2 else shape):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{_size_list(shape)}")
    if mode == "reflect":
        for i in range(k):
            n, lo, hi = shape[nd - 1 - i], pad[2 * i], pad[2 * i + 1]
            if lo >= n or hi >= n:
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the "
                    "corresponding input dimension, but got: padding "
                    f"({lo}, {hi}) at dimension {nd - 1 - i} of input {_size_list(shape)}")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Mirrors ``F.pad``: ``pad`` lists (left, right) pairs from the last dimension backward;
    negative padding crops. Modes: constant, reflect, replicate, circular; the last three
    pad 1 to 3 trailing dimensions of an input with a channel and an optional batch
    dimension, with torch's limits and errors (reflection narrower than the input, circular
    padding wrapping at most once).

    Example:
        >>> F.pad(torch.ones(1, 2), (1, 2)).shape
        torch.Size([1, 5])
    """
    check_tensor_arg("pad", "input", 1, input)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.ndim
    if len(pad) // 2 > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pairs = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        pairs[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode != "constant" and value:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode != "constant":
        _check_mode_pad(tuple(input.shape), pad, mode)
    return apply(_pad, (input,), (("pads", tuple(pairs)), ("mode", mode),
                                  ("value", 0.0 if value is None else value)))


# -- activations -------------------------------------------------------------------------
def _relu6_fn(x):
    return _hardtanh_fn(x, lo=0.0, hi=6.0)


def _hardtanh_fn(x, *, lo, hi):
    # torch's gradient is zero at and beyond the bounds (jnp.clip would split ties).
    return jnp.where(x <= lo, jnp.asarray(lo, x.dtype),
                     jnp.where(x >= hi, jnp.asarray(hi, x.dtype), x))


def _leaky_fn(x, *, slope):
    return jnp.where(x > 0, x, x * slope)


def _elu_fn(x, *, alpha, scale, input_scale):
    return jnp.where(x > 0, x * scale, alpha * scale * jnp.expm1(x * input_scale))


def _gelu_fn(x, *, approximate):
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + jnp.tanh(c * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1.0 + jax.scipy.special.erf(x * (1.0 / math.sqrt(2.0))))


def _softplus_fn(x, *, beta, threshold):
    bx = x * beta
    return jnp.where(bx > threshold, x, jax.nn.softplus(bx) / beta)


def _threshold_fn(x, *, threshold, value):
    return jnp.where(x > threshold, x, jnp.asarray(value, x.dtype))


def _hardsigmoid_fn(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype),
                     jnp.where(x >= 3, jnp.ones((), x.dtype), x / 6 + 0.5))


def _hardswish_fn(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype), jnp.where(x >= 3, x, x * (x + 3) / 6))


def _softshrink_fn(x, *, lambd):
    return jnp.where(x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd,
                                                     jnp.zeros((), x.dtype)))


def _hardshrink_fn(x, *, lambd):
    return jnp.where((x > lambd) | (x < -lambd), x, jnp.zeros((), x.dtype))


def _glu_fn(x, *, dim):
    a, b = jnp.split(x, 2, axis=dim)
    return a * jax.nn.sigmoid(b)


def _prelu_fn(x, w):
    if w.size > 1 and x.ndim > 1:
        w = _bcast(w, x)
    return jnp.where(x > 0, x, w * x)


_OPS = {
    "relu6": Op("relu6", _relu6_fn, grad_name="HardtanhBackward0"),
    "hardtanh": Op("hardtanh", _hardtanh_fn, grad_name="HardtanhBackward0"),
    "leaky_relu": Op("leaky_relu", _leaky_fn, grad_name="LeakyReluBackward0"),
    "elu": Op("elu", _elu_fn, grad_name="EluBackward0"),
    "gelu": Op("gelu", _gelu_fn, grad_name="GeluBackward0"),
    "silu": Op("silu", jax.nn.silu, grad_name="SiluBackward0"),
    "mish": Op("mish", lambda x: x * jnp.tanh(jax.nn.softplus(x)), grad_name="MishBackward0"),
    "softplus": Op("softplus", _softplus_fn, grad_name="SoftplusBackward0"),
    "softsign": Op("softsign", lambda x: x / (1 + jnp.abs(x)), grad_name="DivBackward0"),
    "tanhshrink": Op("tanhshrink", lambda x: x - jnp.tanh(x), grad_name="SubBackward0"),
    "threshold": Op("threshold", _threshold_fn, grad_name="ThresholdBackward0"),
    "hardsigmoid": Op("hardsigmoid", _hardsigmoid_fn, grad_name="HardsigmoidBackward0"),
    "hardswish": Op("hardswish", _hardswish_fn, grad_name="HardswishBackward0"),
    "softshrink": Op("softshrink", _softshrink_fn, grad_name="SoftshrinkBackward0"),
    "hardshrink": Op("hardshrink", _hardshrink_fn, grad_name="HardshrinkBackward0"),
    "logsigmoid": Op("logsigmoid", jax.nn.log_sigmoid, grad_name="LogSigmoidBackward0"),
    "glu": Op("glu", _glu_fn, grad_name="GluBackward0"),
    "prelu": Op("prelu", _prelu_fn, grad_name="PreluKernelBackward0"),
    "celu": Op("celu", _elu_fn, grad_name="CeluBackward0"),
}

# torch records the in-place form of these activations (``nn.LeakyReLU(0.2, inplace=True)``)
# under a node of its own, ``...Backward1``; the others keep their out-of-place node name.
_INPLACE_OPS = {name: Op(name, _OPS[name].fn, grad_name=grad_name) for name, grad_name in (
    ("leaky_relu", "LeakyReluBackward1"), ("elu", "EluBackward1"), ("celu", "CeluBackward1"),
    ("threshold", "ThresholdBackward1"))}


def _act(name: str, input: Tensor, inplace: bool = False, **static) -> Tensor:  # noqa: A002
    op = _INPLACE_OPS.get(name, _OPS[name]) if inplace else _OPS[name]
    st = tuple(static.items())
    return _maybe_inplace(input, inplace, lambda: _float_op(op, input, st))


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.relu`` (gradient 0 at 0, as torch)."""
    check_tensor_arg("relu_" if inplace else "relu", "input", 1, input)
    if inplace:
        return _assign(input, lambda: _pw.relu(input))
    return _pw.relu(input)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.relu6``: ``hardtanh(x, 0, 6)``."""
    return _act("relu6", input, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """Mirrors ``F.hardtanh``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _act("hardtanh", input, inplace, lo=float(min_val), hi=float(max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    return hardtanh(input, min_val, max_val, True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """Mirrors ``F.leaky_relu``."""
    check_tensor_arg("leaky_relu_" if inplace else "leaky_relu", "input", 1, input)
    return _act("leaky_relu", input, inplace, slope=float(negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    return leaky_relu(input, negative_slope, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.elu``."""
    return _act("elu", input, inplace, alpha=float(alpha), scale=1.0, input_scale=1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.selu``."""
    return _act("elu", input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.celu``."""
    return _act("celu", input, inplace, alpha=float(alpha), scale=1.0,
                input_scale=1.0 / float(alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Mirrors ``F.gelu``: exact (erf) or ``approximate='tanh'``."""
    check_tensor_arg("gelu", "input", 1, input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _act("gelu", input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.silu``: ``x * sigmoid(x)``."""
    return _act("silu", input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``F.mish``: ``x * tanh(softplus(x))``."""
    return _act("mish", input, inplace)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``F.sigmoid``."""
    return _pw.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``F.tanh``."""
    return _pw.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """Mirrors ``F.softplus``: ``log(1 + exp(beta*x)) / beta``, linear above ``threshold``."""
    return _act("softplus", input, beta=float(beta), threshold=float(threshold))


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    return _act("softsign", input)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    return _act("tanhshrink", input)


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Mirrors ``F.threshold``: ``x`` where ``x > threshold`` else ``value``."""
    return _act("threshold", input, inplace, threshold=float(threshold), value=float(value))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _act("hardsigmoid", input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _act("hardswish", input, inplace)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    return _act("softshrink", input, lambd=float(lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    return _act("hardshrink", input, lambd=float(lambd))


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return _act("logsigmoid", input)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Mirrors ``F.glu``: first half times sigmoid of the second half along ``dim``."""
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    return _act("glu", input, dim=d)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``F.prelu``: a learned slope per channel (dimension 1) or one for all."""
    dt = float_dtype(input._dtype)
    return apply(_OPS["prelu"], (input, weight), (), cast_for(dt, input, weight), dt)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype=None) -> Tensor:
    """Mirrors ``F.softmax``."""
    return _red.softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype=None) -> Tensor:
    """Mirrors ``F.softmin``: ``softmax(-x)``."""
    return _red.softmax(_pw.neg(input), dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
                dtype=None) -> Tensor:
    """Mirrors ``F.log_softmax``."""
    return _red.log_softmax(input, dim, dtype)


# -- distances and normalisation ---------------------------------------------------------
def _safe_norm(x, p, axis, keepdims):
    if p == 2:
        sq = jnp.sum(x * x, axis=axis, keepdims=keepdims)
        pos = sq > 0
        # The norm's gradient at 0 is 0 here, as in torch (jnp.sqrt would give NaN).
        return jnp.where(pos, jnp.sqrt(jnp.where(pos, sq, 1)), 0)
    if p == math.inf:
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    s = jnp.sum(jnp.abs(x) ** p, axis=axis, keepdims=keepdims)
    pos = s > 0
    return jnp.where(pos, jnp.where(pos, s, 1) ** (1.0 / p), 0)


def _normalize_fn(x, *, p, dim, eps):
    return x / jnp.maximum(_safe_norm(x, p, dim, True), eps)


_normalize = Op("normalize", _normalize_fn)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out=None) -> Tensor:
    """Mirrors ``F.normalize``: ``x / max(||x||_p, eps)`` along ``dim``."""
    d = _wrap_dim(dim, input.ndim)
    return _float_op(_normalize, input, (("p", float(p)), ("dim", d), ("eps", float(eps))))


def _cos_fn(a, b, *, dim, eps):
    a, b = jnp.broadcast_arrays(a, b)
    w12 = jnp.sum(a * b, axis=dim)
    n12 = jnp.sum(a * a, axis=dim) * jnp.sum(b * b, axis=dim)
    return w12 * lax.rsqrt(jnp.maximum(n12, eps * eps))


_cosine = Op("cosine_similarity", _cos_fn)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Mirrors ``F.cosine_similarity``: ``x1.x2 / sqrt(max(|x1|^2 |x2|^2, eps^2))``."""
    nd = max(x1.ndim, x2.ndim)
    d = _wrap_dim(dim, nd)
    dt = float_dtype(x1._dtype)
    return apply(_cosine, (x1, x2), (("dim", d), ("eps", float(eps))),
                 cast_for(dt, x1, x2), dt)


def _pdist_fn(a, b, *, p, eps, keepdim):
    return _safe_norm(a - b + eps, p, -1, keepdim)


_pairwise = Op("pairwise_distance", _pdist_fn)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """Mirrors ``F.pairwise_distance``: ``||x1 - x2 + eps||_p`` over the last dimension."""
    dt = float_dtype(x1._dtype)
    return apply(_pairwise, (x1, x2), (("p", float(p)), ("eps", float(eps)),
                                       ("keepdim", bool(keepdim))), cast_for(dt, x1, x2), dt)


def _pixel_shuffle_fn(x, *, r):
    *lead, c, h, w = x.shape
    x = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    n = len(lead)
    x = jnp.transpose(x, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def _pixel_unshuffle_fn(x, *, r):
    *lead, c, h, w = x.shape
    n = len(lead)
    x = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = jnp.transpose(x, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


_pixel_shuffle = Op("pixel_shuffle", _pixel_shuffle_fn, saves=())
_pixel_unshuffle = Op("pixel_unshuffle", _pixel_unshuffle_fn, saves=())


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """Mirrors ``F.pixel_shuffle``: (*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)="
                           f"{input.shape[-3] if input.ndim >= 3 else 0} is not divisible by "
                           f"{r * r}")
    return apply(_pixel_shuffle, (input,), (("r", r),))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """Mirrors ``F.pixel_unshuffle``: (*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    return apply(_pixel_unshuffle, (input,), (("r", int(downscale_factor)),))


# -- upsampling --------------------------------------------------------------------------
_CUBIC_A = -0.75  # torch's cubic convolution coefficient (as OpenCV's), not Keys' -0.5


def _src_scale(n_in: int, n_out: int, scale, align_corners: bool, dt):
    """torch's ``area_pixel_compute_scale``, in the kernel's compute dtype ``dt``.

    A given scale_factor is used as ``1 / scale`` (not ``n_in / n_out``), so non-integer
    factors sample where torch does; the float32 arithmetic matches its rounding.
    """
    if align_corners:
        return dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(n_in) / dt(n_out)


def _cubic_weights(t, dt):
    """The four cubic convolution weights for fractional offsets ``t`` (torch's order)."""
    a = dt(_CUBIC_A)

    def near(v):  # |v| <= 1
        return ((a + dt(2)) * v - (a + dt(3))) * v * v + dt(1)

    def far(v):  # 1 < |v| < 2
        return ((a * v - dt(5) * a) * v + dt(8) * a) * v - dt(4) * a

    return np.stack([far(t + dt(1)), near(t), near(dt(1) - t), far(dt(2) - t)], axis=1)


def _interp_taps(mode: str, nd: int, n_in: int, n_out: int, scale, align_corners: bool, dt):
    """Source indices ``(n_out, k)`` and weights ``(n_out, k)`` (None: nearest) of one axis;
    ``(None, None)`` where the axis is left as it is.

    Mirrors torch's CPU kernels: nearest takes ``floor(i * s)``, nearest-exact
    ``floor((i + 0.5) * s)``; linear and cubic use the half-pixel source ``s * (i + 0.5) -
    0.5`` (clamped at 0 for linear) or ``s * i`` with align_corners, and cubic reads its four
    taps with indices clamped to the border.
    """
    # torch's shortcuts, which ignore a given scale_factor (measured on torch 2.13's CPU
    # kernels): the linear modes copy an axis whose size does not change, and 2-D nearest
    # (nearest_idx) copies it or, for exactly twice the size, repeats each element.
    if n_out == n_in and mode in ("linear", "bilinear", "trilinear"):
        return None, None
    if mode == "nearest" and nd == 2 and n_out in (n_in, 2 * n_in):
        return (np.arange(n_out) * n_in // n_out)[:, None].astype(np.int32), None
    i = np.arange(n_out).astype(dt)
    s = _src_scale(n_in, n_out, scale, align_corners, dt)
    if mode in ("nearest", "nearest-exact"):
        src = s * i if mode == "nearest" else s * (i + dt(0.5))
        idx = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        return idx[:, None].astype(np.int32), None
    src = s * i if align_corners else s * (i + dt(0.5)) - dt(0.5)
    if mode != "bicubic":
        src = np.maximum(src, dt(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - i0.astype(dt), dt(0), dt(1)).astype(dt)
    if mode == "bicubic":
        idx = np.clip(i0[:, None] + np.arange(-1, 3), 0, n_in - 1)
        return idx.astype(np.int32), _cubic_weights(t, dt)
    idx = np.stack([i0, i0 + (i0 < n_in - 1)], axis=1)
    return idx.astype(np.int32), np.stack([dt(1) - t, t], axis=1)


def _take_grad_at(y, idx, grad_idx, axis: int):
    """``jnp.take(y, idx, axis)`` whose gradient scatters to ``grad_idx`` instead.

    torch's 1-D/3-D nearest backward picks its indices with ``nearest_idx``, which copies an
    axis of unchanged size and halves for exactly twice the size, while the forward samples
    with the given scale_factor; the two differ for factors such as 1.1 or 2.1, and torch's
    gradient is the backward's.
    """
    # Indices stay numpy and the shape a Python tuple: closed-over constants, never
    # residuals (a jitted caller may be traced under an outer jax.vjp).
    where = (slice(None),) * axis
    shape = y.shape

    @jax.custom_vjp
    def take(v):
        return jnp.take(v, jnp.asarray(idx), axis=axis, mode="clip")

    def fwd(v):
        return take(v), None

    def bwd(_, g):
        return (jnp.zeros(shape, g.dtype).at[where + (jnp.asarray(grad_idx),)].add(g),)

    take.defvjp(fwd, bwd)
    return take(y)


def _interpolate_fn(x, *, mode, out_size, scales, align_corners):
    nd = len(out_size)
    # float16/bfloat16 interpolate in float32 and round once at the end, like torch's opmath.
    dt = np.float64 if x.dtype == jnp.float64 else np.float32
    y = x if mode in ("nearest", "nearest-exact") else x.astype(dt)
    for j, (o, s) in enumerate(zip(out_size, scales)):
        axis = x.ndim - nd + j
        idx, w = _interp_taps(mode, nd, y.shape[axis], o, s, align_corners, dt)
        if idx is None:
            continue
        shape, n = y.shape, y.shape[axis]
        back = (np.arange(o) * n // o).astype(np.int32)  # torch's nearest_idx shortcuts
        if mode == "nearest" and nd != 2 and o in (n, 2 * n) and \
                not np.array_equal(idx[:, 0], back):
            y = _take_grad_at(y, idx[:, 0], back, axis)
            continue
        y = jnp.take(y, jnp.asarray(idx.reshape(-1)), axis=axis, mode="clip")
        if w is not None:
            k = idx.shape[1]
            y = y.reshape(shape[:axis] + (o, k) + shape[axis + 1:])
            wb = jnp.asarray(w.reshape((o, k) + (1,) * (len(shape) - axis - 1)), dt)
            y = (y * wb).sum(axis + 1)
    return y.astype(x.dtype)


def _upsample_ops() -> dict:
    # One Op per torch kernel, so grad_fn names and autocast op names are torch's.
    ops = {}
    for nd in (1, 2, 3):
        ops["nearest", nd] = Op(f"upsample_nearest{nd}d", _interpolate_fn, saves=(),
                                grad_name=f"UpsampleNearest{nd}DBackward0")
        ops["nearest-exact", nd] = Op(f"_upsample_nearest_exact{nd}d", _interpolate_fn,
                                      saves=(), grad_name=f"UpsampleNearestExact{nd}DBackward0")
    for mode, nd, name in (("linear", 1, "Linear1D"), ("bilinear", 2, "Bilinear2D"),
                           ("trilinear", 3, "Trilinear3D"), ("bicubic", 2, "Bicubic2D")):
        ops[mode, nd] = Op(f"upsample_{mode}{nd}d", _interpolate_fn, saves=(),
                           grad_name=f"Upsample{name}Backward0")
    return ops


_UPSAMPLE = _upsample_ops()
# Which spatial ranks each mode accepts (lanczos only to raise torch's errors).
_MODE_DIMS = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3),
              "linear": (1,), "bilinear": (2,), "trilinear": (3,), "bicubic": (2,),
              "lanczos": (2,)}


def _is_integer(v) -> bool:
    if isinstance(v, bool):  # torch's binding refuses a list of bools as sizes
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return isinstance(v, Tensor) and not v.dtype.is_floating_point


def _upsample(mode: str, input: Tensor, out, scales, align_corners: bool) -> Tensor:  # noqa: A002
    shape = tuple(input.shape)
    nd = len(shape) - 2
    op = _UPSAMPLE[mode, nd]
    if not all(_is_integer(v) for v in out or ()):
        raise TypeError(f"{op.name}() received an invalid combination of arguments - got "
                        f"(Tensor, list, NoneType), but expected (Tensor input, tuple of ints "
                        f"output_size, tuple of floats scale_factors)")
    scales = (None,) * nd if scales is None else tuple(float(s) for s in scales)
    # torch's compute_output_size: the double product, truncated.
    out = tuple(int(v) for v in out) if out is not None else \
        tuple(int(n * s) for n, s in zip(shape[2:], scales))
    if min(shape[2:] + out) <= 0:
        axes = ("D", "H", "W")[3 - nd:]
        sep = " and " if nd == 1 else " "
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{a}: {n}" for a, n in zip(axes, shape[2:])) + f"){sep}output ("
            + ", ".join(f"{a}: {n}" for a, n in zip(axes, out)) + ")")
    dt = input._dtype
    if not dt.is_floating_point and not (dt.name == "uint8" and mode.startswith("nearest")):
        if dt.name == "uint8" and nd == 2:
            raise NotImplementedError(f"interpolate: mode '{mode}' on uint8 input is not "
                                      "supported (torch's fixed-point uint8 kernel)")
        family = "cubic" if mode == "bicubic" else "nearest" if "nearest" in mode else "linear"
        kernel = f"compute_indices_weights_{family}"
        if nd == 2 and family != "cubic":  # torch names its 2-D dispatch here
            kernel = f"upsample_{mode.split('-')[0]}2d_channels_last"
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{D.type_word(dt)}'")
    return apply(op, (input,), (("mode", mode), ("out_size", out), ("scales", scales),
                                ("align_corners", bool(align_corners))))


_SPATIAL_HINT = ("Please provide input tensor in (N, C, d1, d2, ...,dK) format and {} in "
                 "({}1, {}2, ...,{}K) format.")


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Mirrors ``F.interpolate`` for N-C-spatial input: its checks, messages and kernels.

    Modes 'nearest', 'nearest-exact' (3-5-D), 'linear' (3-D), 'bilinear' and 'bicubic'
    (4-D), 'trilinear' (5-D), 'area' (adaptive average pooling). As in torch, a
    ``scale_factor`` without ``recompute_scale_factor`` sizes the output as
    ``floor(n * scale)`` but samples with ``1 / scale``, so a non-integer factor gives
    torch's values, not those of the size ratio; torch's CPU shortcuts that ignore that
    scale are kept too (the linear modes copy an axis of unchanged size, 2-D nearest also
    repeats for exactly twice the size, 1-D/3-D nearest do so in their backward only). Each
    axis is a gather of 1, 2 or 4 taps and a weighted sum, so the gradient (from JAX) is
    torch's scatter of the same weights. Indices and weights are computed in float32 as
    torch's kernels do (float64 tensors are stored as float32 here).

    Deliberate differences: ``antialias=True`` (and so 'lanczos') raises
    NotImplementedError; uint8 input works for the nearest modes only (torch's fixed-point
    uint8 bilinear/bicubic kernels are not reproduced).

    Example:
        >>> F.interpolate(torch.ones(1, 3, 4, 4), scale_factor=2, mode="bilinear").shape
        torch.Size([1, 3, 8, 8])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    shape = tuple(input.shape)
    dim = len(shape) - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(shape[2:])} and output size "
                    f"of {size}. " + _SPATIAL_HINT.format("output size", *"ooo"))
            if not all(_is_integer(v) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(v) for v in size]}")
            out = [int(v) for v in size]
        else:
            out = [size] * dim
    elif scale_factor is not None:
        out = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. "
                    + _SPATIAL_HINT.format("scale_factor", *"sss"))
            scales = list(scale_factor)
        else:
            scales = [scale_factor] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out is None:  # area needs a size: torch reuses the recompute path
        recompute_scale_factor = True
    if recompute_scale_factor:
        out = [int(n * s) for n, s in zip(shape[2:], scales)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and len(shape) == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if dim in _MODE_DIMS.get(mode, ()):
        if mode == "lanczos":
            if align_corners:
                raise ValueError("Lanczos mode does not support align_corners=True")
            if not antialias:
                raise ValueError("Lanczos mode requires antialias=True")
        if antialias:
            raise NotImplementedError("interpolate(antialias=True) is not supported")
        if mode == "area":
            if dim == 3:
                return _adaptive(_adaptive_avg, 3, "adaptive_avg_pool3d", input, out)
            pool = adaptive_avg_pool1d if dim == 1 else adaptive_avg_pool2d
            return pool(input, out)
        return _upsample(mode, input, out, scales, align_corners)
    needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in needs and dim in (1, 2, 3):
        raise NotImplementedError(f"Got {dim + 2}D input, but {mode} mode needs "
                                  f"{needs[mode]}D input")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {dim + 2}D) for the "
        "modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
        f"nearest-exact (got {mode})")


def upsample(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Mirrors the deprecated ``F.upsample``: warns, then calls :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                     scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """Mirrors the deprecated ``F.upsample_nearest``: ``interpolate(mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                      scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """Mirrors the deprecated ``F.upsample_bilinear``: bilinear with align_corners=True."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


flatten = _shape.flatten
unflatten = _shape.unflatten


# Losses and attention are defined in their own modules and exported here, as in torch.
from ._attention_functional import *  # noqa: F401,F403,E402
from ._attention_functional import __all__ as _attention_all  # noqa: E402
from ._loss_functional import *  # noqa: F401,F403,E402
from ._loss_functional import __all__ as _loss_all  # noqa: E402

__all__ += list(_loss_all) + list(_attention_all)

# More pooling (3-D, LP, unpooling, fold/unfold, fractional), built on the helpers above.
from ._pooling_functional import *  # noqa: F401,F403,E402
from ._pooling_functional import __all__ as _pooling_all  # noqa: E402

__all__ += list(_pooling_all)

# Sampling grids, embedding bags and the random/in-place activations, in their own modules.
from ._activation_functional import *  # noqa: F401,F403,E402
from ._activation_functional import __all__ as _activation_extra_all  # noqa: E402
from ._sparse_functional import *  # noqa: F401,F403,E402
from ._sparse_functional import __all__ as _sparse_all  # noqa: E402
from ._vision_functional import *  # noqa: F401,F403,E402
from ._vision_functional import __all__ as _vision_all  # noqa: E402

__all__ += list(_activation_extra_all) + list(_sparse_all) + list(_vision_all)
