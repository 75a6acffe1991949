"""The Dirichlet distribution; mirrors ``torch.distributions.Dirichlet``."""

from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._size import Size
from ..nn.functional import one_hot
from ..ops.pointwise import where
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .gamma import _draw_standard_gamma

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """Mirrors ``torch.distributions.Dirichlet(concentration)``: a distribution over the
    probability simplex along the last dimension of ``concentration`` (the event).

    ``rsample`` normalizes unit-rate Gamma draws (JAX's sampler); the gradient with respect
    to ``concentration`` is the implicit reparameterization gradient of those draws.
    Deliberate difference: torch differentiates the normalized draw with its own Dirichlet
    gradient formula; both are unbiased, but for one draw the two estimators differ.

    Example:
        >>> from pytorch_like.distributions import Dirichlet
        >>> Dirichlet(torch.tensor([1.0, 3.0])).mean
        tensor([0.2500, 0.7500])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.size()
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = _as_size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape)
                                                      + tuple(self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        shifted = (c - 1).clamp(min=0)
        mode = shifted / shifted.sum(-1, keepdim=True)
        # When every concentration is below 1 the density peaks at a vertex. torch picks it
        # by argmax of the (all-NaN, 0/0) interior formula, i.e. the first coordinate;
        # mirrored so both libraries report the same vertex.
        vertex = one_hot(mode.argmax(-1), c.shape[-1]).to(c.dtype)
        return where((c < 1).all(-1, keepdim=True), vertex, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        total = c.sum(-1, keepdim=True)
        return c * (total - c) / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        g = _draw_standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        # A coordinate that underflows to 0 would make log_prob -inf (torch clamps too).
        return x.clamp(min=D.finfo(x.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return ((c - 1).xlogy(value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (c.lgamma().sum(-1) - total.lgamma() - (k - total) * total.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))
