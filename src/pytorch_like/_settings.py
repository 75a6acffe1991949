"""Process-wide switches torch exposes at the top level: determinism and matmul precision.

``use_deterministic_algorithms`` records the request: XLA's CPU programs are deterministic
already, and on a GPU XLA's own flag (``XLA_FLAGS=--xla_gpu_deterministic_ops=true``, set
before the first GPU computation) is what makes them so. ``set_float32_matmul_precision``
maps torch's names onto JAX's default matmul precision ('highest' full float32, 'high'
TensorFloat-32, 'medium' bfloat16); where it is never called, JAX's default stays.

Example:
    >>> torch.use_deterministic_algorithms(True)
    >>> torch.are_deterministic_algorithms_enabled()
    True
"""

from __future__ import annotations

import warnings

import jax

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_float32_matmul_precision",
           "get_float32_matmul_precision"]

_deterministic = [False, False]  # (enabled, warn_only)
_matmul_precision = ["highest"]
_JAX_PRECISION = {"highest": "highest", "high": "tensorfloat32", "medium": "bfloat16"}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Mirrors ``torch.use_deterministic_algorithms`` (recorded; see the module note)."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must "
                        f"be bool, not {type(mode).__name__}")
    _deterministic[:] = [mode, bool(warn_only)]


def are_deterministic_algorithms_enabled() -> bool:
    """Mirrors ``torch.are_deterministic_algorithms_enabled``."""
    return _deterministic[0]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Mirrors ``torch.is_deterministic_algorithms_warn_only_enabled``."""
    return _deterministic[1]


def set_float32_matmul_precision(precision: str) -> None:
    """Mirrors ``torch.set_float32_matmul_precision``: sets JAX's default matmul precision.

    Example:
        >>> torch.set_float32_matmul_precision("high")   # TF32 on GPUs that have it
    """
    if precision not in _JAX_PRECISION:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    jax.config.update("jax_default_matmul_precision", _JAX_PRECISION[precision])
    _matmul_precision[0] = precision


def get_float32_matmul_precision() -> str:
    """Mirrors ``torch.get_float32_matmul_precision`` ('highest' unless set)."""
    return _matmul_precision[0]
