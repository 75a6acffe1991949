"""The deprecated per-device spellings of ``torch.amp``: ``torch.cuda.amp`` and
``torch.cpu.amp``.

torch keeps ``autocast`` and ``GradScaler`` under each device's namespace and warns with a
``FutureWarning`` that points at ``torch.amp``; :func:`device_aliases` builds that pair of
classes for one device.
"""

from __future__ import annotations

import warnings

from .. import _dtype as D
from .autocast_mode import autocast as _autocast
from .grad_scaler import GradScaler as _GradScaler


def device_aliases(device: str, default_dtype: D.dtype, module: str) -> tuple[type, type]:
    """``(autocast, GradScaler)`` of ``torch.<device>.amp``, defined in ``module``."""

    class autocast(_autocast):  # noqa: N801 - torch's name
        def __init__(self, enabled: bool = True, dtype: D.dtype = default_dtype,
                     cache_enabled: bool = True) -> None:
            warnings.warn(f"`torch.{device}.amp.autocast(args...)` is deprecated. Please use "
                          f"`torch.amp.autocast('{device}', args...)` instead.", FutureWarning,
                          stacklevel=2)
            super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    class GradScaler(_GradScaler):
        def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                     backoff_factor: float = 0.5, growth_interval: int = 2000,
                     enabled: bool = True) -> None:
            warnings.warn(f"`torch.{device}.amp.GradScaler(args...)` is deprecated. Please use "
                          f"`torch.amp.GradScaler('{device}', args...)` instead.", FutureWarning,
                          stacklevel=2)
            super().__init__(device, init_scale, growth_factor, backoff_factor,
                             growth_interval, enabled)

    autocast.__doc__ = (f"Mirrors ``torch.{device}.amp.autocast(args...)``: "
                        f"``torch.amp.autocast('{device}', args...)``.")
    GradScaler.__doc__ = (f"Mirrors ``torch.{device}.amp.GradScaler(args...)``: "
                          f"``torch.amp.GradScaler('{device}', ...)``.")
    for cls in (autocast, GradScaler):
        cls.__module__ = module
        cls.__qualname__ = cls.__name__
    return autocast, GradScaler
