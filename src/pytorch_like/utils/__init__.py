"""``pytorch_like.utils``: mirrors ``torch.utils`` (``utils.data`` for now)."""

from __future__ import annotations

from . import data

__all__ = ["data"]
