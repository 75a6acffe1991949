"""Views: results of view ops that share their base's values, as torch's views do.

Mirrors torch's view semantics for basic indexing (ints, slices, ``None``, ``...``),
``view``/``reshape``/``flatten``/``unflatten``/``squeeze``/``unsqueeze``,
``permute``/``transpose``/``t``/``T``/``mT``/``movedim``, ``diagonal``, ``narrow``/``select``
and ``split``/``chunk``/``unbind``: an in-place op on a view (``v.add_(1)``, ``v[i] = x``,
``nn.init.*_(w[:k])``) writes into its base, and a view reads its base's current values.

JAX arrays are immutable, so a view's storage is a :class:`_ViewCell`: it derives its array
from its base's (recomputed only when the base's array has changed) and writes back with a
scatter into the base. Under autograd, an in-place op on a view records the write into the
base as one op (torch's ``CopySlices``) and re-derives the base's other live views from the
new base, so gradients flow as they do in torch.

Strides are modelled as torch's (``stride()``, ``is_contiguous()``, ``storage_offset()``), so
``view`` refuses what torch refuses and ``reshape`` copies where torch copies. Deliberate
difference: ``expand`` returns a copy (a view in torch, which refuses writes into it).

Memory formats: a copy made with ``memory_format=torch.channels_last`` (``contiguous``,
``clone``, ``to``, ``empty_like`` & co.), or a ``preserve_format`` copy of a dense tensor
with other strides, is no view: its storage (:class:`_StridedStorage`) records torch's
strides for it while its array holds the logical values, so ``stride()``,
``is_contiguous(memory_format=...)`` and the strides of its views are torch's.

Example:
    >>> x = torch.zeros(2, 3)
    >>> x[0][1] = 5.          # x[0] is a view: the write reaches x
    >>> x[:, 2].fill_(7.)
    >>> x
    tensor([[0., 5., 7.],
            [0., 0., 7.]])
"""

from __future__ import annotations

import weakref

import jax.numpy as jnp
import numpy as np
from jax import lax

from .._layout import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor, _Lazy, _Storage
from . import _lazy
from ._dispatch import Op, apply


def _view_fn(x, *dyn, spec):
    kind = spec[0]
    if kind == "index":
        from .indexing import _getitem_fn
        return _getitem_fn(x, *dyn, spec=spec[1])
    if kind == "reshape":
        return jnp.reshape(x, spec[1])
    if kind == "permute":
        return jnp.transpose(x, spec[1])
    if kind == "slice":
        _, dim, start, size = spec
        return lax.slice_in_dim(x, start, start + size, axis=dim)
    if kind == "diagonal":
        return jnp.diagonal(x, spec[1], spec[2], spec[3])
    raise AssertionError(kind)


def _scatter_fn(x, v, *dyn, spec):
    """``x`` with the positions the view ``spec`` selects replaced by ``v``."""
    kind = spec[0]
    v = jnp.asarray(v).astype(x.dtype)
    if kind == "reshape":
        return jnp.reshape(v, x.shape)
    if kind == "permute":
        return jnp.transpose(v, tuple(int(i) for i in np.argsort(spec[1])))
    if kind == "index":
        from .indexing import _setitem_fn
        return _setitem_fn(x, v, *dyn, spec=spec[1])
    if kind == "slice":
        return lax.dynamic_update_slice_in_dim(x, v, spec[2], axis=spec[1])
    # Any other selection: find which flat positions the view reads, and write those.
    where = _view_fn(jnp.arange(x.size).reshape(x.shape), *dyn, spec=spec)
    return x.reshape(-1).at[where.reshape(-1)].set(v.reshape(-1)).reshape(x.shape)


# The arguments after the base are Python ints (basic indices): the gradient needs no
# array values, since both functions are linear selections.
_view_op = Op("view", _view_fn, saves=tuple(range(1, 64)), grad_name="AsStridedBackward0")
_copy_slices = Op("copy_slices", _scatter_fn, saves=tuple(range(2, 64)),
                  grad_name="CopySlices")


