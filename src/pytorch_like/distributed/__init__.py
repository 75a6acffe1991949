"""``pytorch_like.distributed``: torch.distributed's process group on JAX's multi-process runtime.

Mirrors ``torch.distributed``: ``init_process_group`` reads torchrun's environment
(``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``) and starts
``jax.distributed``; ``get_rank``, ``get_world_size``, ``barrier``, ``all_reduce``,
``all_gather`` and ``broadcast`` work across processes as torch's do (one rank = one
process); ``destroy_process_group`` shuts the runtime down.

How it maps onto JAX: every process is one JAX *controller*; after ``init_process_group``,
``jax.devices()`` lists the devices of all processes. Training does not call these
collectives: ``nn.parallel.DistributedDataParallel`` lays the batch out over a
``jax.sharding.Mesh`` of all devices and XLA inserts the gradient all-reduce itself.
The collectives here are for everything else (metrics, flags, syncing a value) and go
through ``jax.experimental.multihost_utils``.

Deliberate differences from torch:
- ``init_process_group`` must run before the first tensor is created (JAX starts its
  multi-process runtime before its backends); with ``world_size == 1`` nothing is started.
- Without ``MASTER_ADDR``/``RANK``/``WORLD_SIZE`` (and no ``init_method``), JAX's own
  cluster detection is tried (Cloud TPU pod slices, SLURM, Open MPI), so one call works
  on a TPU pod slice with one process per host.
- Only the default group exists (``new_group`` is not provided); ``async_op=True`` runs
  the collective at once and returns a completed ``Work``.
- On CPU, collectives between processes use gloo (``jax_cpu_collectives_implementation``).

Example:
    >>> import pytorch_like as torch
    >>> import pytorch_like.distributed as dist
    >>> dist.init_process_group("gloo")          # started by the launcher (run.py)
    >>> t = torch.tensor([float(dist.get_rank())])
    >>> dist.all_reduce(t)                        # t = 0 + 1 + ... + (world_size - 1)
"""

from __future__ import annotations

import datetime
import enum
import os
import socket
import time
import urllib.parse
from typing import Any

import jax
import numpy as np

from ..tensor import Tensor

__all__ = [
    "Backend", "DistError", "DistStoreError", "GroupMember", "ProcessGroup", "ReduceOp",
    "Work", "all_gather", "all_reduce", "barrier", "broadcast", "default_pg_timeout",
    "destroy_process_group", "get_backend", "get_rank", "get_world_size",
    "init_process_group", "is_available", "is_gloo_available", "is_initialized",
    "is_nccl_available", "is_torchelastic_launched",
]

default_pg_timeout = datetime.timedelta(minutes=30)  # torch's default_pg_timeout

_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")


class DistError(RuntimeError):
    """Mirrors ``torch.distributed.DistError``: a failure of the distributed runtime."""


class DistStoreError(DistError):
    """Mirrors ``torch.distributed.DistStoreError``: the rendezvous failed or timed out."""


class Backend(str):
    """Mirrors ``torch.distributed.Backend``: a backend name (lower case).

    Every name runs on JAX's runtime: XLA's collectives on GPU and TPU, gloo on CPU.
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"
    XLA = "xla"

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, "
                             f"but got: {type(name)}")
        return super().__new__(cls, name.lower())


class _RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4


class ReduceOp:
    """Mirrors ``torch.distributed.ReduceOp``: ``SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``."""

    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    RedOpType = _RedOpType


class ProcessGroup:
    """The default (world) group: which process this is and how many there are."""

    def __init__(self, rank: int, world_size: int, backend: str) -> None:
        self._rank = rank
        self._world_size = world_size
        self._backend = backend

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._world_size

    def __repr__(self) -> str:
        return f"ProcessGroup(rank={self._rank}, world_size={self._world_size})"


class GroupMember:
    """Mirrors ``torch.distributed.GroupMember``: ``WORLD`` is the default group once
    ``init_process_group`` has run."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


class Work:
    """Mirrors ``torch.distributed.Work``, the handle ``async_op=True`` returns.

    The collective has already finished when it is returned.
    """

    def wait(self, timeout: datetime.timedelta | None = None) -> bool:
        return True

    def is_completed(self) -> bool:
        return True

    def is_success(self) -> bool:
        return True


