"""``torch.cuda.amp``: the older spelling of ``torch.amp`` with device ``'cuda'``.

torch deprecates these names with a ``FutureWarning`` that points at the new ones; so does
this module. Example:
    >>> scaler = torch.cuda.amp.GradScaler()      # same as torch.amp.GradScaler('cuda')
"""

from __future__ import annotations

from .. import _dtype as D
from ..amp._aliases import device_aliases

__all__ = ["autocast", "GradScaler"]

autocast, GradScaler = device_aliases("cuda", D.float16, __name__)
