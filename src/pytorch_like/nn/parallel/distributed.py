"""``DistributedDataParallel``: data parallel over every device of every process.

Mirrors ``torch.nn.parallel.DistributedDataParallel``: wrap the model after
``init_process_group``; parameters and buffers are made equal to rank 0's; the module is
``.module`` and ``state_dict()`` keys start with ``"module."``.

How it runs: one ``jax.sharding.Mesh`` with axis ``'data'`` spans all devices of all
processes; parameters are replicated on it; each input is split along dim 0. Under
``pytorch_like.compile`` the training step is one SPMD program and XLA inserts the
gradient all-reduce, so parameters and optimizer state stay replicated and equal.

Deliberate differences from torch:
- Use it under ``pytorch_like.compile`` when there are several processes: the compiled
  step assembles each process's tensor arguments into the global batch (every tensor
  argument of the step is this process's part of the batch along dim 0). Eagerly, the
  wrapper's output is a global array; combining it with tensors that only exist in one
  process (labels not passed through the model) is not supported.
- The loss a step returns is the loss of the *global* batch (torch returns each rank's
  local loss); gradients and updated weights are the same as torch's.
- ``device_ids``, ``output_device``, ``bucket_cap_mb``, ``find_unused_parameters``,
  ``gradient_as_bucket_view``, ``static_graph`` are accepted and ignored (XLA schedules the
  communication); ``broadcast_buffers`` is honoured once, at construction.

Example:
    >>> dist.init_process_group("gloo")
    >>> model = DistributedDataParallel(Net())
    >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> @torch.compile
    ... def step(x, y):
    ...     optimizer.zero_grad()
    ...     loss = F.cross_entropy(model(x), y)
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss
"""

from __future__ import annotations

from typing import Any

from ... import distributed as _dist
from ..modules.module import Module
from ._spmd import _SpmdParallel

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(_SpmdParallel):
    """Mirrors ``torch.nn.parallel.DistributedDataParallel`` (see the module docstring).

    ``device_mesh`` may be a ``jax.sharding.Mesh`` with one axis named ``'data'`` to use a
    subset of the devices.
    """

    _wrapper_name = "DistributedDataParallel"

    def __init__(self, module: Module, device_ids: list | None = None,
                 output_device: Any = None, dim: int = 0, broadcast_buffers: bool = True,
                 process_group: Any = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params: Any = None,
                 param_to_hook_all_reduce: Any = None, mixed_precision: Any = None,
                 device_mesh: Any = None) -> None:
        _dist._world(process_group)  # torch: the default process group must exist
        mesh = device_mesh if device_mesh is not None else _dist._data_mesh()
        super().__init__(module, mesh, dim=dim, shard_parameters=False,
                         sync_module_states=True)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
