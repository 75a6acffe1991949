"""``torch.nn.parallel``: data parallelism on JAX's SPMD sharding.

Mirrors ``torch.nn.parallel``: ``DistributedDataParallel`` (every device of every process)
and ``DataParallel`` (the devices of this process). Both lay the batch out along a
``jax.sharding.Mesh`` axis named ``'data'``, keep parameters replicated, and let XLA insert
the gradient all-reduce when the training step runs under ``pytorch_like.compile``.

Example:
    >>> model = nn.parallel.DistributedDataParallel(Net())
"""

from __future__ import annotations

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
