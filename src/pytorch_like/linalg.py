"""``torch.linalg``: norms, decompositions, solvers and inverses of (batches of) matrices.

Mirrors PyTorch 2.13's ``torch.linalg`` namespace: names, signatures, defaults, named-tuple
results and error messages. Every function runs the JAX ops of ``ops/linalg.py``, so eager
autograd and ``pytorch_like.compile`` share them and JAX supplies the gradients.

Deliberate differences from torch:

* Errors that depend on the values (singular matrix, not positive-definite) are raised as
  :class:`LinAlgError` in eager mode only; inside ``compile`` the result holds inf/nan.
  The ``*_ex`` functions return torch's ``info`` codes in both modes, but where torch's
  LAPACK leaves a partial result (``cholesky_ex`` on a failing input) ours holds nan.
* ``lstsq`` computes every driver's solution from the SVD (the minimum-norm least-squares
  solution, which is what torch's default ``'gelsy'`` gives too); it fills ``residuals``,
  ``rank`` and ``singular_values`` as each driver does in torch. Inside ``compile`` the
  ``residuals`` of the ``'gels'``/``'gelsd'``/``'gelss'`` drivers are always returned (torch
  returns them only when every matrix has full rank, a value-dependent shape).
* ``qr(mode='r')`` is differentiable here (torch refuses its backward); the backward of
  ``qr(mode='complete')`` with more rows than columns raises JAX's error, not torch's.
* Complex inputs follow JAX where the package supports complex dtypes; only real inputs are
  checked against torch. ``eig``/``eigvals`` return complex tensors (values checked against
  torch; their gradients come from JAX unchecked).
* ``lu_factor``/``lu_factor_ex``/``lu`` refuse ``pivot=False`` as torch does on the CPU.
  ``cond`` with a norm order (``'fro'``, ``1``...) has a gradient here; torch 2.13's own
  backward for those orders fails.
* ``ldl_factor``/``ldl_factor_ex``/``ldl_solve`` follow LAPACK's ``sytf2``/``sytrs``
  (Bunch-Kaufman, lower triangle) step by step, so ``LD`` and the pivots are torch's; real
  inputs only. An exactly singular ``D`` (in ``ldl_factor``, or ``ldl_factor_ex`` with
  ``check_errors``) raises a ``LinAlgError`` in words of its own (torch 2.13 fails an
  internal assert there).
* ``out=`` follows torch's rules (see ``ops/_out.py``); where torch words a dtype refusal in a
  function's own terms, the refusal here uses the shared wording.

Example:
    >>> import pytorch_like as torch
    >>> torch.linalg.norm(torch.tensor([3., 4.]))
    tensor(5.)
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from . import _dtype as D
from . import return_types as _rt
from .ops import linalg as _L
from .ops._dispatch import Op, apply
from .ops._out import COMPOSITE, EXACT, OP, install_table
from .ops._util import cast_for, check_broadcast, dims_arg
from .ops.linalg import (  # noqa: F401  (re-exported as torch.linalg.*)
    LinAlgError,
    det,
    matmul,
    matrix_exp,
    matrix_power,
    svdvals,
)
from .ops.reduction import _norm as _vector_norm_op
from .tensor import Tensor

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv",
           "inv_ex", "pinv", "solve", "solve_ex", "solve_triangular", "lstsq", "cholesky",
           "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals",
           "matrix_rank", "matrix_power", "matrix_exp", "multi_dot", "cross", "vecdot",
           "diagonal", "matmul", "householder_product", "lu_factor", "lu_factor_ex", "lu",
           "lu_solve", "cond", "tensorinv", "tensorsolve", "ldl_factor", "ldl_factor_ex",
           "ldl_solve", "vander"]

_InvEx = _rt.linalg_inv_ex
_SolveEx = _rt.linalg_solve_ex
_CholeskyEx = _rt.linalg_cholesky_ex
_Svd = _rt.linalg_svd
_Eigh = _rt.linalg_eigh
_Eig = _rt.linalg_eig
_Lstsq = _rt.linalg_lstsq

_INF = float("inf")


# -- norms -----------------------------------------------------------------------------------
def _ord_str(o) -> str:
    if isinstance(o, float) and o.is_integer():
        return str(int(o))
    return str(o)


def _norm_dtype(name: str, x: Tensor, dtype) -> D.dtype:
    _L._check_float(name, x)
    if dtype is None:
        return _L._real_dtype(x._dtype)
    dtype = D.to_dtype(dtype)
    if not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got "
                           f"{D.type_word(dtype)}")
    if dtype._rank < x._dtype._rank:
        raise RuntimeError(f"{name}: the dtype of the input ({D.type_word(x._dtype)}) should "
                           f"be convertible without narrowing to the specified dtype "
                           f"({D.type_word(dtype)})")
    return _L._real_dtype(dtype)


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *,  # noqa: A002
                dtype=None) -> Tensor:
    """Mirrors ``torch.linalg.vector_norm``: the ``ord``-norm of ``x`` over ``dim`` (all of
    it when ``dim`` is None), treating the elements as one vector. ``ord`` may be any number,
    ``inf`` or ``-inf``; ``ord=0`` counts the non-zero elements.

    Example:
        >>> torch.linalg.vector_norm(torch.tensor([[3., 4.], [0., 0.]]), dim=1)
        tensor([5., 0.])
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    dt = _norm_dtype("linalg.vector_norm", x, dtype)
    dims = dims_arg(dim, x.ndim)
    if isinstance(dim, (list, tuple)) and len(set(dims)) != len(dims):
        d = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    reduced = [x.shape[d] for d in dims] if dims is not None else [x.numel()]
    if (ord < 0 or ord == _INF) and 0 in reduced:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_str(ord)} norm on an "
                           "empty tensor because the operation does not have an identity")
    return apply(_vector_norm_op, (x,), (("p", float(ord)), ("dim", dims),
                                         ("keepdim", bool(keepdim))), cast_for(dt, x), dt)


def _matrix_norm_fn(x, *, ord, dim, keepdim):
    a = jnp.moveaxis(x, dim, (-2, -1))
    if ord == "fro":
        sq = jnp.sum(jnp.abs(a) ** 2, (-2, -1))
        # sqrt with a zero-safe gradient at the zero matrix, as torch's.
        r = jnp.where(sq > 0, jnp.sqrt(jnp.where(sq > 0, sq, 1)), 0)
    elif ord == "nuc":
        r = jnp.sum(jnp.linalg.svd(a, compute_uv=False), -1)
    elif ord in (2, -2):
        s = jnp.linalg.svd(a, compute_uv=False)
        r = s[..., 0] if ord == 2 else s[..., -1]
    else:
        sums = jnp.sum(jnp.abs(a), -2 if abs(ord) == 1 else -1)
        r = jnp.max(sums, -1) if ord > 0 else jnp.min(sums, -1)
    if keepdim:
        r = jnp.expand_dims(r, tuple(sorted(dim)))
    return r.astype(jnp.real(x).dtype)


