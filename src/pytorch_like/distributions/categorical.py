"""The Categorical distribution; mirrors ``torch.distributions.Categorical``."""

from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._size import Size
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, full, multinomial
from ..ops.shape import broadcast_tensors
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .utils import expand_probs_or_logits, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    """Mirrors ``torch.distributions.Categorical(probs=None, logits=None)``: a class index
    in ``[0, K)`` drawn with weights along the last dimension of ``probs`` (normalized to
    sum to 1) or ``logits`` (unnormalized log-probabilities); exactly one is given.

    Samples are int64 of shape ``sample_shape + batch_shape``; ``log_prob`` takes integer
    labels and its gradient flows to ``logits``/``probs`` (the REINFORCE/PPO pattern).

    Example:
        >>> from pytorch_like.distributions import Categorical
        >>> d = Categorical(logits=torch.zeros(2, 4))
        >>> a = d.sample()
        >>> d.log_prob(a).shape
        torch.Size([2])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = _as_size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        expand_probs_or_logits(self, new, param_shape)
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype,
                    device=self.probs.device)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype,
                    device=self.probs.device)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        sample_shape = _as_size(sample_shape)
        n = sample_shape.numel()
        with no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            draws = multinomial(rows, n, True).T  # (n, rows)
        return draws.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        # -inf logits (zero probabilities) would give 0 * -inf = nan; clamping keeps 0.
        logits = self.logits.clamp(min=D.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=D.int64, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


class _OverCategorical:
    """The parameters of a distribution built on the ``Categorical`` in ``self._categorical``
    (OneHotCategorical, Multinomial): torch's ``probs``, ``logits``, ``param_shape``."""

    _categorical: Categorical

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape
