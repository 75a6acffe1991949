"""``torch.backends.cuda``: ``is_built()`` and the TF32 switches (no effect under XLA)."""

from __future__ import annotations

from .._device import _platform_devices


class _MatmulFlags:
    """``torch.backends.cuda.matmul``: ``allow_tf32`` and friends, plain attributes."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """Mirrors ``torch.backends.cuda.is_built``: True when JAX has a GPU."""
    return bool(_platform_devices("gpu"))
