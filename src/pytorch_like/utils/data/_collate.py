"""``default_collate`` and ``default_convert``: turning samples into batches of tensors.

Mirrors ``torch.utils.data.default_collate`` / ``default_convert``: tensors are stacked,
numpy arrays and numpy scalars become tensors, Python ints an int64 tensor, Python floats a
float64 tensor, bools a bool tensor, strings stay lists, and tuples, lists, dicts and
namedtuples are collated field by field (a tuple sample gives a *list*, as in torch).

Collation runs in two steps so array-backed datasets can skip the per-sample work: the
"numpy form" of a batch (:func:`_collate_np`) has numpy arrays where the batch will have
tensors, and :func:`_tensorize` turns those arrays into tensors with one host-to-device
transfer each. A dataset's vectorised ``_getbatch`` returns the numpy form directly.
"""

from __future__ import annotations

import collections.abc
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype as D
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
    "found {}")


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _is_str_array(a: np.ndarray) -> bool:
    # torch rejects numpy arrays of strings, bytes and objects (dtype codes S, a, U, O).
    return a.dtype.kind in "SUO"


def _np_to_tensor(arr: np.ndarray, keep_host: bool = False) -> Tensor:
    """A tensor holding ``arr`` with torch's dtype for it (one host-to-device copy).

    With ``keep_host`` the tensor remembers its values on the host, so collating or
    transforming it next (:func:`_host_value`) needs no device-to-host copy: per-sample
    pipelines (``ToTensor`` then ``Normalize`` then ``default_collate``) stay on the host.
    """
    dt = D.from_np(arr.dtype)
    storage = dt.storage
    host = arr
    if arr.dtype != storage:
        if arr.dtype.kind in "iu" and arr.size:
            from ...ops.creation import _check_int_range

            _check_int_range(arr, dt)
        # Narrow on the host: converting after the transfer would dispatch a JAX op.
        arr = arr.astype(storage)
        if keep_host:
            host = host.astype(storage).astype(host.dtype)  # the values the tensor holds
    t = Tensor._make(jnp.asarray(arr), dt)
    if keep_host:
        if host.base is not None or host.flags.writeable:
            host = host.copy()
            host.setflags(write=False)
        t.__dict__["_host_copy"] = (t._cell.a, host)
    return t


def _host_value(t: Tensor) -> np.ndarray:
    """``t``'s values as a numpy array of its torch dtype (its kept host copy while valid)."""
    kept = t.__dict__.get("_host_copy")
    if kept is not None and kept[0] is t._cell.a:
        return kept[1]
    arr = np.asarray(t._cell.a)
    return arr if arr.dtype == t._dtype.np else arr.astype(t._dtype.np)


def _tensorize(x: Any) -> Any:
    """Replace every numpy array in a numpy-form batch by a tensor."""
    if isinstance(x, np.ndarray):
        return _np_to_tensor(x)
    if isinstance(x, (str, bytes, Tensor)):
        return x
    if _is_namedtuple(x):
        return type(x)(*(_tensorize(v) for v in x))
    if isinstance(x, tuple):
        return tuple(_tensorize(v) for v in x)
    if isinstance(x, list):
        return [_tensorize(v) for v in x]
    if isinstance(x, collections.abc.Mapping):
        d = {k: _tensorize(v) for k, v in x.items()}
        try:
            return type(x)(d)
        except TypeError:
            return d
    return x


def _shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_same_shape(shapes: list) -> None:
    first = shapes[0]
    for i, s in enumerate(shapes):
        if s != first:
            raise RuntimeError("stack expects each tensor to be equal size, but got "
                               f"{_shape_str(first)} at entry 0 and {_shape_str(s)} at entry {i}")


def _stack_tensors(batch) -> Any:
    """Numpy form of ``torch.stack(batch)`` (a tensor when autograd or a device needs it)."""
    for i, t in enumerate(batch):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    _check_same_shape([tuple(t.shape) for t in batch])
    dt = batch[0]._dtype
    for t in batch[1:]:
        if t._dtype is not dt:
            dt = D.promote_types(dt, t._dtype)
    if any(t._rg for t in batch) or jax.default_backend() != "cpu":
        # Keep the graph (torch's stack is differentiable) and keep device data on device.
        from ...ops.shape import stack

        return stack([t if t._dtype is dt else t.to(dt) for t in batch])
    return np.stack([_host_value(t) for t in batch]).astype(dt.np, copy=False)


def _collate_np(batch: Any) -> Any:
    """The numpy form of ``default_collate(batch)`` (see the module docstring)."""
    elem = batch[0]  # an empty batch raises IndexError, as in torch
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        if _is_str_array(elem):
            raise TypeError(default_collate_err_msg_format.format(elem.dtype))
        arrays = [np.asarray(b) for b in batch]
        _check_same_shape([a.shape for a in arrays])
        dt = D.from_np(arrays[0].dtype)
        for a in arrays[1:]:
            if a.dtype != arrays[0].dtype:
                dt = D.promote_types(dt, D.from_np(a.dtype))
        return np.stack(arrays).astype(dt.np, copy=False)
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        if isinstance(elem, np.object_):
            raise TypeError(default_collate_err_msg_format.format(type(elem)))
        return np.asarray(batch)
    if isinstance(elem, float):
        return np.asarray(batch, dtype=np.float64)
    if isinstance(elem, int):  # bool included: torch.tensor infers bool, int64 or float
        arr = np.asarray(batch)
        if arr.dtype.kind == "f":
            return arr.astype(D.get_default_dtype().np)
        if arr.dtype.kind in "iu":
            return arr.astype(np.int64)
        return arr
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        d = {key: _collate_np([b[key] for b in batch]) for key in elem}
        try:
            return type(elem)(d)
        except TypeError:
            return d
    if _is_namedtuple(elem):
        return type(elem)(*(_collate_np(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        cols = [_collate_np(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return cols  # torch returns a list for tuple samples
        try:
            return type(elem)(cols)
        except TypeError:
            return cols
    raise TypeError(default_collate_err_msg_format.format(type(elem)))


def default_collate(batch: list) -> Any:
    """Mirrors ``torch.utils.data.default_collate``: a list of samples → a batch.

    Tensors and numpy arrays are stacked along a new first dimension (equal shapes
    required), Python ints give an int64 tensor, floats a float64 tensor, bools a bool
    tensor, numpy scalars a tensor of their dtype, strings a list; sequences, dicts and
    namedtuples are collated element by element (a tuple sample collates to a list).

    Example:
        >>> default_collate([(torch.zeros(2), 0), (torch.ones(2), 1)])
        [tensor([[0., 0.],
                [1., 1.]]), tensor([0, 1])]
    """
    return _tensorize(_collate_np(batch))


def default_convert(data: Any) -> Any:
    """Mirrors ``torch.utils.data.default_convert``: numpy arrays inside ``data`` → tensors.

    Used by the DataLoader when ``batch_size=None``. Numpy arrays of strings are left as
    they are; tuples become lists, as in torch.

    Example:
        >>> default_convert((np.zeros(2), 'a'))
        [tensor([0., 0.], dtype=torch.float64), 'a']
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_str_array(data) else _np_to_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_, np.object_)):
        return _np_to_tensor(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        d = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(d)
        except TypeError:
            return d
    if _is_namedtuple(data):
        return type(data)(*(default_convert(v) for v in data))
    if isinstance(data, tuple):
        return [default_convert(v) for v in data]
    if isinstance(data, collections.abc.Sequence):
        out = [default_convert(v) for v in data]
        try:
            return type(data)(out)
        except TypeError:
            return out
    return data
