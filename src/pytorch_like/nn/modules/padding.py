"""Padding layers: ZeroPad1d/2d, ConstantPad1d/2d, ReflectionPad1d/2d, ReplicationPad1d/2d,
CircularPad1d/2d; mirror ``torch.nn``'s (built on ``F.pad``).

Example:
    >>> torch.nn.ZeroPad2d((1, 1, 2, 0))(torch.ones(1, 1, 3, 3)).shape
    torch.Size([1, 1, 5, 5])
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d", "ReflectionPad1d",
           "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
           "CircularPad2d"]


def _pads(padding, n: int) -> tuple:
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"expected padding of length {2 * n}, got {len(padding)}")
    return padding


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


class ReflectionPad1d(_PadNd):
    """Mirrors ``torch.nn.ReflectionPad1d``."""

    _mode, _n = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirrors ``torch.nn.ReflectionPad2d``."""

    _mode, _n = "reflect", 2


class ReplicationPad1d(_PadNd):
    """Mirrors ``torch.nn.ReplicationPad1d``."""

    _mode, _n = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Mirrors ``torch.nn.ReplicationPad2d``."""

    _mode, _n = "replicate", 2


class CircularPad1d(_PadNd):
    """Mirrors ``torch.nn.CircularPad1d``."""

    _mode, _n = "circular", 1


class CircularPad2d(_PadNd):
    """Mirrors ``torch.nn.CircularPad2d``."""

    _mode, _n = "circular", 2
