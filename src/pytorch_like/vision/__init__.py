"""``pytorch_like.vision``: torchvision's datasets and transforms, so torchvision code ports
by changing the import.

Example:
    >>> from pytorch_like.vision import datasets, transforms
    >>> ds = datasets.MNIST("data", download=True, transform=transforms.ToTensor())
    >>> from pytorch_like.vision import utils as vutils   # make_grid, save_image
"""

from __future__ import annotations

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
