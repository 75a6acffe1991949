"""``torch.nn``: Module, Parameter, layers, ``functional``, ``init`` and ``utils``.

Mirrors ``torch.nn``: model code written for torch runs unchanged with
``import pytorch_like as torch``.

Example:
    >>> import pytorch_like as torch
    >>> from pytorch_like import nn
    >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    >>> model(torch.randn(64, 784)).shape
    torch.Size([64, 10])
"""

from __future__ import annotations

from . import functional, init, utils
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from . import parallel  # noqa: E402
from .parallel import DataParallel  # noqa: E402

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "functional",
           "init", "utils", "parallel", "DataParallel"] + list(_modules_all)
