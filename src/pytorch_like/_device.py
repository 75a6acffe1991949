"""torch.device and the mapping from torch device names to JAX devices."""

from __future__ import annotations

import functools

import jax

__all__ = ["device"]


class device:
    """Mirrors ``torch.device``: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``.

    'cuda' means a JAX GPU; 'tpu' a JAX TPU (not a torch name, accepted here). 'mps' and
    'xpu' are valid names, as in torch, and placing a tensor there raises torch's error for
    a build without them (a device-picking line such as ``'mps' if
    torch.backends.mps.is_available() else 'cpu'`` never gets there).

    Example:
        >>> torch.device('cpu')
        device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda", "tpu", "meta", "mps", "xpu"):
            raise RuntimeError(
                "Expected one of cpu, cuda, tpu, mps, xpu, meta device type at start of device "
                f"string: {type}")
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "tpu": "tpu"}


@functools.cache
def _platform_devices(platform: str) -> tuple:
    try:
        return tuple(jax.devices(platform))
    except RuntimeError:
        return ()


def to_jax_device(d) -> jax.Device:
    """The JAX device for a torch device spec; torch's error when that backend is absent."""
    d = device(d) if not isinstance(d, device) else d
    devs = _platform_devices(_PLATFORM.get(d.type, d.type))
    if not devs:
        if d.type == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled")
        if d.type == "xpu":
            raise AssertionError("Torch not compiled with XPU enabled")
        if d.type == "mps":
            raise RuntimeError("PyTorch is not linked with support for mps devices")
        raise RuntimeError(f"no JAX device of type '{d.type}' is available")
    idx = d.index or 0
    if idx >= len(devs):
        raise RuntimeError(f"CUDA error: invalid device ordinal {idx}")
    return devs[idx]


def from_jax_device(jd) -> device:
    plat = jd.platform
    if plat == "cpu":
        return device("cpu")
    typ = "cuda" if plat in ("gpu", "cuda", "rocm") else plat
    return device(typ, jd.id if typ != "cpu" else None)
