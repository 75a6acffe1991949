"""``torch.nn.utils.skip_init``: build a module whose parameters and buffers are left
uninitialized.

Mirrors ``torch.nn.utils.skip_init(module_cls, *args, **kwargs)``, including its checks
(the class must be a Module taking a ``device`` argument).

Deliberate difference: there is no ``meta`` device, so the module is built normally (its
initializers run) and every parameter and buffer is then replaced by ``empty_like`` (which
is zero-filled here: JAX has no uninitialized memory). The result is the same as torch's
contract (values to be overwritten by the caller), not faster.

Example:
    >>> layer = torch.nn.utils.skip_init(torch.nn.Linear, 5, 1)
    >>> layer.weight.shape
    torch.Size([1, 5])
"""

from __future__ import annotations

import inspect
from typing import Any

from ...autograd.grad_mode import no_grad
from ...ops import creation
from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """Mirrors ``torch.nn.utils.skip_init``: ``module_cls(*args, **kwargs)`` with
    uninitialized (here: zero-filled) parameters and buffers.

    Example:
        >>> layer = skip_init(torch.nn.Linear, 5, 1)
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    module = module_cls(*args, **kwargs)
    with no_grad():
        for m in module.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.copy_(creation.empty_like(p))
            for name, b in m._buffers.items():
                if b is not None:
                    m._buffers[name] = creation.empty_like(b)
    return module
