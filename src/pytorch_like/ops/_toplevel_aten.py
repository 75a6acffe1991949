"""torch's top-level ATen entry points that ``nn.functional`` and the other modules do not
already export, gathered from their modules, and the Tensor methods they bring.

- ``_aten_nn``: ``torch.dropout``, ``torch.layer_norm``, ``torch.kl_div`` & co., ATen's
  positional order and integer ``reduction`` codes over ``nn.functional``;
- ``_aten_tensor``: plain tensor functions, factories, ``index_reduce``, in-place and
  "unsafe" aliases;
- ``_aten_copies``: the ``*_copy`` variants of view ops (a fresh tensor, not a view);
- ``_aten_lu``: the legacy ``torch.lu`` / ``lu_unpack`` / ``lu_solve``.

Example:
    >>> torch.layer_norm(torch.ones(2, 3), [3]).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from .. import _dtype as D
from ..tensor import Tensor
from ._aten_common import _F
from ._aten_copies import *  # noqa: F401,F403
from ._aten_copies import __all__ as _copies_all
from ._aten_lu import *  # noqa: F401,F403
from ._aten_lu import __all__ as _lu_all
from ._aten_lu import lu, lu_solve
from ._aten_nn import *  # noqa: F401,F403
from ._aten_nn import __all__ as _nn_all
from ._aten_tensor import *  # noqa: F401,F403
from ._aten_tensor import __all__ as _tensor_all
from ._aten_tensor import (
    _resize_,
    _resize_as_,
    addbmm,
    addr,
    adjoint,
    conj_physical_,
    diagonal_scatter,
    dist,
    empty_strided,
    ger,
    index_reduce,
    select_scatter,
    slice_scatter,
    unsafe_chunk,
    unsafe_split,
    unsafe_split_with_sizes,
)
from ._inplace import assign

__all__ = list(_nn_all) + list(_tensor_all) + list(_copies_all) + list(_lu_all)


# -- Tensor methods ----------------------------------------------------------------------
def _new_empty_strided(self: Tensor, size, stride, *, dtype=None, layout=None, device=None,
                       requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Mirrors ``Tensor.new_empty_strided``: ``torch.empty_strided`` with ``self``'s dtype
    by default.

    Example:
        >>> torch.ones(1).new_empty_strided((2,), (1,)).shape
        torch.Size([2])
    """
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device,
                         requires_grad=requires_grad)


def _converter(dt_name: str):
    def method(self: Tensor, memory_format=None) -> Tensor:
        return self.to(getattr(D, dt_name))
    method.__doc__ = (f"Mirrors ``Tensor.{'cfloat' if dt_name == 'complex64' else 'cdouble'}``"
                      f": ``self.to(torch.{dt_name})``.")
    return method


def _inplace_of(name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        return assign(self, lambda: getattr(self, name)(*args, **kwargs))
    method.__name__ = name + "_"
    method.__doc__ = f"Mirrors ``Tensor.{name}_``: ``{name}`` in place."
    return method


def _lu_method(self: Tensor, pivot: bool = True, get_infos: bool = False):
    """Mirrors ``Tensor.lu``: ``torch.lu(self, pivot, get_infos)``."""
    return lu(self, pivot, get_infos)


def _lu_solve_method(self: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """Mirrors ``Tensor.lu_solve``: ``torch.lu_solve(self, LU_data, LU_pivots)``."""
    return lu_solve(self, LU_data, LU_pivots)


def _index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Mirrors ``Tensor.index_reduce_``: ``index_reduce`` in place."""
    return assign(self, lambda: index_reduce(self, dim, index, source, reduce,
                                             include_self=include_self))


def _hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    return _F().hardshrink(self, lambd)


def _prelu(self: Tensor, weight: Tensor) -> Tensor:
    return _F().prelu(self, weight)


def _install_methods() -> None:
    for name, fn in [("addr", addr), ("addbmm", addbmm), ("adjoint", adjoint),
                     ("dist", dist), ("ger", ger), ("hardshrink", _hardshrink),
                     ("prelu", _prelu), ("diagonal_scatter", diagonal_scatter),
                     ("select_scatter", select_scatter), ("slice_scatter", slice_scatter),
                     ("index_reduce", index_reduce), ("index_reduce_", _index_reduce_),
                     ("resize_", _resize_), ("resize_as_", _resize_as_),
                     ("new_empty_strided", _new_empty_strided), ("lu", _lu_method),
                     ("lu_solve", _lu_solve_method),
                     ("cfloat", _converter("complex64")), ("conj_physical_", conj_physical_),
                     ("unsafe_chunk", unsafe_chunk), ("unsafe_split", unsafe_split),
                     ("unsafe_split_with_sizes", unsafe_split_with_sizes),
                     ("cdouble", _converter("complex128"))]:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
    for name in ("addmm", "addmv", "baddbmm", "addr", "addbmm"):
        if not hasattr(Tensor, name + "_"):
            setattr(Tensor, name + "_", _inplace_of(name))


_install_methods()
