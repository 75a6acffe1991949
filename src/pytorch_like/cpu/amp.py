"""``torch.cpu.amp``: the older spelling of ``torch.amp`` with device ``'cpu'``.

torch deprecates these names with a ``FutureWarning`` that points at the new ones; so does
this module. Example:
    >>> with torch.cpu.amp.autocast():           # same as torch.amp.autocast('cpu')
    ...     out = model(x)                         # matmuls and convolutions in bfloat16
"""

from __future__ import annotations

from .. import _dtype as D
from ..amp._aliases import device_aliases

__all__ = ["autocast", "GradScaler"]

autocast, GradScaler = device_aliases("cpu", D.bfloat16, __name__)