class _World:
    group: ProcessGroup | None = None
    jax_started = False
    mesh_cache: dict = {}


def is_available() -> bool:
    """Mirrors ``torch.distributed.is_available``: always True (JAX's runtime is built in)."""
    return True


def is_gloo_available() -> bool:
    """Mirrors ``torch.distributed.is_gloo_available``: CPU collectives use gloo."""
    return True


def is_nccl_available() -> bool:
    """Mirrors ``torch.distributed.is_nccl_available``: True when JAX sees CUDA devices.

    Calling this starts JAX's backends, so call it after ``init_process_group``.
    """
    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def is_torchelastic_launched() -> bool:
    """Mirrors ``torch.distributed.is_torchelastic_launched``: started by a launcher
    (``torchrun`` or ``python -m pytorch_like.distributed.run``)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized() -> bool:
    """Mirrors ``torch.distributed.is_initialized``."""
    return _World.group is not None


def _world(group: Any = None) -> ProcessGroup:
    if _World.group is None:
        raise ValueError(_NOT_INIT)
    if group is not None and group is not _World.group:
        raise NotImplementedError(
            "pytorch_like.distributed only has the default process group (group=None)")
    return _World.group


def get_rank(group: ProcessGroup | None = None) -> int:
    """Mirrors ``torch.distributed.get_rank``: this process's rank in the default group."""
    return _world(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Mirrors ``torch.distributed.get_world_size``: the number of processes."""
    return _world(group).size()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    """Mirrors ``torch.distributed.get_backend``: the name given to ``init_process_group``."""
    return Backend(_world(group)._backend)


# -- init_process_group ------------------------------------------------------------------

def _env_error(method: str, what: str) -> ValueError:
    return ValueError(f"Error initializing torch.distributed using {method} rendezvous: "
                      f"{what}")


def _int_env(name: str) -> int | None:
    v = os.environ.get(name)
    return None if v is None or v == "" else int(v)


def _parse_init(init_method: str | None, rank: int, world_size: int):
    """(method name, address, port, rank, world_size) from ``init_method`` and the env."""
    if init_method is None or init_method.startswith("env://"):
        method = "env://"
        query = urllib.parse.parse_qs(urllib.parse.urlparse(init_method or "env://").query)
        if rank == -1 and "rank" in query:
            rank = int(query["rank"][0])
        if world_size == -1 and "world_size" in query:
            world_size = int(query["world_size"][0])
        if rank == -1:
            r = _int_env("RANK")
            if r is None:
                raise _env_error(method, "environment variable RANK expected, but not set")
            rank = r
        if world_size == -1:
            w = _int_env("WORLD_SIZE")
            if w is None:
                raise _env_error(method,
                                 "environment variable WORLD_SIZE expected, but not set")
            world_size = w
        addr = os.environ.get("MASTER_ADDR")
        if not addr:
            raise _env_error(method, "environment variable MASTER_ADDR expected, but not set")
        port = _int_env("MASTER_PORT")
        if port is None:
            raise _env_error(method, "environment variable MASTER_PORT expected, but not set")
        return method, addr, port, rank, world_size
    if init_method.startswith("tcp://"):
        method = "tcp://"
        url = urllib.parse.urlparse(init_method)
        query = urllib.parse.parse_qs(url.query)
        if rank == -1 and "rank" in query:
            rank = int(query["rank"][0])
        if world_size == -1 and "world_size" in query:
            world_size = int(query["world_size"][0])
        if rank == -1:
            raise _env_error(method, "rank parameter missing")
        if world_size == -1:
            raise _env_error(method, "world size parameter missing")
        if url.hostname is None or url.port is None:
            raise _env_error(method, f"port number missing in {init_method!r}")
        return method, url.hostname, url.port, rank, world_size
    raise ValueError(f"init_method {init_method!r} is not supported by pytorch_like.distributed "
                     "(use 'env://' or 'tcp://host:port')")


def _recv_line(conn: socket.socket, deadline: float) -> bytes:
    buf = b""
    while not buf.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        conn.settimeout(remaining)
        chunk = conn.recv(64)
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf.strip()


def _rendezvous(addr: str, port: int, rank: int, world_size: int, timeout_s: float) -> None:
    """Wait until all ``world_size`` processes have reached ``init_process_group``.

    JAX's coordinator aborts the whole process (a C++ fatal error) when a peer never
    registers, so the join is checked first over a plain TCP socket on MASTER_PORT, where a
    timeout can be a Python exception naming what is missing. Rank 0 releases the port
    before JAX's coordinator binds it.
    """
    deadline = time.monotonic() + timeout_s
    if rank == 0:
        if socket.has_dualstack_ipv6():
            srv = socket.create_server(("", port), family=socket.AF_INET6, dualstack_ipv6=True)
        else:
            srv = socket.create_server(("", port))
        conns: dict[int, socket.socket] = {}
        try:
            while len(conns) < world_size - 1:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DistStoreError(
                        f"Timed out after {timeout_s:g} seconds waiting for clients. "
                        f"{len(conns) + 1}/{world_size} clients joined. Missing ranks: "
                        f"{sorted(set(range(1, world_size)) - set(conns))}.")
                srv.settimeout(remaining)
                try:
                    conn, _ = srv.accept()
                except TimeoutError:
                    continue
                try:
                    their_rank, their_world = map(int, _recv_line(conn, deadline).split())
                except (TimeoutError, ConnectionError, ValueError, OSError):
                    conn.close()
                    continue
                if their_world != world_size or their_rank in conns or not (
                        0 < their_rank < world_size):
                    conn.close()
                    raise DistStoreError(
                        f"Rendezvous mismatch: a process joined as rank {their_rank} of "
                        f"world size {their_world}, but rank 0 expects world size {world_size}"
                        " and distinct ranks 1..world_size-1")
                conns[their_rank] = conn
            for conn in conns.values():
                conn.sendall(b"go\n")
            # Let the clients close first, so the port is free for JAX's coordinator.
            for conn in conns.values():
                conn.settimeout(max(1.0, deadline - time.monotonic()))
                try:
                    conn.recv(8)
                except OSError:
                    pass
        finally:
            for conn in conns.values():
                conn.close()
            srv.close()
        return
    conn = None
    while conn is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DistStoreError(
                f"Timed out after {timeout_s:g} seconds trying to connect to the master "
                f"(rank 0) at {addr}:{port} from rank {rank}.")
        try:
            conn = socket.create_connection((addr, port), timeout=min(remaining, 5.0))
        except OSError:
            time.sleep(min(0.1, max(remaining, 0)))
    try:
        conn.sendall(f"{rank} {world_size}\n".encode())
        try:
            reply = _recv_line(conn, deadline)
        except TimeoutError:
            raise DistStoreError(
                f"Timed out after {timeout_s:g} seconds waiting for all {world_size} "
                f"processes to join (rank {rank}, master {addr}:{port}).") from None
        except (ConnectionError, OSError):
            raise DistStoreError(
                f"The master (rank 0) at {addr}:{port} closed the rendezvous before all "
                f"{world_size} processes joined (see rank 0's error).") from None
        if reply != b"go":
            raise DistStoreError(f"Unexpected rendezvous reply {reply!r} from {addr}:{port}")
    finally:
        conn.close()


def _backends_started() -> bool:
    try:
        from jax._src import xla_bridge
        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):
        return False


def _start_jax(coordinator: str | None, world_size: int | None, rank: int | None,
               local_device_ids: list[int] | None, timeout_s: int) -> None:
    if _backends_started():
        raise RuntimeError(
            "init_process_group must be called before any tensor is created or any JAX "
            "computation runs: JAX's multi-process runtime has to start before its devices.")
    if not os.environ.get("JAX_CPU_COLLECTIVES_IMPLEMENTATION"):
        # Cross-process CPU collectives need an implementation; GPU/TPU ignore this.
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=world_size,
                               process_id=rank, local_device_ids=local_device_ids,
                               initialization_timeout=timeout_s)
    _World.jax_started = True


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Mirrors ``torch.distributed.init_process_group``: join the default process group.

    ``init_method`` is ``"env://"`` (the default: ``MASTER_ADDR``, ``MASTER_PORT``,
    ``RANK``, ``WORLD_SIZE`` from the environment, as torchrun and
    ``python -m pytorch_like.distributed.run`` set them) or ``"tcp://host:port"`` with
    ``rank`` and ``world_size``. When none of those are given, JAX's cluster detection
    (TPU pod slice, SLURM, Open MPI) is used. ``backend`` (``"gloo"``, ``"nccl"``, ...) is
    recorded for ``get_backend``; JAX picks the collectives for the devices it finds.
    When ``LOCAL_WORLD_SIZE > 1`` (several processes per host, one per GPU), each process
    keeps only the GPU ``LOCAL_RANK`` (or ``device_id``).

    A process that never joins makes every other one raise ``DistStoreError`` after
    ``timeout`` (default 30 minutes), instead of hanging. ``store``, ``group_name`` and
    ``pg_options`` are accepted and ignored.

    Example:
        >>> dist.init_process_group(backend="gloo", timeout=datetime.timedelta(seconds=60))
    """
    if _World.group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if timeout is None:
        timeout = default_pg_timeout
    timeout_s = max(1.0, timeout.total_seconds())
    env_given = any(os.environ.get(k) for k in ("MASTER_ADDR", "RANK", "WORLD_SIZE"))
    if init_method is None and not env_given and world_size == -1 and rank == -1:
        # No torchrun environment: let JAX detect a TPU pod slice / SLURM / MPI job.
        missing = _env_error("env://", "environment variable RANK expected, but not set")
        if _backends_started():
            raise missing
        try:
            _start_jax(None, None, None, None, int(timeout_s))
        except ValueError:
            raise missing from None
        rank, world_size = jax.process_index(), jax.process_count()
    else:
        _method, addr, port, rank, world_size = _parse_init(init_method, rank, world_size)
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"Invalid rank {rank} for world size {world_size}: rank must be in "
                             f"[0, {world_size - 1}]")
        if world_size > 1:
            local = None
            local_world = _int_env("LOCAL_WORLD_SIZE") or 1
            if device_id is not None:
                local = [int(getattr(device_id, "index", device_id) or 0)]
            elif local_world > 1:
                local = [_int_env("LOCAL_RANK") or 0]
            _rendezvous(addr, port, rank, world_size, timeout_s)
            _start_jax(f"{addr}:{port}", world_size, rank, local, int(timeout_s))
            if jax.process_count() != world_size:
                raise DistError(f"JAX started {jax.process_count()} processes, expected "
                                f"{world_size}")
    _World.group = ProcessGroup(rank, world_size, str(backend or "xla").lower())
    GroupMember.WORLD = _World.group


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Mirrors ``torch.distributed.destroy_process_group``: leave the default group and shut
    JAX's multi-process runtime down (a later ``init_process_group`` in the same process
    is not supported by JAX)."""
    if _World.group is None:
        raise AssertionError("Process group cannot be None")
    _world(group)
    if _World.jax_started:
        jax.distributed.shutdown()
        _World.jax_started = False
    _World.group = None
    GroupMember.WORLD = None
    _World.mesh_cache.clear()


# -- meshes used by nn.parallel ------------------------------------------------------------

def _data_mesh(devices: tuple | None = None) -> jax.sharding.Mesh:
    """A 1-D mesh named 'data' over ``devices`` (default: every device of every process)."""
    devs = tuple(jax.devices()) if devices is None else tuple(devices)
    mesh = _World.mesh_cache.get(devs)
    if mesh is None:
        mesh = _World.mesh_cache[devs] = jax.sharding.Mesh(np.array(devs, dtype=object),
                                                          ("data",))
    return mesh


# -- collectives -----------------------------------------------------------------------------

def _check_tensor(tensor: Any, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}(): argument 'tensor' must be Tensor, not "
                        f"{type(tensor).__name__}")
    if isinstance(tensor._cell.a, jax.core.Tracer):
        raise RuntimeError(
            f"{name}() cannot run inside pytorch_like.compile: collectives between processes "
            "run eagerly. For training, wrap the model in DistributedDataParallel and XLA "
            "inserts the gradient all-reduce into the compiled step.")


def _local(a) -> np.ndarray:
    """This process's value of ``a`` as a host array."""
    if isinstance(a, jax.Array) and not a.is_fully_addressable:
        if not a.is_fully_replicated:
            raise ValueError("this tensor is sharded across processes; a collective needs each "
                             "process's own full value")
        a = a.addressable_data(0)
    return np.asarray(a)