class _ViewCell:
    """The storage of a view: its array is derived from ``base``'s.

    ``_src`` is a weak reference to the base array the cached ``_a`` was derived from, so a
    view neither keeps an outdated base array alive nor makes a live one look shared.
    """

    __slots__ = ("base", "spec", "dyn", "_src", "_a", "multi", "__weakref__")

    def __init__(self, base: Tensor, spec: tuple, dyn: tuple, a, multi=None) -> None:
        self.base = base
        self.spec = spec
        self.dyn = dyn
        # (output index, op name) for one of several views returned together (split,
        # chunk, unbind): torch refuses in-place changes of those under autograd.
        self.multi = multi
        self._src = weakref.ref(base._cell.peek())
        self._a = a

    @property
    def a(self):
        src = self.base._cell.a
        if self._src() is not src:
            self._a = _view_op.forward((("spec", self.spec),))(src, *self.dyn)
            self._src = weakref.ref(src)
        a = self._a
        if a.__class__ is _Lazy:
            a = self._a = a.force()
        return a

    def peek(self):
        """The view's array, or its pending value while the base's is pending too."""
        if self._src() is self.base._cell.peek():
            return self._a
        return self.a

    @a.setter
    def a(self, v) -> None:
        bc = self.base._cell
        bc.a = _copy_slices.forward((("spec", self.spec),))(bc.a, v, *self.dyn)
        self._src = weakref.ref(bc.a)
        self._a = v

    def sync(self, a) -> None:
        """Record that ``a`` is this view of the base's current array."""
        self._src = weakref.ref(self.base._cell.a)
        self._a = a


def make_view(out: Tensor, base: Tensor, spec: tuple, dyn: tuple = (), multi=None) -> Tensor:
    """Turn ``out`` (just computed from ``base`` by the view ``spec``) into a view of it."""
    a = out._cell.peek()
    out._cell = _ViewCell(base, spec, tuple(dyn), a, multi)
    if a.__class__ is _Lazy:
        _lazy.bind(a, out._cell)
    out._ver = base._ver
    if _grad_state.enabled:
        views = base.__dict__.get("_views")
        if views is None:
            views = base.__dict__["_views"] = weakref.WeakSet()
        views.add(out)
    return out


def is_view(t: Tensor) -> bool:
    return type(t._cell) is _ViewCell


def root_base(t: Tensor) -> Tensor:
    while type(t._cell) is _ViewCell:
        t = t._cell.base
    return t


_MULTI_VIEW = ("This view is the output of a function that returns multiple views. Such "
               "functions do not allow the output views to be modified inplace. You should "
               "replace the inplace operation by an out-of-place one.")


def write_back(view: Tensor, out: Tensor) -> None:
    """An in-place op on ``view`` produced ``out`` with autograd on: write it into the base
    as a recorded op, so the base's history includes the write (torch's CopySlices)."""
    from ._inplace import rebind
    cell = view._cell
    if cell.multi is not None:
        k, name = cell.multi
        if view._rg:
            raise RuntimeError(f"Output {k} of {name} is a view and is being modified "
                               f"inplace. {_MULTI_VIEW}")
        raise RuntimeError("A view was created in no_grad mode and is being modified inplace "
                           f"with grad mode enabled. {_MULTI_VIEW}")
    base = cell.base
    new_base = apply(_copy_slices, (base, out, *cell.dyn), (("spec", cell.spec),), None,
                     base._dtype)
    rebind(base, new_base)
    cell.sync(out._cell.a)


def refresh_views(base: Tensor) -> None:
    """``base`` was just given a new history: re-derive its live views from it, so their
    gradients flow into that history (torch regenerates a view's grad_fn the same way)."""
    views = base.__dict__.get("_views")
    if not views:
        return
    for v in list(views):
        cell = v._cell
        if type(cell) is not _ViewCell or cell.base is not base:
            continue
        new = apply(_view_op, (base, *cell.dyn), (("spec", cell.spec),), None, v._dtype)
        cell.sync(new._cell.a)
        v._node, v._oidx, v._rg = new._node, new._oidx, new._rg
        refresh_views(v)


# -- geometry: the strides and offset torch would give a view --------------------------------

