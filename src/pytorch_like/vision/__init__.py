"""``pytorch_like.vision``: torchvision's datasets and transforms, so torchvision code ports
by changing the import.

Example:
    >>> from pytorch_like.vision import datasets, transforms
    >>> ds = datasets.MNIST("data", download=True, transform=transforms.ToTensor())
"""

from __future__ import annotations

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
