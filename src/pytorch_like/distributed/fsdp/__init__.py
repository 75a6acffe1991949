"""``FullyShardedDataParallel``: data parallel with parameters and optimizer state sharded.

Mirrors ``torch.distributed.fsdp.FullyShardedDataParallel`` for models that do not fit one
device: each parameter (and buffer) whose first dimension divides by the number of devices
is split along that dimension over the ``'data'`` mesh axis; the rest are replicated. The
optimizer's state is created with each parameter's sharding, so it is split the same way.
Under ``pytorch_like.compile`` XLA gathers the parameters where the step needs them and
reduce-scatters the gradients (the ZeRO-3 pattern), all inside one program.

Deliberate differences from torch: no flat parameters or per-layer wrapping
(``auto_wrap_policy`` is accepted and ignored: the whole model is one SPMD program);
``state_dict()`` has the wrapped module's own keys (like torch's full state dict) and
reading it gathers each parameter; ``sharding_strategy=ShardingStrategy.NO_SHARD`` keeps
everything replicated, every other strategy shards.

Example:
    >>> dist.init_process_group()
    >>> model = FullyShardedDataParallel(BigNet())
    >>> optimizer = torch.optim.Adam(model.parameters())   # state sharded like the params
"""

from __future__ import annotations

import enum
from typing import Any

from ...nn.modules.module import Module
from ...nn.parallel._spmd import _SpmdParallel
from .. import _data_mesh, _world

__all__ = ["FullyShardedDataParallel", "ShardingStrategy"]


class ShardingStrategy(enum.Enum):
    """Mirrors ``torch.distributed.fsdp.ShardingStrategy``."""

    FULL_SHARD = enum.auto()
    SHARD_GRAD_OP = enum.auto()
    NO_SHARD = enum.auto()
    HYBRID_SHARD = enum.auto()
    _HYBRID_SHARD_ZERO2 = enum.auto()


class FullyShardedDataParallel(_SpmdParallel):
    """Mirrors ``torch.distributed.fsdp.FullyShardedDataParallel`` (see the module docstring).

    Example:
        >>> model = FullyShardedDataParallel(nn.Linear(1024, 1024))
        >>> model.module.weight._data.sharding.spec    # PartitionSpec('data',)
    """

    _wrapper_name = "FullyShardedDataParallel"

    def __init__(self, module: Module, process_group: Any = None,
                 sharding_strategy: ShardingStrategy | None = None, cpu_offload: Any = None,
                 auto_wrap_policy: Any = None, backward_prefetch: Any = None,
                 mixed_precision: Any = None, ignored_modules: Any = None,
                 param_init_fn: Any = None, device_id: Any = None,
                 sync_module_states: bool = False, forward_prefetch: bool = False,
                 limit_all_gathers: bool = True, use_orig_params: bool = False,
                 ignored_states: Any = None, device_mesh: Any = None) -> None:
        _world(process_group)
        mesh = device_mesh if device_mesh is not None else _data_mesh()
        strategy = sharding_strategy or ShardingStrategy.FULL_SHARD
        # Rank 0's values are always used: processes that start from different seeds would
        # otherwise assemble one parameter from mismatched pieces.
        super().__init__(module, mesh, shard_parameters=strategy is not ShardingStrategy.NO_SHARD,
                         sync_module_states=True)
        self.sharding_strategy = strategy

    def state_dict(self, *args, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict:
        """The wrapped module's state dict (keys without ``"module."``), as torch's
        full state dict."""
        return self.module.state_dict(*args, destination=destination, prefix=prefix,
                                      keep_vars=keep_vars)

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False):
        """Load into the wrapped module, then lay the values out on the mesh again."""
        out = self.module.load_state_dict(state_dict, strict=strict, assign=assign)
        self._place_state(sync=False)
        return out