_matrix_norm = Op("matrix_norm", _matrix_norm_fn, grad_name="LinalgMatrixNormBackward0")


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,  # noqa: A002,N803
                dtype=None) -> Tensor:
    """Mirrors ``torch.linalg.matrix_norm``: ``'fro'``, ``'nuc'``, ``inf``, ``-inf``, ``1``,
    ``-1``, ``2`` or ``-2`` norm of the matrices spanned by the two dims in ``dim``.

    Example:
        >>> torch.linalg.matrix_norm(torch.tensor([[1., 2.], [3., 4.]]), ord=1)
        tensor(6.)
    """
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if not isinstance(dim, (list, tuple)) or len(dim) != 2:
        got = " ".join(map(str, dim)) if isinstance(dim, (list, tuple)) else dim
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    dims = (int(dim[0]) % A.ndim, int(dim[1]) % A.ndim)
    if dims[0] == dims[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if ord not in ("fro", "nuc", _INF, -_INF, 1, -1, 2, -2):
        raise RuntimeError(f"linalg.matrix_norm: Order {_ord_str(ord)} not supported.")
    dt = _norm_dtype("linalg.matrix_norm", A, dtype)
    o = ord if isinstance(ord, str) else float(ord)
    return apply(_matrix_norm, (A,), (("ord", o), ("dim", dims), ("keepdim", bool(keepdim))),
                 cast_for(dt, A), dt)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *,  # noqa: A002,N803
         dtype=None) -> Tensor:
    """Mirrors ``torch.linalg.norm``: a vector norm when ``dim`` is an int or 1-tuple (or
    the input is 1-D), a matrix norm when ``dim`` is a 2-tuple (or the input is 2-D with an
    ``ord``); with neither ``ord`` nor ``dim``, the 2-norm of all elements.

    Example:
        >>> torch.linalg.norm(torch.tensor([[1., 2.], [2., 4.]]))
        tensor(5.)
    """
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or "
                               f"2. Got {list(dims)}")
    elif ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                               f"must be 1D or 2D. Got {A.ndim}D.")
        dims = tuple(range(A.ndim))
    if isinstance(ord, str) or (dim is not None and len(dims) == 2) or \
            (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord,
                           dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# -- determinants and inverses -------------------------------------------------------------
def slogdet(A: Tensor):  # noqa: N803
    """Mirrors ``torch.linalg.slogdet``: the named tuple ``(sign, logabsdet)``.

    Example:
        >>> torch.linalg.slogdet(torch.tensor([[-2., 0.], [0., 3.]])).logabsdet
        tensor(1.7918)
    """
    return _L._LinalgSlogdet(*_L._slogdet_pair("linalg.slogdet", A))


def inv(A: Tensor) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.inv``; raises :class:`LinAlgError` in torch's words for a
    singular matrix (eager mode only).

    Example:
        >>> torch.linalg.inv(torch.tensor([[2., 0.], [0., 4.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return _L._inv("linalg.inv", A)


def inv_ex(A: Tensor, *, check_errors: bool = False):  # noqa: N803
    """Mirrors ``torch.linalg.inv_ex``: the named tuple ``(inverse, info)``; ``info`` (int32)
    is 0, or the 1-based index of the zero pivot of a singular matrix.

    Example:
        >>> torch.linalg.inv_ex(torch.zeros(2, 2)).info
        tensor(1, dtype=torch.int32)
    """
    out, info = _L._inv_pair("linalg.inv_ex", A)
    if check_errors:
        _L._raise_on_info(info, "linalg.inv_ex", _L._inv_singular)
    return _InvEx(out, info)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False,  # noqa: N803
         rcond=None) -> Tensor:
    """Mirrors ``torch.linalg.pinv``: the pseudo-inverse, inverting only the singular values
    above ``max(atol, rtol * largest)`` (torch's defaults: ``rtol = eps * max(m, n)``, or 0
    when only a positive ``atol`` is given). ``rcond`` is torch's older name for ``rtol``.

    Example:
        >>> torch.linalg.pinv(torch.tensor([[1., 0.], [0., 0.]]))
        tensor([[1., 0.],
                [0., 0.]])
    """
    return _L._pinv(A, atol, rcond if rtol is None else rtol, hermitian)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False,  # noqa: N803
                tol=None) -> Tensor:
    """Mirrors ``torch.linalg.matrix_rank``: the number of singular values (absolute
    eigenvalues with ``hermitian``) above ``max(atol, rtol * largest)``, as int64. ``tol`` is
    torch's older absolute tolerance (``rtol`` then 0).

    Example:
        >>> torch.linalg.matrix_rank(torch.tensor([[1., 2.], [2., 4.]]))
        tensor(1)
    """
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at "
                           "least 2 dimensions.")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _L._tolerances(A, atol, rtol)
    # The tolerances travel as traced values: one program serves them all.
    return apply(_matrix_rank, (A, atol, rtol), (("hermitian", bool(hermitian)),), None,
                 D.int64)


def _matrix_rank_fn(a, atol, rtol, *, hermitian):
    s = (jnp.abs(jnp.linalg.eigvalsh(a)) if hermitian
         else jnp.linalg.svd(a, compute_uv=False))
    if s.shape[-1] == 0:
        return jnp.zeros(a.shape[:-2], D.int64.storage)
    cut = jnp.maximum(atol, rtol * jnp.max(s, -1, keepdims=True))
    return jnp.sum(s > cut, -1).astype(D.int64.storage)


_matrix_rank = Op("matrix_rank", _matrix_rank_fn, differentiable=False)


# -- solvers -------------------------------------------------------------------------------
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.solve``: ``X`` with ``A X = B`` (``X A = B`` when
    ``left=False``). ``B`` is a (batch of) vector(s) when it is 1-D or has ``A``'s shape
    minus the last dim; batch dims broadcast. Raises :class:`LinAlgError` for a singular
    ``A`` (eager mode only).

    Example:
        >>> torch.linalg.solve(torch.tensor([[2., 0.], [0., 4.]]), torch.tensor([2., 2.]))
        tensor([1.0000, 0.5000])
    """
    return _L._solve_checked(A, B, left)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True,  # noqa: N803
             check_errors: bool = False):
    """Mirrors ``torch.linalg.solve_ex``: the named tuple ``(result, info)``.

    Example:
        >>> torch.linalg.solve_ex(torch.eye(2), torch.ones(2)).info
        tensor(0, dtype=torch.int32)
    """
    if check_errors:
        return _SolveEx(_L._solve_checked(A, B, left), None)
    x, info = _L._solve_pair("linalg.solve", A, B, left)
    return _SolveEx(x, info)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,  # noqa: N803
                     unitriangular: bool = False) -> Tensor:
    """Mirrors ``torch.linalg.solve_triangular``: solves ``A X = B`` (``X A = B`` when
    ``left=False``) reading only the upper or lower triangle of ``A`` (with a unit diagonal
    when ``unitriangular``). The gradient for ``A`` stays in that triangle, as torch's.

    Example:
        >>> A = torch.tensor([[2., 1.], [0., 4.]])
        >>> torch.linalg.solve_triangular(A, torch.tensor([[4.], [8.]]), upper=True)
        tensor([[1.],
                [2.]])
    """
    return _L._solve_triangular("linalg.solve_triangular", A, B, upper, left, unitriangular)


def _lstsq_fn(a, b, *, rcond, vector):
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    s = jnp.linalg.svd(a, compute_uv=False)
    cut = rcond * s[..., :1]
    rank = jnp.sum(s > cut, -1).astype(D.int64.storage)
    x = jnp.linalg.pinv(a, rtol=rcond) @ b
    res = jnp.sum(jnp.abs(a @ x - b) ** 2, -2)
    if vector:
        x = x[..., 0]  # the residuals keep their trailing dim of 1, as torch's
    return x, res, rank, s


# torch gives no gradient through the singular values lstsq reports.
_lstsq = Op("lstsq", _lstsq_fn, nout=4, diff_out=(0, 1), grad_name="LinalgLstsqBackward0")


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):  # noqa: N803
    """Mirrors ``torch.linalg.lstsq`` on the CPU: the named tuple ``(solution, residuals,
    rank, singular_values)`` of ``min ||A X - B||``. As torch fills them: ``rank`` for every
    driver but ``'gels'``; ``singular_values`` for ``'gelsd'``/``'gelss'``; ``residuals``
    (squared residual norms) for drivers other than the default ``'gelsy'`` when ``m > n``
    and every matrix has full rank; the others are empty tensors.

    The solution is computed from the SVD (the minimum-norm solution; singular values at or
    below ``rcond * largest`` are dropped, ``rcond`` defaulting to ``eps * max(m, n)``).

    Example:
        >>> A = torch.tensor([[1., 0.], [0., 1.], [0., 0.]])
        >>> torch.linalg.lstsq(A, torch.tensor([[1.], [2.], [3.]])).solution
        tensor([[1.],
                [2.]])
    """
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    _L._check_matrix("torch.linalg.lstsq", A, "input", square=False)
    vector = B.ndim == A.ndim - 1
    if B.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {D.type_word(A._dtype)} and other's "
                           f"dtype {D.type_word(B._dtype)}")
    k = -1 if vector else -2
    if A.shape[-2] != B.shape[k]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match "
                           f"other.size({k})")
    check_broadcast(tuple(A.shape[:-2]), tuple(B.shape[:-1] if vector else B.shape[:-2]))
    m, n = A.shape[-2:]
    if rcond is None:
        rcond = float(jnp.finfo(_L._real_dtype(A._dtype).storage).eps) * max(m, n)
    real = _L._real_dtype(A._dtype)
    x, res, rank, s = apply(_lstsq, (A, B), (("rcond", float(rcond)), ("vector", vector)),
                            None, (A._dtype, real, D.int64, real))
    full = m > n and driver != "gelsy"
    if full and driver != "gels" and not _L._traced(rank._cell.a):
        full = bool((rank._cell.a == n).all())
    return _Lstsq(x, res if full else _L._empty(real),
                  _L._empty(D.int64) if driver == "gels" else rank,
                  s if driver in ("gelsd", "gelss") else _L._empty(real))


# -- factorizations ------------------------------------------------------------------------
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.cholesky``: ``L`` with ``A = L L^H`` from ``A``'s lower
    triangle (``U`` with ``A = U^H U`` from the upper one when ``upper``). Raises
    :class:`LinAlgError` in torch's words when ``A`` is not positive-definite (eager only).

    Example:
        >>> torch.linalg.cholesky(torch.tensor([[4., 2.], [2., 5.]]))
        tensor([[2., 0.],
                [1., 2.]])
    """
    return _L._cholesky_checked("linalg.cholesky", A, upper)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):  # noqa: N803
    """Mirrors ``torch.linalg.cholesky_ex``: the named tuple ``(L, info)``; ``info`` (int32)
    is 0 or the order of the first leading minor that is not positive-definite. Where torch
    returns a partial factor for a failing matrix, ``L`` holds nan here.

    Example:
        >>> torch.linalg.cholesky_ex(-torch.eye(2)).info
        tensor(1, dtype=torch.int32)
    """
    if check_errors:
        return _CholeskyEx(_L._cholesky_checked("linalg.cholesky_ex", A, upper),
                           _int32_zeros(A))
    _L._check_matrix("linalg.cholesky", A)
    up = (("upper", bool(upper)),)
    return _CholeskyEx(apply(_L._cholesky, (A,), up),
                       apply(_L._cholesky_info, (A,), up, None, D.int32))


def _int32_zeros(a: Tensor) -> Tensor:
    return Tensor._make(jnp.zeros(tuple(a.shape[:-2]), jnp.int32), D.int32)


def qr(A: Tensor, mode: str = "reduced"):  # noqa: N803
    """Mirrors ``torch.linalg.qr``: the named tuple ``(Q, R)``; ``mode`` is ``'reduced'``,
    ``'complete'`` or ``'r'`` (``Q`` then an empty tensor).

    Example:
        >>> torch.linalg.qr(torch.tensor([[3., 1.], [4., 2.]])).R
        tensor([[-5.0000, -2.2000],
                [ 0.0000,  0.4000]])
    """
    return _L._LinalgQr(*_L._qr_pair(A, mode))


def svd(A: Tensor, full_matrices: bool = True, *, driver=None):  # noqa: N803
    """Mirrors ``torch.linalg.svd``: the named tuple ``(U, S, Vh)`` with
    ``A = U diag(S) Vh``. As in torch, with ``full_matrices`` the gradient ignores the
    columns of ``U`` (rows of ``Vh``) past ``min(m, n)``. The vectors are unique only up to
    sign: compare reconstructions, not the vectors.

    Example:
        >>> torch.linalg.svd(torch.tensor([[3., 0.], [0., 4.]])).S
        tensor([4., 3.])
    """
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")
    return _Svd(*_L._svd_triple(A, full_matrices))


def _uplo(uplo: str) -> str:
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo


def eigh(A: Tensor, UPLO: str = "L"):  # noqa: N803
    """Mirrors ``torch.linalg.eigh``: ``(eigenvalues, eigenvectors)`` of a symmetric
    (Hermitian) matrix read from its lower (``UPLO='L'``) or upper triangle; eigenvalues
    ascending. Eigenvectors are unique only up to sign.

    Example:
        >>> torch.linalg.eigh(torch.tensor([[2., 1.], [1., 2.]])).eigenvalues
        tensor([1., 3.])
    """
    _L._check_matrix("linalg.eigh", A)
    w, v = apply(_L._eigh, (A,), (("uplo", _uplo(UPLO)),), None,
                 (_L._real_dtype(A._dtype), A._dtype))
    return _Eigh(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.eigvalsh``: ascending eigenvalues of a symmetric matrix.

    Example:
        >>> torch.linalg.eigvalsh(torch.tensor([[2., 1.], [1., 2.]]))
        tensor([1., 3.])
    """
    _L._check_matrix("linalg.eigh", A)
    return apply(_L._eigvalsh, (A,), (("uplo", _uplo(UPLO)),), None,
                 _L._real_dtype(A._dtype))


def _complex_of(d: D.dtype) -> D.dtype:
    return d if d.is_complex else (D.complex128 if d is D.float64 else D.complex64)


def _eig_fn(a):
    w, v = jnp.linalg.eig(a)
    return w, v


def _eigvals_fn(a):
    return jnp.linalg.eigvals(a)


_eig = Op("eig", _eig_fn, nout=2, grad_name="LinalgEigBackward0")
_eigvals = Op("eigvals", _eigvals_fn, grad_name="LinalgEigBackward0")


def _eig_check(a: Tensor) -> None:
    _L._check_matrix("linalg.eig", a)
    if jax.default_backend() != "cpu":
        raise NotImplementedError("linalg.eig/eigvals: JAX computes general eigenvalues only "
                                  "on the CPU backend")


def eig(A: Tensor):  # noqa: N803
    """Mirrors ``torch.linalg.eig``: complex ``(eigenvalues, eigenvectors)`` of a general
    square matrix (JAX's LAPACK ``geev``; the order and the phase of the eigenvectors may
    differ from torch's). CPU backend only; gradients come from JAX.

    Example:
        >>> torch.linalg.eig(torch.tensor([[2., 0.], [0., 3.]])).eigenvalues.dtype
        torch.complex64
    """
    _eig_check(A)
    c = _complex_of(A._dtype)
    return _Eig(*apply(_eig, (A,), (), None, (c, c)))


def eigvals(A: Tensor) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.eigvals``: the complex eigenvalues of a square matrix (CPU
    backend only; see :func:`eig`).

    Example:
        >>> torch.linalg.eigvals(torch.tensor([[0., -1.], [1., 0.]])).shape
        torch.Size([2])
    """
    _eig_check(A)
    return apply(_eigvals, (A,), (), None, _complex_of(A._dtype))


def _householder_fn(a, tau):
    m, n = a.shape[-2:]
    q = jnp.broadcast_to(jnp.eye(m, dtype=a.dtype), a.shape[:-2] + (m, m))
    rows = jnp.arange(m)
    for i in range(tau.shape[-1]):
        # The i-th reflector's vector: zeros above the diagonal, an implicit 1 on it.
        v = jnp.where(rows < i, 0, jnp.where(rows == i, 1, a[..., :, i]))
        qv = q @ v[..., :, None]
        q = q - tau[..., i, None, None] * qv * jnp.conj(v)[..., None, :]
    return q[..., :, :n]


_householder = Op("householder_product", _householder_fn,
                  grad_name="LinalgHouseholderProductBackward0")


def householder_product(A: Tensor, tau: Tensor) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.householder_product``: the first ``n`` columns of the product
    of the Householder reflectors ``I - tau_i v_i v_i^H`` stored in ``A``'s columns (as
    LAPACK's ``orgqr``).

    Example:
        >>> torch.linalg.householder_product(torch.zeros(2, 2), torch.zeros(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.householder_product: input must have at least 2 "
                           "dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater "
                           "than or equal to input.shape[-1]")
    if tau.shape[-1] > A.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater "
                           "than or equal to tau.shape[-1]")
    return apply(_householder, (A, tau))


# -- products ------------------------------------------------------------------------------
def multi_dot(tensors) -> Tensor:
    """Mirrors ``torch.linalg.multi_dot``: the product of a list of matrices; the first may
    be a row vector and the last a column vector (1-D), as in torch. Multiplied left to right
    (torch picks the cheapest order; the values agree up to rounding).

    Example:
        >>> torch.linalg.multi_dot([torch.ones(3), torch.eye(3), torch.ones(3)])
        tensor(3.)
    """
    return _L._multi_dot(tensors)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.linalg.cross``: the 3-vector cross product along ``dim`` (default
    -1, unlike ``torch.cross``), broadcasting the other dims.

    Example:
        >>> torch.linalg.cross(torch.tensor([1., 0., 0.]), torch.tensor([0., 1., 0.]))
        tensor([0., 0., 1.])
    """
    a, b = input.shape[dim], other.shape[dim]
    if a != 3 or b != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a} "
                           f"and {b}")
    check_broadcast(tuple(input.shape), tuple(other.shape))
    return _L.cross(input, other, dim % max(input.ndim, other.ndim))


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Mirrors ``torch.linalg.vecdot``: ``sum(conj(x) * y, dim)`` with broadcasting.

    Example:
        >>> torch.linalg.vecdot(torch.tensor([1., 2.]), torch.tensor([3., 4.]))
        tensor(11.)
    """
    _L._check_float("linalg.vecdot", x)
    if x.ndim == 1 and y.ndim == 1 and x.shape[0] != y.shape[0]:
        n, m = x.shape[0], y.shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    return ((x.conj() if x.is_complex() else x) * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.diagonal``: ``torch.diagonal`` with the last two dims as
    defaults.

    Example:
        >>> torch.linalg.diagonal(torch.eye(2))
        tensor([1., 1.])
    """
    from .ops.shape import diagonal as _diagonal

    return _diagonal(A, offset, dim1, dim2)


# -- LU ------------------------------------------------------------------------------------
_LU = _rt.linalg_lu
_LuFactor = _rt.linalg_lu_factor
_LuFactorEx = _rt.linalg_lu_factor_ex


def _lu_factor_fn(a):
    lu, piv, _ = jax.lax.linalg.lu(a)
    # LAPACK's getrf numbers the pivot rows from 1; JAX from 0.
    return lu, (piv + 1).astype(jnp.int32), _L._lu_info(jax.lax.stop_gradient(lu))


_lu_factor = Op("lu_factor", _lu_factor_fn, nout=3, diff_out=(0,),
                grad_name="LinalgLuFactorExBackward0")


def _lu_fn(a):
    lu, _, perm = jax.lax.linalg.lu(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    lower = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=a.dtype)
    upper = jnp.triu(lu[..., :k, :])
    # JAX gives A[perm] = L U; torch's P has A = P L U, so P[perm[i], i] = 1.
    p = jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=a.dtype), -1, -2)
    return jax.lax.stop_gradient(p), lower, upper


_lu = Op("lu", _lu_fn, nout=3, diff_out=(1, 2), grad_name="LinalgLuBackward0")


def _lu_check(name: str, a: Tensor, pivot: bool) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(a.shape)} instead")
    if not (a._dtype.is_floating_point or a._dtype.is_complex):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{D.type_word(a._dtype)}'")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the "
                           "CPU")


def _lu_singular(k: int) -> str:
    return (f"U[{k},{k}] is zero and using it on lu_solve would result in a division by zero. "
            "If you still want to perform the factorization, consider calling "
            "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def _raise_lu_singular(info: Tensor, name: str) -> None:
    # torch raises a plain RuntimeError here, not the LinAlgError of inv/solve/cholesky.
    try:
        _L._raise_on_info(info, name, _lu_singular)
    except LinAlgError as e:
        raise RuntimeError(str(e)) from None


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False):  # noqa: N803
    """Mirrors ``torch.linalg.lu_factor_ex``: the named tuple ``(LU, pivots, info)`` of the
    partially pivoted LU decomposition (LAPACK's ``getrf`` layout: ``L`` below the diagonal
    with an implicit unit diagonal, ``U`` on and above it; ``pivots`` are 1-based int32 row
    swaps; ``info`` is the 1-based index of the first zero on ``U``'s diagonal, or 0).
    ``pivot=False`` is refused, as torch refuses it on the CPU.

    Example:
        >>> torch.linalg.lu_factor_ex(torch.tensor([[1., 2.], [3., 4.]])).pivots
        tensor([2, 2], dtype=torch.int32)
    """
    _lu_check("torch.lu_factor", A, pivot)
    lu, piv, info = apply(_lu_factor, (A,), (), None, (A._dtype, D.int32, D.int32))
    if check_errors:
        _raise_lu_singular(info, "torch.linalg.lu_factor_ex")
    return _LuFactorEx(lu, piv, info)


def lu_factor(A: Tensor, *, pivot: bool = True):  # noqa: N803
    """Mirrors ``torch.linalg.lu_factor``: the named tuple ``(LU, pivots)`` (see
    :func:`lu_factor_ex`); raises in torch's words when ``U`` has a zero on its diagonal
    (eager mode only).

    Example:
        >>> torch.linalg.lu_factor(torch.tensor([[1., 2.], [3., 4.]])).LU
        tensor([[3.0000, 4.0000],
                [0.3333, 0.6667]])
    """
    _lu_check("torch.lu_factor", A, pivot)
    lu, piv, info = apply(_lu_factor, (A,), (), None, (A._dtype, D.int32, D.int32))
    _raise_lu_singular(info, "torch.linalg.lu_factor")
    return _LuFactor(lu, piv)


def lu(A: Tensor, *, pivot: bool = True):  # noqa: N803
    """Mirrors ``torch.linalg.lu``: the named tuple ``(P, L, U)`` with ``A = P L U``, ``P``
    a permutation matrix (in ``A``'s dtype), ``L`` unit lower trapezoidal (``m x k``) and
    ``U`` upper trapezoidal (``k x n``), ``k = min(m, n)``. A singular ``A`` is not an error.

    Example:
        >>> torch.linalg.lu(torch.tensor([[1., 2.], [3., 4.]])).P
        tensor([[0., 1.],
                [1., 0.]])
    """
    _lu_check("linalg.lu", A, pivot)
    return _LU(*apply(_lu, (A,)))


def _lu_solve_fn(lu, piv, b, *, left, adjoint):
    if not left:
        # X A = B  <=>  A^H X^H = B^H: the left solve with the other adjoint flag.
        return _L._mT(_lu_solve_fn(lu, piv, _L._mT(b), left=True, adjoint=not adjoint))
    n = lu.shape[-1]
    batch = jnp.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    lu = jnp.broadcast_to(lu, batch + lu.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    piv = jnp.broadcast_to(piv, batch + piv.shape[-1:])
    perm = jax.lax.linalg.lu_pivots_to_permutation(piv - 1, n)
    # Only the packed triangles are read, so the gradient lands on them alone, as torch's.
    lower = jnp.tril(lu, -1)
    upper = jnp.triu(lu)
    solve = jax.lax.linalg.triangular_solve
    if not adjoint:  # A = P L U:  X = U^-1 L^-1 P^T B
        y = jnp.take_along_axis(b, perm[..., :, None], -2)
        y = solve(lower, y, left_side=True, lower=True, unit_diagonal=True)
        return solve(upper, y, left_side=True, lower=False)
    # A^H = U^H L^H P^T:  X = P L^-H U^-H B
    y = solve(upper, b, left_side=True, lower=False, transpose_a=True, conjugate_a=True)
    y = solve(lower, y, left_side=True, lower=True, transpose_a=True, conjugate_a=True,
              unit_diagonal=True)
    inverse = jnp.argsort(perm, axis=-1)
    return jnp.take_along_axis(y, inverse[..., :, None], -2)


_lu_solve = Op("lu_solve", _lu_solve_fn, grad_name="LinalgLuSolveBackward0")


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,  # noqa: N803
             adjoint: bool = False) -> Tensor:
    """Mirrors ``torch.linalg.lu_solve``: solves ``A X = B`` (``X A = B`` when ``left`` is
    False; with ``A^H`` for ``A`` when ``adjoint``) given ``(LU, pivots)`` from
    :func:`lu_factor`. Batch dims broadcast. Gradients reach ``LU`` and ``B``.

    Example:
        >>> LU, piv = torch.linalg.lu_factor(torch.tensor([[2., 0.], [0., 4.]]))
        >>> torch.linalg.lu_solve(LU, piv, torch.tensor([[2.], [2.]]))
        tensor([[1.0000],
                [0.5000]])
    """
    _L._check_matrix("torch.linalg.lu_solve", LU)
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if LU._dtype is not B._dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but "
                           f"found LU of type {D.type_word(LU._dtype)} and B of type "
                           f"{D.type_word(B._dtype)} instead")
    if pivots._dtype is not D.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type "
                           "torch.int32")
    if pivots.ndim < 1 or pivots.shape[-1] != n:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    check_broadcast(tuple(B.shape[:-2]), tuple(LU.shape[:-2]))
    return apply(_lu_solve, (LU, pivots, B), (("left", bool(left)), ("adjoint", bool(adjoint))),
                 None, LU._dtype)


# -- condition number, tensor inverse and solve --------------------------------------------
_COND_ORDS = (None, "fro", "nuc", _INF, -_INF, 1, -1, 2, -2)


def _cond_fn(a, *, p):
    real = jnp.real(a).dtype
    if 0 in a.shape[-2:]:
        return jnp.zeros(a.shape[:-2], real)
    if p in (None, 2, -2):
        s = jnp.linalg.svd(a, compute_uv=False)
        big, small = s[..., 0], s[..., -1]
        return (small / big if p == -2 else big / small).astype(real)
    dims = (a.ndim - 2, a.ndim - 1)
    inv = jnp.linalg.inv(a)
    value = (_matrix_norm_fn(a, ord=p, dim=dims, keepdim=False)
             * _matrix_norm_fn(inv, ord=p, dim=dims, keepdim=False))
    # torch reports an exactly singular matrix (a zero pivot) as infinitely ill-conditioned.
    return jnp.where(_L._singular_info(a) > 0, jnp.inf, value).astype(real)


_cond = Op("cond", _cond_fn, grad_name="LinalgCondBackward0")


def cond(A: Tensor, p=None) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.cond``: the condition number of (a batch of) matrices in the
    ``p`` norm. ``None``, ``2`` and ``-2`` use the singular values (any shape); ``'fro'``,
    ``'nuc'``, ``inf``, ``-inf``, ``1`` and ``-1`` compute ``norm(A) * norm(inv(A))`` for
    square matrices, inf for a singular one.

    Example:
        >>> torch.linalg.cond(torch.tensor([[1., 0.], [0., 4.]]))
        tensor(4.)
    """
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if isinstance(p, bool) or p not in _COND_ORDS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {_ord_str(p)}")
    p = p if p is None or isinstance(p, str) else float(p)
    if p in (None, 2, -2):
        _L._check_float("linalg.svd", A)
    else:
        if A.shape[-1] != A.shape[-2]:
            raise RuntimeError(f"linalg.cond(ord={_ord_str(p)}): A must be batches of square "
                               f"matrices, but they are {A.shape[-2]} by {A.shape[-1]} "
                               "matrices")
        _L._check_float("linalg.inv", A)
    return apply(_cond, (A,), (("p", p),), None, _L._real_dtype(A._dtype))


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.tensorinv``: the tensor ``X`` with ``tensordot(X, A, ind)``
    the identity: ``A`` reshaped to a ``prod(A.shape[:ind])``-square matrix, inverted, and
    reshaped to ``A.shape[ind:] + A.shape[:ind]``.

    Example:
        >>> torch.linalg.tensorinv(2 * torch.eye(4).reshape(4, 2, 2), ind=1).shape
        torch.Size([2, 2, 4])
    """
    if isinstance(ind, bool) or not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) "
                           f"== prod(self.shape[:ind]), but got {cols} != {rows}")
    inv, info = _L._inv_pair("linalg.inv", A.reshape(rows, cols))
    _L._raise_on_info(info, "inv", _L._inv_singular)
    return inv.reshape(*A.shape[ind:], *A.shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.tensorsolve``: ``X`` with ``tensordot(A, X, X.ndim) == B``;
    ``dims`` first moves those dims of ``A`` to the end. ``X`` has shape
    ``A.shape[B.ndim:]``.

    Example:
        >>> A = torch.eye(6).reshape(2, 3, 6)
        >>> torch.linalg.tensorsolve(A, torch.ones(2, 3)).shape
        torch.Size([6])
    """
    if dims is not None:
        dims = [dims] if isinstance(dims, int) else list(dims)
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))  # noqa: N806
    shape = tuple(A.shape[B.ndim:])
    n, rows = math.prod(shape), math.prod(A.shape[:B.ndim])
    if n != rows:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:"
                           f"]) == prod(self.shape[:other.ndim]), but got {n} != {rows}")
    return _L._solve_checked(A.reshape(rows, n), B.reshape(rows)).reshape(*shape)



# -- LDL (Bunch-Kaufman) ---------------------------------------------------------------------
_LdlFactor = _rt.linalg_ldl_factor
_LdlFactorEx = _rt.linalg_ldl_factor_ex
# Bunch and Kaufman's threshold: it bounds the growth of the factors' elements.
_BK_ALPHA = (1 + 17 ** 0.5) / 8


def _ldl_one(a):
    """LAPACK ``sytf2`` (lower) on one real symmetric matrix: the same pivot choices, the
    same row/column interchanges and the same packed ``LD``, so the pivots match torch's."""
    n = a.shape[-1]
    idx = jnp.arange(n)
    rows, cols = idx[:, None], idx[None, :]
    lower = rows >= cols
    a = jnp.tril(a)

    def body(state):
        a, ipiv, info, k = state
        col = jnp.abs(a[:, k])
        below = idx > k
        imax = jnp.argmax(jnp.where(below, col, -1))
        colmax = jnp.where(k < n - 1, col[imax], 0)
        absakk = col[k]
        zero = jnp.maximum(absakk, colmax) == 0
        # The largest off-diagonal element in row/column imax of the trailing matrix.
        rowmax = jnp.maximum(
            jnp.max(jnp.where((idx >= k) & (idx < imax), jnp.abs(a[imax, :]), 0)),
            jnp.max(jnp.where(idx > imax, jnp.abs(a[:, imax]), 0)))
        keep = absakk >= _BK_ALPHA * colmax
        keep = keep | (absakk >= _BK_ALPHA * colmax * (colmax / jnp.where(keep, 1, rowmax)))
        one_by_one = jnp.abs(a[imax, imax]) >= _BK_ALPHA * rowmax
        kp = jnp.where(zero | keep, k, imax)
        two = ~zero & ~keep & ~one_by_one
        kk = k + two.astype(k.dtype)
        # The interchange of kk and kp is a symmetric permutation of the trailing matrix.
        trail = (rows >= k) & (cols >= k)
        sym = jnp.where(trail, a + jnp.where(lower, a, 0).T - jnp.diag(jnp.diag(a)), 0)
        perm = jnp.where(idx == kk, kp, jnp.where(idx == kp, kk, idx))
        a = jnp.where(lower & trail, sym[perm][:, perm], a)

        # A 1x1 pivot: a rank-1 update of the trailing matrix, as LAPACK's syr.
        d11 = 1 / jnp.where(zero, 1, a[k, k])
        v = jnp.where(below, a[:, k], 0)
        one = jnp.where(lower & (rows > k) & (cols > k), a + v[:, None] * (-d11 * v)[None, :],
                        a)
        one = one.at[:, k].set(jnp.where(below, a[:, k] * d11, a[:, k]))

        # A 2x2 pivot on rows k, k+1: a rank-2 update with the inverse of the 2x2 block.
        k1 = jnp.minimum(k + 1, n - 1)
        d21 = a[k1, k]
        safe = jnp.where(two, d21, 1)
        e11 = a[k1, k1] / safe
        e22 = a[k, k] / safe
        f21 = (1 / (e11 * e22 - 1)) / safe
        ck, ck1 = a[:, k], a[:, k1]
        wk = f21 * (e11 * ck - ck1)
        wk1 = f21 * (e22 * ck1 - ck)
        past = idx > k + 1
        upd = lower & past[:, None] & past[None, :]
        twos = jnp.where(upd, a - ck[:, None] * wk[None, :] - ck1[:, None] * wk1[None, :], a)
        twos = twos.at[:, k].set(jnp.where(past, wk, ck)).at[:, k1].set(jnp.where(past, wk1,
                                                                                   ck1))
        a = jnp.where(zero, a, jnp.where(two, twos, one))
        piv = jnp.where(two, -(kp + 1), kp + 1).astype(jnp.int32)
        ipiv = ipiv.at[k1].set(jnp.where(two, piv, ipiv[k1])).at[k].set(piv)
        info = jnp.where((info == 0) & zero, k + 1, info).astype(jnp.int32)
        return a, ipiv, info, k + 1 + two.astype(k.dtype)

    state = (a, jnp.zeros(n, jnp.int32), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32))
    a, ipiv, info, _ = jax.lax.while_loop(lambda s: s[3] < n, body, state)
    return a, ipiv, info


def _ldl_factor_fn(a):
    f = _ldl_one
    for _ in range(a.ndim - 2):
        f = jax.vmap(f)
    return f(a)


# torch implements no derivative for the LDL factorization or its solve.
_ldl_factor = Op("ldl_factor", _ldl_factor_fn, nout=3, differentiable=False)


def _ldl_check(name: str, a: Tensor, arg: str = "A") -> None:
    _L._check_matrix(name, a, arg)
    if a._dtype.is_complex:
        raise NotImplementedError(f"{name}: complex inputs are not supported by pytorch_like")


def _ldl_singular(k: int) -> str:
    return (f"The factorization could not be completed because the block diagonal matrix D "
            f"is exactly singular: D[{k},{k}] is zero.")


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False,  # noqa: N803
                  check_errors: bool = False):
    """Mirrors ``torch.linalg.ldl_factor_ex``: the named tuple ``(LD, pivots, info)`` of the
    Bunch-Kaufman factorization ``A = P L D L^T P^T`` of a symmetric matrix, read from its
    lower triangle, in LAPACK ``sytrf``'s layout (``L`` below the diagonal, the 1x1 and 2x2
    blocks of ``D`` on and next to it; 1-based pivots, negative for a 2x2 block). ``info`` is
    the 1-based index of an exactly zero ``D[k, k]``, else 0.

    Deliberate differences: real inputs only (``hermitian`` changes nothing for them);
    ``check_errors`` on a singular ``D`` raises a ``LinAlgError`` in words of its own where
    torch 2.13 fails an internal assert. As in torch there is no gradient.

    Example:
        >>> torch.linalg.ldl_factor_ex(torch.tensor([[0., 1.], [1., 0.]])).pivots
        tensor([-2, -2], dtype=torch.int32)
    """
    _ldl_check("torch.linalg.ldl_factor_ex", A)
    ld, piv, info = apply(_ldl_factor, (A,), (), None, (A._dtype, D.int32, D.int32))
    if check_errors:
        _L._raise_on_info(info, "torch.linalg.ldl_factor_ex", _ldl_singular)
    return _LdlFactorEx(ld, piv, info)


def ldl_factor(A: Tensor, *, hermitian: bool = False):  # noqa: N803
    """Mirrors ``torch.linalg.ldl_factor``: the named tuple ``(LD, pivots)`` (see
    :func:`ldl_factor_ex`); a singular ``D`` raises (eager mode only), in words of its own.

    Example:
        >>> torch.linalg.ldl_factor(torch.tensor([[4., 2.], [2., 3.]])).LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
    """
    _ldl_check("torch.linalg.ldl_factor_ex", A)
    ld, piv, info = apply(_ldl_factor, (A,), (), None, (A._dtype, D.int32, D.int32))
    _L._raise_on_info(info, "torch.linalg.ldl_factor", _ldl_singular)
    return _LdlFactor(ld, piv)


def _ldl_solve_one(ld, piv, b):
    """LAPACK ``sytrs`` (lower): ``A X = B`` from ``sytrf``'s ``(LD, pivots)``."""
    n = ld.shape[-1]
    idx = jnp.arange(n)

    def swap(b, i, j):
        p = jnp.where(idx == i, j, jnp.where(idx == j, i, idx))
        return b[p]

    def forward(state):  # L D Y = P^T B, one pivot block at a time
        b, k = state
        two = piv[k] < 0
        k1 = jnp.minimum(k + 1, n - 1)
        kp = jnp.where(two, -piv[k], piv[k]) - 1
        b = swap(b, jnp.where(two, k1, k), kp)
        ck, ck1 = ld[:, k], ld[:, k1]
        one = b - jnp.where((idx > k)[:, None], ck[:, None] * b[k][None, :], 0)
        one = one.at[k].set(one[k] / ld[k, k])
        past = (idx > k + 1)[:, None]
        t = b - jnp.where(past, ck[:, None] * b[k][None, :], 0)
        t = t - jnp.where(past, ck1[:, None] * t[k1][None, :], 0)
        d21 = jnp.where(two, ld[k1, k], 1)
        akm1, ak = ld[k, k] / d21, ld[k1, k1] / d21
        denom = akm1 * ak - 1
        bkm1, bk = t[k] / d21, t[k1] / d21
        t = t.at[k].set((ak * bkm1 - bk) / denom).at[k1].set((akm1 * bk - bkm1) / denom)
        return jnp.where(two, t, one), k + 1 + two.astype(k.dtype)

    def backward(state):  # L^T P^T X = Y, from the last block up
        b, k = state
        two = piv[k] < 0
        km1 = jnp.maximum(k - 1, 0)
        tail = jnp.where((idx > k)[:, None], b, 0)
        b = b.at[k].add(-(ld[:, k] @ tail))
        b = b.at[km1].add(jnp.where(two, -(ld[:, km1] @ tail), 0))
        kp = jnp.where(two, -piv[k], piv[k]) - 1
        return swap(b, k, kp), k - 1 - two.astype(k.dtype)

    zero = jnp.zeros((), jnp.int32)
    b, _ = jax.lax.while_loop(lambda s: s[1] < n, forward, (b, zero))
    b, _ = jax.lax.while_loop(lambda s: s[1] >= 0, backward, (b, zero + n - 1))
    return b


def _ldl_solve_fn(ld, piv, b):
    batch = jnp.broadcast_shapes(ld.shape[:-2], piv.shape[:-1], b.shape[:-2])
    ld = jnp.broadcast_to(ld, batch + ld.shape[-2:])
    piv = jnp.broadcast_to(piv.astype(jnp.int32), batch + piv.shape[-1:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    f = _ldl_solve_one
    for _ in batch:
        f = jax.vmap(f)
    return f(ld, piv, b)


_ldl_solve = Op("ldl_solve", _ldl_solve_fn, differentiable=False)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *,  # noqa: N803
              hermitian: bool = False) -> Tensor:
    """Mirrors ``torch.linalg.ldl_solve``: solves ``A X = B`` given ``(LD, pivots)`` from
    :func:`ldl_factor`; batch dims broadcast. Real inputs only; no gradient, as in torch.

    Example:
        >>> LD, piv = torch.linalg.ldl_factor(torch.tensor([[4., 2.], [2., 3.]]))
        >>> torch.linalg.ldl_solve(LD, piv, torch.tensor([[6.], [5.]]))
        tensor([[1.],
                [1.]])
    """
    _ldl_check("torch.linalg.ldl_solve", LD)
    if B.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(B.ndim, 1)}"
                         f", {max(B.ndim, 1) - 1}], but got -2)")
    if pivots._dtype.is_floating_point or pivots._dtype.is_complex or \
            pivots._dtype is D.bool_:
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected pivots to be integers. Got "
                           f"{D.type_word(pivots._dtype)}")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to "
                           f"be the same, but got pivots with shape {list(pivots.shape)} "
                           "instead")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A "
                           f"matrix is {n} by {n} but each b matrix is {B.shape[-2]} by "
                           f"{B.shape[-1]}")
    if B._dtype is not LD._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{D.type_word(B._dtype)} and A of type {D.type_word(LD._dtype)} "
                           "instead.")
    check_broadcast(tuple(B.shape[:-2]), tuple(LD.shape[:-2]))
    return apply(_ldl_solve, (LD, pivots, B), (), None, LD._dtype)



