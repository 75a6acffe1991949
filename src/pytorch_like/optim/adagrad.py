"""``Adagrad``: per-coordinate step sizes from the sum of squared gradients (Duchi et al.).

Mirrors ``torch.optim.Adagrad``, which is not optax's ``scale_by_rss``: torch adds ``eps``
outside the square root (``g / (sqrt(sum) + eps)``; optax: ``g * rsqrt(sum + eps)``, and
zero where the sum is zero), decays the learning rate as ``lr / (1 + (t - 1) * lr_decay)``
(optax has no ``lr_decay``) and creates the state when the optimizer is built, with
``sum`` filled with ``initial_accumulator_value``. The update is torch's, written with JAX.

Example:
    >>> opt = torch.optim.Adagrad(model.parameters(), lr=1e-2, lr_decay=1e-4)
"""

from __future__ import annotations

from typing import Any, Iterable

import jax.numpy as jnp

from .optimizer import (
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _float,
    _FusedOptimizer,
    _nonzero,
)

__all__ = ["Adagrad"]


class Adagrad(_FusedOptimizer):
    """Adagrad; mirrors ``torch.optim.Adagrad``.

    State per parameter (created in ``__init__`` and ``add_param_group``, as torch):
    ``'step'`` and ``'sum'``.

    Example:
        >>> opt = torch.optim.Adagrad([w], lr=0.1, initial_accumulator_value=0.1)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        _check_weight_decay(weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check_eps(eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _group_added(self, group: dict) -> None:
        for p in group["params"]:
            if not self.state.get(p):
                self.state[p] = self._init_state(p, group)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        return {"lr": _float(group["lr"]), "lr_decay": group["lr_decay"], "eps": group["eps"],
                "weight_decay": _float(group["weight_decay"])}

    def _init_state(self, p, group: dict) -> dict:
        return {"step": self._step_tensor(),
                "sum": self._zeros(p, group["initial_accumulator_value"])}

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, l2 = static
        if maximize:
            g = -g
        step = state["step"] + 1
        if l2:
            g = g + hp["weight_decay"] * p
        clr = hp["lr"] / (1 + (step - 1) * hp["lr_decay"])
        acc = state["sum"] + g * g
        std = jnp.sqrt(acc) + hp["eps"]
        return p - clr * (g / std), {"step": step, "sum": acc}
