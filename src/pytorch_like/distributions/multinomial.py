"""The Multinomial distribution; mirrors ``torch.distributions.Multinomial``."""

from __future__ import annotations

from typing import Any

from .._size import Size
from ..ops.pointwise import lgamma
from ..tensor import Tensor
from . import constraints
from .categorical import Categorical, _OverCategorical
from .distribution import Distribution, _as_size
from .utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(_OverCategorical, Distribution):
    """Mirrors ``torch.distributions.Multinomial(total_count=1, probs=None, logits=None)``:
    the counts of each of ``K`` categories in ``total_count`` independent Categorical draws.

    Samples have the event shape ``(K,)`` and the parameter's floating dtype (counts as
    floats, ``tensor([2., 3., 5.])``); ``total_count`` must be one Python int. ``log_prob``
    needs no ``total_count`` (it is the sum of the value's counts).

    Example:
        >>> from pytorch_like.distributions import Multinomial
        >>> Multinomial(10, torch.ones(6) / 6).sample().sum()
        tensor(10.)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    total_count: int

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = _as_size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> Any:
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        from ..nn.functional import one_hot

        sample_shape = _as_size(sample_shape)
        # total_count category draws, counted per category: (n, *sample, *batch) -> counts.
        draws = self._categorical.sample(Size((self.total_count,)) + sample_shape)
        counts = one_hot(draws, self._categorical._num_events).sum(0)
        return counts.to(self.probs.dtype)

    def entropy(self) -> Tensor:
        """Mirrors torch's closed form: ``n * H(Categorical) - log n!`` plus, per category,
        the expected ``log k!`` of its Binomial(n, p) count."""
        from ..ops.creation import tensor
        from ..ops.pointwise import exp
        from .binomial import Binomial

        n = tensor(float(self.total_count), dtype=self.probs.dtype)
        term1 = n * self._categorical.entropy() - lgamma(n + 1)
        binomial = Binomial(self.total_count, self.probs, validate_args=False)
        support = binomial.enumerate_support(expand=False)[1:]
        term2 = (exp(binomial.log_prob(support)) * lgamma(support + 1)).sum([0, -1])
        return term1 + term2

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # A category with probability 0 that was never drawn contributes 0 (not 0 * -inf).
        logits = logits.masked_fill((value == 0) & (logits == float("-inf")), 0.0)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
