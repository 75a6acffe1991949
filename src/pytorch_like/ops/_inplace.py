"""In-place updates: compute out of place, then rebind the tensor and bump its version.

Mirrors torch's rules: an in-place op on a leaf that requires grad is an error while grad
mode is on; the result must be castable to the tensor's dtype; a tensor modified in place
takes the new op as its ``grad_fn``.
"""

from __future__ import annotations

from typing import Callable

from .. import _dtype as D
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor, _Lazy, _Storage
from . import _lazy
from ._views import _MULTI_VIEW, _ViewCell, refresh_views, root_base, write_back

_LEAF_ERROR = ("a leaf Variable that requires grad is being used in an in-place operation.")
_VIEW_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                    "in-place operation.")


_FUNCTION_VIEW_ERROR = (
    "Output {k} of {name} is a view and is being modified inplace. This view was created "
    "inside a custom Function (or because an input was returned as-is) and the autograd "
    "logic to handle view+inplace would override the custom backward associated with the "
    "custom Function, leading to incorrect gradients. This behavior is forbidden. You can "
    "fix this by cloning the output of the custom Function.")


def check(t: Tensor) -> None:
    if not _grad_state.enabled:
        return
    if t._rg and t._node is None:
        raise RuntimeError(_LEAF_ERROR)
    node = t._node
    if node is not None:
        # Nodes whose outputs are views of their inputs (a module's backward-hook node)
        # name themselves here: torch forbids changing such an output in place.
        name = getattr(node, "inplace_forbidden", None)
        if name is not None:
            if len(node.out_meta) > 1:
                raise RuntimeError(f"Output {t._oidx} of {name} is a view and is being "
                                   f"modified inplace. {_MULTI_VIEW}")
            raise RuntimeError(_FUNCTION_VIEW_ERROR.format(k=t._oidx, name=name))
    if type(t._cell) is _ViewCell:
        root = root_base(t)
        if root._rg and root._node is None:
            raise RuntimeError(_VIEW_LEAF_ERROR)


def assign(t: Tensor, compute: Callable[[], Tensor]) -> Tensor:
    """Run ``compute()`` (an out-of-place op on ``t``) and make ``t`` hold its result."""
    check(t)
    out = compute()
    return rebind(t, out)


def rebind(t: Tensor, out: Tensor) -> Tensor:
    if out._dtype is not t._dtype:
        if out._dtype._cat > t._dtype._cat:
            raise RuntimeError(f"result type {D.type_word(out._dtype)} "
                               "can't be cast to the desired output type "
                               f"{D.type_word(t._dtype)}")
        out = out.to(t._dtype)
    cell = t._cell
    if type(cell) is _ViewCell and _grad_state.enabled and (out._rg or cell.base._rg):
        # Writing into a view changes its base: record that write in the base's history.
        write_back(t, out)
    elif type(cell) is _Storage and type(out._cell.peek()) is _Lazy:
        # A recorded value moves over as it is (computed when read or at backward).
        lz = out._cell.peek()
        cell.a = lz
        _lazy.bind(lz, cell)
    else:
        cell.a = out._cell.a  # a view's cell writes the values through to its base
    t._ver[0] += 1
    node = out._node
    if node is not None and node.versions:
        # The op that just overwrote t saved t's *previous* array, which is immutable and
        # stays correct, so t's later changes must not invalidate that node (torch saves a
        # copy of the original ``self`` for such ops, with the same effect).
        node.versions = [v for v in node.versions if v[0] is not t._ver]
    if out._rg:
        t._node, t._oidx, t._rg = out._node, out._oidx, True
    elif t._node is not None and _grad_state.enabled:
        # Overwritten by a value with no history (e.g. fill_): the history is gone.
        t._node, t._rg = None, False
    if out._rg and "_views" in t.__dict__:
        refresh_views(t)
    return t
