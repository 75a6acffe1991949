"""Small helpers shared by the op modules: argument coercion, dims, broadcasting checks."""

from __future__ import annotations

import functools
import inspect

from .. import _dtype as D
from ..tensor import Tensor, _wrap_dim

_SCALARS = (int, float, bool, complex)


def python_type_name(x) -> str:
    """How torch's argument parser names a value's type: ``int``, ``list``,
    ``numpy.ndarray``, ``Tensor``, ``Parameter``."""
    if isinstance(x, Tensor):
        return type(x).__name__ if type(x).__name__ == "Parameter" else "Tensor"
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def check_tensor_arg(fn: str, name: str, pos: int, x) -> None:
    """torch's TypeError for a non-Tensor where a Tensor argument is required
    (``linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{python_type_name(x)}")


def as_tensor_arg(x) -> Tensor:
    """Coerce an op argument to a Tensor (numpy arrays, lists, JAX arrays)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor

    return tensor(x)


def operand(x):
    """A Tensor or a Python scalar (kept as a scalar: weakly typed, as torch treats it)."""
    if isinstance(x, Tensor) or isinstance(x, _SCALARS):
        return x
    import numpy as np

    if isinstance(x, np.generic):
        return x.item()
    return as_tensor_arg(x)


def result_dtype(*xs) -> D.dtype:
    """torch's type promotion over Tensors (with and without dims) and Python scalars."""
    dims, zeros, scalars = [], [], []
    for x in xs:
        if isinstance(x, Tensor):
            (dims if x._cell.peek().ndim else zeros).append(x._dtype)
        elif x is not None:
            scalars.append(x)
    return D.result_type(dims, zeros, scalars)


def binary_dtype(a, b) -> D.dtype:
    # Fast paths for the common cases; the general rule otherwise.
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._dtype is b._dtype:
                return a._dtype
        elif isinstance(b, float):
            if a._dtype._cat >= 2:
                return a._dtype
        elif isinstance(b, int) and not isinstance(b, bool):
            if a._dtype._cat >= 1:
                return a._dtype
    return result_dtype(a, b)


def cast_for(dtype: D.dtype, *xs):
    """The storage dtype to cast inputs to inside the op, or None when all already match."""
    st = dtype.storage
    for x in xs:
        if isinstance(x, Tensor) and x._cell.peek().dtype != st:
            return st
    return None


def check_broadcast(*shapes) -> None:
    """Raise torch's broadcast error before JAX does, naming both sizes."""
    n = max(len(s) for s in shapes)
    for i in range(n):
        size = 1
        first = None
        for k, s in enumerate(shapes):
            j = len(s) - n + i
            if j < 0:
                continue
            d = s[j]
            if d != 1:
                if size != 1 and d != size:
                    a, b = ("a", "b") if first == 0 else (chr(97 + first), chr(97 + k))
                    raise RuntimeError(
                        f"The size of tensor {a} ({size}) must match the size of tensor {b} "
                        f"({d}) at non-singleton dimension {i}")
                size = d
                first = k if first is None else first
    return None


# torch's argument parser also accepts NumPy's spellings of these keywords.
_NUMPY_KWARGS = {"axis": "dim", "keepdims": "keepdim"}


def numpy_kwargs(fn):
    """Wrap ``fn`` to accept ``axis=``/``keepdims=`` for ``dim=``/``keepdim=``, as torch's
    argument parser does (``x.sum(1, keepdims=True)``, ``torch.mean(x, axis=0)``)."""
    params = inspect.signature(fn).parameters
    aliases = {a: n for a, n in _NUMPY_KWARGS.items() if n in params and a not in params}
    if not aliases:
        return fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            for alias, name in aliases.items():
                # Both spellings at once is left to ``fn`` to reject, as torch does.
                if alias in kwargs and name not in kwargs:
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)
    return wrapper


def dims_arg(dim, ndim: int):
    """Normalise a dim argument (int, tuple, list or None) to a sorted tuple or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        return tuple(sorted(_wrap_dim(int(d), ndim) for d in dim))
    return (_wrap_dim(int(dim), ndim),)


def shape_arg(args) -> tuple:
    """torch accepts f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def float_dtype(dtype: D.dtype) -> D.dtype:
    return dtype if dtype._cat >= 2 else D.get_default_dtype()
