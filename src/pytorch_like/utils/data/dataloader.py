"""``DataLoader``: batches from a dataset, loaded ahead of time by background threads.

Mirrors ``torch.utils.data.DataLoader``: the same arguments, argument checks and error
messages, samplers, collation and ``len()``. How loading runs differs on purpose:

* Loading always happens in background threads that stay up to ``prefetch_factor`` batches
  ahead (2 for ``num_workers=0``), so a training step does not wait for its data. With
  ``num_workers=0`` one thread loads (``get_worker_info()`` is ``None`` there, as in torch's
  main process); with ``num_workers=N`` N threads load batches in turn (``get_worker_info()``
  describes each; ``worker_init_fn`` runs in each) and batches are still delivered in
  sampler order. Threads, not processes: no pickling, no fork of the JAX runtime, and
  numpy work releases the GIL. An ``IterableDataset`` is read by a single thread whatever
  ``num_workers`` is, so its stream is never duplicated (``get_worker_info()`` is ``None``
  there and ``worker_init_fn`` is not called).
* Array-backed map-style datasets (``TensorDataset``, ``Subset``/``ConcatDataset`` of them,
  ``vision.datasets.MNIST``...) are batched with one vectorised gather per array when the
  default collation is used; see ``dataset.py``.
* ``pin_memory``, ``pin_memory_device``, ``multiprocessing_context``, ``persistent_workers``
  and ``in_order`` are accepted and checked but change nothing: batches are transferred to
  the default JAX device by the loading thread and always arrive in order. Each epoch,
  ``pin_memory=True`` gives torch's warning when no accelerator is found.
* An exception raised by the dataset, sampler or ``collate_fn`` is re-raised in the main
  thread as the original exception (same type, message and traceback); the iterator then
  stops. Random transforms draw from a per-batch numpy generator seeded from a base seed
  taken from ``generator`` (or the global generator) at ``iter()`` time, so a seeded
  generator reproduces augmentations as well as the order. Code in a dataset that calls
  ``torch.rand``-style functions draws from the global generator from a loading thread,
  which is not reproducible; use the transforms' generator or seed per sample.
"""

from __future__ import annotations

import atexit
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from ... import accelerator as _accelerator
from ...random import Generator
from ._collate import _tensorize, default_collate, default_convert
from ._worker import WorkerInfo, _local, _seed_from_generator, get_worker_info
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)

_GUARDED = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
            "persistent_workers")
_START_METHODS = ("fork", "spawn", "forkserver")


class DataLoader(Generic[T_co]):
    """Mirrors ``torch.utils.data.DataLoader``: iterate over batches of a dataset.

    See the module docstring for how loading runs (background threads, vectorised batches
    for array-backed datasets).

    Example:
        >>> ds = TensorDataset(torch.randn(1000, 784), torch.randint(0, 10, (1000,)))
        >>> loader = DataLoader(ds, batch_size=64, shuffle=True,
        ...                     generator=torch.Generator().manual_seed(0))
        >>> for x, y in loader:
        ...     pass   # x: (64, 784) float32, y: (64,) int64; the last batch has 40 rows
    """

    def __init__(self, dataset: Dataset[T_co], batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        object.__setattr__(self, "_DataLoader__initialized", False)
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            if num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 "loading (num_workers > 0), but got "
                                 f"num_workers={num_workers}")
            if isinstance(multiprocessing_context, str) and \
                    multiprocessing_context not in _START_METHODS:
                raise ValueError("multiprocessing_context option should specify a valid start "
                                 f"method in {list(_START_METHODS)!r}, but got "
                                 f"multiprocessing_context={multiprocessing_context!r}")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = "iterable"
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = "map"

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None and self._dataset_kind == "map":
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and self._dataset_kind == "map":
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True

    def __setattr__(self, attr: str, val: Any) -> None:
        if self.__dict__.get("_DataLoader__initialized") and attr in _GUARDED:
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        object.__setattr__(self, attr, val)

    @property
    def _auto_collation(self) -> bool:
        if self._dataset_kind == "iterable":
            return self.batch_size is not None
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last \
                    else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def __iter__(self) -> _DataLoaderIter:
        # torch's two iterator classes, by name (``dataiter.next()`` names the class).
        if self.num_workers > 0:
            return _MultiProcessingDataLoaderIter(self)
        return _SingleProcessDataLoaderIter(self)

    def check_worker_number_rationality(self) -> None:
        """Accepted for torch compatibility; worker threads need no check."""


# --------------------------------------------------------------------------- loading ----

