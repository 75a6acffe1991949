"""``pytorch_like.utils``: mirrors ``torch.utils`` (``utils.data``, ``utils.checkpoint``)."""

from __future__ import annotations

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
