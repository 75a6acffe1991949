"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

Mirrors ``torch.optim.SGD``. The update is optax's: ``optax.add_decayed_weights`` (L2
weight decay added to the gradient) then ``optax.trace`` (momentum, Nesterov), scaled by
``-lr``. Where optax differs from torch it is adapted to torch: torch's first momentum step
copies the gradient undampened (``buf = g``), later steps add ``(1 - dampening) * g``;
optax's trace has no dampening, so the gradient is scaled by ``1 - dampening`` before the
trace except on the first step. ``maximize`` negates the gradient first, as torch does.

Example:
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
"""

from __future__ import annotations

from typing import Any, Iterable

import jax.numpy as jnp
import optax

from .optimizer import (
    _check_lr,
    _check_weight_decay,
    _float,
    _FusedOptimizer,
    _nonzero,
)

__all__ = ["SGD"]


class SGD(_FusedOptimizer):
    """Stochastic gradient descent (optionally with momentum); mirrors ``torch.optim.SGD``.

    State per parameter: ``'momentum_buffer'`` (only when ``momentum != 0``, created on the
    first step). ``foreach``, ``fused`` are accepted and ignored (the step is always fused).

    Example:
        >>> opt = torch.optim.SGD([w], lr=0.01, momentum=0.9)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: Any = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_weight_decay(weight_decay)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["momentum"] != 0, bool(group["nesterov"]),
                _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        return {"lr": _float(group["lr"]), "momentum": _float(group["momentum"]),
                "one_minus_dampening": 1.0 - group["dampening"],
                "weight_decay": _float(group["weight_decay"])}

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, has_momentum, nesterov, l2 = static
        if maximize:
            g = -g
        if l2:
            g, _ = optax.add_decayed_weights(hp["weight_decay"]).update(g, optax.EmptyState(),
                                                                        p)
        new_state = {}
        if has_momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                # torch's first step: the buffer is the gradient itself, undampened.
                x, buf = g, jnp.zeros_like(g)
            else:
                x = hp["one_minus_dampening"] * g
            trace = optax.trace(decay=hp["momentum"], nesterov=nesterov)
            g, tstate = trace.update(x, optax.TraceState(trace=buf))
            new_state["momentum_buffer"] = tstate.trace
        return p - hp["lr"] * g, new_state
