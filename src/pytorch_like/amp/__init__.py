"""``pytorch_like.amp``: automatic mixed precision, mirroring ``torch.amp``.

``autocast`` runs each op in the precision torch's autocast lists pick (lower precision for
matmul/linear/conv, float32 for losses and, on CUDA, softmax/norms/reductions; promotion for
cat/stack); ``GradScaler`` scales the loss and skips steps whose gradients hold inf/NaN,
eagerly and inside ``pytorch_like.compile``. Importing this package tags the ops (see
``autocast_mode``).

Example:
    >>> scaler = torch.amp.GradScaler('cpu')
    >>> with torch.amp.autocast('cpu', dtype=torch.bfloat16):
    ...     loss = F.cross_entropy(model(x), y)
    >>> scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
"""

from __future__ import annotations

from .autocast_mode import (
    autocast,
    autocast_decorator,
    clear_autocast_cache,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from .grad_scaler import GradScaler, OptState

__all__ = ["autocast", "autocast_decorator", "is_autocast_available", "GradScaler", "OptState",
           "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
           "set_autocast_dtype", "clear_autocast_cache"]
