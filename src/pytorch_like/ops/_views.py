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

from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor
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

    __slots__ = ("base", "spec", "dyn", "_src", "_a", "multi")

    def __init__(self, base: Tensor, spec: tuple, dyn: tuple, a, multi=None) -> None:
        self.base = base
        self.spec = spec
        self.dyn = dyn
        # (output index, op name) for one of several views returned together (split,
        # chunk, unbind): torch refuses in-place changes of those under autograd.
        self.multi = multi
        self._src = weakref.ref(base._cell.a)
        self._a = a

    @property
    def a(self):
        src = self.base._cell.a
        if self._src() is not src:
            self._a = _view_op.forward((("spec", self.spec),))(src, *self.dyn)
            self._src = weakref.ref(src)
        return self._a

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
    out._cell = _ViewCell(base, spec, tuple(dyn), out._cell.a, multi)
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
    not a view is contiguous; a view derives its strides from its base's."""
    cell = t._cell
    shape = tuple(cell.a.shape)
    if type(cell) is not _ViewCell:
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


def is_contiguous(t: Tensor) -> bool:
    if type(t._cell) is not _ViewCell:
        return True
    shape, strides, _ = geometry(t)
    if 0 in shape:
        return True
    expected = 1
    for s, st in zip(reversed(shape), reversed(strides)):
        if s != 1:
            if st != expected:
                return False
            expected *= s
    return True
