"""The relaxed (Concrete / Gumbel-softmax) one-hot categorical; mirrors
``torch.distributions.RelaxedOneHotCategorical`` and ``ExpRelaxedCategorical``."""

from __future__ import annotations

from typing import Any

from .._size import Size
from ..ops.creation import full_like, rand
from ..tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution, _as_size
from .transformed_distribution import TransformedDistribution, _RelaxedParams
from .transforms import ExpTransform
from .utils import clamp_probs

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    """Mirrors ``torch.distributions.ExpRelaxedCategorical(temperature, probs=None,
    logits=None)``: the log of a ``RelaxedOneHotCategorical`` draw,
    ``log_softmax((logits + gumbel) / temperature)``.

    Example:
        >>> from pytorch_like.distributions import ExpRelaxedCategorical
        >>> d = ExpRelaxedCategorical(torch.tensor(0.5), logits=torch.zeros(3))
        >>> d.rsample().exp().sum()
        tensor(1.0000)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        batch_shape = _as_size(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(rand(*shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -((-(u.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        # The density's normalizer: (K - 1)! * temperature**(K - 1).
        log_scale = (full_like(self.temperature, float(k)).lgamma()
                     + (k - 1) * self.temperature.log())
        score = self.logits - value * self.temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_RelaxedParams, TransformedDistribution):
    """Mirrors ``torch.distributions.RelaxedOneHotCategorical(temperature, probs=None,
    logits=None)``: a reparameterizable relaxation of ``OneHotCategorical`` on the simplex
    (Gumbel-softmax), the ``exp`` of an ``ExpRelaxedCategorical`` draw.

    Example:
        >>> from pytorch_like.distributions import RelaxedOneHotCategorical
        >>> d = RelaxedOneHotCategorical(torch.tensor(0.5), logits=torch.zeros(2, 3))
        >>> d.rsample().shape
        torch.Size([2, 3])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedOneHotCategorical:
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)
