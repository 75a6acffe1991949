"""``torch.cuda``: whether a GPU is there, which one, and its memory — answered by JAX.

"cuda" means a JAX GPU device, whatever its vendor. Without one, the calls that need a GPU
raise torch's ``AssertionError("Torch not compiled with CUDA enabled")`` and the rest
answer as a CPU-only torch does (``is_available()`` is False, ``device_count()`` is 0,
memory queries return 0, ``manual_seed``/``empty_cache`` do nothing).
Deliberate difference: random numbers come from one generator for every device
(``torch.manual_seed``), so ``cuda.manual_seed`` has nothing of its own to seed.

Example:
    >>> device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._device import _platform_devices, device
from . import amp

__all__ = ["is_available", "device_count", "current_device", "get_device_name",
           "get_device_capability", "synchronize", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved",
           "reset_peak_memory_stats", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "is_initialized", "init", "set_device", "amp", "is_bf16_supported"]


def _gpus() -> tuple:
    return _platform_devices("gpu")


def _need_gpu() -> tuple:
    gpus = _gpus()
    if not gpus:
        raise AssertionError("Torch not compiled with CUDA enabled")
    return gpus


def _index(dev) -> int:
    if dev is None:
        return _current[0]
    if isinstance(dev, int):
        return dev
    d = device(dev)
    return _current[0] if d.index is None else d.index


def _gpu(dev) -> jax.Device:
    gpus = _need_gpu()
    i = _index(dev)
    if not 0 <= i < len(gpus):
        raise RuntimeError(f"CUDA error: invalid device ordinal {i}")
    return gpus[i]


_current = [0]


def is_available() -> bool:
    """Mirrors ``torch.cuda.is_available``: True when JAX has a GPU device."""
    return bool(_gpus())


def device_count() -> int:
    """Mirrors ``torch.cuda.device_count``: the number of JAX GPU devices (0 without)."""
    return len(_gpus())


def is_initialized() -> bool:
    """Mirrors ``torch.cuda.is_initialized`` (JAX initialises its backends on first use)."""
    return is_available()


def init() -> None:
    """Mirrors ``torch.cuda.init``: raises without a GPU, as torch does."""
    _need_gpu()


def current_device() -> int:
    """Mirrors ``torch.cuda.current_device``: the index ``set_device`` chose (0 by default)."""
    _need_gpu()
    return _current[0]


def set_device(dev) -> None:
    """Mirrors ``torch.cuda.set_device``: the index that ``current_device`` reports.

    Deliberate difference: where new tensors live is JAX's default device, not this index.
    """
    _gpu(dev)
    _current[0] = _index(dev)


def get_device_name(device=None) -> str:  # noqa: A002
    """Mirrors ``torch.cuda.get_device_name``: the GPU's model name (JAX's device kind)."""
    return _gpu(device).device_kind


def get_device_capability(device=None) -> tuple:  # noqa: A002
    """Mirrors ``torch.cuda.get_device_capability``: ``(major, minor)`` of an NVIDIA GPU."""
    cc = getattr(_gpu(device), "compute_capability", None)
    if not cc:
        return (0, 0)
    major, _, minor = str(cc).partition(".")
    return (int(major), int(minor or 0))


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Mirrors ``torch.cuda.is_bf16_supported``: False without a GPU; True on compute
    capability 8.0 or newer, and on older GPUs when ``including_emulation`` (XLA emulates
    bfloat16 arithmetic there)."""
    if not is_available():
        return False
    return get_device_capability()[0] >= 8 or bool(including_emulation)


def synchronize(device=None) -> None:  # noqa: A002
    """Mirrors ``torch.cuda.synchronize``: wait until the GPU has finished its queued work.

    JAX has no device-wide wait; a tiny program run on the device and waited for follows
    the work queued before it (one stream per device), which is what timing code needs.
    """
    target = _gpu(device)
    jax.block_until_ready(jax.jit(jnp.add)(jax.device_put(0, target), 1))


def _stats(device) -> dict:  # noqa: A002
    gpus = _gpus()
    if not gpus:
        return {}
    return _gpu(device).memory_stats() or {}


def memory_allocated(device=None) -> int:  # noqa: A002
    """Mirrors ``torch.cuda.memory_allocated``: bytes held by live arrays (JAX's count)."""
    return int(_stats(device).get("bytes_in_use", 0))


def max_memory_allocated(device=None) -> int:  # noqa: A002
    """Mirrors ``torch.cuda.max_memory_allocated``: the peak of ``memory_allocated``."""
    return int(_stats(device).get("peak_bytes_in_use", 0))


def memory_reserved(device=None) -> int:  # noqa: A002
    """Mirrors ``torch.cuda.memory_reserved``: bytes JAX's allocator holds (its pool)."""
    stats = _stats(device)
    return int(stats.get("pool_bytes", stats.get("bytes_reserved", 0)))


def max_memory_reserved(device=None) -> int:  # noqa: A002
    """Mirrors ``torch.cuda.max_memory_reserved``."""
    stats = _stats(device)
    return int(stats.get("peak_pool_bytes", stats.get("peak_bytes_reserved", 0)))


def reset_peak_memory_stats(device=None) -> None:  # noqa: A002
    """Mirrors ``torch.cuda.reset_peak_memory_stats``; JAX keeps its peak itself, so this
    only checks that the device exists."""
    _gpu(device)


def empty_cache() -> None:
    """Mirrors ``torch.cuda.empty_cache``: nothing to do (JAX's allocator keeps its pool)."""


def manual_seed(seed: int) -> None:
    """Mirrors ``torch.cuda.manual_seed``; does nothing here: every device draws from the
    one generator that ``torch.manual_seed`` seeds."""


def manual_seed_all(seed: int) -> None:
    """Mirrors ``torch.cuda.manual_seed_all``; does nothing here (see ``manual_seed``)."""


def seed() -> None:
    """Mirrors ``torch.cuda.seed``; does nothing here (see ``manual_seed``)."""


def seed_all() -> None:
    """Mirrors ``torch.cuda.seed_all``; does nothing here (see ``manual_seed``)."""
