"""The Geometric distribution; mirrors ``torch.distributions.Geometric``."""

from __future__ import annotations

from numbers import Number
from typing import Any

from .. import _dtype as D
from .._size import Size
from ..autograd.grad_mode import no_grad
from ..nn.functional import binary_cross_entropy_with_logits
from ..ops.creation import rand
from ..ops.pointwise import where
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .utils import _BinaryProbsLogits, broadcast_all, expand_probs_or_logits

__all__ = ["Geometric"]


class Geometric(_BinaryProbsLogits, Distribution):
    """Mirrors ``torch.distributions.Geometric(probs=None, logits=None)``: the number of
    failures before the first success, ``P(k) = (1 - p)**k * p`` for ``k = 0, 1, ...``.

    ``probs`` must be positive (torch's extra check beyond the unit interval). Samples are
    floats, drawn as ``floor(log(u) / log1p(-p))``; there is no ``rsample``.

    Example:
        >>> from pytorch_like.distributions import Geometric
        >>> Geometric(torch.tensor([0.25])).mean
        tensor([3.])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        given = probs if probs is not None else logits
        batch_shape = Size() if isinstance(given, Number) else given.size()
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                bad = value.reshape(-1)[(~valid).reshape(-1)]
                raise ValueError(f"Expected parameter probs (Tensor of shape "
                                 f"{tuple(value.shape)}) of distribution {self!r} to be "
                                 f"positive but found invalid values:\n{bad}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = _as_size(batch_shape)
        expand_probs_or_logits(self, new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return self.probs * 0

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            # u in [tiny, 1) so log(u) is finite (torch draws uniform_(tiny, 1)).
            u = rand(*shape, dtype=self.probs.dtype, device=self.probs.device)
            u = u.clamp(min=D.finfo(u.dtype).tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # p = 1 and k = 0 would give 0 * log(0) = nan; torch defines it as log P = 0.
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return binary_cross_entropy_with_logits(self.logits, self.probs,
                                                reduction="none") / self.probs
