"""``torch.save`` / ``torch.load`` in PyTorch's own zip checkpoint format.

Files cross between the libraries both ways: what ``pytorch_like.save`` writes opens with
real ``torch.load(..., weights_only=True)``, and a state_dict saved by real torch loads here
without torch installed. Writes to a path are atomic (temporary file, fsync, rename), so an
interrupted save never leaves a broken checkpoint. Loading is always weights-only: nested
dicts/lists/tuples of tensors, numbers and strings (deliberate difference: arbitrary
pickled objects are refused even with ``weights_only=False``).

Example:
    >>> torch.save(model.state_dict(), "model.pt")
    >>> model.load_state_dict(torch.load("model.pt"))
"""

from __future__ import annotations

import os
from typing import IO, Any, Union

import jax
import numpy as np

from . import _dtype as D
from ._device import device as _device_cls
from ._device import to_jax_device
from ._serialization_format import read_zip, write_zip
from .tensor import Tensor

__all__ = ["save", "load"]

FileLike = Union[str, os.PathLike, IO[bytes]]


def _to_array(obj: Any):
    if not isinstance(obj, Tensor):
        return None
    arr = np.asarray(obj._cell.a)
    if arr.dtype != obj._dtype.np:
        arr = arr.astype(obj._dtype.np)
    from .nn.parameter import Parameter

    return arr, obj._dtype.name, bool(obj.requires_grad), isinstance(obj, Parameter)


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Mirrors ``torch.save``: write ``obj`` (a state_dict, or nested containers of tensors)."""
    if not _use_new_zipfile_serialization:
        raise ValueError("pytorch_like only writes the zip checkpoint format")
    write_zip(f, obj, to_array=_to_array)


def _target_device(map_location, saved_location: str = "cpu"):
    if map_location is None:
        return None
    if callable(map_location) and not isinstance(map_location, (str, _device_cls)):
        return None
    if isinstance(map_location, dict):
        map_location = map_location.get(saved_location, saved_location)
    return to_jax_device(map_location)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = True, mmap: bool | None = None, **pickle_load_args: Any):
    """Mirrors ``torch.load`` for weights: returns the saved object with pytorch_like tensors.

    ``map_location`` ('cpu', 'cuda', a device, or a dict of locations) picks the JAX device
    the tensors are placed on; by default they go to JAX's default device.
    """
    dev = _target_device(map_location)

    def from_array(array: np.ndarray, dtype_name: str, requires_grad: bool,
                   is_parameter: bool = False):
        dt = getattr(D, "bool_" if dtype_name == "bool" else dtype_name, None)
        if not isinstance(dt, D.dtype):
            raise RuntimeError(f"pytorch_like has no dtype {dtype_name!r} (in {f!r})")
        from .ops.creation import tensor

        t = tensor(array, dtype=dt)
        if dev is not None:
            t._cell.a = jax.device_put(t._cell.a, dev)
        if is_parameter:
            from .nn.parameter import Parameter

            return Parameter(t, requires_grad=requires_grad)
        if requires_grad:
            t.requires_grad_(True)
        return t

    return read_zip(f, from_array=from_array)
