"""The machinery DataParallel, DistributedDataParallel and FSDP share.

A wrapper holds the user's module as ``.module`` and a 1-D ``jax.sharding.Mesh`` with axis
``'data'``. At construction every parameter and buffer is placed on the mesh (replicated,
or split along its first dimension for FSDP) by rebinding the tensor's array. ``forward``
constrains each input tensor to be split along the batch dimension and calls the module.
Under ``pytorch_like.compile`` the whole step is one SPMD program: XLA partitions it over
the mesh and inserts the gradient all-reduce (or reduce-scatter for sharded parameters).

With several processes, each process holds its own part of the batch; the arrays a
compiled step receives are assembled into global arrays (``_place_compiled_inputs``,
which ``pytorch_like.compile`` calls) before the program runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from ...ops._dispatch import Op, apply
from ...tensor import Tensor
from ..modules.module import Module

_AXIS = "data"


def _constrain(a, sharding):
    return jax.lax.with_sharding_constraint(a, sharding)


# Differentiable, so gradients flow back to inputs that require grad; its transpose is
# the same constraint, so the batch gradient stays split too.
_SHARD_BATCH = Op("shard_batch", _constrain, saves=(), grad_name="ShardBatchBackward0")


def _is_traced(a) -> bool:
    return isinstance(a, jax.core.Tracer)


def _process_local(a) -> bool:
    """True for an array that belongs to this process only (not a global array)."""
    return not isinstance(a, jax.Array) or (a.is_fully_addressable
                                            and jax.process_count() > 1)


class _SpmdParallel(Module):
    """Base of the data-parallel wrappers; see the module docstring."""

    _wrapper_name = "DataParallel"

    def __init__(self, module: Module, mesh: jax.sharding.Mesh, dim: int = 0,
                 shard_parameters: bool = False, sync_module_states: bool = True) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: expected an nn.Module, got "
                            f"{type(module).__name__}")
        if dim != 0:
            raise NotImplementedError(
                f"{type(self).__name__}: only dim=0 (batch first) is supported, got {dim}")
        self.module = module
        self.dim = dim
        # Plain attributes (not Modules or Tensors): compile does not treat them as state.
        object.__setattr__(self, "_mesh", mesh)
        object.__setattr__(self, "_shard_parameters", bool(shard_parameters))
        object.__setattr__(self, "_batch_sharding", NamedSharding(mesh, P(_AXIS)))
        object.__setattr__(self, "_replicated", NamedSharding(mesh, P()))
        self._place_state(sync_module_states)

    # -- placement -------------------------------------------------------------------------
    @property
    def device_mesh(self) -> jax.sharding.Mesh:
        """The ``jax.sharding.Mesh`` (one axis, ``'data'``) the batch is split over."""
        return self._mesh

    def _param_sharding(self, shape: tuple) -> NamedSharding:
        n = self._mesh.size
        if self._shard_parameters and len(shape) >= 1 and shape[0] % n == 0 and shape[0] >= n:
            return NamedSharding(self._mesh, P(_AXIS))
        return self._replicated

    def _state_tensors(self) -> list[Tensor]:
        out, seen = [], set()
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            for x in (t, t._grad):
                if x is not None and id(x._cell) not in seen:
                    seen.add(id(x._cell))
                    out.append(x)
        return out

    def _place_state(self, sync: bool) -> None:
        tensors = self._state_tensors()
        if jax.process_count() > 1:
            from jax.experimental import multihost_utils

            host = [_host_value(t._cell.a) for t in tensors]
            if sync:
                # torch's DDP broadcasts rank 0's parameters and buffers at construction.
                host = [np.asarray(h) for h in
                        multihost_utils.broadcast_one_to_all(host)] if host else host
            for t, h in zip(tensors, host):
                sharding = self._param_sharding(h.shape)
                h = np.asarray(h, dtype=t._cell.peek().dtype)
                t._cell.a = jax.make_array_from_callback(h.shape, sharding,
                                                         lambda idx, h=h: h[idx])
        else:
            for t in tensors:
                a = t._cell.a
                t._cell.a = jax.device_put(a, self._param_sharding(a.shape))

    # -- the batch -------------------------------------------------------------------------
    def _divisible(self, shape: tuple, n: int, what: str) -> None:
        b = shape[0]
        if b % n != 0:
            raise ValueError(
                f"{self._wrapper_name}: batch size {b} (dimension 0 of an input of shape "
                f"{tuple(shape)}) is not divisible by the {n} devices of the '{_AXIS}' mesh "
                f"axis{what}; use a batch size that is a multiple of {n} (for example "
                "drop_last=True in the DataLoader)")

    def _local_device_count(self) -> int:
        return sum(1 for d in self._mesh.devices.flat if d.process_index == jax.process_index())

    def _global_batch(self, a):
        """A process-local batch part → the global array split along the 'data' axis."""
        if getattr(a, "ndim", 0) == 0:
            h = np.asarray(a)
            return jax.make_array_from_callback(h.shape, self._replicated, lambda idx: h[idx])
        self._divisible(a.shape, self._local_device_count(),
                        " in this process (each process splits its own part of the batch)")
        # A jax.Array is split device to device; anything else comes from the host.
        local = a if isinstance(a, jax.Array) else np.asarray(a)
        return jax.make_array_from_process_local_data(self._batch_sharding, local)

    def _shard_input(self, x: Any) -> Any:
        if not isinstance(x, Tensor):
            return x
        a = x._cell.a
        if a.ndim == 0:
            return x
        if not _is_traced(a) and _process_local(a):
            return Tensor._make(self._global_batch(a), x._dtype)
        self._divisible(a.shape, self._mesh.size, "")
        return apply(_SHARD_BATCH, (x,), static=(("sharding", self._batch_sharding),))

    def _place_compiled_inputs(self, arrays: list) -> list:
        """Called by ``pytorch_like.compile`` with the step's tensor arguments.

        Several processes: each argument is this process's part of the global batch (a
        0-d one is a value all processes share). One process: batch-like arguments are
        laid out along the mesh before the call, so the program does not scatter them.
        """
        out = []
        n = self._mesh.size
        for a in arrays:
            if _process_local(a):
                out.append(self._global_batch(a))
            elif (getattr(a, "ndim", 0) >= 1 and a.shape[0] % n == 0 and n > 1
                  and isinstance(a, jax.Array) and a.sharding != self._batch_sharding):
                out.append(jax.device_put(a, self._batch_sharding))
            else:
                out.append(a)
        return out

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Split every tensor input along the batch dimension over the mesh, then run
        ``self.module`` on it."""
        inputs, kwargs = jax.tree_util.tree_map(
            self._shard_input, (inputs, kwargs), is_leaf=lambda v: isinstance(v, Tensor))
        return self.module(*inputs, **kwargs)

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False):
        """Mirrors ``Module.load_state_dict``; the loaded values are then laid out on the
        mesh again (replicated, or split for FSDP)."""
        out = super().load_state_dict(state_dict, strict=strict, assign=assign)
        self._place_state(sync=False)
        return out

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Mirrors ``DistributedDataParallel.no_sync``: accepted for gradient accumulation.

        There is no separate all-reduce to postpone: gradients are always those of the
        global batch, and accumulating them gives what torch gives after its final sync.
        """
        yield

    def extra_repr(self) -> str:
        return f"devices={self._mesh.size}"


def _host_value(a) -> np.ndarray:
    if isinstance(a, jax.Array) and not a.is_fully_addressable:
        if not a.is_fully_replicated:
            from jax.experimental import multihost_utils
            return np.asarray(multihost_utils.process_allgather(a, tiled=True))
        a = a.addressable_data(0)
    return np.asarray(a)
