"""The Normal (Gaussian) distribution; mirrors ``torch.distributions.Normal``."""

from __future__ import annotations

import math
from typing import Any

from .._size import Size
from ..autograd.grad_mode import no_grad
from ..ops.creation import randn
from ..tensor import Tensor
from ._loc_scale import _LocScale

__all__ = ["Normal"]


class Normal(_LocScale):
    """Mirrors ``torch.distributions.Normal(loc, scale)``: mean ``loc``, standard deviation
    ``scale`` (broadcast together into the batch shape).

    ``rsample`` is ``loc + scale * eps`` with ``eps`` from the library's generator, so its
    gradients flow to ``loc`` and ``scale``. Draws differ from torch's bit for bit (a
    different generator), as with ``torch.randn``.

    Example:
        >>> from pytorch_like.distributions import Normal
        >>> d = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
        >>> d.log_prob(torch.tensor([0.5, 0.5])).shape
        torch.Size([2])
    """

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (-((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal()
                           / math.sqrt(2)).erf())

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
