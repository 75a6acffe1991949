"""``pytorch_like.onnx``: the names of ``torch.onnx`` that code checks for, without export.

ONNX export traces a model into torch's own operator graph, which does not exist here (the
ops are JAX functions), so ``export`` says so instead of failing with an AttributeError.
Saving the weights with ``torch.save(model.state_dict(), path)`` writes torch's format;
real torch can load them into the same model class and export from there.

Example:
    >>> import pytorch_like as torch
    >>> torch.onnx.is_in_onnx_export()
    False
"""

from __future__ import annotations

from typing import Any

__all__ = ["export", "is_in_onnx_export"]


def export(model: Any, args: Any = (), f: Any = None, *unused: Any, **kwargs: Any) -> None:
    """Not supported: raises NotImplementedError (torch.onnx.export's signature is accepted)."""
    raise NotImplementedError(
        "torch.onnx.export is not supported by pytorch_like (its ops are JAX functions, not "
        "torch's operator graph). Save the weights with torch.save(model.state_dict(), path) "
        "and export with real torch after loading them into the same model class there.")


def is_in_onnx_export() -> bool:
    """Mirrors ``torch.onnx.is_in_onnx_export``: always False, since export never runs here."""
    return False
