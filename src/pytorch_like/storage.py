"""``Tensor.storage()``: the flat, one-dimensional values behind a tensor and its views.

Mirrors ``torch.storage.TypedStorage`` for reading (makemore's ``a.view(3, 3, 2)`` lesson
prints ``a.storage()`` to show that a view keeps its base's values in one flat row).
Deliberate difference: JAX arrays are immutable, so the storage is a snapshot of the values
when ``storage()`` was called; write through the tensor, not the storage.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _dtype as D

__all__ = ["TypedStorage"]

_WARNED: list = []


def _warn_typed_storage_removal() -> None:
    # torch warns once per process.
    if not _WARNED:
        _WARNED.append(True)
        warnings.warn(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage "
            "will be the only storage class. This should only matter to you if you are using "
            "storages directly.  To access UntypedStorage directly, use "
            "tensor.untyped_storage() instead of tensor.storage()", UserWarning, stacklevel=3)


class TypedStorage:
    """Mirrors ``torch.storage.TypedStorage``: the flat values of a tensor's base, in its
    memory order (``len``, indexing, iteration, ``tolist``, ``size``, ``dtype``)."""

    def __init__(self, values: np.ndarray, dtype: D.dtype, device: Any) -> None:
        self._values = values.reshape(-1)
        self.dtype = dtype
        self.device = device

    def __len__(self) -> int:
        return int(self._values.size)

    def size(self) -> int:
        return len(self)

    def element_size(self) -> int:
        return self.dtype.itemsize

    def nbytes(self) -> int:
        return len(self) * self.element_size()

    def tolist(self) -> list:
        return self._values.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return TypedStorage(self._values[idx], self.dtype, self.device)
        if not isinstance(idx, int):
            raise RuntimeError(f"can't index a {type(self)} with {type(idx)}")
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} out of range for storage of size {n}")
        return self._values[idx].item()

    def __str__(self) -> str:
        body = "\n ".join(str(v) for v in self.tolist())
        return (f" {body}\n[torch.storage.TypedStorage(dtype={self.dtype}, "
                f"device={self.device}) of size {len(self)}]")

    __repr__ = __str__
