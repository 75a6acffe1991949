"""``torch.utils.dlpack``: exchange tensors with other libraries through DLPack.

Mirrors ``torch.utils.dlpack`` (``from_dlpack``, ``to_dlpack``, ``DLDeviceType``) and
``torch.from_dlpack``. Anything with ``__dlpack__`` (a NumPy array, a real torch tensor, a
JAX array, a CuPy array) or a legacy ``"dltensor"`` capsule becomes a tensor with the same
values and dtype.

Deliberate differences: a tensor here is an immutable JAX array, so ``from_dlpack`` shares
memory with its producer only where JAX can (a JAX array, or a GPU buffer JAX imports);
a CPU producer is copied, and later writes into it are not seen. A bare capsule is read as
a CPU tensor (pass the producer itself, which names its device, for GPU data).

Example:
    >>> import numpy as np
    >>> torch.from_dlpack(np.arange(3.0))
    tensor([0., 1., 2.], dtype=torch.float64)
"""

from __future__ import annotations

import enum
from typing import Any

import jax
import numpy as np

from .. import _dtype as D
from ..tensor import Tensor

__all__ = ["DLDeviceType", "from_dlpack"]


class DLDeviceType(enum.IntEnum):
    """DLPack's device codes; mirrors ``torch.utils.dlpack.DLDeviceType``.

    Example:
        >>> int(torch.utils.dlpack.DLDeviceType.kDLCPU)
        1
    """

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


class _Capsule:
    """A bare capsule dressed as a producer, so NumPy can consume it (assumed on the CPU:
    a capsule does not say where its data lives without reading the C struct)."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        return self._capsule

    def __dlpack_device__(self) -> tuple:
        return (int(DLDeviceType.kDLCPU), 0)


_INVALID = ("from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
            "consumed only once, so you might have already constructed a tensor from it once.")


def from_dlpack(ext_tensor: Any) -> Tensor:
    """Mirrors ``torch.from_dlpack``: a tensor with the values and dtype of a DLPack
    producer (or capsule). See the module docstring for when memory is shared.

    Example:
        >>> import numpy as np
        >>> torch.from_dlpack(np.array([1, 2], dtype=np.int32)).dtype
        torch.int32
    """
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    if isinstance(ext_tensor, jax.Array):
        return _wrap(ext_tensor)
    producer = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    try:
        device_type = int(producer.__dlpack_device__()[0])
    except Exception as err:
        raise RuntimeError(_INVALID) from err
    if device_type in (DLDeviceType.kDLCPU, DLDeviceType.kDLCUDAHost):
        try:
            host = np.from_dlpack(producer)
        except (TypeError, ValueError, BufferError, RuntimeError) as err:
            if producer is not ext_tensor:
                raise RuntimeError(_INVALID) from err
            host = None  # NumPy lacks the dtype (bfloat16): JAX reads it below
        if host is not None:
            from ..ops.creation import tensor

            # tensor() keeps the dtype, with this library's int64/float64 storage rules.
            return tensor(np.array(host, copy=True), dtype=D.from_np(host.dtype))
    return _wrap(jax.dlpack.from_dlpack(producer))


def _wrap(a: jax.Array) -> Tensor:
    # The producer's dtype as it is: an int32 array stays torch.int32 (Tensor._wrap would
    # read int32 storage as int64).
    return Tensor._wrap(a, D.from_np(a.dtype))


def to_dlpack(tensor: Tensor) -> Any:
    """Mirrors ``torch.utils.dlpack.to_dlpack``: a ``"dltensor"`` capsule of ``tensor``'s
    values, to be consumed once by another library.

    Example:
        >>> capsule = torch.utils.dlpack.to_dlpack(torch.arange(3))
        >>> torch.from_dlpack(capsule)
        tensor([0, 1, 2])
    """
    return dlpack_capsule(tensor)


def dlpack_capsule(tensor: Tensor, **kwargs: Any) -> Any:
    """The capsule behind ``to_dlpack`` and ``Tensor.__dlpack__``: JAX's own when the
    stored dtype is the tensor's dtype, else (int64/float64 kept in 32 bits) a NumPy copy
    in the logical dtype, so the consumer sees torch's dtype."""
    a = tensor._cell.a
    if np.dtype(a.dtype) == np.dtype(tensor.dtype.np):
        try:
            return a.__dlpack__(**kwargs)
        except TypeError:
            return a.__dlpack__()
    host = np.asarray(tensor.detach().cpu())
    try:
        return host.__dlpack__(**kwargs)
    except TypeError:
        return host.__dlpack__()
