"""``Adamax``: Adam with the infinity norm (Kingma & Ba, section 7).

Mirrors ``torch.optim.Adamax``. The infinity moment is optax's
``update_infinity_moment`` (``max(b2 * u, |g| + eps)``, exactly torch's); the first moment
and the bias correction follow torch's order of operations with host-computed ``1 - b1``
and ``log b1`` (see :mod:`.adam` for why not ``optax.scale_by_adamax``, which computes them
in float32). Weight decay is torch's L2 form (added to the gradient).

Example:
    >>> opt = torch.optim.Adamax(model.parameters(), lr=2e-3)
"""

from __future__ import annotations

from typing import Any, Iterable

import optax

from .optimizer import (
    _bias_correction,
    _check_betas,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _float,
    _FusedOptimizer,
    _nonzero,
    _host,
    _log,
)

__all__ = ["Adamax"]


class Adamax(_FusedOptimizer):
    """Adamax; mirrors ``torch.optim.Adamax``.

    State per parameter: ``'step'``, ``'exp_avg'``, ``'exp_inf'``.

    Example:
        >>> opt = torch.optim.Adamax([w], lr=2e-3, betas=(0.9, 0.999))
    """

    def __init__(self, params: Iterable, lr: Any = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        b1, b2 = (_host(b) for b in group["betas"])
        return {"lr": _float(group["lr"]), "one_minus_b1": 1.0 - b1, "log_b1": _log(b1),
                "b2": b2, "eps": group["eps"], "weight_decay": _float(group["weight_decay"])}

    def _init_state(self, p, group: dict) -> dict:
        return {"step": self._step_tensor(), "exp_avg": self._zeros(p),
                "exp_inf": self._zeros(p)}

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, l2 = static
        if maximize:
            g = -g
        if l2:
            g = g + hp["weight_decay"] * p
        step = state["step"] + 1
        m = state["exp_avg"]
        m = m + hp["one_minus_b1"] * (g - m)
        u = optax.tree.update_infinity_moment(g, state["exp_inf"], hp["b2"], hp["eps"])
        clr = hp["lr"] / _bias_correction(hp["log_b1"], step)
        return p - clr * (m / u), {"step": step, "exp_avg": m, "exp_inf": u}
