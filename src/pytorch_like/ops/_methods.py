"""Attach torch's Tensor methods and operators to :class:`Tensor`.

Each method calls the one op function that also serves ``torch.<name>``; in-place variants
(``add_``, ``x += y``) compute out of place and rebind (see ``_inplace``).
"""

from __future__ import annotations

import warnings

import jax
import numpy as np

from .. import _dtype as D
from .._layout import contiguous_format, layout, preserve_format, strided
from ..random import _next_key
from ..tensor import Tensor
from . import _views, creation, indexing, linalg, pointwise, reduction, search, shape
from . import complex as complex_ops
from ._sampling import sample
from ._inplace import assign, check, rebind
from ._util import operand

_T = Tensor


def _method(name, fn):
    setattr(_T, name, fn)


# Top-level functions whose first argument is not the tensor, or that are no method.
_NOT_METHODS = {"polygamma", "unravel_index", "combinations", "vander", "broadcast_shapes",
                "cumulative_trapezoid", "trapezoid", "trapz", "rsub"}

# Functions whose first argument is the tensor.
for _mod in (pointwise, reduction, shape, indexing, linalg):
    for _name in _mod.__all__:
        _f = getattr(_mod, _name)
        if _name.endswith("_") or _name in _NOT_METHODS:
            continue  # torch.relu_(x) & co. call the method; see the in-place list below
        if not hasattr(_T, _name) or _name in ("abs", "round", "all", "any", "max", "min",
                                              "sum", "pow"):
            _method(_name, _f)

for _name in ("isclose", "allclose", "equal"):
    _method(_name, getattr(pointwise, _name))
_method("unique", search.unique)
_method("unique_consecutive", search.unique_consecutive)
_method("unfold", shape.unfold)
_method("isin", search.isin)
_method("histc", search.histc)


def _varargs_shape(fn):
    def method(self, *shape_):
        return fn(self, *shape_)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _view(self, *shape_):
    if len(shape_) == 1 and isinstance(shape_[0], D.dtype):
        raise NotImplementedError("view(dtype) reinterprets bits; use .to(dtype) instead")
    return shape.view(self, *shape_)


_method("view", _view)
_method("reshape", _varargs_shape(shape.reshape))
_method("expand", _varargs_shape(shape.expand))
_method("repeat", _varargs_shape(shape.repeat))
_method("permute", _varargs_shape(shape.permute))
_method("view_as", shape.view_as)
_method("reshape_as", shape.view_as)
_method("expand_as", shape.expand_as)
_method("flatten", shape.flatten)


def _contiguous(self, memory_format=contiguous_format):
    """Mirrors ``Tensor.contiguous``: the tensor itself when it is contiguous in
    ``memory_format``, else a copy laid out in it (``torch.channels_last``: NHWC order,
    strides ``(H*W*C, 1, W*C, C)``); values never change.

    Example:
        >>> torch.zeros(2, 3, 4, 5).contiguous(memory_format=torch.channels_last).stride()
        (60, 1, 15, 3)
    """
    fmt = _views.check_format(memory_format, "contiguous", optional=False)
    if fmt is preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    if _views.is_contiguous(self, fmt):
        return self
    return _views.with_memory_format(self, pointwise.clone(self), fmt)


def _layout(self) -> layout:
    """Mirrors ``Tensor.layout``: always ``torch.strided`` (tensors here are dense)."""
    return strided


def _deprecated_0d(what: str, advice: str) -> None:
    warnings.warn(f"{what} is deprecated on 0-D tensors. {advice}", UserWarning, stacklevel=3)


def _mT(self):
    """Mirrors ``Tensor.mT``: the last two dims transposed (a view); a 0-D tensor is
    returned as is with torch's deprecation warning, a 1-D one is torch's error."""
    if self.ndim == 0:
        _deprecated_0d("Tensor.mT", "This function is the identity in these cases.")
        return self
    if self.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return shape.transpose(self, -2, -1)


