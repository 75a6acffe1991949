"""torch's legacy LU entry points (``torch.lu``, ``torch.lu_unpack``, ``torch.lu_solve``),
built on ``torch.linalg``.

Example:
    >>> P, L, U = torch.lu_unpack(*torch.lu(torch.eye(2)))
    >>> U
    tensor([[1., 0.],
            [0., 1.]])
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from ._aten_common import _pl

__all__ = [
    "lu_unpack", "lu", "lu_solve",
]


# -- LU ----------------------------------------------------------------------------------
def _perm_from_pivots(piv: np.ndarray, m: int) -> np.ndarray:
    # LAPACK pivots are sequential 1-based row swaps; replay them to get the row order.
    perm = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    flat_perm, flat_piv = perm.reshape(-1, m), piv.reshape(-1, piv.shape[-1])
    for b in range(flat_perm.shape[0]):
        for i, p in enumerate(flat_piv[b]):
            j = int(p) - 1
            flat_perm[b, i], flat_perm[b, j] = flat_perm[b, j], flat_perm[b, i]
    return flat_perm.reshape(perm.shape)


_LuUnpack = namedtuple("lu_unpack", ["P", "L", "U"])


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True):
    """Mirrors ``torch.lu_unpack``: ``(P, L, U)`` with ``A = P @ L @ U`` from the output of
    ``torch.linalg.lu_factor``; skipped parts are empty tensors, as in torch.

    Example:
        >>> LU, piv = torch.linalg.lu_factor(torch.tensor([[1., 2.], [3., 4.]]))
        >>> P, L, U = torch.lu_unpack(LU, piv)
    """
    pl = _pl()

    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = builtins.min(m, n)
    empty = pl.empty(0, dtype=LU_data.dtype)
    if unpack_data:
        L = pl.tril(LU_data, -1)[..., :, :k] + pl.eye(m, k, dtype=LU_data.dtype)
        U = pl.triu(LU_data)[..., :k, :]
    else:
        L = U = empty
    if unpack_pivots:
        piv = np.asarray(LU_pivots.detach().numpy())
        perm = _perm_from_pivots(piv, m)
        eye = np.eye(m)
        # Row i of P^T is row perm[i] of the identity: A[perm] = L @ U.
        P = pl.tensor(np.swapaxes(eye[perm], -1, -2), dtype=LU_data.dtype)
    else:
        P = empty
    return _LuUnpack(P, L, U)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """Mirrors the deprecated ``torch.lu``: ``(LU, pivots)`` or, with ``get_infos``,
    ``(LU, pivots, infos)``, from ``torch.linalg.lu_factor_ex``. Difference: no ``out=``.

    Example:
        >>> LU, piv = torch.lu(torch.tensor([[1., 2.], [3., 4.]]))
    """
    from .. import linalg as _linalg

    LU, piv, info = _linalg.lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return LU, piv, info
    return LU, piv


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """Mirrors the deprecated ``torch.lu_solve(b, LU_data, LU_pivots)``: solves
    ``A x = b`` with ``torch.linalg.lu_solve``. Difference: no ``out=``.

    Example:
        >>> A = torch.tensor([[2., 0.], [0., 4.]])
        >>> torch.lu_solve(torch.ones(2, 1), *torch.lu(A)).flatten()
        tensor([0.5000, 0.2500])
    """
    from .. import linalg as _linalg

    return _linalg.lu_solve(LU_data, LU_pivots, b)
