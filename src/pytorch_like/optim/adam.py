"""``Adam``: adaptive moment estimation (Kingma & Ba), with AMSGrad and weight decay.

Mirrors ``torch.optim.Adam`` (including ``decoupled_weight_decay``, which makes it AdamW).
The update is written with JAX in torch's order of operations rather than by calling
``optax.scale_by_adam``: optax computes ``1 - b2`` and the bias corrections
``1 - b**t`` in float32 from the float32-rounded betas, while torch computes them in
float64 on the host; after 50 steps at lr=0.1 that drifts 1.5e-5 from torch's weights,
against 7e-7 for this formulation (``1 - b`` and ``log b`` come from the host, the bias
correction is ``-expm1(t log b)``). optax's ``scale_by_amsgrad`` also differs in algorithm:
it keeps the maximum of the bias-corrected second moment, torch keeps the maximum of the
raw one and divides by the current ``sqrt(1 - b2**t)``; torch's version is implemented.
Weight decay: torch's L2 form adds ``weight_decay * p`` to the gradient (optax's
``add_decayed_weights``); the decoupled form multiplies ``p`` by ``1 - lr * weight_decay``
before the update. ``eps`` is added outside the square root (optax's ``eps``, not
``eps_root``).

Example:
    >>> opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
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
)

__all__ = ["Adam"]


def _adam_hyper(group: dict) -> dict:
    b1, b2 = (_host(b) for b in group["betas"])
    lr = _float(group["lr"])
    wd = _float(group["weight_decay"])
    return {"lr": lr, "one_minus_b1": 1.0 - b1, "b2": b2, "one_minus_b2": 1.0 - b2,
            "log_b1": _log(b1), "log_b2": _log(b2), "eps": group["eps"],
            "weight_decay": wd, "decay_factor": 1.0 - lr * wd}


class Adam(_FusedOptimizer):
    """Adam; mirrors ``torch.optim.Adam``.

    State per parameter: ``'step'`` (float32 scalar tensor), ``'exp_avg'``,
    ``'exp_avg_sq'`` and, with ``amsgrad``, ``'max_exp_avg_sq'``. ``foreach``, ``fused``,
    ``capturable`` are accepted and ignored (the step is always one fused program).

    Example:
        >>> opt = torch.optim.Adam([w], lr=1e-3, amsgrad=True)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), bool(group["amsgrad"]),
                bool(group["decoupled_weight_decay"]), _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        return _adam_hyper(group)

    def _init_state(self, p, group: dict) -> dict:
        st = {"step": self._step_tensor(), "exp_avg": self._zeros(p),
              "exp_avg_sq": self._zeros(p)}
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = self._zeros(p)
        return st

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, amsgrad, decoupled, wd = static
        if maximize:
            g = -g
        if decoupled:
            p = p * hp["decay_factor"]
        elif wd:
            g = g + hp["weight_decay"] * p
        step = state["step"] + 1
        m = state["exp_avg"]
        m = m + hp["one_minus_b1"] * (g - m)
        v = hp["b2"] * state["exp_avg_sq"] + hp["one_minus_b2"] * (g * g)
        bc1 = _bias_correction(hp["log_b1"], step)
        bc2_sqrt = jnp.sqrt(_bias_correction(hp["log_b2"], step))
        new = {"step": step, "exp_avg": m, "exp_avg_sq": v}
        if amsgrad:
            prev = state.get("max_exp_avg_sq")
            vmax = v if prev is None else jnp.maximum(prev, v)
            new["max_exp_avg_sq"] = vmax
            denom = jnp.sqrt(vmax) / bc2_sqrt + hp["eps"]
        else:
            denom = jnp.sqrt(v) / bc2_sqrt + hp["eps"]
        return p - (hp["lr"] / bc1) * (m / denom), new
