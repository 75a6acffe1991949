"""The Beta distribution; mirrors ``torch.distributions.Beta``."""

from __future__ import annotations

from numbers import Number
from typing import Any

from .. import _dtype as D
from .._size import Size
from ..ops.pointwise import where
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .gamma import _draw_standard_gamma
from .utils import broadcast_all

__all__ = ["Beta"]


class Beta(Distribution):
    """Mirrors ``torch.distributions.Beta(concentration1, concentration0)``: density
    proportional to ``x**(concentration1 - 1) * (1 - x)**(concentration0 - 1)`` on [0, 1].

    ``rsample`` is ``g1 / (g1 + g0)`` for unit-rate Gamma draws ``g1``, ``g0`` (JAX's
    sampler, implicit reparameterization gradients). Deliberate difference: torch
    differentiates the Beta draw with its own Dirichlet gradient formula; both are unbiased
    reparameterization gradients with the same expectation, but for one draw the two
    estimators differ.

    Example:
        >>> from pytorch_like.distributions import Beta
        >>> Beta(torch.tensor([2.0]), torch.tensor([2.0])).mean
        tensor([0.5000])
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        # Held under private names so the repr shows none, as torch's (whose parameters live
        # on an inner Dirichlet) does.
        self._c1, self._c0 = broadcast_all(concentration1, concentration0)
        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            batch_shape = Size()
        else:
            batch_shape = self._c1.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = _as_size(batch_shape)
        new._c1 = self._c1.expand(batch_shape)
        new._c0 = self._c0.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self) -> Tensor:
        return self._c1

    @property
    def concentration0(self) -> Tensor:
        return self._c0

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        # torch's Beta is its Dirichlet's first coordinate: concentrations below 1 count as
        # 1 (the density then peaks at an end), and with both below 1 the mode is 1.
        a = (self.concentration1 - 1).clamp(min=0)
        b = (self.concentration0 - 1).clamp(min=0)
        both_below = (self.concentration1 < 1) & (self.concentration0 < 1)
        return where(both_below, 1.0, a / (a + b))

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        g1 = _draw_standard_gamma(self.concentration1.expand(shape))
        g0 = _draw_standard_gamma(self.concentration0.expand(shape))
        x = g1 / (g1 + g0)
        info = D.finfo(x.dtype)
        # Keeps log_prob finite at draws that round to an endpoint, as torch's clamp does.
        return x.clamp(min=info.tiny, max=1 - info.eps)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c1, c0 = self.concentration1, self.concentration0
        return ((c1 - 1).xlogy(value) + (c0 - 1).xlogy(1 - value) + (c1 + c0).lgamma()
                - c1.lgamma() - c0.lgamma())

    def entropy(self) -> Tensor:
        c1, c0 = self.concentration1, self.concentration0
        total = c1 + c0
        log_beta = c1.lgamma() + c0.lgamma() - total.lgamma()
        return (log_beta - (c1 - 1) * c1.digamma() - (c0 - 1) * c0.digamma()
                + (total - 2) * total.digamma())
