"""The Poisson distribution; mirrors ``torch.distributions.Poisson``."""

from __future__ import annotations

from numbers import Number
from typing import Any

from .._size import Size
from ..autograd.grad_mode import no_grad
from ..ops.creation import poisson as _poisson
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(Distribution):
    """Mirrors ``torch.distributions.Poisson(rate)``: counts with
    ``P(k) = rate**k * exp(-rate) / k!``.

    Samples are floats of the rate's dtype, as torch's; there is no ``rsample`` and, as in
    torch, no ``entropy``.

    Example:
        >>> from pytorch_like.distributions import Poisson
        >>> Poisson(torch.tensor([2.0])).log_prob(torch.tensor([0.0]))
        tensor([-2.])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = _as_size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return _poisson(self.rate.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        # xlogy keeps log P(0) = -rate finite when rate is 0.
        return value.xlogy(rate) - rate - (value + 1).lgamma()
