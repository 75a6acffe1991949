"""``torch.cuda.amp``: the older spelling of ``torch.amp`` with device ``'cuda'``.

torch deprecates these names with a ``FutureWarning`` that points at the new ones; so does
this module. Example:
    >>> scaler = torch.cuda.amp.GradScaler()      # same as torch.amp.GradScaler('cuda')
"""

from __future__ import annotations

import warnings

from .. import _dtype as D
from ..amp import GradScaler as _GradScaler
from ..amp import autocast as _autocast

__all__ = ["autocast", "GradScaler"]


class autocast(_autocast):
    """Mirrors ``torch.cuda.amp.autocast(args...)``: ``torch.amp.autocast('cuda', args...)``."""

    def __init__(self, enabled: bool = True, dtype: D.dtype = D.float16,
                 cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    """Mirrors ``torch.cuda.amp.GradScaler(args...)``: ``torch.amp.GradScaler('cuda', ...)``."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
