"""Fold and Unfold layers: col2im and im2col (sliding blocks <-> columns).

Mirror ``torch.nn.Fold`` / ``torch.nn.Unfold``: constructor arguments, defaults and ``repr``.

Example:
    >>> import pytorch_like as torch
    >>> torch.nn.Unfold(kernel_size=4, stride=4)(torch.randn(2, 3, 16, 16)).shape
    torch.Size([2, 48, 16])
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sums columns (N, C*prod(kernel_size), L) into (N, C, *output_size); mirrors
    ``torch.nn.Fold``.

    Example:
        >>> fold = torch.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> fold(torch.randn(1, 3 * 2 * 2, 12)).shape
        torch.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extracts sliding blocks of (N, C, H, W) as columns (N, C*prod(kernel_size), L);
    mirrors ``torch.nn.Unfold``.

    Example:
        >>> torch.nn.Unfold(kernel_size=(2, 3))(torch.randn(2, 5, 3, 4)).shape
        torch.Size([2, 30, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