def _mH(self):
    """Mirrors ``Tensor.mH``: the conjugate transpose of the last two dims (``mT`` for a
    real tensor). Difference: torch's conjugation is a lazy view; a complex result here is
    a new tensor (gradients are torch's either way).

    Example:
        >>> torch.tensor([[1 + 2j, 3j]]).mH
        tensor([[1.-2.j],
                [0.-3.j]])
    """
    if self.ndim == 0:
        _deprecated_0d("Tensor.mH", "Consider using x.conj().")
        return complex_ops.conj(self)
    if self.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return complex_ops.conj(shape.transpose(self, -2, -1))


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Mirrors ``Tensor.__dlpack__``: a DLPack capsule of this tensor's values (so NumPy,
    JAX or real torch can read it with their ``from_dlpack``); a tensor that requires grad
    is refused with torch's BufferError.

    Example:
        >>> import numpy as np
        >>> np.from_dlpack(torch.arange(3))
        array([0, 1, 2])
    """
    from ..utils.dlpack import dlpack_capsule

    if self._rg:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version),
                                ("dl_device", dl_device), ("copy", copy)) if v is not None}
    return dlpack_capsule(self, **kwargs)


def _dlpack_device(self) -> tuple:
    """Mirrors ``Tensor.__dlpack_device__``: ``(device type, index)`` of the exported data
    (a NumPy copy, hence the CPU, when 64-bit values are stored in 32 bits)."""
    a = self._cell.a
    if np.dtype(a.dtype) != np.dtype(self._dtype.np):
        return (1, 0)
    return a.__dlpack_device__()


def _H(self):
    """Mirrors ``Tensor.H``: the conjugate transpose of a matrix (2-D only, as in torch;
    ``mH`` serves batches); a 0-D tensor is returned conjugated with torch's warning.

    Example:
        >>> torch.tensor([[1 + 1j, 2.]]).H
        tensor([[1.-1.j],
                [2.-0.j]])
    """
    if self.ndim == 0:
        _deprecated_0d("Tensor.H", "Consider using x.conj().")
        return complex_ops.conj(self)
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor.{hint}")
    return complex_ops.conj(shape.transpose(self, 0, 1))


_method("__dlpack__", _dlpack)
_method("__dlpack_device__", _dlpack_device)
_method("contiguous", _contiguous)
_method("clone", pointwise.clone)
_method("layout", property(_layout))
_method("type_as", lambda self, other: self.to(other.dtype))
_method("__getitem__", indexing.getitem)
_method("__setitem__", indexing.setitem)
_method("T", property(lambda self: shape.permute(self, tuple(reversed(range(self.ndim))))))
_method("mT", property(_mT))
_method("mH", property(_mH))
_method("H", property(_H))
_method("softmax", lambda self, dim, dtype=None: reduction.softmax(self, dim, dtype))
_method("log_softmax", lambda self, dim, dtype=None: reduction.log_softmax(self, dim, dtype))
_method("absolute", pointwise.abs)
_method("where", lambda self, condition, other: pointwise.where(condition, self, other))


def _no_sequences(method):
    """Like torch, an operator meets a list or tuple with ``NotImplemented``, so Python's
    own rules apply: ``t * [1, 2]`` repeats the list (or fails on a tensor that is not one
    integer), ``t == [1, 2]`` is False, ``t + (1, 2)`` is a TypeError."""
    def op(self, other):
        if isinstance(other, (list, tuple)):
            return NotImplemented
        return method(self, other)
    op.__name__ = getattr(method, "__name__", "op")
    op.__doc__ = method.__doc__
    return op


def _binop(fn, reflected=False):
    # The list/tuple test of _no_sequences, inlined: these are the hottest Python calls.
    if reflected:
        def op(self, other):
            if isinstance(other, (list, tuple)):
                return NotImplemented
            return fn(operand(other), self)
    else:
        def op(self, other):
            if isinstance(other, (list, tuple)):
                return NotImplemented
            return fn(self, other)
    return op


for _dunder, _fn in [("add", pointwise.add), ("sub", pointwise.sub), ("mul", pointwise.mul),
                     ("truediv", pointwise.div), ("floordiv", pointwise.floor_divide),
                     ("mod", pointwise.remainder), ("pow", pointwise.pow),
                     ("matmul", linalg.matmul), ("and", None), ("or", None), ("xor", None)]:
    if _fn is None:
        continue
    _method(f"__{_dunder}__", _binop(_fn))
    _method(f"__r{_dunder}__", _binop(_fn, reflected=True))


def _bitlogic(bitwise, logical):
    def op(self, other):
        other = operand(other)
        is_bool = self._dtype is D.bool_ and (
            isinstance(other, bool) or (isinstance(other, Tensor) and other._dtype is D.bool_))
        return logical(self, other) if is_bool else bitwise(self, other)
    return op


_method("__and__", _no_sequences(_bitlogic(pointwise.bitwise_and, pointwise.logical_and)))
_method("__or__", _no_sequences(_bitlogic(pointwise.bitwise_or, pointwise.logical_or)))
_method("__xor__", _no_sequences(_bitlogic(pointwise.bitwise_xor, pointwise.logical_xor)))
_method("__rand__", _T.__and__)
_method("__ror__", _T.__or__)
_method("__rxor__", _T.__xor__)


def _invert(self):
    if self._dtype is D.bool_:
        return pointwise.logical_not(self)
    return pointwise.bitwise_not(self)


_method("__invert__", _invert)
_method("__neg__", pointwise.neg)
_method("__pos__", lambda self: self)
_method("__abs__", pointwise.abs)
_method("__rsub__", _no_sequences(lambda self, other: pointwise.sub(operand(other), self)))
# torch computes ``c / t`` as ``t.reciprocal() * c`` (its rounding, and a MulBackward0).
_method("__rtruediv__", _no_sequences(
    lambda self, other: pointwise.mul(pointwise.reciprocal(self), operand(other))))
_method("__rpow__", _no_sequences(lambda self, other: pointwise.pow(operand(other), self)))
_method("__rmatmul__",
        _no_sequences(lambda self, other: linalg.matmul(operand(other), self)))

for _dunder, _fn in [("eq", pointwise.eq), ("ne", pointwise.ne), ("lt", pointwise.lt),
                     ("le", pointwise.le), ("gt", pointwise.gt), ("ge", pointwise.ge)]:
    _method(f"__{_dunder}__", _binop(_fn))


def _eq(self, other):
    if other is None:
        return False
    return pointwise.eq(self, other)


def _ne(self, other):
    if other is None:
        return True
    return pointwise.ne(self, other)


_method("__eq__", _no_sequences(_eq))
_method("__ne__", _no_sequences(_ne))
_T.__hash__ = lambda self: id(self)


# -- in-place ----------------------------------------------------------------------------
def _inplace(fn):
    def method(self, *args, **kwargs):
        return assign(self, lambda: fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


_INPLACE = ["add", "sub", "mul", "div", "pow", "clamp", "clip", "neg", "abs", "exp", "log",
            "sqrt", "rsqrt", "sigmoid", "tanh", "relu", "floor", "ceil", "round", "trunc",
            "reciprocal", "square", "sin", "cos", "log1p", "expm1", "sign", "lerp", "addcmul",
            "addcdiv", "masked_fill", "scatter", "scatter_add", "index_add", "index_copy",
            "index_fill", "remainder", "fmod", "floor_divide", "maximum", "minimum",
            "logical_not", "nan_to_num", "tril", "triu", "atan2", "hypot", "frac", "erf",
            "copysign", "t", "squeeze", "unsqueeze", "transpose", "xlogy", "logit",
            "bitwise_and", "bitwise_or", "bitwise_xor", "eq", "ne", "lt", "le", "gt", "ge",
            "scatter_reduce", "exp2", "log2", "log10", "sinh", "cosh", "tan", "asin",
            "acos", "atan", "deg2rad", "rad2deg", "erfc", "sub", "clamp_min", "clamp_max"]
for _name in _INPLACE:
    _method(_name + "_", _inplace(getattr(_T, _name)))

for _dunder, _name in [("iadd", "add"), ("isub", "sub"), ("imul", "mul"),
                       ("itruediv", "div"), ("ifloordiv", "floor_divide"), ("imod", "remainder"),
                       ("ipow", "pow"), ("iand", "__and__"), ("ior", "__or__"),
                       ("ixor", "__xor__")]:
    _method(f"__{_dunder}__", _no_sequences(_inplace(getattr(_T, _name))))


def _imatmul(self, other):
    return assign(self, lambda: linalg.matmul(self, other))


_method("__imatmul__", _no_sequences(_imatmul))


def zero_(self):
    """Mirrors ``Tensor.zero_``."""
    return fill_(self, 0)


def _arg_type_desc(v) -> str:
    # How torch's argument parser names a Python value's type in its messages:
    # ``str``, ``numpy.ndarray``, ``list of [float, int]``, ``tuple of (int,)``.
    if isinstance(v, (list, tuple)):
        names = [type(x).__name__ for x in v]
        if isinstance(v, list):
            return f"list of [{', '.join(names)}]"
        return f"tuple of ({', '.join(names)}{',' if len(names) == 1 else ''})"
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


_NUMBER_TYPES = (bool, int, float, complex, np.number, np.bool_)


def fill_(self, value):
    """Mirrors ``Tensor.fill_``: a Python number or a 0-dim tensor; anything else raises
    torch's TypeError / RuntimeError."""
    check(self)
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.dim()} dimensions.")
    if not isinstance(value, (Tensor,) + _NUMBER_TYPES):
        got = type(value).__name__ if isinstance(value, (list, tuple)) else \
            _arg_type_desc(value)
        desc = _arg_type_desc(value)
        raise TypeError(f"fill_() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Tensor value)\n      didn't match because "
                        f"some of the arguments have invalid types: (!{desc}!)\n * (Number "
                        "value)\n      didn't match because some of the arguments have invalid "
                        f"types: (!{desc}!)\n")
    if isinstance(value, Tensor) and value._rg:
        return rebind(self, shape.expand(value.to(self._dtype), tuple(self.shape)))
    v = value.item() if isinstance(value, Tensor) else value
    new = creation._filled(tuple(self.shape), self._dtype.storage, v)
    return rebind(self, Tensor._make(new, self._dtype))


