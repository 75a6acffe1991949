"""``torch.backends.mps``: Apple's Metal backend, never available here."""

from __future__ import annotations


def is_available() -> bool:
    """Mirrors ``torch.backends.mps.is_available``: False (no Metal backend in JAX here)."""
    return False


def is_built() -> bool:
    """Mirrors ``torch.backends.mps.is_built``: False."""
    return False
