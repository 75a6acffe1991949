"""The Laplace distribution; mirrors ``torch.distributions.Laplace``."""

from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._size import Size
from ..ops.creation import rand
from ..tensor import Tensor
from ._loc_scale import _LocScale

__all__ = ["Laplace"]


class Laplace(_LocScale):
    """Mirrors ``torch.distributions.Laplace(loc, scale)``: density
    ``exp(-|x - loc| / scale) / (2 * scale)``.

    ``rsample`` inverts the CDF at a uniform draw from the library's generator, so
    gradients flow to ``loc`` and ``scale``.

    Example:
        >>> from pytorch_like.distributions import Laplace
        >>> Laplace(0.0, 1.0).log_prob(torch.tensor(0.0))
        tensor(-0.6931)
    """

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = D.finfo(self.loc.dtype).eps
        # u in [eps - 1, 1): |u| < 1 keeps log1p(-|u|) finite.
        u = rand(*shape, dtype=self.loc.dtype, device=self.loc.device) * (2 - eps) + (eps - 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value: Tensor) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()
