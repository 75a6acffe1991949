"""Distances between pairs of inputs; mirrors ``torch.nn.modules.distance``.

Example:
    >>> cos = torch.nn.CosineSimilarity(dim=1)
    >>> cos(torch.ones(2, 3), torch.ones(2, 3))
    tensor([1., 1.])
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Mirrors ``nn.CosineSimilarity(dim=1, eps=1e-8)``: ``F.cosine_similarity``."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """Mirrors ``nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)``:
    ``F.pairwise_distance``."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
