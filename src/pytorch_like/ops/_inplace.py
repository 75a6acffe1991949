"""In-place updates: compute out of place, then rebind the tensor and bump its version.

Mirrors torch's rules: an in-place op on a leaf that requires grad is an error while grad
mode is on; the result must be castable to the tensor's dtype; a tensor modified in place
takes the new op as its ``grad_fn``.
"""

from __future__ import annotations

from typing import Callable

from .. import _dtype as D
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor

_LEAF_ERROR = ("a leaf Variable that requires grad is being used in an in-place operation.")


def check(t: Tensor) -> None:
    if t._rg and t._node is None and _grad_state.enabled:
        raise RuntimeError(_LEAF_ERROR)


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
    t._cell.a = out._cell.a
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
    return t
