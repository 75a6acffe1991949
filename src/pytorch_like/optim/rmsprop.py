"""``RMSprop``: divide the gradient by a running RMS of recent gradients (Hinton).

Mirrors ``torch.optim.RMSprop``. The update is optax's: ``optax.scale_by_rms`` (or
``optax.scale_by_stddev`` when ``centered``) with ``eps_in_sqrt=False`` and
``initial_scale=0`` — torch adds ``eps`` outside the square root, where optax's default
puts it inside — then ``optax.trace`` for momentum (torch's ``buf = momentum * buf +
g / avg``), scaled by ``-lr``. Weight decay is torch's L2 form (``add_decayed_weights``).
optax forms ``1 - alpha`` in float32 from the float32-rounded ``alpha`` (relative error
~1e-6 for alpha=0.99, well inside float32 test tolerances).

Example:
    >>> opt = torch.optim.RMSprop(model.parameters(), lr=1e-2, momentum=0.9, centered=True)
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

__all__ = ["RMSprop"]


class RMSprop(_FusedOptimizer):
    """RMSprop; mirrors ``torch.optim.RMSprop``.

    State per parameter: ``'step'``, ``'square_avg'``, ``'momentum_buffer'`` (when
    ``momentum > 0``), ``'grad_avg'`` (when ``centered``).

    Example:
        >>> opt = torch.optim.RMSprop([w], lr=1e-2, alpha=0.99)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_weight_decay(weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), bool(group["centered"]), group["momentum"] > 0,
                _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        return {"lr": _float(group["lr"]), "alpha": group["alpha"], "eps": group["eps"],
                "momentum": group["momentum"], "weight_decay": _float(group["weight_decay"])}

    def _init_state(self, p, group: dict) -> dict:
        st = {"step": self._step_tensor(), "square_avg": self._zeros(p)}
        if group["momentum"] > 0:
            st["momentum_buffer"] = self._zeros(p)
        if group["centered"]:
            st["grad_avg"] = self._zeros(p)
        return st

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, centered, has_momentum, l2 = static
        if maximize:
            g = -g
        if l2:
            g, _ = optax.add_decayed_weights(hp["weight_decay"]).update(
                g, optax.EmptyState(), p)
        new = {"step": state["step"] + 1}
        zeros = None
        if centered:
            tx = optax.scale_by_stddev(decay=hp["alpha"], eps=hp["eps"], eps_in_sqrt=False)
            ga = state.get("grad_avg")
            if ga is None:
                ga = zeros = g * 0
            u, s = tx.update(g, optax.ScaleByRStdDevState(mu=ga, nu=state["square_avg"]))
            new["square_avg"], new["grad_avg"] = s.nu, s.mu
        else:
            tx = optax.scale_by_rms(decay=hp["alpha"], eps=hp["eps"], eps_in_sqrt=False)
            u, s = tx.update(g, optax.ScaleByRmsState(nu=state["square_avg"]))
            new["square_avg"] = s.nu
        if has_momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = zeros if zeros is not None else g * 0
            u, t = optax.trace(decay=hp["momentum"]).update(u, optax.TraceState(trace=buf))
            new["momentum_buffer"] = t.trace
        return p - hp["lr"] * u, new