_live_pipes: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # A loading thread still inside JAX when the interpreter tears down aborts the process:
    # stop every pipe and wait for its threads to finish their current batch.
    pipes = list(_live_pipes)
    for p in pipes:
        p.shutdown()
    deadline = time.monotonic() + 10.0
    for p in pipes:
        for th in p.threads:
            th.join(max(0.0, deadline - time.monotonic()))


class _Pipe:
    """What the loading threads share with the iterator (never the iterator itself, so
    dropping the iterator finalises it and stops the threads)."""

    def __init__(self, tasks: Iterator, fetch: Callable, base_seed: int, capacity: int,
                 nthreads: int, real_workers: bool, dataset: Any,
                 worker_init_fn: Callable | None) -> None:
        self.tasks = tasks
        self.fetch = fetch
        self.base_seed = base_seed
        self.nthreads = nthreads
        self.real_workers = real_workers
        self.dataset = dataset
        self.worker_init_fn = worker_init_fn
        self.task_lock = threading.Lock()
        self.next_task = 0
        self.exhausted = False
        self.cond = threading.Condition()
        self.results: dict[int, tuple[bool, Any]] = {}
        self.n_total: int | None = None
        self.slots = threading.Semaphore(max(1, capacity))
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def shutdown(self) -> None:
        self.stop.set()
        with self.cond:
            self.results.clear()
            self.cond.notify_all()

    def _post(self, seq: int, ok: bool, value: Any, last: bool = False) -> None:
        with self.cond:
            if not self.stop.is_set():
                self.results[seq] = (ok, value)
            if last:
                self.n_total = seq + 1
            self.cond.notify_all()


def _worker_loop(pipe: _Pipe, wid: int) -> None:
    local = _local
    if pipe.real_workers:
        local.info = WorkerInfo(id=wid, num_workers=pipe.nthreads, seed=pipe.base_seed + wid,
                                dataset=pipe.dataset)
        if pipe.worker_init_fn is not None:
            try:
                pipe.worker_init_fn(wid)
            except BaseException as e:  # noqa: BLE001 - handed to the main thread
                with pipe.task_lock:
                    # A sequence number of its own: no other thread can post over it.
                    seq = pipe.next_task
                    pipe.next_task += 1
                    pipe.exhausted = True
                pipe._post(seq, False, e, last=True)
                return
    try:
        while not pipe.stop.is_set():
            if not pipe.slots.acquire(timeout=0.05):
                continue
            with pipe.task_lock:
                if pipe.exhausted or pipe.stop.is_set():
                    pipe.slots.release()
                    return
                seq = pipe.next_task
                # Seed per batch, not per thread: the result must not depend on which
                # thread happens to load which batch.
                local.rng = np.random.default_rng([pipe.base_seed, seq])
                try:
                    task = next(pipe.tasks)
                except StopIteration:
                    pipe.exhausted = True
                    with pipe.cond:
                        pipe.n_total = seq
                        pipe.cond.notify_all()
                    pipe.slots.release()
                    return
                except BaseException as e:  # noqa: BLE001 - sampler / iterable dataset error
                    pipe.exhausted = True
                    pipe._post(seq, False, e, last=True)
                    return
                pipe.next_task += 1
            try:
                out = (True, pipe.fetch(task))
            except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
                out = (False, e)
            finally:
                local.rng = None
            pipe._post(seq, *out)
            del out, task
    finally:
        local.rng = None
        local.info = None


def _is_default_collate(fn: Callable) -> bool:
    return fn is default_collate


def _map_fetch(dataset: Any, collate_fn: Callable) -> Callable:
    getbatch = getattr(dataset, "_getbatch", None) if _is_default_collate(collate_fn) else None
    getitems = getattr(dataset, "__getitems__", None)
    state = {"fast": getbatch is not None}

    def fetch(indices):
        if state["fast"]:
            arr = np.asarray(indices)
            if arr.dtype.kind in "iu":
                out = getbatch(arr.astype(np.int64, copy=False))
                if out is not NotImplemented:
                    return _tensorize(out)
                state["fast"] = False
        keys = indices.tolist() if isinstance(indices, np.ndarray) else indices
        if callable(getitems):
            data = getitems(keys)
        else:
            data = [dataset[i] for i in keys]
        return collate_fn(data)

    return fetch


