"""``NAdam``: Adam with Nesterov momentum and momentum decay (Dozat, 2016).

Mirrors ``torch.optim.NAdam``, which is not optax's ``nadam``: torch schedules the momentum
coefficient ``mu_t = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))`` and keeps the running
product ``mu_product`` in the state; optax's ``scale_by_adam(nesterov=True)`` uses a fixed
``b1``. So the update is torch's, written with JAX: ``p -= lr (1 - mu_t) / (1 - prod_t) *
g / d + lr mu_{t+1} / (1 - prod_t mu_{t+1}) * m / d`` with ``d = sqrt(v / (1 - b2**t)) +
eps``. ``decoupled_weight_decay=True`` gives NAdamW (``p *= 1 - lr * weight_decay``).

Example:
    >>> opt = torch.optim.NAdam(model.parameters(), lr=2e-3)
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import jax.numpy as jnp

from .optimizer import (
    _bias_correction,
    _check_betas,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _float,
    _FusedOptimizer,
    _host,
    _log,
    _nonzero,
)

__all__ = ["NAdam"]


class NAdam(_FusedOptimizer):
    """NAdam; mirrors ``torch.optim.NAdam``.

    State per parameter: ``'step'``, ``'mu_product'`` (float32 scalar tensors),
    ``'exp_avg'``, ``'exp_avg_sq'``.

    Example:
        >>> opt = torch.optim.NAdam([w], lr=2e-3, momentum_decay=4e-3)
    """

    def __init__(self, params: Iterable, lr: Any = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), bool(group["decoupled_weight_decay"]),
                _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        b1, b2 = (_host(b) for b in group["betas"])
        lr = _float(group["lr"])
        wd = _float(group["weight_decay"])
        return {"lr": lr, "b1": b1, "one_minus_b1": 1.0 - b1, "b2": b2,
                "one_minus_b2": 1.0 - b2, "log_b2": _log(b2), "eps": group["eps"],
                "weight_decay": wd, "decay_factor": 1.0 - lr * wd,
                "md_log": group["momentum_decay"] * math.log(0.96)}

    def _init_state(self, p, group: dict) -> dict:
        return {"step": self._step_tensor(), "mu_product": self._step_tensor(1.0),
                "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, decoupled, wd = static
        if maximize:
            g = -g
        step = state["step"] + 1
        bc2 = _bias_correction(hp["log_b2"], step)
        if decoupled:
            p = p * hp["decay_factor"]
        elif wd:
            g = g + hp["weight_decay"] * p
        mu = hp["b1"] * (1.0 - 0.5 * jnp.exp(step * hp["md_log"]))
        mu_next = hp["b1"] * (1.0 - 0.5 * jnp.exp((step + 1) * hp["md_log"]))
        mu_product = state["mu_product"] * mu
        m = state["exp_avg"]
        m = m + hp["one_minus_b1"] * (g - m)
        v = hp["b2"] * state["exp_avg_sq"] + hp["one_minus_b2"] * (g * g)
        denom = jnp.sqrt(v / bc2) + hp["eps"]
        c_grad = hp["lr"] * (1.0 - mu) / (1.0 - mu_product)
        c_avg = hp["lr"] * mu_next / (1.0 - mu_product * mu_next)
        p = p - c_grad * (g / denom)
        p = p - c_avg * (m / denom)
        return p, {"step": step, "mu_product": mu_product, "exp_avg": m, "exp_avg_sq": v}
