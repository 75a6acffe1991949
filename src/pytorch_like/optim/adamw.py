"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter).

Mirrors ``torch.optim.AdamW``: ``p <- p * (1 - lr * weight_decay)`` before the Adam update
(default ``weight_decay=1e-2``). Mathematically the same as ``optax.adamw`` (which adds
``weight_decay * p`` to the scaled update); the update itself is :class:`Adam`'s, see
there for why it is written in torch's order of operations.

Example:
    >>> opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
"""

from __future__ import annotations

from typing import Any, Iterable

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW; mirrors ``torch.optim.AdamW`` (an :class:`Adam` with decoupled weight decay).

    Example:
        >>> opt = torch.optim.AdamW([w], lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params: Iterable, lr: Any = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
