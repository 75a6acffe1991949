"""``Adafactor``: Adam-like steps with a factored second moment (Shazeer & Stern, 2018).

Mirrors ``torch.optim.Adafactor`` (torch's variant of the algorithm, and its defaults
``lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0``). For a parameter
with two or more dimensions the second moment is kept as a row factor ``row_var`` (last
dim reduced) and a column factor ``col_var`` (second-to-last dim reduced); a vector keeps
a full ``variance``. At step ``t`` the moments move towards the squared gradient by
``t ** beta2_decay``, the relative step size is ``min(lr, 1/sqrt(t))`` scaled by the
parameter's RMS (at least ``eps[1]``), the update is clipped to RMS ``d``, and
``weight_decay`` multiplies the parameter by ``1 - lr * weight_decay``. ``eps[0]=None``
means the parameter dtype's machine epsilon.

Deliberate differences: the step-dependent scalars (``t ** beta2_decay``, ``1/sqrt(t)``) are
computed in float32 inside the fused program rather than in float64 on the host; ``foreach``
is accepted and ignored (the step is always fused).

Example:
    >>> opt = torch.optim.Adafactor(model.parameters(), lr=1e-2)
"""

from __future__ import annotations

from typing import Any, Iterable

import jax.numpy as jnp

from ..tensor import Tensor
from .optimizer import _float, _FusedOptimizer, _host, _nonzero

__all__ = ["Adafactor"]


def _lerp(a, b, w):
    # torch's lerp: exact at w == 1 (the first step replaces the moment outright).
    return jnp.where(w < 0.5, a + w * (b - a), b - (b - a) * (1.0 - w))


class Adafactor(_FusedOptimizer):
    """Adafactor; mirrors ``torch.optim.Adafactor``.

    State per parameter: ``'step'`` (float32 scalar tensor) and either ``'row_var'`` and
    ``'col_var'`` (parameters with 2+ dims) or ``'variance'`` (vectors and scalars).

    Example:
        >>> opt = torch.optim.Adafactor([w], lr=1e-2, weight_decay=1e-2)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= _host(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _static(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["eps"][0] is None,
                _nonzero(group["weight_decay"]))

    def _hyper(self, group: dict) -> dict:
        eps1 = group["eps"][0]
        return {"lr": _float(group["lr"]), "beta2_decay": group["beta2_decay"],
                "eps1": 0.0 if eps1 is None else eps1, "eps2": group["eps"][1],
                "d": group["d"], "weight_decay": _float(group["weight_decay"])}

    def _init_state(self, p, group: dict) -> dict:
        if p.grad is not None and p.grad.is_complex():
            raise RuntimeError("Adafactor does not support complex parameters")
        st = {"step": self._step_tensor()}
        shape = tuple(p.shape)
        if len(shape) > 1:
            row = Tensor._make(jnp.zeros(shape[:-1] + (1,), p._cell.peek().dtype), p._dtype)
            col = Tensor._make(jnp.zeros(shape[:-2] + (1, shape[-1]), p._cell.peek().dtype),
                               p._dtype)
            st["row_var"], st["col_var"] = row, col
        else:
            st["variance"] = self._zeros(p)
        return st

    @staticmethod
    def _update(static, hp, p, g, state):
        maximize, eps1_default, wd = static
        if maximize:
            g = -g
        eps1 = jnp.finfo(p.dtype).eps if eps1_default else hp["eps1"]
        step = state["step"] + 1
        weight = step ** hp["beta2_decay"]
        rho = jnp.minimum(hp["lr"], 1.0 / jnp.sqrt(step))
        numel = max(p.size, 1)
        alpha = jnp.maximum(hp["eps2"], jnp.sqrt(jnp.sum(p * p)) / numel ** 0.5) * rho
        if wd:
            p = p * (1.0 - hp["lr"] * hp["weight_decay"])
        new = {"step": step}
        gg = g * g
        if g.ndim > 1:
            row = _lerp(state["row_var"], jnp.mean(gg, axis=-1, keepdims=True), weight)
            col = _lerp(state["col_var"], jnp.mean(gg, axis=-2, keepdims=True), weight)
            new["row_var"], new["col_var"] = row, col
            var = (row @ col) / jnp.maximum(jnp.mean(row, axis=-2, keepdims=True), eps1)
        else:
            var = _lerp(state["variance"], gg, weight)
            new["variance"] = var
        update = g * (1.0 / jnp.sqrt(jnp.maximum(var, eps1 * eps1)))
        denom = jnp.maximum(1.0, jnp.sqrt(jnp.sum(update * update)) / (numel ** 0.5 * hp["d"]))
        return p - (alpha / denom) * update, new