def _iterable_tasks(it: Iterator, batch_size: int | None, drop_last: bool) -> Iterator:
    if batch_size is None:
        yield from it
        return
    while True:
        chunk = []
        for x in it:
            chunk.append(x)
            if len(chunk) == batch_size:
                break
        if not chunk or (drop_last and len(chunk) < batch_size):
            return
        yield chunk
        if len(chunk) < batch_size:
            return


def _warn_pin_memory(loader: DataLoader) -> None:
    # torch warns about pin_memory each time an iterator is made (every epoch), from
    # ``_BaseDataLoaderIter.__init__``; the same warnings, pointing at the ``for`` loop.
    if loader.pin_memory and loader.pin_memory_device:
        warnings.warn("pin_memory_device is deprecated, the current accelerator will be used "
                      f"as the device,ignore pin_memory_device='{loader.pin_memory_device}'.",
                      stacklevel=4)
    if loader.pin_memory and not _accelerator.is_available():
        warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                      "then device pinned memory won't be used.", stacklevel=4)


class _DataLoaderIter(Iterator):
    """The iterator ``iter(DataLoader)`` returns; see the module docstring."""

    def __init__(self, loader: DataLoader) -> None:
        self._len = None
        try:
            self._len = len(loader)
        except TypeError:
            pass
        self._timeout = loader.timeout
        _warn_pin_memory(loader)
        # torch also draws its workers' base seed from the loader's generator at iter().
        base_seed = _seed_from_generator(loader.generator)
        collate_fn = loader.collate_fn
        if loader._dataset_kind == "iterable":
            tasks = _iterable_tasks(iter(loader.dataset), loader.batch_size, loader.drop_last)
            fetch = collate_fn
            nthreads = 1
        else:
            sampler = loader._index_sampler
            if loader._auto_collation and type(sampler).__iter__ is BatchSampler.__iter__:
                index_iter = sampler._iter_arrays()
            else:
                index_iter = iter(sampler)
            # Take the first batch of indices here, so a sampler that draws its seed when it
            # starts does so in this thread (in a reproducible order with other draws).
            first: list = []
            for idx in index_iter:
                first.append(idx)
                break
            tasks = _chain(first, index_iter)
            if loader._auto_collation:
                fetch = _map_fetch(loader.dataset, collate_fn)
            else:
                dataset = loader.dataset

                def fetch(i, _d=dataset, _c=collate_fn):
                    return _c(_d[i])
            nthreads = max(1, loader.num_workers)
        real = loader.num_workers > 0 and loader._dataset_kind == "map"
        capacity = loader.num_workers * loader.prefetch_factor if loader.num_workers > 0 else 2
        pipe = _Pipe(tasks, fetch, base_seed, capacity, nthreads, real, loader.dataset,
                     loader.worker_init_fn if real else None)
        for wid in range(nthreads):
            th = threading.Thread(target=_worker_loop, args=(pipe, wid), daemon=True,
                                  name=f"pytorch_like-DataLoader-worker-{wid}")
            pipe.threads.append(th)
        self._pipe = pipe
        _live_pipes.add(pipe)
        self._seq = 0
        self._done = False
        self._finalizer = weakref.finalize(self, pipe.shutdown)
        for th in pipe.threads:
            th.start()

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        if self._len is None:
            raise TypeError("object of type 'DataLoader' has no len()")
        return self._len

    def _finish(self) -> None:
        self._done = True
        self._finalizer()

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        pipe, seq = self._pipe, self._seq
        deadline = time.monotonic() + self._timeout if self._timeout else None
        with pipe.cond:
            while seq not in pipe.results:
                if pipe.n_total is not None and seq >= pipe.n_total:
                    self._finish()
                    raise StopIteration
                if not any(t.is_alive() for t in pipe.threads) and pipe.n_total is None:
                    self._finish()
                    raise RuntimeError("DataLoader worker thread exited unexpectedly")
                step = 0.1
                if deadline is not None:
                    step = min(step, deadline - time.monotonic())
                    if step <= 0:
                        self._finish()
                        raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
                pipe.cond.wait(step)
            ok, value = pipe.results.pop(seq)
        self._seq += 1
        pipe.slots.release()
        if not ok:
            self._finish()
            try:
                raise value
            finally:
                del value
        return value

    def close(self) -> None:
        """Stop the loading threads now (they also stop when the iterator is dropped)."""
        self._finish()


class _SingleProcessDataLoaderIter(_DataLoaderIter):
    """``iter(loader)`` with ``num_workers=0``; named as torch's."""


class _MultiProcessingDataLoaderIter(_DataLoaderIter):
    """``iter(loader)`` with worker threads; named as torch's worker-process iterator."""


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest
