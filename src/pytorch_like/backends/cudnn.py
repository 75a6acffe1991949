"""``torch.backends.cudnn``: settable flags (no effect under XLA) and availability."""

from __future__ import annotations

from .._device import _platform_devices

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Mirrors ``torch.backends.cudnn.is_available``: True when JAX has a GPU."""
    return bool(_platform_devices("gpu"))


def version() -> int | None:
    """Mirrors ``torch.backends.cudnn.version``: None here (XLA links cuDNN itself)."""
    return None
