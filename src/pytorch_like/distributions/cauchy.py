"""The Cauchy distribution; mirrors ``torch.distributions.Cauchy``."""

from __future__ import annotations

import math
from typing import Any

from .._size import Size
from ..ops.creation import full, rand
from ..tensor import Tensor
from ._loc_scale import _LocScale

__all__ = ["Cauchy"]


class Cauchy(_LocScale):
    """Mirrors ``torch.distributions.Cauchy(loc, scale)``: density
    ``1 / (pi * scale * (1 + ((x - loc) / scale)**2))``.

    The mean is undefined (NaN) and the variance infinite, as torch reports. ``rsample`` is
    ``loc + scale * tan(pi * (u - 1/2))`` with ``u`` uniform, so gradients flow to both
    parameters.

    Example:
        >>> from pytorch_like.distributions import Cauchy
        >>> Cauchy(0.0, 1.0).cdf(torch.tensor(1.0))
        tensor(0.7500)
    """

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype,
                    device=self.loc.device)

    @property
    def variance(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype,
                    device=self.loc.device)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = rand(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + self.scale * (math.pi * (u - 0.5)).tan()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - z.pow(2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()
