"""Dropout layers: Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,
FeatureAlphaDropout.

Mirror ``torch.nn``'s: active only in training mode (``model.train()``), identity in eval;
masks are drawn from the global generator at call time, so ``torch.manual_seed`` makes
them reproducible (the bits differ from torch's).

Example:
    >>> drop = torch.nn.Dropout(0.25)
    >>> drop.eval()(torch.ones(3))
    tensor([1., 1., 1.])
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability ``p`` and scale the rest by ``1/(1-p)`` in training;
    mirrors ``torch.nn.Dropout``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L); mirrors ``torch.nn.Dropout1d``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W); mirrors ``torch.nn.Dropout2d``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W), one draw per sample and
    channel; mirrors ``torch.nn.Dropout3d``.

    Example:
        >>> y = torch.nn.Dropout3d(0.2)(torch.randn(2, 16, 4, 8, 8))
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's self-normalizing statistics; mirrors ``torch.nn.AlphaDropout``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (a dropped channel takes SELU's negative saturation
    value everywhere, then the affine correction); mirrors ``torch.nn.FeatureAlphaDropout``.

    Example:
        >>> y = torch.nn.FeatureAlphaDropout(0.2)(torch.randn(4, 8, 16))
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
