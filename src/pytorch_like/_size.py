"""torch.Size: a tuple of ints with torch's repr."""

from __future__ import annotations

import math

__all__ = ["Size"]


class Size(tuple):
    """Mirrors ``torch.Size``, the type of ``tensor.shape``.

    Example:
        >>> torch.zeros(2, 3).shape
        torch.Size([2, 3])
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        return math.prod(self)

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))
