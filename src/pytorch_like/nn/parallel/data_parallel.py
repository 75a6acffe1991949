"""``DataParallel``: one process, its batch split over this process's devices.

Mirrors ``torch.nn.DataParallel``: ``DataParallel(model)`` runs ``model`` with each input
split along dim 0 over the devices (``device_ids``: indices into this process's devices,
default all); ``.module`` is the wrapped model and ``state_dict()`` keys start with
``"module."``. No process group is needed.

How it runs: parameters are replicated on a ``jax.sharding.Mesh`` (axis ``'data'``) of
those devices and each input is sharded across it; there are no module replicas or
threads. Under ``pytorch_like.compile`` XLA partitions the step and inserts the gradient
all-reduce. Deliberate difference: the output stays split across the devices (a
``jax.Array`` sharded along dim 0) instead of being gathered on ``output_device``; reading
it (``.item()``, ``.numpy()``, printing) gathers it.

Example:
    >>> model = nn.DataParallel(Net())
    >>> out = model(torch.randn(64, 784))    # 64 rows split over all local devices
"""

from __future__ import annotations

from typing import Any

import jax

from ... import distributed as _dist
from ..modules.module import Module
from ._spmd import _SpmdParallel

__all__ = ["DataParallel"]


class DataParallel(_SpmdParallel):
    """Mirrors ``torch.nn.DataParallel`` (see the module docstring)."""

    _wrapper_name = "DataParallel"

    def __init__(self, module: Module, device_ids: list | None = None,
                 output_device: Any = None, dim: int = 0) -> None:
        local = jax.local_devices()
        if device_ids is None:
            devices = tuple(local)
        else:
            idx = [int(getattr(d, "index", d) or 0) if not isinstance(d, int) else d
                   for d in device_ids]
            for i in idx:
                if not 0 <= i < len(local):
                    raise ValueError(f"DataParallel: device id {i} is out of range: this "
                                     f"process has {len(local)} devices")
            devices = tuple(local[i] for i in idx)
        super().__init__(module, _dist._data_mesh(devices), dim=dim,
                         sync_module_states=False)
        self.device_ids = list(range(len(devices))) if device_ids is None else list(device_ids)
        self.output_device = output_device if output_device is not None else self.device_ids[0]
