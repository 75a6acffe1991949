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
        # torch: Size + tuple and tuple + Size are Sizes ((1, 1) + X.shape); a list is refused.
        if not isinstance(other, tuple):
            raise TypeError(f"can only concatenate tuple (not {type(other).__name__}) to "
                            "torch.Size")
        return Size(tuple(self) + other)

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(other + tuple(self))

    def __mul__(self, n):
        # torch: X.shape * 2 and 2 * X.shape are Sizes too.
        out = tuple.__mul__(self, n)
        return out if out is NotImplemented else Size(out)

    __rmul__ = __mul__
