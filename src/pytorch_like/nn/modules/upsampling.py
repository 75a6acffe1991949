"""Upsampling layers: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d.

Mirror ``torch.nn``'s: the same constructor arguments, stored attributes (a scale factor is
kept as a float, or a tuple of floats) and ``repr``; ``forward`` is ``F.interpolate``.

Example:
    >>> torch.nn.Upsample(scale_factor=2, mode="bilinear")(torch.ones(1, 3, 4, 4)).shape
    torch.Size([1, 3, 8, 8])
"""

from __future__ import annotations

from typing import Sequence

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Mirrors ``torch.nn.Upsample``: ``F.interpolate`` with the stored arguments.

    Example:
        >>> torch.nn.Upsample(scale_factor=2, mode="nearest")
        Upsample(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            # As torch: a falsy factor (0) is stored as None.
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def __setstate__(self, state: dict) -> None:
        # Modules pickled before the attribute existed behaved as if it were True (as torch).
        state.setdefault("recompute_scale_factor", True)
        super().__setstate__(state)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Mirrors ``torch.nn.UpsamplingNearest2d``: ``Upsample(mode='nearest')``.

    Example:
        >>> torch.nn.UpsamplingNearest2d(scale_factor=2)(torch.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Mirrors ``torch.nn.UpsamplingBilinear2d``: bilinear with ``align_corners=True``.

    Example:
        >>> torch.nn.UpsamplingBilinear2d(size=(3, 5))(torch.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 3, 5])
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
