"""``torch.accelerator``: the device-agnostic way to find the machine's accelerator.

The accelerator is JAX's: a GPU is reported as ``cuda`` (torch's name), a TPU as ``tpu``
(not a torch name; ``tensor.to('tpu')`` accepts it). Without one, ``is_available()`` is
False and ``current_accelerator()`` None, as on a CPU-only torch.

Example (PyTorch's quickstart):
    >>> device = (torch.accelerator.current_accelerator().type
    ...           if torch.accelerator.is_available() else "cpu")
"""

from __future__ import annotations

from ._device import _platform_devices, device

__all__ = ["is_available", "current_accelerator", "device_count"]


def _kind() -> tuple:
    for platform, name in (("gpu", "cuda"), ("tpu", "tpu")):
        devs = _platform_devices(platform)
        if devs:
            return name, devs
    return None, ()


def is_available() -> bool:
    """Mirrors ``torch.accelerator.is_available``."""
    return _kind()[0] is not None


def current_accelerator(check_available: bool = False) -> device | None:
    """Mirrors ``torch.accelerator.current_accelerator``: ``device('cuda')``, ``device('tpu')``
    or None."""
    name = _kind()[0]
    return None if name is None else device(name)


def device_count() -> int:
    """Mirrors ``torch.accelerator.device_count``: 0 without an accelerator."""
    return len(_kind()[1])
