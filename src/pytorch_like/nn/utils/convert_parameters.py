"""parameters_to_vector and vector_to_parameters; mirror ``torch.nn.utils``'s.

Example:
    >>> v = torch.nn.utils.parameters_to_vector(model.parameters())
    >>> torch.nn.utils.vector_to_parameters(v * 0, model.parameters())
"""

from __future__ import annotations

from typing import Iterable

from ...ops import shape as _shape
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Mirrors ``nn.utils.parameters_to_vector``: all parameters flattened into one vector
    (differentiable, like torch's)."""
    return _shape.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Mirrors ``nn.utils.vector_to_parameters``: slice ``vec`` back into each parameter's
    ``.data``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[pointer:pointer + n].reshape(tuple(p.shape)).to(p.dtype).data
        pointer += n
