"""Helpers shared by the distributions; mirrors ``torch.distributions.utils``.

Example:
    >>> from pytorch_like.distributions.utils import broadcast_all
    >>> a, b = broadcast_all(torch.zeros(2), 1.0)
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

from .. import _dtype as D
from ..ops.creation import tensor as _tensor
from ..ops.shape import broadcast_tensors
from ..tensor import Tensor, _traced

__all__ = ["broadcast_all", "lazy_property", "logits_to_probs", "probs_to_logits",
           "clamp_probs"]


def broadcast_all(*values: Any) -> tuple:
    """Mirrors ``torch.distributions.utils.broadcast_all``: tensors and numbers to one shape.

    Numbers become tensors of the first tensor argument's dtype (the default dtype when
    there is none).

    Example:
        >>> loc, scale = broadcast_all(0.0, torch.ones(3))
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if all(isinstance(v, Tensor) for v in values):
        return tuple(broadcast_tensors(*values))
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), D.get_default_dtype())
    device = next((v.device for v in values if isinstance(v, Tensor)), None)
    made = [v if isinstance(v, Tensor) else _tensor(v, dtype=dtype, device=device)
            for v in values]
    return tuple(broadcast_tensors(*made))


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum over the ``dim`` rightmost dimensions (the event dimensions of a log density)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def _is_concrete(*values: Any) -> bool:
    """False when any tensor is a placeholder inside ``compile`` (its values unknown)."""
    return not any(isinstance(v, Tensor) and _traced(v._cell.a) for v in values)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities clamped into ``[eps, 1 - eps]`` of their dtype (torch's helper)."""
    eps = D.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Mirrors ``probs_to_logits``: log-odds when ``is_binary``, else log-probabilities."""
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


def expand_probs_or_logits(src: Any, new: Any, shape: tuple) -> None:
    """Give ``new`` whichever of ``probs``/``logits`` ``src`` holds, expanded to ``shape``
    (the ``expand`` of the distributions parametrised either way)."""
    if "probs" in src.__dict__:
        new.probs = src.probs.expand(shape)
        new._param = new.probs
    if "logits" in src.__dict__:
        new.logits = src.logits.expand(shape)
        new._param = new.logits


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Mirrors ``logits_to_probs``: sigmoid when ``is_binary``, else softmax over the last dim."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


class lazy_property:
    """Mirrors ``torch.distributions.utils.lazy_property``: computed once, then cached.

    Bernoulli and Categorical hold either ``probs`` or ``logits``; the other is derived on
    first use and stored in the instance's ``__dict__``, which later reads find first.
    """

    def __init__(self, wrapped: Callable) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


class _BinaryProbsLogits:
    """``probs`` and ``logits`` (log-odds) of a distribution given either one: the other is
    derived on first use (Bernoulli, Binomial, Geometric, LogitRelaxedBernoulli)."""

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)
