"""ChannelShuffle: interleaves the channels of ``groups`` groups (ShuffleNet).

Mirrors ``torch.nn.ChannelShuffle``.

Example:
    >>> import pytorch_like as torch
    >>> torch.nn.ChannelShuffle(2)(torch.arange(4.).reshape(1, 4, 1, 1)).flatten()
    tensor([0., 2., 1., 3.])
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Splits dimension 1 into ``groups`` groups and interleaves them; mirrors
    ``torch.nn.ChannelShuffle``.

    Example:
        >>> torch.nn.ChannelShuffle(3)(torch.randn(1, 6, 2, 2)).shape
        torch.Size([1, 6, 2, 2])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
