"""Small top-level helpers of torch: thread counts, the default device, tensor predicates,
and the legacy typed-tensor classes (``torch.FloatTensor`` and friends).

Thread counts are recorded, not applied: XLA sizes its CPU thread pool once, when JAX starts
(``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false`` or ``taskset`` are the knobs that act),
so ``set_num_threads`` only changes what ``get_num_threads`` reports.
``set_default_device`` maps onto JAX's ``jax_default_device``: factories called without
``device=`` put their arrays there.

Example:
    >>> torch.set_num_threads(4); torch.get_num_threads()
    4
    >>> isinstance(torch.zeros(2), torch.FloatTensor)
    True
"""

from __future__ import annotations

import os

import jax

from . import _dtype as D
from ._device import device as _device_cls
from ._device import to_jax_device
from ._size import Size
from .tensor import Tensor

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads", "set_default_device", "get_default_device", "is_complex",
           "is_nonzero", "is_same_size", "is_signed", "FloatTensor", "DoubleTensor",
           "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor"]

_threads = {"intra": os.cpu_count() or 1, "inter": os.cpu_count() or 1, "inter_set": False}
_default_device: list = [None]


def _positive_int(name: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def set_num_threads(int: int) -> None:  # noqa: A002
    """Mirrors ``torch.set_num_threads``; recorded only (see the module docstring): XLA's
    thread pool is fixed when JAX starts.

    Example:
        >>> torch.set_num_threads(2)
    """
    _threads["intra"] = _positive_int("set_num_threads", int)


def get_num_threads() -> int:
    """Mirrors ``torch.get_num_threads``: the last value set, else the CPU count."""
    return _threads["intra"]


def set_num_interop_threads(int: int) -> None:  # noqa: A002
    """Mirrors ``torch.set_num_interop_threads``: recorded only, and (as in torch) allowed
    once per process."""
    n = _positive_int("set_num_interop_threads", int)
    if _threads["inter_set"]:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work "
                           "has started or set_num_interop_threads called")
    _threads["inter"], _threads["inter_set"] = n, True


def get_num_interop_threads() -> int:
    """Mirrors ``torch.get_num_interop_threads``."""
    return _threads["inter"]


def set_default_device(device) -> None:
    """Mirrors ``torch.set_default_device``: factories without ``device=`` allocate there.

    Implemented with JAX's ``jax_default_device``; ``None`` restores JAX's default. Unlike
    torch, an unavailable device (``'cuda'`` on a CPU-only machine) is refused here, when it
    is set, rather than at the first allocation.

    Example:
        >>> torch.set_default_device('cpu')
    """
    if device is None:
        _default_device[0] = None
        jax.config.update("jax_default_device", None)
        return
    d = _device_cls(device)
    jax.config.update("jax_default_device", to_jax_device(d))
    _default_device[0] = d


def get_default_device() -> _device_cls:
    """Mirrors ``torch.get_default_device`` (``device(type='cpu')`` until one is set)."""
    d = _default_device[0]
    if d is None:
        return _device_cls("cpu") if jax.default_backend() == "cpu" else _device_cls(
            "cuda" if jax.default_backend() == "gpu" else jax.default_backend(), 0)
    if d.type != "cpu" and d.index is None:
        return _device_cls(d.type, 0)
    return d


def _need_tensor(fn: str, name: str, pos: int, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_complex``: whether the dtype is complex.

    Example:
        >>> torch.is_complex(torch.zeros(2))
        False
    """
    _need_tensor("is_complex", "input", 1, input)
    return input.dtype.is_complex


def is_signed(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_signed``: False for ``uint8`` and ``bool``."""
    _need_tensor("is_signed", "input", 1, input)
    return input.dtype.is_signed


def is_same_size(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_same_size``: equal shapes (no broadcasting)."""
    _need_tensor("is_same_size", "input", 1, input)
    _need_tensor("is_same_size", "other", 2, other)
    return tuple(input.shape) == tuple(other.shape)


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_nonzero``: the truth of a one-element tensor; torch's errors for
    empty and many-element tensors.

    Example:
        >>> torch.is_nonzero(torch.tensor([1.5]))
        True
    """
    _need_tensor("is_nonzero", "input", 1, input)
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


# -- legacy typed tensors ----------------------------------------------------------------
class _TensorType(type):
    """The metaclass of ``torch.FloatTensor`` & co.: calling one builds a plain Tensor of its
    dtype, and ``isinstance(t, torch.FloatTensor)`` tests the dtype (a CPU tensor here, as
    torch's CPU types; this package has no separate ``torch.cuda.FloatTensor``)."""

    def __call__(cls, *args, device=None, **kwargs):
        if kwargs:
            key = next(iter(kwargs))
            raise TypeError(f"new() received an invalid combination of arguments - got "
                            f"unexpected keyword argument '{key}'")
        return _legacy_new(cls._legacy_dtype, args, device)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._legacy_dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"

    @property
    def dtype(cls) -> D.dtype:
        return cls._legacy_dtype

    @property
    def is_cuda(cls) -> bool:
        return False

    @property
    def is_sparse(cls) -> bool:
        return False


_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def _options(dt: D.dtype) -> str:
    return (f"TensorOptions(dtype={_CPP_NAMES.get(dt.name, dt.name)}, device=cpu, "
            "layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def _legacy_new(dt: D.dtype, args: tuple, device) -> Tensor:
    from .ops.creation import empty, tensor

    if not args:
        return empty(0, dtype=dt, device=device)
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        if first.dtype is not dt:
            raise TypeError(f"expected {_options(dt)} (got {_options(first.dtype)})")
        return first
    # Ints (or one torch.Size) are a shape; a single tuple or list is data, as in torch.
    if isinstance(first, Size):
        args = tuple(first)
    elif len(args) == 1 and not isinstance(first, int):
        return tensor(first, dtype=dt, device=device)
    for k, a in enumerate(args):
        if isinstance(a, bool) or not isinstance(a, int):
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos "
                            f"{k + 1} with error \"type must be tuple of ints,but got "
                            f"{type(a).__name__}\"")
    return empty(*args, dtype=dt, device=device)


def _legacy_type(name: str, dt: D.dtype) -> type:
    doc = (f"Legacy constructor type of {dt!r} tensors; mirrors ``torch.{name}``.\n\n"
           f"``torch.{name}([1, 2])`` copies data, ``torch.{name}(2, 3)`` (or a "
           "``torch.Size``) makes an uninitialised tensor of that shape, and "
           f"``isinstance(t, torch.{name})`` is true when ``t.dtype`` is {dt!r}. The result "
           "is a plain ``torch.Tensor``, as in torch.\n\n"
           f"Example:\n    >>> torch.{name}([1, 2]).dtype\n    {dt!r}\n")
    return _TensorType(name, (), {"_legacy_dtype": dt, "__doc__": doc,
                                  "__module__": "pytorch_like"})


FloatTensor = _legacy_type("FloatTensor", D.float32)
DoubleTensor = _legacy_type("DoubleTensor", D.float64)
HalfTensor = _legacy_type("HalfTensor", D.float16)
BFloat16Tensor = _legacy_type("BFloat16Tensor", D.bfloat16)
LongTensor = _legacy_type("LongTensor", D.int64)
IntTensor = _legacy_type("IntTensor", D.int32)
ShortTensor = _legacy_type("ShortTensor", D.int16)
CharTensor = _legacy_type("CharTensor", D.int8)
ByteTensor = _legacy_type("ByteTensor", D.uint8)
BoolTensor = _legacy_type("BoolTensor", D.bool_)
