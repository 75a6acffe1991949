"""``RAdam``: Adam with variance rectification (Liu et al., 2019).

Mirrors ``torch.optim.RAdam``. optax's ``scale_by_radam`` differs from torch in two places:
its threshold test is ``rho_t >= 5`` (torch: ``rho_t > 5``) and its adaptive term is
``1 / (sqrt(v / (1 - b2**t)) + eps)`` (torch: ``sqrt(1 - b2**t) / (sqrt(v) + eps)``, eps not
scaled by the bias correction). The update is therefore torch's, written with JAX, with no
host branch on ``rho_t`` (a ``jnp.where``), and ``rho_t`` computed to float32 accuracy (see
``optimizer._sma_length``). ``decoupled_weight_decay=True`` gives RAdamW.

Example:
    >>> opt = torch.optim.RAdam(model.parameters(), lr=1e-3)
"""

from __future__ import annotations

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
    _sma_constants,
    _sma_length,
)

__all__ = ["RAdam"]


class RAdam(_FusedOptimizer):
    """RAdam; mirrors ``torch.optim.RAdam``.

    State per parameter: ``'step'``, ``'exp_avg'``, ``'exp_avg_sq'``.

    Example:
        >>> opt = torch.optim.RAdam([w], lr=1e-3)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), bool(group["decoupled_weight_decay"]),
                _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        b1, b2 = (_host(b) for b in group["betas"])
        lr = _float(group["lr"])
        wd = _float(group["weight_decay"])
        rho_inf, lb2, c0 = _sma_constants(b2)
        return {"lr": lr, "one_minus_b1": 1.0 - b1, "b2": b2, "one_minus_b2": 1.0 - b2,
                "log_b1": _log(b1), "log_b2": lb2, "rho_inf": rho_inf, "sma_c0": c0,
                "eps": group["eps"], "weight_decay": wd, "decay_factor": 1.0 - lr * wd}

    def _init_state(self, p, group: dict) -> dict:
        return {"step": self._step_tensor(), "exp_avg": self._zeros(p),
                "exp_avg_sq": self._zeros(p)}

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, decoupled, wd = static
        if maximize:
            g = -g
        step = state["step"] + 1
        if decoupled:
            p = p * hp["decay_factor"]
        elif wd:
            g = g + hp["weight_decay"] * p
        m = state["exp_avg"]
        m = m + hp["one_minus_b1"] * (g - m)
        v = hp["b2"] * state["exp_avg_sq"] + hp["one_minus_b2"] * (g * g)
        bc1 = _bias_correction(hp["log_b1"], step)
        bc2 = _bias_correction(hp["log_b2"], step)
        m_hat = m / bc1
        rho_inf = hp["rho_inf"]
        rho_t = _sma_length(step, rho_inf, hp["log_b2"], hp["sma_c0"])
        rect = jnp.sqrt(jnp.maximum(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.0))
        adaptive = jnp.sqrt(bc2) / (jnp.sqrt(v) + hp["eps"])
        rectified = p - m_hat * hp["lr"] * adaptive * rect
        plain = p - m_hat * hp["lr"]
        return jnp.where(rho_t > 5.0, rectified, plain), {"step": step, "exp_avg": m,
                                                          "exp_avg_sq": v}