def copy_(self, src, non_blocking: bool = False):
    """Mirrors ``Tensor.copy_``: broadcast ``src`` into this tensor, keeping dtype."""
    check(self)
    src = operand(src)
    if not isinstance(src, Tensor):
        return fill_(self, src)
    if tuple(src.shape) != tuple(self.shape):
        src = shape.expand(src, tuple(self.shape))
    if src._dtype is not self._dtype:
        src = src.to(self._dtype)
    if src._rg:
        return rebind(self, pointwise.clone(src))
    a = src._cell.a
    try:
        if not isinstance(a, jax.core.Tracer) and not isinstance(self._cell.a, jax.core.Tracer):
            dev = next(iter(self._cell.a.devices()))
            if dev not in a.devices():
                a = jax.device_put(a, dev)
    except AttributeError:
        pass
    return rebind(self, Tensor._make(a, self._dtype))


def _random_(sampler, kind=None):
    def method(self, *args, generator=None):
        check(self)
        if kind == "exponential" and not self._dtype.is_floating_point:
            raise RuntimeError("Exponential distribution is a continuous probability "
                               "distribution. dtype must be a floating point but you "
                               f"specified {D.type_word(self._dtype)}")
        if kind in ("uniform", "normal"):
            # an integer tensor's uniform_/normal_ is an error in torch, not rounded samples
            creation._check_random_dtype(self._dtype, kind)
        a = sampler(_next_key(generator), tuple(self.shape), self._dtype.storage, *args)
        return rebind(self, Tensor._make(a, self._dtype))
    return method