def _vander_fn(x, *, n):
    # Successive products, as torch builds the powers (x * x * x, not pow(x, 3)).
    powers = jnp.cumprod(jnp.broadcast_to(x[..., None], x.shape + (n - 1,)), axis=-1)
    return jnp.concatenate([jnp.ones(x.shape + (1,), x.dtype), powers], axis=-1)


_vander = Op("linalg_vander", _vander_fn, grad_name="CatBackward0")


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.vander``: the Vandermonde matrix ``x ** [0, 1, ..., N-1]``
    along a new last axis (powers ascending, unlike ``numpy.vander``); ``N`` defaults to
    ``x.size(-1)``. Integer inputs give int64, as in torch.

    Example:
        >>> torch.linalg.vander(torch.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [1, 2, 4],
                [1, 3, 9]])
    """
    dt = x._dtype
    if dt is D.bool_ or dt.name in ("float16", "bfloat16"):
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           f"tensors, but got {D.type_word(dt)}")
    if x.dim() == 0 or (N if N is not None else x.shape[-1]) <= 1:
        raise RuntimeError("N must be greater than 1.")
    n = int(N if N is not None else x.shape[-1])
    if not (dt.is_floating_point or dt.is_complex):
        x = x.to(D.int64)
    return apply(_vander, (x,), (("n", n),))


# -- out= ----------------------------------------------------------------------------------
# torch's out= for each function that takes it. EXACT: out must have the result's dtype
# (every tuple result, and the functions torch checks strictly); OP: the result is cast to
# out's dtype where torch's casting rules allow. torch names these functions "linalg_<name>"
# in its out= messages ("linalg_inv(): argument 'out' must be Tensor, not int").
_OUT_EXACT = ("cholesky cholesky_ex cross det eig eigh eigvalsh inv inv_ex matmul matrix_norm "
              "matrix_power multi_dot norm qr slogdet solve solve_ex solve_triangular svd "
              "svdvals vecdot vector_norm lu lu_factor lu_factor_ex lu_solve ldl_factor "
              "ldl_factor_ex ldl_solve")
_OUT_CAST = "eigvals householder_product matrix_rank pinv cond tensorinv tensorsolve"
# Composite in torch: out= takes a result that has a history (the others refuse it).
_OUT_COMPOSITE = "eigvals matrix_norm norm cond tensorinv tensorsolve"
install_table(globals(), {**{n: EXACT for n in _OUT_EXACT.split()},
                          **{n: OP for n in _OUT_CAST.split()}}, "linalg_",
              {n: COMPOSITE for n in _OUT_COMPOSITE.split()},
              # The native op torch's autograd refusal names for these.
              {"cholesky": "linalg_cholesky_ex", "det": "_linalg_det", "eigh": "_linalg_eigh",
               "eigvalsh": "_linalg_eigh", "inv": "linalg_inv_ex", "matmul": "matmul",
               "matrix_power": "matmul", "multi_dot": "mm", "solve": "_linalg_solve_ex",
               "solve_ex": "_linalg_solve_ex", "svd": "_linalg_svd", "svdvals": "_linalg_svd",
               "slogdet": "_linalg_slogdet", "vecdot": "sum",
               "lu_factor": "linalg_lu_factor_ex"})
