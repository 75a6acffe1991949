"""``Adadelta``: step sizes from running averages of squared gradients and updates (Zeiler).

Mirrors ``torch.optim.Adadelta``. The update is optax's ``scale_by_adadelta`` (the same
formula as torch: ``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g``, both
running averages with ``rho``), scaled by ``-lr``; torch's L2 weight decay is optax's
``add_decayed_weights``. optax forms ``1 - rho`` in float32 from the float32-rounded
``rho`` (relative error ~4e-7 for rho=0.9).

Example:
    >>> opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.9)
"""

from __future__ import annotations

from typing import Any, Iterable

import optax

from .optimizer import (
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _float,
    _FusedOptimizer,
    _nonzero,
)

__all__ = ["Adadelta"]


class Adadelta(_FusedOptimizer):
    """Adadelta; mirrors ``torch.optim.Adadelta``.

    State per parameter: ``'step'``, ``'square_avg'``, ``'acc_delta'``.

    Example:
        >>> opt = torch.optim.Adadelta([w], lr=1.0)
    """

    def __init__(self, params: Iterable, lr: Any = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_eps(eps)
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        return {"lr": _float(group["lr"]), "rho": group["rho"], "eps": group["eps"],
                "weight_decay": _float(group["weight_decay"])}

    def _init_state(self, p, group: dict) -> dict:
        return {"step": self._step_tensor(), "square_avg": self._zeros(p),
                "acc_delta": self._zeros(p)}

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, l2 = static
        if maximize:
            g = -g
        if l2:
            g, _ = optax.add_decayed_weights(hp["weight_decay"]).update(
                g, optax.EmptyState(), p)
        tx = optax.scale_by_adadelta(rho=hp["rho"], eps=hp["eps"])
        delta, s = tx.update(g, optax.ScaleByAdaDeltaState(e_g=state["square_avg"],
                                                          e_x=state["acc_delta"]))
        return p - hp["lr"] * delta, {"step": state["step"] + 1, "square_avg": s.e_g,
                                      "acc_delta": s.e_x}
