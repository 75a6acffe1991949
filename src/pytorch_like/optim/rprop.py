"""``Rprop``: resilient backpropagation (Riedmiller & Braun), steps from gradient signs.

Mirrors ``torch.optim.Rprop``: each element keeps its own step size, multiplied by
``etaplus`` while the gradient keeps its sign and by ``etaminus`` when it flips (then that
element does not move and forgets its gradient), clipped to ``step_sizes``; the parameter
moves by ``-sign(g) * step_size``. Step sizes start at ``lr``.

Example:
    >>> opt = torch.optim.Rprop(model.parameters(), lr=0.01, etas=(0.5, 1.2))
"""

from __future__ import annotations

from typing import Any, Iterable

import jax.numpy as jnp

from .optimizer import _check_lr, _FusedOptimizer, _host

__all__ = ["Rprop"]


class Rprop(_FusedOptimizer):
    """Rprop; mirrors ``torch.optim.Rprop``.

    State per parameter: ``'step'``, ``'prev'`` (the last gradient used), ``'step_size'``.
    """

    def __init__(self, params: Iterable, lr: Any = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]),)

    def _hyper(self, group: dict) -> dict:
        (minus, plus), (lo, hi) = group["etas"], group["step_sizes"]
        return {"etaminus": _host(minus), "etaplus": _host(plus), "step_min": _host(lo),
                "step_max": _host(hi)}

    def _init_state(self, p, group: dict) -> dict:
        lr = _host(group["lr"])
        # torch: a complex parameter's real and imaginary parts are two independent reals,
        # so both start at lr.
        return {"step": self._step_tensor(), "prev": self._zeros(p),
                "step_size": self._zeros(p, fill=complex(lr, lr) if p.is_complex() else lr)}

    @staticmethod
    def _update(static, hp, p, g, state):
        (maximize,) = static
        if maximize:
            g = -g
        agree = g * state["prev"]
        factor = jnp.where(agree > 0, hp["etaplus"], jnp.where(agree < 0, hp["etaminus"], 1.0))
        size = jnp.clip(state["step_size"] * factor.astype(g.dtype), hp["step_min"],
                        hp["step_max"])
        g = jnp.where(agree < 0, jnp.zeros_like(g), g)
        new = {"step": state["step"] + 1, "prev": g, "step_size": size}
        return p - jnp.sign(g) * size, new
