"""torch's dtypes, their JAX storage, and torch's type-promotion rules.

A pytorch_like tensor reports torch's *logical* dtype (``torch.int64`` for integer data,
``torch.float32`` for floats) while its array is stored in the dtype JAX can hold without
changing the process-wide ``jax_enable_x64`` flag: with x64 off (JAX's default), int64 is
stored as int32, float64 as float32 and complex128 as complex64. With x64 on, storage is
exact. See docs/decisions/002-int64.md.
"""

from __future__ import annotations

import functools

import jax
import ml_dtypes
import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types", "finfo", "iinfo"]

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A torch dtype such as ``torch.float32``; mirrors ``torch.dtype``.

    Example:
        >>> torch.tensor([1, 2]).dtype
        torch.int64
    """

    __slots__ = ("name", "np", "_cat", "itemsize", "_rank")

    def __init__(self, name: str, np_dtype, cat: int, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self._cat = cat
        self.itemsize = self.np.itemsize
        self._rank = rank

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (getattr, (_module(), self.name))

    @property
    def is_floating_point(self) -> bool:
        return self._cat == _FLOAT

    @property
    def is_complex(self) -> bool:
        return self._cat == _COMPLEX

    @property
    def is_signed(self) -> bool:
        return self.name not in ("bool", "uint8")

    @property
    def storage(self) -> np.dtype:
        """The dtype of the JAX array that holds this tensor's values."""
        return _storage(self)


def _module():
    import pytorch_like

    return pytorch_like


bool_ = dtype("bool", np.bool_, _BOOL, 0)
uint8 = dtype("uint8", np.uint8, _INT, 1)
int8 = dtype("int8", np.int8, _INT, 2)
int16 = dtype("int16", np.int16, _INT, 3)
int32 = dtype("int32", np.int32, _INT, 4)
int64 = dtype("int64", np.int64, _INT, 5)
float16 = dtype("float16", np.float16, _FLOAT, 6)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, 6)
float32 = dtype("float32", np.float32, _FLOAT, 7)
float64 = dtype("float64", np.float64, _FLOAT, 8)
complex64 = dtype("complex64", np.complex64, _COMPLEX, 9)
complex128 = dtype("complex128", np.complex128, _COMPLEX, 10)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128)
_BY_NP = {d.np: d for d in ALL}

_default_float = [float32]


def get_default_dtype() -> dtype:
    """The default floating dtype (``torch.float32``); mirrors ``torch.get_default_dtype``."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Mirrors ``torch.set_default_dtype`` (float32 or float64)."""
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = d


def default_complex() -> dtype:
    return complex128 if _default_float[0] is float64 else complex64


@functools.cache
def _storage_for(d: dtype, x64: bool) -> np.dtype:
    if x64:
        return d.np
    return np.dtype(jax.dtypes.canonicalize_dtype(d.np))


def _storage(d: dtype) -> np.dtype:
    return _storage_for(d, bool(jax.config.jax_enable_x64))


_TYPE_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half",
               "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
               "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def type_word(d: dtype) -> str:
    """torch's scalar-type name in messages: ``Float``, ``Long``, ``Bool``..."""
    return _TYPE_WORDS.get(d.name, d.name)


def from_np(npd) -> dtype:
    """The torch dtype of a numpy/JAX dtype (numpy's int64 and float64 map to themselves)."""
    try:
        return _BY_NP[np.dtype(npd)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(npd)}. The only supported "
                        "types are: float64, float32, float16, complex64, complex128, int64, "
                        "int32, int16, int8, uint8, and bool.") from None


def from_storage(npd) -> dtype:
    """The torch dtype for a JAX array's dtype, widening 32-bit ints to torch's int64."""
    d = from_np(npd)
    if d is int32:
        return int64
    return d


def to_dtype(d) -> dtype:
    """Accept a torch dtype, a numpy dtype, a Python type, a string or a legacy tensor type
    such as ``torch.FloatTensor``."""
    if isinstance(d, dtype):
        return d
    legacy = getattr(d, "_legacy_dtype", None)
    if isinstance(legacy, dtype):
        return legacy
    if d is float:
        return get_default_dtype()
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return default_complex()
    if isinstance(d, str):
        name = d.replace("torch.", "")
        got = getattr(_module(), name, None)
        if isinstance(got, dtype):
            return got
    return from_np(d)


