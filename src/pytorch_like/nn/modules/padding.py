"""Padding layers: ZeroPad1d/2d/3d, ConstantPad1d/2d/3d, ReflectionPad1d/2d/3d,
ReplicationPad1d/2d/3d, CircularPad1d/2d/3d; mirror ``torch.nn``'s (built on ``F.pad``).
An int pads every side alike; a tuple is taken as given, last dimension first.

Example:
    >>> torch.nn.ZeroPad2d((1, 1, 2, 0))(torch.ones(1, 1, 3, 3)).shape
    torch.Size([1, 1, 5, 5])
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _pads(padding, n: int) -> tuple:
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    # torch takes a sequence as it is (its length unchecked here; F.pad judges it).
    return tuple(padding)


class _PadNd(Module):
    _mode = "constant"
    _n = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _pads(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Mirrors ``torch.nn.ConstantPad1d``."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Mirrors ``torch.nn.ConstantPad2d``."""

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Mirrors ``torch.nn.ConstantPad3d``: (left, right, top, bottom, front, back).

    Example:
        >>> torch.nn.ConstantPad3d((1, 1, 0, 0, 2, 0), 3.5)(torch.ones(1, 2, 2, 2)).shape
        torch.Size([1, 4, 2, 4])
    """

    _n = 3


class ZeroPad1d(ConstantPad1d):
    """Mirrors ``torch.nn.ZeroPad1d``."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Mirrors ``torch.nn.ZeroPad2d``."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Mirrors ``torch.nn.ZeroPad3d``."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirrors ``torch.nn.ReflectionPad1d``."""

    _mode, _n = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirrors ``torch.nn.ReflectionPad2d``."""

    _mode, _n = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirrors ``torch.nn.ReflectionPad3d`` over (N, C, D, H, W) or (C, D, H, W); each
    padding must be smaller than its dimension, as torch requires."""

    _mode, _n = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Mirrors ``torch.nn.ReplicationPad1d``."""

    _mode, _n = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Mirrors ``torch.nn.ReplicationPad2d``."""

    _mode, _n = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Mirrors ``torch.nn.ReplicationPad3d``."""

    _mode, _n = "replicate", 3


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.dim() not in (self._n + 1, self._n + 2):
            raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got "
                             f"{input.dim()}D input)")
        return F.pad(input, self.padding, self._mode)


class CircularPad1d(_CircularPadNd):
    """Mirrors ``torch.nn.CircularPad1d``."""

    _n = 1


class CircularPad2d(_CircularPadNd):
    """Mirrors ``torch.nn.CircularPad2d``."""

    _n = 2


class CircularPad3d(_CircularPadNd):
    """Mirrors ``torch.nn.CircularPad3d``: wraps each of the last three dimensions around.

    Example:
        >>> torch.nn.CircularPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n = 3
