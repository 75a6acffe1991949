"""The Binomial distribution; mirrors ``torch.distributions.Binomial``."""

from __future__ import annotations

from typing import Any

import jax

from .._size import Size
from ..ops.creation import arange
from ..tensor import Tensor
from ..random import _next_key
from . import constraints
from .distribution import Distribution, _as_size
from .utils import _BinaryProbsLogits, broadcast_all, expand_probs_or_logits

__all__ = ["Binomial"]


@jax.jit
def _draw_binomial(key: Any, n: Any, p: Any) -> Any:
    return jax.random.binomial(key, n, p, dtype=p.dtype)


class Binomial(_BinaryProbsLogits, Distribution):
    """Mirrors ``torch.distributions.Binomial(total_count=1, probs=None, logits=None)``:
    successes in ``total_count`` independent trials of probability ``probs`` (or
    ``sigmoid(logits)``); ``total_count`` broadcasts with the probabilities.

    Samples are floats drawn with JAX's binomial sampler; there is no ``rsample``.
    ``entropy`` and ``enumerate_support`` need one ``total_count`` for the whole batch, as
    in torch.

    Example:
        >>> from pytorch_like.distributions import Binomial
        >>> Binomial(10, torch.tensor([0.5])).mean
        tensor([5.])
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
            self._param = self.probs
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
            self._param = self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = _as_size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        expand_probs_or_logits(self, new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        n = self.total_count.detach().expand(shape)
        p = self.probs.detach().expand(shape)
        out = _draw_binomial(_next_key(None), n._cell.a, p._cell.a)
        return Tensor._make(out, p.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_choose = (n + 1).lgamma() - (value + 1).lgamma() - (n - value + 1).lgamma()
        # n * log(1 + exp(logits)) in a form that cannot overflow for large |logits|.
        log_norm = n * logits.clamp(min=0) + n * (-logits.abs()).exp().log1p()
        return value * logits + log_choose - log_norm

    def _homogeneous_count(self, what: str) -> int:
        top = int(self.total_count.max())
        if int(self.total_count.min()) != top:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return top

    def entropy(self) -> Tensor:
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        top = self._homogeneous_count("enumerate_support")
        values = arange(1 + top, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
