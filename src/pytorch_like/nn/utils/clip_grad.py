"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_.

Mirror ``torch.nn.utils``'s: the gradients are rescaled in place (one jitted program for all
of them) and ``clip_grad_norm_`` returns the total norm as a tensor.

Example:
    >>> loss.backward()
    >>> torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""

from __future__ import annotations

import functools
import math
from typing import Iterable

import jax
import jax.numpy as jnp

from ... import _dtype as D
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


@functools.partial(jax.jit, static_argnums=(1,))
def _total_norm(arrays, norm_type):
    if norm_type == math.inf:
        norms = [jnp.max(jnp.abs(a)).astype(jnp.float32) for a in arrays]
        return functools.reduce(jnp.maximum, norms)
    if norm_type == -math.inf:
        norms = [jnp.min(jnp.abs(a)).astype(jnp.float32) for a in arrays]
        return functools.reduce(jnp.minimum, norms)
    total = sum(jnp.sum(jnp.abs(a.astype(jnp.float32)) ** norm_type) for a in arrays)
    return total ** (1.0 / norm_type)


@jax.jit
def _scale(arrays, max_norm, total):
    coef = jnp.minimum(max_norm / (total + 1e-6), 1.0)
    return [(a * coef).astype(a.dtype) for a in arrays]


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Mirrors ``nn.utils.get_total_norm``: the norm of all tensors' norms."""
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        from ...ops.creation import tensor

        return tensor(0.0)
    total = _total_norm([t._cell.a for t in tensors], norm_type)
    if error_if_nonfinite and not bool(jnp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._make(total, D.float32)


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Mirrors ``nn.utils.clip_grads_with_norm_``: scale grads by max_norm/(total+1e-6) <= 1."""
    grads = [p._grad for p in _as_list(parameters) if p._grad is not None]
    if not grads:
        return
    new = _scale([g._cell.a for g in grads], float(max_norm), total_norm._cell.a)
    for g, a in zip(grads, new):
        g._set(a)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Mirrors ``nn.utils.clip_grad_norm_``: rescale all grads in place so their total
    ``norm_type`` norm is at most ``max_norm``; returns the total norm before clipping.

    Example:
        >>> total = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    """
    params = _as_list(parameters)
    grads = [p._grad for p in params if p._grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    if grads:
        clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


@jax.jit
def _clamp(arrays, clip_value):
    return [jnp.clip(a, -clip_value, clip_value).astype(a.dtype) for a in arrays]


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Mirrors ``nn.utils.clip_grad_value_``: clamp every grad to [-clip_value, clip_value]."""
    grads = [p._grad for p in _as_list(parameters) if p._grad is not None]
    if not grads:
        return
    new = _clamp([g._cell.a for g in grads], float(clip_value))
    for g, a in zip(grads, new):
        g._set(a)
