"""The relaxed (Concrete / Gumbel-sigmoid) Bernoulli; mirrors
``torch.distributions.RelaxedBernoulli`` and ``LogitRelaxedBernoulli``."""

from __future__ import annotations

from numbers import Number
from typing import Any

from .._size import Size
from ..nn.functional import softplus
from ..ops.creation import rand
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .transformed_distribution import TransformedDistribution, _RelaxedParams
from .transforms import SigmoidTransform
from .utils import _BinaryProbsLogits, broadcast_all, clamp_probs, expand_probs_or_logits

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(_BinaryProbsLogits, Distribution):
    """Mirrors ``torch.distributions.LogitRelaxedBernoulli(temperature, probs=None,
    logits=None)``: the logit of a ``RelaxedBernoulli`` draw,
    ``(logits + log(u) - log(1 - u)) / temperature`` for uniform ``u``.

    Example:
        >>> from pytorch_like.distributions import LogitRelaxedBernoulli
        >>> d = LogitRelaxedBernoulli(torch.tensor(0.5), logits=torch.zeros(2))
        >>> d.rsample().shape
        torch.Size([2])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self.temperature = temperature
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        batch_shape = Size() if is_scalar else self._param.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = _as_size(batch_shape)
        new.temperature = self.temperature
        expand_probs_or_logits(self, new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(tuple(shape)))
        # u kept inside (0, 1) so the logistic noise log(u) - log(1 - u) stays finite.
        u = clamp_probs(rand(*shape, dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * softplus(diff)


class RelaxedBernoulli(_RelaxedParams, TransformedDistribution):
    """Mirrors ``torch.distributions.RelaxedBernoulli(temperature, probs=None,
    logits=None)``: a reparameterizable relaxation of ``Bernoulli`` on (0, 1), the sigmoid
    of a ``LogitRelaxedBernoulli`` draw; low temperatures approach 0/1 draws.

    Example:
        >>> from pytorch_like.distributions import RelaxedBernoulli
        >>> d = RelaxedBernoulli(torch.tensor(0.1), probs=torch.tensor([0.3]))
        >>> d.rsample().shape
        torch.Size([1])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedBernoulli:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)
