"""``torch.save`` / ``torch.load`` in PyTorch's own zip checkpoint format.

Files cross between the libraries both ways: a state_dict (or any nesting of containers,
tensors, numbers and strings) that ``pytorch_like.save`` writes opens with real
``torch.load(..., weights_only=True)``, and a state_dict saved by real torch loads here
without torch installed. Writes to a path are atomic (temporary file, fsync, rename), so an
interrupted save never leaves a broken checkpoint.

As in torch, ``save`` also pickles arbitrary objects (a whole model, an optimizer, a
scheduler, numpy arrays, user classes), with every tensor stored as a storage record; such
files load only with ``weights_only=False`` (the default ``weights_only=True`` refuses them
with torch's "Weights only load failed" ``pickle.UnpicklingError``). They hold
pytorch_like classes, so real torch cannot rebuild them, and a whole *torch* model file
cannot be loaded here: exchange state_dicts between the two. ``add_safe_globals`` (and
the ``safe_globals`` context manager) lets weights-only loading rebuild the classes and
functions you trust, as torch's does.

Example:
    >>> torch.save(model.state_dict(), "model.pt")
    >>> model.load_state_dict(torch.load("model.pt"))
    >>> torch.save(model, "whole.pth")
    >>> model = torch.load("whole.pth", weights_only=False)
"""

from __future__ import annotations

import os
import pickle
from typing import IO, Any, Union

import jax
import numpy as np

from . import _dtype as D
from ._device import device as _device_cls
from ._device import to_jax_device
from . import _serialization_format as _fmt
from ._serialization_format import read_zip, write_zip
from .tensor import Tensor

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

FileLike = Union[str, os.PathLike, IO[bytes]]


def _to_array(obj: Any):
    if not isinstance(obj, Tensor):
        return None
    arr = np.asarray(obj._cell.a)
    if arr.dtype != obj._dtype.np:
        arr = arr.astype(obj._dtype.np)
    from .nn.parameter import Parameter

    return arr, obj._dtype.name, bool(obj.requires_grad), isinstance(obj, Parameter)


def _reduce_object(obj: Any) -> Any:
    """How ``save`` pickles non-tensor objects that need help (``NotImplemented``: as usual).

    pytorch_like dtypes are singletons holding a module reference, so they are pickled by
    name (like torch pickles ``torch.float32`` as a global) and load as the same object.
    JAX state that is only meaningful inside the running process is refused with a clear
    message instead of pickle's cryptic one (or instead of silently pickling a raw JAX
    array, which torch files never contain).
    """
    if isinstance(obj, D.dtype):
        name = _dtype_global_name(obj)
        if name is not None:
            return name  # pickled as GLOBAL pytorch_like._dtype <name>
        return NotImplemented
    t = type(obj)
    what = f"{t.__module__}.{t.__qualname__}"
    if isinstance(obj, jax.core.Tracer):
        raise pickle.PicklingError(
            f"pytorch_like: cannot save a JAX tracer ({what}): it only exists while a "
            "function is being traced or compiled; save concrete tensors outside it")
    if isinstance(obj, jax.Array):
        raise pickle.PicklingError(
            f"pytorch_like: cannot save a raw JAX array ({what}) that is not inside a "
            "Tensor; wrap it with torch.tensor(...) (or convert it with numpy.asarray) "
            "before saving")
    from .compiler import _OPTIMIZED_MODULE, CompiledFunction

    if isinstance(obj, (CompiledFunction, *_OPTIMIZED_MODULE)) \
            or t.__module__.split(".")[0] in ("jax", "jaxlib"):
        raise pickle.PicklingError(
            f"pytorch_like: cannot save {what}: compiled functions and other JAX runtime "
            "objects cannot be pickled; save the uncompiled module (or its state_dict) "
            "and compile again after loading")
    return NotImplemented


_DTYPE_NAMES: dict[int, str] = {}


