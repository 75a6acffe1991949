"""Random activations and the remaining in-place activations of ``torch.nn.functional``:
``gumbel_softmax``, ``rrelu`` / ``rrelu_``, ``celu_``, ``selu_`` and ``threshold_``.

The random ones draw their noise from the global generator once per call, before the op
(``torch.manual_seed`` drives it; under ``pytorch_like.compile`` the key is traced state),
through ``ops._sampling``, which compiles once per distribution rather than per shape; the
noise is an argument of the op, so the backward pass sees exactly the forward's sample.

Deliberate difference: the random numbers are not torch's (a different PRNG), so the
Gumbel noise and RReLU's training slopes match torch only in distribution.

Example:
    >>> import pytorch_like as torch
    >>> import pytorch_like.nn.functional as F
    >>> F.gumbel_softmax(torch.randn(2, 5), tau=0.5, hard=True).sum(-1)
    tensor([1., 1.])
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..ops import _sampling
from ..ops._dispatch import Op, apply
from ..ops._inplace import assign as _assign
from ..random import _next_key
from ..tensor import Tensor, _wrap_dim

__all__ = ["gumbel_softmax", "rrelu", "rrelu_", "celu_", "selu_", "threshold_"]


# -- gumbel_softmax ----------------------------------------------------------------------
def _gumbel_softmax_fn(logits, u, *, tau, hard, dim):
    # Standard Gumbel noise from uniform u in (0, 1): -log(Exponential(1)), as torch.
    g = -jnp.log(-jnp.log(u))
    soft = jax.nn.softmax((logits + g) / tau, axis=dim)
    if not hard:
        return soft
    onehot = (jnp.arange(logits.shape[dim]).reshape(
        [-1 if a == dim else 1 for a in range(logits.ndim)])
        == jnp.expand_dims(jnp.argmax(soft, axis=dim), dim)).astype(soft.dtype)
    # Straight-through: the value is the one-hot sample, the gradient the soft sample's.
    return onehot - jax.lax.stop_gradient(soft) + soft


_gumbel_softmax = Op("gumbel_softmax", _gumbel_softmax_fn, grad_name="SoftmaxBackward0")


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Mirrors ``F.gumbel_softmax``: ``softmax((logits + g) / tau)`` with standard Gumbel
    noise ``g``; ``hard=True`` returns the one-hot argmax of that sample in the forward pass
    and the soft sample's gradient in the backward pass (straight-through), computed as
    ``y_hard - y_soft.detach() + y_soft`` like torch. ``eps`` is deprecated and unused, with
    torch's warning when given.

    Deliberate difference: the noise comes from this library's generator, not torch's.

    Example:
        >>> y = F.gumbel_softmax(torch.zeros(3, 4), hard=True)
        >>> y.sum(dim=-1)
        tensor([1., 1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if not logits.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability "
                           "distribution. dtype must be a floating point but you specified "
                           f"{D.type_word(logits.dtype)}")
    d = _wrap_dim(dim, logits.ndim)
    st = logits.dtype.storage
    # Bounded away from 0 so the noise stays finite.
    u = _sampling.sample("uniform", _next_key(), tuple(logits.shape), st,
                         float(np.finfo(np.float32).tiny), 1.0)
    return apply(_gumbel_softmax, (logits, u),
                 (("tau", float(tau)), ("hard", bool(hard)), ("dim", d)))


# -- rrelu -------------------------------------------------------------------------------
def _rrelu_train_fn(x, slope):
    return jnp.where(x <= 0, x * slope, x)


def _rrelu_eval_fn(x, *, slope):
    return jnp.where(x > 0, x, x * slope)


_rrelu_train = Op("rrelu", _rrelu_train_fn, grad_name="RreluWithNoiseBackward0")
_rrelu_eval = Op("rrelu", _rrelu_eval_fn, grad_name="RreluWithNoiseBackward0")
# torch names the in-place form's node ``RreluWithNoiseBackward1``
_rrelu_train_ = Op("rrelu", _rrelu_train_fn, grad_name="RreluWithNoiseBackward1")
_rrelu_eval_ = Op("rrelu", _rrelu_eval_fn, grad_name="RreluWithNoiseBackward1")


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """Mirrors ``F.rrelu``: randomized leaky ReLU.

    In training each non-positive element is multiplied by its own slope drawn uniformly
    from [lower, upper] (the library's generator); otherwise the slope is the fixed
    ``(lower + upper) / 2``, computed in double precision as torch does, so evaluation
    matches torch exactly.

    Deliberate difference: the training slopes are not torch's random numbers.

    Example:
        >>> F.rrelu(torch.tensor([-1., 2.]))
        tensor([-0.2292,  2.0000])
    """
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not input.dtype.is_floating_point:
        kernel = "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{D.type_word(input.dtype)}'")
    if training:
        slope = _sampling.sample("uniform", _next_key(), tuple(input.shape),
                                 input.dtype.storage, float(lower), float(upper))

        def compute():
            return apply(_rrelu_train_ if inplace else _rrelu_train, (input, slope))
    else:
        def compute():
            return apply(_rrelu_eval_ if inplace else _rrelu_eval, (input,),
                         (("slope", (float(lower) + upper) / 2),))
    return _assign(input, compute) if inplace else compute()


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False) -> Tensor:
    """Mirrors ``F.rrelu_``: :func:`rrelu` in place."""
    return rrelu(input, lower, upper, training, True)


# -- in-place activations ----------------------------------------------------------------
def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """Mirrors ``F.celu_``: ``F.celu`` in place.

    Example:
        >>> x = torch.tensor([-1., 1.]); F.celu_(x); x
        tensor([-0.6321,  1.0000])
    """
    from .functional import celu

    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``F.selu_``: ``F.selu`` in place.

    Example:
        >>> x = torch.tensor([-1., 1.]); F.selu_(x); x
        tensor([-1.1113,  1.0507])
    """
    from .functional import selu

    return selu(input, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """Mirrors ``F.threshold_``: ``F.threshold`` in place.

    Example:
        >>> x = torch.tensor([1., -1.]); F.threshold_(x, 0., 5.); x
        tensor([1., 5.])
    """
    from .functional import threshold as _threshold

    return _threshold(input, threshold, value, inplace=True)
