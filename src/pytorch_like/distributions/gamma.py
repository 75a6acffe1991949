"""The Gamma distribution; mirrors ``torch.distributions.Gamma``."""

from __future__ import annotations

from numbers import Number
from typing import Any

import jax

from .. import _dtype as D
from .._size import Size
from ..ops._dispatch import Op, apply
from ..random import _next_key
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .utils import broadcast_all

__all__ = ["Gamma"]

# A unit-rate Gamma draw whose gradient with respect to the concentration is JAX's implicit
# reparameterization gradient (the derivative of the draw at a fixed CDF value).
_standard_gamma = Op("standard_gamma",
                     lambda alpha, key: jax.random.gamma(key, alpha, dtype=alpha.dtype),
                     grad_name="StandardGammaBackward0")


def _draw_standard_gamma(concentration: Tensor) -> Tensor:
    return apply(_standard_gamma, (concentration, _next_key(None)))


class Gamma(Distribution):
    """Mirrors ``torch.distributions.Gamma(concentration, rate)``: density proportional to
    ``x**(concentration - 1) * exp(-rate * x)``.

    ``rsample`` draws unit-rate Gamma variables with JAX's sampler (from the library's
    generator) and divides by ``rate``; the gradient with respect to ``concentration`` is
    the implicit reparameterization gradient, as torch's. Deliberate difference: ``cdf`` is
    not provided.

    Example:
        >>> from pytorch_like.distributions import Gamma
        >>> Gamma(torch.tensor([2.0]), torch.tensor([4.0])).mean
        tensor([0.5000])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any,
                 validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, Number) and isinstance(rate, Number):
            batch_shape = Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = _as_size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        value = _draw_standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        # A draw that underflows to 0 would give log_prob -inf; torch clamps the same way.
        return value.clamp(min=D.finfo(value.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return c.xlogy(r) + (c - 1).xlogy(value) - r * value - c.lgamma()

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()