def _dtype_global_name(dt: D.dtype) -> str | None:
    """Attribute name of ``dt`` in ``pytorch_like._dtype`` (``bool`` is ``bool_``)."""
    if not _DTYPE_NAMES:
        for name, value in vars(D).items():
            if isinstance(value, D.dtype) and not name.startswith("_"):
                _DTYPE_NAMES.setdefault(id(value), name)
    name = _DTYPE_NAMES.get(id(dt))
    return name if name is not None and getattr(D, name, None) is dt else None


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Mirrors ``torch.save``: write ``obj`` in torch's zip checkpoint format.

    ``obj`` may be anything picklable, as with torch: a state_dict, a whole module, an
    optimizer, nested containers. Tensors and Parameters (with ``requires_grad``) are
    stored as storage records; a tensor referenced several times is stored once and loads
    as one tensor. Always pickles with protocol 2 (torch's default).

    Raises:
        pickle.PicklingError: ``obj`` holds JAX runtime state (a raw JAX array, a
            compiled function); the message says where. Other unpicklable objects
            (lambdas, open files, ...) fail as pickle reports them, as in torch.
    """
    if not _use_new_zipfile_serialization:
        raise ValueError("pytorch_like only writes the zip checkpoint format")
    if isinstance(f, (str, os.PathLike)):
        # torch opens the file before pickling, and names a missing folder this way
        # (PATH = './models/cifar_net.pth' before ./models exists).
        parent = os.path.dirname(os.fspath(f))
        if parent and not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
    write_zip(f, obj, to_array=_to_array, allow_objects=True, reduce_object=_reduce_object)


def _target_device(map_location, saved_location: str = "cpu"):
    if map_location is None:
        return None
    if callable(map_location) and not isinstance(map_location, (str, _device_cls)):
        return None
    if isinstance(map_location, dict):
        map_location = map_location.get(saved_location, saved_location)
    return to_jax_device(map_location)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = True, mmap: bool | None = None, **pickle_load_args: Any):
    """Mirrors ``torch.load``: returns the saved object with pytorch_like tensors.

    ``map_location`` ('cpu', 'cuda', a device, or a dict of locations) picks the JAX device
    the tensors are placed on; by default they go to JAX's default device.

    With ``weights_only=True`` (the default, also for ``None``, as in torch >= 2.6) only
    containers, tensors, Parameters and primitive values load; a file holding other
    objects (e.g. ``torch.save(model)``) raises ``pickle.UnpicklingError`` with torch's
    "Weights only load failed" advice. ``weights_only=False`` unpickles anything, which
    can run arbitrary code: use it only for trusted files.
    """
    dev = _target_device(map_location)

    def from_array(array: np.ndarray, dtype_name: str, requires_grad: bool,
                   is_parameter: bool = False):
        dt = getattr(D, "bool_" if dtype_name == "bool" else dtype_name, None)
        if not isinstance(dt, D.dtype):
            raise RuntimeError(f"pytorch_like has no dtype {dtype_name!r} (in {f!r})")
        from .ops.creation import tensor

        t = tensor(array, dtype=dt)
        if dev is not None:
            t._cell.a = jax.device_put(t._cell.a, dev)
        if is_parameter:
            from .nn.parameter import Parameter

            return Parameter(t, requires_grad=requires_grad)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def make_parameter(t: Tensor, requires_grad: bool) -> Tensor:
        from .nn.parameter import Parameter

        return Parameter(t, requires_grad=requires_grad)

    if weights_only is None:  # torch >= 2.6 defaults to weights-only loading
        weights_only = True
    return read_zip(f, from_array=from_array, weights_only=bool(weights_only),
                    make_parameter=make_parameter)


def _checked_globals(entries) -> list:
    out = []
    for entry in entries:
        if isinstance(entry, tuple):
            if len(entry) != 2 or not isinstance(entry[1], str):
                raise TypeError("a safe global given as a tuple must be (object, "
                                f"'module.name'), got {entry!r}")
        elif not (hasattr(entry, "__module__") and hasattr(entry, "__qualname__")):
            raise TypeError("safe globals must be classes or functions (or (object, "
                            f"'module.name') pairs), got {entry!r}")
        out.append(entry)
    return out


def add_safe_globals(safe_globals: list) -> None:
    """Mirrors ``torch.serialization.add_safe_globals``: let ``load(weights_only=True)``
    rebuild these classes and functions (only those you trust: rebuilding calls them).

    An entry is the object itself, found by its ``__module__`` and ``__qualname__``, or a
    pair ``(object, "module.name")`` for a checkpoint that names it differently. Deliberate
    difference: an entry of another kind raises ``TypeError`` here (torch accepts it and
    fails later, at ``load``); ``get_safe_globals()`` lists only what was added, not
    torch's internal defaults.

    Example:
        >>> torch.serialization.add_safe_globals([MyConfig])
        >>> ckpt = torch.load("ckpt.pt")  # a dict holding a MyConfig and tensors
    """
    _fmt._USER_SAFE_GLOBALS.extend(_checked_globals(safe_globals))


def get_safe_globals() -> list:
    """Mirrors ``torch.serialization.get_safe_globals``: the globals added so far."""
    return list(_fmt._USER_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Mirrors ``torch.serialization.clear_safe_globals``."""
    _fmt._USER_SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 - torch's name
    """Mirrors ``torch.serialization.safe_globals``: ``add_safe_globals`` for the duration
    of a ``with`` block; the list is restored on exit.

    Example:
        >>> with torch.serialization.safe_globals([MyConfig]):
        ...     ckpt = torch.load("ckpt.pt")
    """

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals = _checked_globals(safe_globals)
        self._saved: list = []

    def __enter__(self) -> None:
        self._saved = list(_fmt._USER_SAFE_GLOBALS)
        _fmt._USER_SAFE_GLOBALS.extend(self.safe_globals)

    def __exit__(self, *exc) -> None:
        _fmt._USER_SAFE_GLOBALS[:] = self._saved