def _uniform(key, shp, dt, a=0.0, b=1.0):
    return sample("uniform", key, shp, dt, a, b)


def _normal(key, shp, dt, mean=0.0, std=1.0):
    return sample("normal", key, shp, dt, mean, std)


def _random_int(key, shp, dt, low=0, high=None):
    if high is None:
        low, high = 0, low if low else 2 ** 24
    return jax.random.randint(key, shp, low, high).astype(dt)


def _bernoulli(key, shp, dt, p=0.5):
    return (jax.random.uniform(key, shp) < p).astype(dt)


def _exponential(key, shp, dt, lambd=1.0):
    return (jax.random.exponential(key, shp) / lambd).astype(dt)


_method("uniform_", _random_(_uniform, "uniform"))
_method("normal_", _random_(_normal, "normal"))
_method("random_", _random_(_random_int))
_method("bernoulli_", _random_(_bernoulli))
_method("exponential_", _random_(_exponential, "exponential"))
_method("zero_", zero_)
_method("fill_", fill_)
_method("copy_", copy_)
_method("bernoulli", lambda self, p=None, *, generator=None: creation.bernoulli(
    self, p, generator=generator))


def _new(factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(*size, dtype=dtype or self._dtype, device=device or None,
                       requires_grad=requires_grad)
    return method


_method("new_zeros", _new(creation.zeros))
_method("new_ones", _new(creation.ones))
_method("new_empty", _new(creation.empty))


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    creation._check_fill_value(fill_value, "new_full")
    return creation.full(size, fill_value, dtype=dtype or self._dtype, device=device,
                         requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self._dtype, device=device,
                           requires_grad=requires_grad)


_method("new_full", new_full)
_method("new_tensor", new_tensor)
_method("argwhere", indexing.nonzero)
_method("split", shape.split)
_method("chunk", shape.chunk)
_method("unbind", shape.unbind)


# -- methods added with the special functions, legacy helpers and predicates -------------
def _polygamma_method(self, n):
    return pointwise.polygamma(n, self)


def _float_power_(self, exponent):
    if self._dtype is not D.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {D.type_word(self._dtype)} "
                           "but the operation's result requires dtype Double")
    return assign(self, lambda: pointwise.float_power(self, exponent))


_method("polygamma", _polygamma_method)
_method("float_power_", _float_power_)
for _name in ("absolute", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
              "arctan2", "arctanh", "asinh", "atanh", "bitwise_not", "cumprod", "cumsum",
              "digamma", "divide", "erfinv", "fix", "gcd", "greater", "greater_equal",
              "heaviside", "i0", "lcm", "ldexp", "less", "less_equal", "lgamma", "logical_and",
              "logical_or", "logical_xor", "multiply", "mvlgamma", "negative", "nextafter",
              "not_equal", "polygamma", "sgn", "sinc", "subtract", "true_divide", "swapaxes",
              "swapdims", "masked_scatter", "put", "renorm"):
    if hasattr(_T, _name) and not hasattr(_T, _name + "_"):
        _method(_name + "_", _inplace(getattr(_T, _name)))


def _get_device(self) -> int:
    """Mirrors ``Tensor.get_device``: -1 for a CPU tensor, else the device index."""
    d = self.device
    return -1 if d.type == "cpu" else (d.index or 0)


def _is_inference(self) -> bool:
    """Mirrors ``Tensor.is_inference``. Always False: ``inference_mode`` here is ``no_grad``
    and makes no separate kind of tensor."""
    return False


def _predicates():
    from .. import _toplevel

    _method("is_nonzero", _toplevel.is_nonzero)
    _method("is_same_size", _toplevel.is_same_size)
    _method("is_signed", _toplevel.is_signed)


_predicates()
_method("get_device", _get_device)
_method("index_put_", indexing.index_put_)
_method("is_inference", _is_inference)


def _new(self, *args, device=None):
    """Mirrors the legacy ``Tensor.new``: ``x.new(2, 3)`` (uninitialised), ``x.new([1, 2])``
    (data) or ``x.new()`` (empty), all with ``x``'s dtype."""
    from .._toplevel import _legacy_new

    return _legacy_new(self._dtype, args, device)


def _host_update(self, name: str, compute):
    if self._rg:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    import numpy as np

    arr = np.asarray(self.detach().numpy())
    out = np.asarray(compute(arr)).astype(self._dtype.np).reshape(arr.shape)
    return rebind(self, Tensor._make(jax.numpy.asarray(out, self._dtype.storage), self._dtype))


def _apply_(self, callable):  # noqa: A002
    """Mirrors ``Tensor.apply_``: ``callable`` on every element, in place. Host-side Python,
    eager only (it cannot run inside ``compile``), and slow, as in torch."""
    return _host_update(self, "apply_", lambda a: [callable(v) for v in a.reshape(-1).tolist()])


def _map_(self, tensor, callable):  # noqa: A002
    """Mirrors ``Tensor.map_``: ``callable(self_elem, other_elem)`` elementwise in place,
    ``tensor`` broadcast to this shape. Host-side Python, eager only."""
    import numpy as np

    other = np.broadcast_to(np.asarray(tensor.detach().numpy()), tuple(self.shape))
    return _host_update(self, "map_", lambda a: [callable(u, v) for u, v in zip(
        a.reshape(-1).tolist(), other.reshape(-1).tolist())])


def _check_float_random(self, name: str, what: str) -> None:
    if self._dtype._cat != 2:
        if what:
            raise RuntimeError(f"{what} is a continuous probability distribution. dtype must "
                               f"be a floating point but you specified "
                               f"{_CPP_INT_NAMES.get(self._dtype.name, self._dtype.name)}")
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{D.type_word(self._dtype)}'")


_CPP_INT_NAMES = {"int64": "long int", "int32": "int", "int16": "short int",
                  "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Mirrors ``Tensor.cauchy_``: Cauchy samples from the library's generator."""
    _check_float_random(self, "cauchy_", "Cauchy distribution")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    check(self)
    a = median + sigma * jax.random.cauchy(_next_key(generator), tuple(self.shape))
    return rebind(self, Tensor._make(a.astype(self._dtype.storage), self._dtype))


def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Mirrors ``Tensor.log_normal_``: ``exp`` of normal samples with ``mean`` and ``std``."""
    _check_float_random(self, "log_normal", "")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    check(self)
    a = jax.numpy.exp(mean + std * jax.random.normal(_next_key(generator), tuple(self.shape)))
    return rebind(self, Tensor._make(a.astype(self._dtype.storage), self._dtype))


def _geometric_(self, p, *, generator=None):
    """Mirrors ``Tensor.geometric_``: the number of Bernoulli(``p``) trials up to the first
    success (1, 2, ...), for any dtype."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    check(self)
    a = jax.random.geometric(_next_key(generator), p, tuple(self.shape))
    return rebind(self, Tensor._make(a.astype(self._dtype.storage), self._dtype))


_method("new", _new)
_method("apply_", _apply_)
_method("map_", _map_)
_method("cauchy_", _cauchy_)
_method("log_normal_", _log_normal_)
_method("geometric_", _geometric_)
_method("multinomial", lambda self, num_samples, replacement=False, *, generator=None:
        creation.multinomial(self, num_samples, replacement, generator=generator))

_method("fill_diagonal_", indexing.fill_diagonal_)
_method("__lshift__", _binop(pointwise.bitwise_left_shift))
_method("__rlshift__", _binop(pointwise.bitwise_left_shift, reflected=True))
_method("__rshift__", _binop(pointwise.bitwise_right_shift))
_method("__rrshift__", _binop(pointwise.bitwise_right_shift, reflected=True))
_method("__ilshift__", _inplace(pointwise.bitwise_left_shift))
_method("__irshift__", _inplace(pointwise.bitwise_right_shift))
for _name in ("bitwise_left_shift", "bitwise_right_shift", "igamma", "igammac"):
    _method(_name + "_", _inplace(getattr(_T, _name)))
# Layout queries: every tensor here is dense and strided.
for _name in ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn"):
    _method(_name, property(lambda self: False))
