"""``AdaBelief``: Adam whose step size follows the belief in the gradient (Zhuang et al. 2020).

torch has no AdaBelief; this follows the paper's reference implementation, the
``adabelief-pytorch`` package (version 0.2), and its defaults: ``lr=1e-3``,
``betas=(0.9, 0.999)``, ``eps=1e-16``, ``weight_decay=0``, ``amsgrad=False``,
``weight_decouple=True``, ``fixed_decay=False``, ``rectify=True``,
``degenerated_to_sgd=True``. One step, for gradient ``g`` at step ``t``:

1. weight decay: decoupled ``p *= 1 - lr * wd`` (``fixed_decay``: ``p *= 1 - wd``), or
   with ``weight_decouple=False`` the L2 form ``g += wd * p``;
2. ``m = b1 m + (1 - b1) g``; ``s = b2 s + (1 - b2) (g - m)^2 + eps`` (the reference adds
   ``eps`` to the stored ``s`` in place every step; so does this);
3. ``amsgrad``: ``s_max = max(s_max, s)``; the denominator is
   ``sqrt(s or s_max) / sqrt(1 - b2^t) + eps``;
4. without ``rectify``: ``p -= lr / (1 - b1^t) * m / denom``;
5. with ``rectify`` (RAdam's rule, threshold ``rho_t >= 5``): ``p -= lr r_t / (1 - b1^t) *
   m / (sqrt(s) + eps)`` with ``r_t = sqrt((1 - b2^t) (rho_t - 4)(rho_t - 2) rho_inf /
   ((rho_inf - 4)(rho_inf - 2) rho_t))``; below the threshold ``p -= lr / (1 - b1^t) m``
   (``degenerated_to_sgd``) or no update.

Differences from the reference: ``weight_decouple``, ``fixed_decay``, ``rectify`` and
``degenerated_to_sgd`` are per-group options (the reference keeps them on the optimizer);
``'step'`` is a float32 tensor in the state (the reference: a Python int); the reference's
per-group ``buffer`` cache of step sizes is not kept; with ``weight_decouple=False`` the
user's ``.grad`` is not modified in place; ``print_change_log`` is accepted and prints
nothing. optax's ``scale_by_belief`` has the same moments (with ``eps_root = eps``) but
computes ``1 - b`` and the bias corrections in float32 and has no rectification, so the
update is written with JAX (see :mod:`.adam`).

Example:
    >>> opt = torch.optim.AdaBelief(model.parameters(), lr=1e-3, eps=1e-16)
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

__all__ = ["AdaBelief"]


class AdaBelief(_FusedOptimizer):
    """AdaBelief, following the ``adabelief-pytorch`` reference implementation (0.2).

    State per parameter: ``'step'``, ``'exp_avg'``, ``'exp_avg_var'`` and, with
    ``amsgrad``, ``'max_exp_avg_var'``.

    Example:
        >>> opt = torch.optim.AdaBelief([w], lr=1e-3, rectify=False)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: float = 0, amsgrad: bool = False,
                 weight_decouple: bool = True, fixed_decay: bool = False,
                 rectify: bool = True, degenerated_to_sgd: bool = True,
                 print_change_log: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, weight_decouple=weight_decouple,
                        fixed_decay=fixed_decay, rectify=rectify,
                        degenerated_to_sgd=degenerated_to_sgd)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["amsgrad"]), bool(group["weight_decouple"]),
                bool(group["fixed_decay"]), bool(group["rectify"]),
                bool(group["degenerated_to_sgd"]), _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        b1, b2 = (_host(b) for b in group["betas"])
        lr = _float(group["lr"])
        wd = _float(group["weight_decay"])
        rho_inf, lb2, c0 = _sma_constants(b2)
        return {"lr": lr, "b1": b1, "one_minus_b1": 1.0 - b1, "b2": b2,
                "one_minus_b2": 1.0 - b2, "log_b1": _log(b1), "log_b2": lb2,
                "rho_inf": rho_inf, "sma_c0": c0, "eps": group["eps"], "weight_decay": wd,
                "decay_factor": 1.0 - lr * wd, "fixed_factor": 1.0 - wd}

    def _init_state(self, p, group: dict) -> dict:
        st = {"step": self._step_tensor(), "exp_avg": self._zeros(p),
              "exp_avg_var": self._zeros(p)}
        if group["amsgrad"]:
            st["max_exp_avg_var"] = self._zeros(p)
        return st

    @staticmethod
    def _update(static, hp, p, g, state):
        amsgrad, decouple, fixed, rectify, degenerate, wd = static
        if decouple:
            p = p * (hp["fixed_factor"] if fixed else hp["decay_factor"])
        elif wd:
            g = g + hp["weight_decay"] * p
        step = state["step"] + 1
        bc1 = _bias_correction(hp["log_b1"], step)
        bc2 = _bias_correction(hp["log_b2"], step)
        m = hp["b1"] * state["exp_avg"] + hp["one_minus_b1"] * g
        r = g - m
        s = hp["b2"] * state["exp_avg_var"] + hp["one_minus_b2"] * (r * r) + hp["eps"]
        new = {"step": step, "exp_avg": m, "exp_avg_var": s}
        if amsgrad:
            prev = state.get("max_exp_avg_var")
            smax = s if prev is None else jnp.maximum(prev, s)
            new["max_exp_avg_var"] = smax
            denom = jnp.sqrt(smax) / jnp.sqrt(bc2) + hp["eps"]
        else:
            denom = jnp.sqrt(s) / jnp.sqrt(bc2) + hp["eps"]
        if not rectify:
            return p - (hp["lr"] / bc1) * (m / denom), new
        rho_inf = hp["rho_inf"]
        rho_t = _sma_length(step, rho_inf, hp["log_b2"], hp["sma_c0"])
        ratio = jnp.maximum(bc2 * (rho_t - 4) / (rho_inf - 4) * (rho_t - 2) / rho_t
                            * rho_inf / (rho_inf - 2), 0.0)
        step_size = jnp.sqrt(ratio) / bc1
        rectified = p - (step_size * hp["lr"]) * (m / (jnp.sqrt(s) + hp["eps"]))
        if degenerate:
            fallback = p - (hp["lr"] / bc1) * m
        else:
            fallback = p
        return jnp.where(rho_t >= 5.0, rectified, fallback), new