def _put_like(host: np.ndarray, like):
    host = np.asarray(host, dtype=like.dtype)
    if isinstance(like, jax.Array):
        sharding = like.sharding
        if not like.is_fully_addressable:
            return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])
        if getattr(like, "_committed", False):
            return jax.device_put(host, sharding)
    return jax.numpy.asarray(host)


def _store(tensor: Tensor, host: np.ndarray) -> None:
    # c10d collectives write into the tensor's storage outside autograd, like torch.
    tensor._cell.a = _put_like(host, tensor._cell.a)
    tensor._ver[0] += 1


def _done(async_op: bool) -> Work | None:
    return Work() if async_op else None


def _gather(a) -> np.ndarray:
    from jax.experimental import multihost_utils
    return np.asarray(multihost_utils.process_allgather(_local(a), tiled=False))


_REDUCE = {
    _RedOpType.SUM: lambda g: g.sum(0),
    _RedOpType.AVG: lambda g: g.mean(0),
    _RedOpType.PRODUCT: lambda g: g.prod(0),
    _RedOpType.MIN: lambda g: g.min(0),
    _RedOpType.MAX: lambda g: g.max(0),
}


def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Mirrors ``torch.distributed.all_reduce``: ``tensor`` becomes the reduction over all
    processes, in place. ``op``: ``ReduceOp.SUM`` (default), ``AVG``, ``PRODUCT``, ``MIN``,
    ``MAX``.

    Example:
        >>> t = torch.ones(3) * (dist.get_rank() + 1)
        >>> dist.all_reduce(t, op=dist.ReduceOp.MAX)   # every rank: [world_size] * 3
    """
    pg = _world(group)
    _check_tensor(tensor, "all_reduce")
    if op not in _REDUCE:
        raise ValueError(f"all_reduce: unsupported reduce op {op!r}")
    if pg.size() == 1:
        return _done(async_op)
    g = _gather(tensor._cell.a)
    _store(tensor, _REDUCE[op](g.astype(np.float64) if op is _RedOpType.AVG else g))
    return _done(async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Mirrors ``torch.distributed.all_gather``: ``tensor_list[i]`` receives rank ``i``'s
    ``tensor``; the list must hold ``world_size`` tensors shaped like ``tensor``.

    Example:
        >>> out = [torch.zeros(2) for _ in range(dist.get_world_size())]
        >>> dist.all_gather(out, torch.full((2,), float(dist.get_rank())))
    """
    pg = _world(group)
    _check_tensor(tensor, "all_gather")
    n = pg.size()
    if not isinstance(tensor_list, list) or len(tensor_list) != n:
        got = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else "not a list"
        raise RuntimeError(f"all_gather: invalid output tensor list (expected length {n}, "
                           f"got {got})")
    for i, out in enumerate(tensor_list):
        if not isinstance(out, Tensor) or tuple(out.shape) != tuple(tensor.shape):
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"all_gather: invalid output tensor at index {i} (expected "
                               f"shape {tuple(tensor.shape)}, got {shape})")
    g = _gather(tensor._cell.a) if n > 1 else _local(tensor._cell.a)[None]
    for out, value in zip(tensor_list, g):
        _store(out, value)
    return _done(async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Mirrors ``torch.distributed.broadcast``: every process's ``tensor`` becomes rank
    ``src``'s, in place.

    Example:
        >>> t = torch.randn(3)
        >>> dist.broadcast(t, src=0)   # every rank now holds rank 0's values
    """
    pg = _world(group)
    _check_tensor(tensor, "broadcast")
    if src is None:
        src = 0 if group_src is None else group_src
    if not 0 <= src < pg.size():
        raise RuntimeError(f"broadcast: invalid root rank: {src}")
    if pg.size() == 1:
        return _done(async_op)
    from jax.experimental import multihost_utils
    value = multihost_utils.broadcast_one_to_all(_local(tensor._cell.a),
                                                 is_source=pg.rank() == src)
    _store(tensor, np.asarray(value))
    return _done(async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False,
            device_ids: Any = None, timeout: datetime.timedelta | None = None) -> Work | None:
    """Mirrors ``torch.distributed.barrier``: returns once every process has reached it.

    ``timeout`` is accepted; JAX's runtime watches for dead processes itself (heartbeats).
    """
    pg = _world(group)
    if pg.size() > 1:
        from jax.experimental import multihost_utils
        multihost_utils.sync_global_devices("pytorch_like.distributed.barrier")
    return _done(async_op)
