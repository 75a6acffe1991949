"""Small top-level pieces of torch's namespace: warning policy, the legacy default tensor
type and ``frombuffer``.

Mirrors ``torch.set_warn_always`` / ``torch.is_warn_always_enabled``,
``torch.set_default_tensor_type`` (deprecated in torch, with its warning) and
``torch.frombuffer``.

Example:
    >>> torch.frombuffer(bytearray(b"\\x01\\x00\\x02\\x00"), dtype=torch.int16)
    tensor([1, 2], dtype=torch.int16)
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

from . import _dtype as D
from .tensor import Tensor

__all__ = ["set_warn_always", "is_warn_always_enabled", "set_default_tensor_type",
           "frombuffer"]

_warn_always = [False]
# Messages torch gives once per process (TORCH_WARN_ONCE) that were already given.
_warned_once: set = set()


def set_warn_always(b: bool) -> None:
    """Mirrors ``torch.set_warn_always``: with True, warnings torch gives once per process
    are given every time (here: ``set_default_tensor_type``'s deprecation warning).

    Example:
        >>> torch.set_warn_always(True); torch.is_warn_always_enabled()
        True
        >>> torch.set_warn_always(False)
    """
    if type(b) is not builtins.bool:
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _warn_always[0] = b


def is_warn_always_enabled() -> bool:
    """Mirrors ``torch.is_warn_always_enabled``: what ``set_warn_always`` last set (False
    at start).

    Example:
        >>> torch.is_warn_always_enabled()
        False
    """
    return _warn_always[0]


def _warn_once(message: str, category: type = UserWarning, stacklevel: int = 3) -> None:
    if _warn_always[0] or message not in _warned_once:
        _warned_once.add(message)
        warnings.warn(message, category, stacklevel=stacklevel)


_DEFAULT_TYPE_DEPRECATED = (
    "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
    "torch.set_default_dtype() and torch.set_default_device() as alternatives.")


def _import_dotted(name: str) -> Any:
    # torch resolves the name by importing its first part; "torch" is this package here.
    import importlib

    parts = name.split(".")
    if parts[0] == "torch":
        if len(parts) == 3 and parts[1] == "cuda" and parts[2].endswith("Tensor"):
            return ("cuda", parts[2])
        obj: Any = importlib.import_module(__package__)
        shown = "torch"
    else:
        obj = __import__(parts[0])
        shown = parts[0]
    for part in parts[1:]:
        if not hasattr(obj, part):
            raise AttributeError(f"module '{shown}' has no attribute '{part}'")
        obj = getattr(obj, part)
        shown = f"{shown}.{part}"
    return obj


def set_default_tensor_type(t: type | str) -> None:
    """Mirrors ``torch.set_default_tensor_type`` (deprecated since torch 2.1, and it warns
    so, once per process): a floating legacy type (``torch.DoubleTensor`` or the string
    ``'torch.DoubleTensor'``) sets the default dtype. A ``torch.cuda.*Tensor`` raises
    torch's CPU-only TypeError when no GPU is there; with one, it sets the dtype (new
    tensors already go to the GPU, JAX's default device).

    Example:
        >>> torch.set_default_tensor_type(torch.DoubleTensor)
        >>> torch.tensor([1.]).dtype
        torch.float64
        >>> torch.set_default_tensor_type(torch.FloatTensor)
    """
    if isinstance(t, str):
        t = _import_dotted(t)
    _warn_once(_DEFAULT_TYPE_DEPRECATED)
    if isinstance(t, tuple):
        from . import _toplevel, cuda

        if not cuda.is_available():
            raise TypeError(f"type torch.cuda.{t[1]} not available. Torch not compiled with "
                            "CUDA enabled.")
        t = getattr(_toplevel, t[1], None)
    dt = getattr(t, "_legacy_dtype", None) if isinstance(t, type) else None
    if dt is None:
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    D.set_default_dtype(dt)


def frombuffer(buffer: Any, *, dtype: D.dtype | None = None, count: int = -1,
               offset: int = 0, requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.frombuffer``: a 1-D tensor of ``count`` elements (-1: all that
    follow) read from the bytes of an object with the buffer protocol, starting ``offset``
    bytes in, with torch's checks and ValueError messages.

    Difference: torch shares the buffer's memory (and warns once for a read-only buffer);
    a JAX array cannot live in a Python buffer, so the values are copied, later writes to
    the buffer are not seen, and there is nothing to warn about.

    Example:
        >>> import array
        >>> torch.frombuffer(array.array("f", [1, 2, 3]), dtype=torch.float32)
        tensor([1., 2., 3.])
    """
    if dtype is None:
        raise TypeError('frombuffer() missing 1 required positional arguments: "dtype"')
    dt = D.to_dtype(dtype)
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    size = dt.itemsize
    length = view.nbytes
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    if count <= 0 and (length - offset) % size:
        raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} "
                         f"bytes) must be a multiple of element size ({size})")
    n = (length - offset) // size if count < 0 else count
    if offset + n * size > length:
        raise ValueError(f"requested buffer length ({n} * {size} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({length} bytes)")
    raw = view.cast("B")[offset:offset + n * size]
    if dt is D.bool_:
        # torch reads each byte as a C++ bool: any nonzero byte is True.
        values = np.frombuffer(raw, dtype=np.uint8) != 0
    else:
        values = np.frombuffer(raw, dtype=dt.np).copy()
    from .ops.creation import tensor

    return tensor(values, dtype=dt, requires_grad=requires_grad)