def contiguous_strides(shape: tuple) -> tuple:
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def geometry(t: Tensor) -> tuple:
    """``(shape, strides, storage offset)`` of ``t`` as torch lays it out: a tensor that is
    not a view is contiguous unless a memory format gave it other strides; a view derives
    its strides from its base's."""
    cell = t._cell
    shape = tuple(cell.a.shape)
    kind = type(cell)
    if kind is not _ViewCell:
        # A shape-changing in-place op (resize_, squeeze_) leaves recorded strides stale:
        # those tensors are contiguous again.
        if kind is _StridedStorage and cell.shape == shape:
            return shape, cell.strides, 0
        return shape, contiguous_strides(shape), 0
    bshape, bstrides, offset = geometry(cell.base)
    spec = cell.spec
    kind = spec[0]
    if kind == "permute":
        return shape, tuple(bstrides[d] for d in spec[1]), offset
    if kind == "slice":
        _, dim, start, _ = spec
        return shape, bstrides, offset + start * bstrides[dim]
    if kind == "reshape":
        strides = view_strides(bshape, bstrides, shape)
        return shape, strides if strides is not None else contiguous_strides(shape), offset
    if kind == "diagonal":
        _, off, d1, d2 = spec
        offset += off * bstrides[d2] if off >= 0 else -off * bstrides[d1]
        rest = tuple(s for d, s in enumerate(bstrides) if d not in (d1, d2))
        return shape, rest + (bstrides[d1] + bstrides[d2],), offset
    return _index_geometry(spec[1], cell.dyn, bshape, bstrides, offset)


def _index_geometry(spec: tuple, dyn: tuple, bshape: tuple, bstrides: tuple, offset: int):
    consumed = sum(1 for s in spec if s is not None and s is not Ellipsis)
    shape, strides = [], []
    d = 0
    for s in spec:
        if s is None:
            strides.append(bstrides[d] * bshape[d] if d < len(bshape) else 1)
            shape.append(1)
        elif s is Ellipsis:
            n = len(bshape) - consumed
            shape.extend(bshape[d:d + n])
            strides.extend(bstrides[d:d + n])
            d += n
        elif s[0] == "s":
            start, stop, step = slice(s[1], s[2], s[3]).indices(bshape[d])
            n = len(range(start, stop, step))
            if n:
                offset += start * bstrides[d]
            shape.append(n)
            strides.append(bstrides[d] * step)
            d += 1
        else:
            offset += dyn[s[1]] * bstrides[d]
            d += 1
    shape.extend(bshape[d:])
    strides.extend(bstrides[d:])
    return tuple(shape), tuple(strides), offset


def view_strides(old_shape: tuple, old_strides: tuple, new_shape: tuple) -> tuple | None:
    """The strides ``view(new_shape)`` gives a tensor laid out as (old_shape, old_strides),
    or None when no strides can express it (torch then refuses ``view``; ``reshape``
    copies). The same walk over contiguous chunks as torch's."""
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0 or not old_shape:
        return tuple(old_strides) if tuple(old_shape) == tuple(new_shape) else \
            contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = old_strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def is_contiguous(t: Tensor, memory_format=None) -> bool:
    """torch's ``is_contiguous(memory_format)`` from ``t``'s strides (None: row-major)."""
    if memory_format is None or memory_format is contiguous_format or \
            memory_format is preserve_format:
        if type(t._cell) is _Storage:
            return True
        shape, strides, _ = geometry(t)
        return _row_major(shape, strides)
    shape, strides, _ = geometry(t)
    return _channels_last_contiguous(shape, strides, memory_format)


def _packed(shape: tuple, strides: tuple, order) -> bool:
    """Whether the dims in ``order`` (fastest-varying first) are laid out densely one after
    the other; size-1 dims are free, as in torch."""
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _row_major(shape: tuple, strides: tuple) -> bool:
    return 0 in shape or _packed(shape, strides, reversed(range(len(shape))))


# -- memory formats: the strides torch gives a copy in a memory format -----------------------

class _StridedStorage(_Storage):
    """The storage of a tensor that is not a view but is laid out with strides other than
    row-major (a channels-last copy): its array holds the logical values, as always; only
    ``stride()`` and the contiguity queries read the recorded strides."""

    __slots__ = ("shape", "strides")

    def __init__(self, a, shape: tuple, strides: tuple) -> None:
        self.a = a
        self.shape = shape
        self.strides = strides


# The dims in the order torch walks them from the fastest-varying (channels first).
_CL_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def _cl_rank(fmt) -> int:
    return 4 if fmt is channels_last else 5


def check_format(fmt, fname: str, optional: bool = True):
    """``fmt`` as a memory format (None: preserve_format when ``optional``), or torch's
    argument-parser TypeError naming ``fname``."""
    if fmt is None and optional:
        return preserve_format
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{fname}(): argument 'memory_format' must be torch.memory_format, "
                        f"not {type(fmt).__name__}")
    return fmt


def check_rank(fmt, ndim: int) -> None:
    """torch's error for a channels-last format on a tensor of the wrong rank."""
    if fmt is channels_last and ndim != 4:
        raise RuntimeError("required rank 4 tensor to use channels_last format")
    if fmt is channels_last_3d and ndim != 5:
        raise RuntimeError("required rank 5 tensor to use channels_last_3d format")