def _to_complex(d: dtype) -> dtype:
    return complex128 if d is float64 else complex64


@functools.cache
def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both can be cast to, by torch's table."""
    if a is b:
        return a
    if a._cat == _BOOL:
        return b
    if b._cat == _BOOL:
        return a
    if a._cat == _INT and b._cat == _INT:
        if uint8 in (a, b):
            other = b if a is uint8 else a
            return int16 if other is int8 else other
        return a if a._rank > b._rank else b
    if a._cat != b._cat:
        lo, hi = (a, b) if a._cat < b._cat else (b, a)
        if hi._cat == _COMPLEX and lo._cat == _FLOAT:
            return complex128 if (lo is float64 or hi is complex128) else complex64
        return hi
    if a._cat == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    return a if a._rank > b._rank else b


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # torch's combine_categories: a lower-priority group only matters when its category
    # is higher (a float scalar makes an int tensor float, an int scalar does not widen).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._cat == _COMPLEX:
        return higher
    if lower._cat == _COMPLEX:
        return _to_complex(higher) if higher._cat == _FLOAT else lower
    if higher._cat == _FLOAT:
        return higher
    if higher._cat == _BOOL or lower._cat == _FLOAT:
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(v) -> dtype:
    if isinstance(v, bool):
        return bool_
    if isinstance(v, int):
        return int64
    if isinstance(v, float):
        return get_default_dtype()
    if isinstance(v, complex):
        return default_complex()
    raise TypeError(f"unsupported operand type {type(v).__name__}")


def result_type(dim_dtypes, zero_dim_dtypes, scalars) -> dtype:
    """torch.result_type over tensors with dims, zero-dim tensors and Python scalars."""
    groups = []
    for ds in (dim_dtypes, zero_dim_dtypes, [_scalar_dtype(s) for s in scalars]):
        r = None
        for d in ds:
            r = d if r is None else promote_types(r, d)
        groups.append(r)
    out = _combine(groups[0], _combine(groups[1], groups[2]))
    if out is None:
        raise TypeError("result_type needs at least one operand")
    return out


# -- numerical limits --------------------------------------------------------------------
def _dtype_arg(name: str, args: tuple, kwargs: dict, default):
    # torch's argument parser: one positional or keyword ``type``, which must be a dtype.
    if len(args) + len(kwargs) > 1 or (kwargs and "type" not in kwargs):
        raise TypeError(f"{name}() takes at most 1 argument")
    if not args and not kwargs:
        if default is None:
            raise TypeError(f'{name}() missing 1 required positional arguments: "type"')
        return default
    d = args[0] if args else kwargs["type"]
    if not isinstance(d, dtype):
        raise TypeError(f"{name}(): argument 'type' (position 1) must be torch.dtype, "
                        f"not {type(d).__name__}")
    return d


class finfo:
    """Machine limits of a floating dtype; mirrors ``torch.finfo``.

    ``torch.finfo()`` describes the default dtype; a complex dtype is described by its real
    part's dtype, as in torch. Values are Python floats, ``dtype`` the dtype's name.

    Example:
        >>> torch.finfo(torch.float16).max
        65504.0
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, *args, **kwargs) -> None:
        d = _dtype_arg("finfo", args, kwargs, get_default_dtype())
        if d._cat == _COMPLEX:
            d = float64 if d is complex128 else float32
        if d._cat != _FLOAT:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = ml_dtypes.finfo(d.np)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        # torch's resolution is a round power of ten: 10 ** -floor(-log10(eps)).
        self.resolution = 10.0 ** -int(np.floor(-np.log10(self.eps)))
        self.dtype = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    __hash__ = None

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:.6g}, min={self.min:.6g}, "
                f"max={self.max:.6g}, eps={self.eps:.6g}, "
                f"smallest_normal={self.smallest_normal:.6g}, tiny={self.tiny:.6g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype; mirrors ``torch.iinfo`` (``bits``, ``min``, ``max``,
    ``dtype``). ``torch.bool`` is refused, as in torch.

    Example:
        >>> torch.iinfo(torch.int64).max
        9223372036854775807
    """

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, *args, **kwargs) -> None:
        d = _dtype_arg("iinfo", args, kwargs, None)
        if d is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d._cat != _INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    __hash__ = None

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:.6g}, max={self.max:.6g}, dtype={self.dtype})"
