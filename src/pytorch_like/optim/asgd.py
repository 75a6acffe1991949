"""``ASGD``: averaged stochastic gradient descent (Polyak & Juditsky).

Mirrors ``torch.optim.ASGD``: SGD whose step ``eta`` decays as
``lr / (1 + lambd * lr * step) ** alpha``, with a decay of the parameter by
``1 - lambd * eta``, and a running average ``ax`` of the parameters that starts averaging
after ``t0`` steps (weight ``mu = 1 / max(1, step - t0)``). As in torch, the average is
kept in the state; the parameters themselves are the SGD iterate.

Example:
    >>> opt = torch.optim.ASGD(model.parameters(), lr=0.01, t0=100)
"""

from __future__ import annotations

from typing import Any, Iterable

import jax.numpy as jnp

from .optimizer import _check_lr, _check_weight_decay, _float, _FusedOptimizer, _nonzero

__all__ = ["ASGD"]


class ASGD(_FusedOptimizer):
    """ASGD; mirrors ``torch.optim.ASGD``.

    State per parameter: ``'step'``, ``'eta'``, ``'mu'``, ``'ax'`` (the average).
    """

    def __init__(self, params: Iterable, lr: Any = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group: dict) -> dict:
        return {"step": self._step_tensor(), "eta": self._step_tensor(_float(group["lr"])),
                "mu": self._step_tensor(1.0), "ax": self._zeros(p)}

    def _hyper(self, group: dict) -> dict:
        return {"lr": _float(group["lr"]), "lambd": float(group["lambd"]),
                "alpha": float(group["alpha"]), "t0": float(group["t0"]),
                "weight_decay": _float(group["weight_decay"])}

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), _nonzero(group["weight_decay"]))

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, l2 = static
        g = -g if maximize else g
        g = g + hp["weight_decay"] * p if l2 else g
        step, eta, mu = state["step"] + 1, state["eta"], state["mu"]
        # The SGD iterate with the decaying step, then the running average of iterates.
        p = p * (1 - hp["lambd"] * eta) - eta * g
        ax = jnp.where(mu != 1, state["ax"] + (p - state["ax"]) * mu, p)
        new_eta = hp["lr"] / (1 + hp["lambd"] * hp["lr"] * step) ** hp["alpha"]
        new_mu = 1 / jnp.maximum(1.0, step - hp["t0"])
        return p, {"step": step, "eta": jnp.asarray(new_eta, eta.dtype),
                   "mu": jnp.asarray(new_mu, mu.dtype), "ax": ax}