def format_strides(fmt, shape: tuple) -> tuple:
    """The strides torch's ``empty(shape, memory_format=fmt)`` has. Unlike row-major
    strides, torch's channels-last strides multiply by a size-0 dim as it is."""
    if fmt is channels_last or fmt is channels_last_3d:
        check_rank(fmt, len(shape))
        strides = [0] * len(shape)
        acc = 1
        for d in _CL_ORDER[len(shape)][:-1]:
            strides[d] = acc
            acc *= shape[d]
        strides[0] = acc
        return tuple(strides)
    return contiguous_strides(shape)


def _channels_last_contiguous(shape: tuple, strides: tuple, fmt) -> bool:
    return len(shape) == _cl_rank(fmt) and _packed(shape, strides, _CL_ORDER[len(shape)])


def _strides_like_channels_last(shape: tuple, strides: tuple) -> bool:
    """torch's ``is_channels_last_strides_2d/3d``: whether the strides order the dims as
    channels-last does; ambiguous cases (size-1 dims with equal strides) count as
    row-major, as torch decides them."""
    order = _CL_ORDER.get(len(shape))
    if order is None or strides[1] == 0:
        return False
    low = 0
    for d in order:
        if shape[d] == 0 or strides[d] < low:
            return False
        if d == 0 and low == strides[1]:
            return False
        low = strides[d] * shape[d] if shape[d] > 1 else strides[d]
    return True


def suggest_memory_format(t: Tensor):
    """torch's ``Tensor.suggest_memory_format()``."""
    if type(t._cell) is _Storage:
        return contiguous_format
    shape, strides, _ = geometry(t)
    if _strides_like_channels_last(shape, strides):
        return channels_last if len(shape) == 4 else channels_last_3d
    return contiguous_format


def _non_overlapping_and_dense(shape: tuple, strides: tuple) -> bool:
    return _row_major(shape, strides) or \
        _packed(shape, strides, sorted(range(len(shape)), key=lambda d: strides[d]))


def preserved_strides(src: Tensor) -> tuple:
    """The strides a copy of ``src`` in ``preserve_format`` gets (torch's ``empty_like``):
    the exact strides of a non-overlapping dense input (a channels-last tensor, but also
    ``x.t()``: its clone is not contiguous either, as in torch), else those of the format
    ``suggest_memory_format`` names."""
    shape, strides, _ = geometry(src)
    if _non_overlapping_and_dense(shape, strides):
        return strides
    return format_strides(suggest_memory_format(src), shape)


def lay_out(out: Tensor, strides: tuple) -> Tensor:
    """Give ``out`` (a tensor just created, sharing its storage with nothing) ``strides``."""
    cell = out._cell
    if type(cell) is _ViewCell:
        return out
    shape = tuple(cell.a.shape)
    if strides == contiguous_strides(shape):
        if type(cell) is not _Storage:
            out._cell = _Storage(cell.a)
        return out
    out._cell = _StridedStorage(cell.a, shape, tuple(strides))
    return out


def with_memory_format(src: Tensor, out: Tensor, fmt) -> Tensor:
    """``out``, a fresh copy of ``src`` (or a tensor shaped like it), laid out in ``fmt``
    as torch's ``empty_like(src, memory_format=fmt)`` would be."""
    if fmt is None or fmt is preserve_format:
        if type(src._cell) is _Storage:
            # The common case, kept cheap: a row-major input gives a row-major copy.
            return out if type(out._cell) is _Storage else \
                lay_out(out, contiguous_strides(tuple(out._cell.peek().shape)))
        return lay_out(out, preserved_strides(src))
    return lay_out(out, format_strides(fmt, tuple(out._cell.peek().shape)))


def to_memory_format(src: Tensor, out: Tensor, fmt) -> Tensor:
    """The end of ``src.to(..., memory_format=fmt)`` once ``out`` holds its dtype and
    device: torch returns ``src`` itself when nothing changes and ``src`` already suggests
    ``fmt``; otherwise a copy laid out in ``fmt`` (preserve: like ``src``)."""
    fmt = check_format(fmt, "to")
    if fmt is not preserve_format:
        check_rank(fmt, src.ndim)
    if out is src:
        if fmt is preserve_format or suggest_memory_format(src) is fmt:
            return src
        from .pointwise import clone
        out = clone(src)
    return with_memory_format(src, out, fmt)
