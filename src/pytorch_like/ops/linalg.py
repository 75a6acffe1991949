"""Matrix products (matmul/@, mm, bmm, mv, dot, einsum, addmm, ...) and the decompositions.

The decompositions and solvers here (LU, Cholesky, QR, SVD, eigh, least squares) are the ops
behind both ``torch.linalg`` (``pytorch_like.linalg``) and the older top-level functions
learners still call (``torch.svd``, ``torch.qr``, ``torch.cholesky``, ``torch.slogdet``...).
Every op is a JAX function run through :class:`Op`, so eager autograd and ``compile`` share
it and JAX supplies the gradients.

Errors that depend on the values (a singular matrix, a matrix that is not positive-definite)
are raised as torch raises them, as :class:`LinAlgError`, in eager mode only: inside
``pytorch_like.compile`` the values are not known while the program is traced, so there the
result holds inf/nan instead (use the ``*_ex`` variants to get torch's ``info`` codes).
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import return_types as _rt
from ..tensor import Tensor, _traced
from ._dispatch import Op, apply
from ._dispatch import autocast_hook as _autocast_hook
from ._util import cast_for, check_broadcast, result_dtype

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "einsum", "addmm", "baddbmm",
           "addmv", "inner", "tensordot", "cross", "kron", "det", "inverse", "cdist",
           "slogdet", "logdet", "matrix_power", "matrix_exp", "svd", "qr", "cholesky",
           "cholesky_solve", "cholesky_inverse", "triangular_solve", "pinverse",
           "chain_matmul"]

_matmul = Op("matmul", jnp.matmul, grad_name="MmBackward0")
# The same product under the node names torch gives each case.
_dot = Op("dot", jnp.matmul, grad_name="DotBackward0")
_mv = Op("mv", jnp.matmul, grad_name="MvBackward0")
_bmm = Op("bmm", jnp.matmul, grad_name="BmmBackward0")
_batched = Op("matmul", jnp.matmul, grad_name="UnsafeViewBackward0")


def _matmul_op(na: int, nb: int) -> Op:
    if na == 1 and nb == 1:
        return _dot
    if na == 2 and nb == 1:
        return _mv
    if na <= 2 and nb <= 2:
        return _matmul
    return _batched


def _tn(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16"}.get(t._dtype.name,
                                                                     t._dtype.name)


def _shape_str(s) -> str:
    return "x".join(map(str, s))


def _check_matmul_shapes(a: tuple, b: tuple) -> None:
    """torch's error for each of matmul's cases (dot, mv, mm, folded mm, batched)."""
    na, nb = len(a), len(b)
    k1 = a[-1]
    k2 = b[-2] if nb > 1 else b[0]
    if nb <= 2:
        if k1 == k2:
            return
        if na == 1 and nb == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a[0]}] and src "
                               f"[{b[0]}] to have the same number of elements, but got {a[0]} "
                               f"and {b[0]} elements respectively")
        rows = math.prod(a[:-1]) if na > 1 else 1
        if nb == 1:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k1}), vec "
                               f"({b[0]})")
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k1} and "
                           f"{_shape_str(b)})")
    # Batched: batch dimensions broadcast first, then each batch is a bmm.
    from ._util import check_broadcast

    ba, bb = a[:-2], b[:-2]
    if ba != bb:
        check_broadcast(ba, bb)
    if k1 != k2:
        batch = math.prod(jnp.broadcast_shapes(ba, bb))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {k1}] but got: [{batch}, {k2}].")


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.matmul`` / ``@`` (batched, broadcast, 1-D promoted)."""
    a, b = input._cell.peek().shape, other._cell.peek().shape
    if not a or not b:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(a)}D and {len(b)}D")
    _check_matmul_shapes(a, b)
    if input._dtype is not other._dtype and _autocast_hook.policy is None:  # autocast casts
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_tn(input)} "
                           f"!= {_tn(other)}")
    return apply(_matmul_op(len(a), len(b)), (input, other), (), None, input._dtype)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.mm``: 2-D only."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ("
                           f"{_shape_str(input.shape)} and {_shape_str(mat2.shape)})")
    if input._dtype is not mat2._dtype and _autocast_hook.policy is None:  # autocast casts
        raise RuntimeError(f"expected mat1 and mat2 to have the same dtype, but got: "
                           f"{_tn(input)} != {_tn(mat2)}")
    return apply(_matmul, (input, mat2), (), None, input._dtype)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.bmm``: (b, n, m) @ (b, m, p)."""
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    if input._dtype is not mat2._dtype and _autocast_hook.policy is None:  # autocast casts
        raise RuntimeError(f"expected scalar type {input.dtype} but found {mat2.dtype}")
    return apply(_bmm, (input, mat2), (), None, input._dtype)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError("vector + matrix @ vector expected, got "
                           f"{input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    return matmul(input, other)


vdot = inner = dot


def _einsum_fn(*xs, eq):
    return jnp.einsum(eq, *xs)


_einsum = Op("einsum", _einsum_fn, grad_name="EinsumBackward0")


def einsum(equation: str, *operands) -> Tensor:
    """Mirrors ``torch.einsum``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    dt = result_dtype(*operands)
    return apply(_einsum, tuple(operands), (("eq", equation.replace(" ", "")),),
                 cast_for(dt, *operands), dt)


def _add_scaled(out: Tensor, input: Tensor, beta) -> Tensor:  # noqa: A002
    if _autocast_hook.policy is not None and input._dtype is not out._dtype:
        # Under autocast torch runs the whole fused op in the lower dtype.
        input = input.to(out._dtype)  # noqa: A001
    return out + (input * beta if beta != 1 else input)


def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    out = mm(mat1, mat2)
    if alpha != 1:
        out = out * alpha
    return _add_scaled(out, input, beta)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    out = bmm(batch1, batch2)
    if alpha != 1:
        out = out * alpha
    return _add_scaled(out, input, beta)


def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    out = mv(mat, vec)
    if alpha != 1:
        out = out * alpha
    return _add_scaled(out, input, beta)


def _tensordot_fn(a, b, *, dims):
    return jnp.tensordot(a, b, dims)


_tensordot = Op("tensordot", _tensordot_fn)


def tensordot(a, b, dims=2) -> Tensor:
    if not isinstance(dims, int):
        dims = tuple(tuple(d) if isinstance(d, (list, tuple)) else d for d in dims)
    return apply(_tensordot, (a, b), (("dims", dims),), None, a._dtype)


def _cross_fn(a, b, *, dim):
    return jnp.cross(a, b, axis=dim)


_cross = Op("cross", _cross_fn)


def cross(input, other, dim=None) -> Tensor:  # noqa: A002
    if dim is None:
        dim = next(i for i, s in enumerate(input.shape) if s == 3)
    return apply(_cross, (input, other), (("dim", dim),))


_kron = Op("kron", jnp.kron)


def kron(input, other) -> Tensor:  # noqa: A002
    return apply(_kron, (input, other))


def det(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.det`` / ``torch.linalg.det``: determinants of (batches of) square
    matrices.

    Example:
        >>> torch.det(torch.tensor([[2., 0.], [0., 3.]]))
        tensor(6.)
    """
    _check_matrix("linalg.det", input)
    return apply(_det, (input,))


def inverse(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.inverse`` (the same op as ``torch.linalg.inv``).

    Raises :class:`LinAlgError` in torch's words for a singular matrix (eager mode only).

    Example:
        >>> torch.inverse(torch.tensor([[2., 0.], [0., 4.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return _inv("linalg.inv", input)


def _cdist_fn(a, b, *, p):
    d = a[..., :, None, :] - b[..., None, :, :]
    if p == 2:
        sq = jnp.sum(d * d, -1)
        return jnp.where(sq > 0, jnp.sqrt(jnp.where(sq > 0, sq, 1.0)), 0.0)
    return jnp.sum(jnp.abs(d) ** p, -1) ** (1.0 / p)


_cdist = Op("cdist", _cdist_fn)


def cdist(x1, x2, p: float = 2.0) -> Tensor:
    return apply(_cdist, (x1, x2), (("p", p),))


# -- linear algebra: shared checks and errors -----------------------------------------------
class LinAlgError(RuntimeError):
    """Mirrors ``torch.linalg.LinAlgError`` (torch's ``torch._C._LinAlgError``): a
    ``RuntimeError`` for a matrix that is singular or not positive-definite.

    Example:
        >>> try:
        ...     torch.linalg.inv(torch.zeros(2, 2))
        ... except torch.linalg.LinAlgError as e:
        ...     print(e)
        linalg.inv: The diagonal element 1 is zero, the inversion could not be completed \
because the input matrix is singular.
    """


def _check_matrix(name: str, a: Tensor, arg: str = "A", square: bool = True,
                  floating: bool = True) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if floating:
        _check_float(name, a)


def _check_float(name: str, a: Tensor) -> None:
    if not (a._dtype.is_floating_point or a._dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {D.type_word(a._dtype)}")


def _raise_on_info(info: Tensor, name: str, what) -> None:
    """torch's eager check of a LAPACK ``info`` code: the first failing batch element."""
    arr = info._cell.a
    if _traced(arr):
        return  # inside compile the values are unknown; the result holds inf/nan instead
    codes = np.asarray(arr)
    if not codes.any():
        return
    flat = codes.reshape(-1)
    b = int(np.flatnonzero(flat)[0])
    where = f"(Batch element {b}): " if codes.ndim else ""
    raise LinAlgError(f"{name}: {where}{what(int(flat[b]))}")


def _mT(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _empty(dtype: D.dtype) -> Tensor:
    return Tensor._make(jnp.zeros((0,), dtype.storage), dtype)


# -- determinants -----------------------------------------------------------------------------
_det = Op("det", jnp.linalg.det, grad_name="LinalgDetBackward0")


def _slogdet_fn(a):
    sign, logabs = jnp.linalg.slogdet(a)
    return sign.astype(a.dtype), logabs


_slogdet = Op("slogdet", _slogdet_fn, nout=2, diff_out=(1,), grad_name="LinalgSlogdetBackward0")
_Slogdet = _rt.slogdet
_LinalgSlogdet = _rt.linalg_slogdet


def _slogdet_pair(name: str, a: Tensor):
    _check_matrix(name, a)
    return apply(_slogdet, (a,))


def slogdet(input: Tensor):  # noqa: A002
    """Mirrors ``torch.slogdet``: the named tuple ``(sign, logabsdet)`` of ``det(input)``.

    Example:
        >>> torch.slogdet(torch.tensor([[-2., 0.], [0., 3.]]))
        slogdet(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    return _Slogdet(*_slogdet_pair("linalg.slogdet", input))


def _logdet_fn(a):
    sign, logabs = jnp.linalg.slogdet(a)
    return jnp.where(sign < 0, jnp.nan, logabs)


_logdet = Op("logdet", _logdet_fn, grad_name="LogdetBackward0")


def logdet(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.logdet``: ``log(det(input))``, nan for a negative determinant and
    -inf for a zero one.

    Example:
        >>> torch.logdet(torch.tensor([[2., 0.], [0., 3.]]))
        tensor(1.7918)
    """
    _check_matrix("logdet", input)
    return apply(_logdet, (input,))


# -- LU: inverse and solve ------------------------------------------------------------------
def _lu_info(lu):
    # LAPACK's getrf info: the 1-based index of the first exactly zero pivot of U, else 0.
    if lu.shape[-1] == 0:
        return jnp.zeros(lu.shape[:-2], jnp.int32)
    zero = jnp.diagonal(lu, axis1=-2, axis2=-1) == 0
    return jnp.where(jnp.any(zero, -1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32)


def _singular_info(a):
    # The info needs no gradient; XLA shares this LU with the one inside the solve.
    return _lu_info(jax.lax.linalg.lu(jax.lax.stop_gradient(a))[0])


def _inv_ex_fn(a):
    return jnp.linalg.inv(a), _singular_info(a)


_inv_ex = Op("inverse", _inv_ex_fn, nout=2, diff_out=(0,), grad_name="LinalgInvExBackward0")


def _inv_singular(k: int) -> str:
    return (f"The diagonal element {k} is zero, the inversion could not be completed because "
            "the input matrix is singular.")


def _inv_pair(name: str, a: Tensor):
    _check_matrix(name, a)
    return apply(_inv_ex, (a,), (), None, (a._dtype, D.int32))


def _inv(name: str, a: Tensor) -> Tensor:
    inv, info = _inv_pair(name, a)
    _raise_on_info(info, name, _inv_singular)
    return inv


def _solve_fn(a, b, *, left, vector):
    if not left:  # X A = B  <=>  A^T X^T = B^T
        a, b = jnp.swapaxes(a, -1, -2), jnp.swapaxes(b, -1, -2)
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    x = jnp.linalg.solve(a, b)
    if vector:
        x = x[..., 0]
    elif not left:
        x = jnp.swapaxes(x, -1, -2)
    return x, _singular_info(a)


_solve = Op("solve", _solve_fn, nout=2, diff_out=(0,), grad_name="LinalgSolveExBackward0")


def _solve_pair(name: str, a: Tensor, b: Tensor, left: bool):
    _check_matrix(name, a)
    _check_float(name, b)
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of "
                           f"type {D.type_word(a._dtype)} and B of type "
                           f"{D.type_word(b._dtype)} instead")
    # torch's rule: B is a (batch of) vector(s) when it is 1-D or has A's batch shape.
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    n = a.shape[-1]
    bs = (b.shape[-1], 1) if vector else tuple(b.shape[-2:])
    if (bs[0] if left or vector else bs[1]) != n or (vector and not left):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {bs[0]}x{bs[1]})")
    check_broadcast(tuple(a.shape[:-2]), tuple(b.shape[:-1] if vector else b.shape[:-2]))
    return apply(_solve, (a, b), (("left", bool(left)), ("vector", vector)), None,
                 (a._dtype, D.int32))


def _solve_checked(a: Tensor, b: Tensor, left: bool = True) -> Tensor:
    x, info = _solve_pair("linalg.solve", a, b, left)
    _raise_on_info(info, "torch.linalg.solve",
                   lambda k: "The solver failed because the input matrix is singular.")
    return x


def _triangular_fn(a, b, *, upper, left, unitriangular):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    return jax.lax.linalg.triangular_solve(a, b, left_side=left, lower=not upper,
                                           unit_diagonal=unitriangular)


_triangular = Op("solve_triangular", _triangular_fn, grad_name="LinalgSolveTriangularBackward0")


def _solve_triangular(name: str, a: Tensor, b: Tensor, upper: bool, left: bool,
                      unitriangular: bool) -> Tensor:
    _check_matrix(name, a)
    _check_matrix(name, b, "B", square=False)
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    check_broadcast(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    return apply(_triangular, (a, b), (("upper", bool(upper)), ("left", bool(left)),
                                       ("unitriangular", bool(unitriangular))))


_TriangularSolve = _rt.triangular_solve


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True,  # noqa: N803
                     transpose: bool = False, unitriangular: bool = False):
    """Mirrors the deprecated ``torch.triangular_solve``: solves ``A X = b`` (``A^T X = b``
    with ``transpose``) for triangular ``A``; the named tuple ``(solution,
    cloned_coefficient)``. Prefer ``torch.linalg.solve_triangular``.

    Example:
        >>> A = torch.tensor([[2., 1.], [0., 4.]])
        >>> torch.triangular_solve(torch.tensor([[4.], [8.]]), A).solution
        tensor([[1.],
                [2.]])
    """
    for arg, t in (("b", b), ("A", A)):
        if t.ndim < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {arg} to have at least 2 "
                               f"dimensions, but it has {t.ndim} dimensions instead")
    from .shape import transpose as _transpose

    coef = _transpose(A, -1, -2) if transpose else A
    x = _solve_triangular("triangular_solve", coef, b, upper != transpose, True, unitriangular)
    from .pointwise import clone

    return _TriangularSolve(x, clone(A))


# -- Cholesky ---------------------------------------------------------------------------------
def _lower_view(a, upper: bool):
    # torch reads only one triangle: the matrix it factors, seen from its lower triangle.
    return _mT(a) if upper else a


def _symmetric_tangent(a, upper: bool):
    # The value: the Hermitian matrix of one triangle, which is all torch reads. The tangent:
    # the Hermitian part of the input's, which gives torch's symmetric gradient.
    if upper:
        hermitian = jnp.triu(a) + _mT(jnp.triu(a, 1))
    else:
        hermitian = jnp.tril(a) + _mT(jnp.tril(a, -1))
    sym = (a + _mT(a)) / 2
    return jax.lax.stop_gradient(hermitian) + sym - jax.lax.stop_gradient(sym)


def _cholesky_fn(a, *, upper):
    lo = jax.lax.linalg.cholesky(_symmetric_tangent(a, upper), symmetrize_input=False)
    return _mT(lo) if upper else lo


_cholesky = Op("cholesky", _cholesky_fn, grad_name="LinalgCholeskyExBackward0")


def _cholesky_info_fn(a, *, upper):
    # LAPACK potrf's info: the order of the first leading minor that is not positive-definite,
    # found by unpivoted elimination (each pivot is a ratio of leading minors).
    a = _lower_view(a, upper)
    m = jnp.tril(a) + _mT(jnp.tril(a, -1))
    n = a.shape[-1]

    def step(k, carry):
        m, info = carry
        piv = jnp.real(m[..., k, k])
        ok = piv > 0
        info = jnp.where((info == 0) & ~ok, k + 1, info)
        safe = jnp.where(ok, piv, 1).astype(m.dtype)
        m = m - m[..., :, k, None] * m[..., None, k, :] / safe[..., None, None]
        return m, info

    return jax.lax.fori_loop(0, n, step, (m, jnp.zeros(a.shape[:-2], jnp.int32)))[1]


_cholesky_info = Op("cholesky_info", _cholesky_info_fn, differentiable=False)


def _not_pd(k: int) -> str:
    return ("The factorization could not be completed because the input is not "
            f"positive-definite (the leading minor of order {k} is not positive-definite).")


def _cholesky_checked(name: str, a: Tensor, upper: bool) -> Tensor:
    _check_matrix(name, a)
    out = apply(_cholesky, (a,), (("upper", bool(upper)),))
    if not _traced(out._cell.a) and bool(jnp.isnan(out._cell.a).any()):
        info = apply(_cholesky_info, (a,), (("upper", bool(upper)),), None, D.int32)
        _raise_on_info(info, name, _not_pd)
    return out


def cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """Mirrors the deprecated ``torch.cholesky``: the lower (or, with ``upper``, upper)
    Cholesky factor. Prefer ``torch.linalg.cholesky``.

    Raises :class:`LinAlgError` in torch's words when the input is not positive-definite
    (eager mode only; inside ``compile`` the factor holds nan).

    Example:
        >>> torch.cholesky(torch.tensor([[4., 2.], [2., 5.]]))
        tensor([[2., 0.],
                [1., 2.]])
    """
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    return _cholesky_checked("cholesky", input, upper)


def _cholesky_solve_fn(b, f, *, upper):
    lo = _mT(f) if upper else f
    # A solve against L L^H itself, so the gradient reaches all of the factor as torch's does.
    return jnp.linalg.solve(lo @ _mT(lo), b)


_cholesky_solve = Op("cholesky_solve", _cholesky_solve_fn, grad_name="CholeskySolveBackward0")


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """Mirrors ``torch.cholesky_solve``: solves ``A X = B`` given the Cholesky factor of
    ``A`` (``A = L L^H``, or ``U^H U`` with ``upper``).

    Example:
        >>> L = torch.tensor([[2., 0.], [1., 2.]])
        >>> torch.cholesky_solve(torch.tensor([[4.], [5.]]), L)
        tensor([[0.6250],
                [0.7500]])
    """
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions "
                           "instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions "
                           "instead")
    return apply(_cholesky_solve, (B, L), (("upper", bool(upper)),))


def _cholesky_inverse_fn(f, *, upper):
    lo = _mT(f) if upper else f
    return jnp.linalg.inv(lo @ _mT(lo))


_cholesky_inverse = Op("cholesky_inverse", _cholesky_inverse_fn,
                       grad_name="CholeskyInverseBackward0")


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """Mirrors ``torch.cholesky_inverse``: the inverse of ``A = L L^H`` (``U^H U`` with
    ``upper``) from its Cholesky factor.

    Example:
        >>> torch.cholesky_inverse(torch.tensor([[2., 0.], [0., 2.]]))
        tensor([[0.2500, 0.0000],
                [0.0000, 0.2500]])
    """
    _check_matrix("cholesky_inverse", L)
    return apply(_cholesky_inverse, (L,), (("upper", bool(upper)),))


# -- QR, SVD, eigh ----------------------------------------------------------------------------
def _qr_fn(a, *, mode):
    return tuple(jnp.linalg.qr(a, mode=mode))


_qr = Op("qr", _qr_fn, nout=2, grad_name="LinalgQrBackward0")
_qr_r = Op("qr", lambda a: jnp.linalg.qr(a, mode="r"), grad_name="LinalgQrBackward0")
_Qr = _rt.qr
_LinalgQr = _rt.linalg_qr


def _qr_pair(a: Tensor, mode: str):
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    _check_matrix("linalg.qr", a, square=False)
    if mode == "r":
        return _empty(a._dtype), apply(_qr_r, (a,))
    return apply(_qr, (a,), (("mode", mode),))


def qr(input: Tensor, some: bool = True):  # noqa: A002
    """Mirrors the deprecated ``torch.qr``: the named tuple ``(Q, R)``; ``some=False`` gives
    the complete factorization. Prefer ``torch.linalg.qr``.

    Example:
        >>> Q, R = torch.qr(torch.tensor([[3., 1.], [4., 2.]]))
        >>> R
        tensor([[-5.0000, -2.2000],
                [ 0.0000,  0.4000]])
    """
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.", UserWarning, stacklevel=2)
    return _Qr(*_qr_pair(input, "reduced" if some else "complete"))


def _svd_fn(a, *, full):
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    m, n = a.shape[-2:]
    if full and m != n:
        # JAX differentiates only the reduced factors; the extra columns (rows) complete the
        # basis without a gradient, as torch ignores the gradient on them.
        if m > n:
            q = jnp.linalg.qr(jax.lax.stop_gradient(u), mode="complete")[0]
            u = jnp.concatenate([u, q[..., :, n:]], -1)
        else:
            q = jnp.linalg.qr(jax.lax.stop_gradient(_mT(vh)), mode="complete")[0]
            vh = jnp.concatenate([vh, _mT(q[..., :, m:])], -2)
    return u, s, vh


_svd = Op("svd", _svd_fn, nout=3, grad_name="LinalgSvdBackward0")


def _svdvals_fn(a):
    return jnp.linalg.svd(a, compute_uv=False)


_svdvals = Op("svdvals", _svdvals_fn, grad_name="LinalgSvdBackward0")
_Svd = _rt.svd


def _real_dtype(d: D.dtype) -> D.dtype:
    return {"complex64": D.float32, "complex128": D.float64}.get(d.name, d)


def _svd_triple(a: Tensor, full: bool):
    _check_matrix("linalg.svd", a, square=False)
    return apply(_svd, (a,), (("full", bool(full)),), None,
                 (a._dtype, _real_dtype(a._dtype), a._dtype))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True):  # noqa: A002
    """Mirrors ``torch.svd``: the named tuple ``(U, S, V)`` with ``input = U diag(S) V^H``.

    Unlike ``torch.linalg.svd`` it returns ``V``, not ``Vh``; ``some=False`` gives the full
    factors; with ``compute_uv=False``, ``U`` and ``V`` are zero-filled ``(m, m)`` and
    ``(n, n)`` matrices as in torch. Singular vectors are unique only up to sign: compare
    reconstructions, not the vectors.

    Example:
        >>> U, S, V = torch.svd(torch.tensor([[3., 0.], [0., 4.]]))
        >>> S
        tensor([4., 3.])
    """
    if input.ndim < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has "
                           f"{input.ndim} dimensions instead")
    if not compute_uv:
        from .creation import zeros

        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return _Svd(zeros(*batch, m, m, dtype=input.dtype), svdvals(input),
                    zeros(*batch, n, n, dtype=input.dtype))
    from .shape import transpose as _transpose

    u, s, vh = _svd_triple(input, not some)
    return _Svd(u, s, _transpose(vh, -2, -1).conj() if vh.is_complex() else
                _transpose(vh, -2, -1))


def svdvals(A: Tensor) -> Tensor:  # noqa: N803
    """Mirrors ``torch.linalg.svdvals``: singular values in descending order.

    Example:
        >>> torch.linalg.svdvals(torch.tensor([[3., 0.], [0., 4.]]))
        tensor([4., 3.])
    """
    _check_matrix("linalg.svd", A, square=False)
    return apply(_svdvals, (A,), (), None, _real_dtype(A._dtype))


def _eigh_fn(a, *, uplo):
    w, v = jnp.linalg.eigh(_symmetric_tangent(a, uplo == "U"), symmetrize_input=False)
    return w, v


def _eigvalsh_fn(a, *, uplo):
    return jnp.linalg.eigh(_symmetric_tangent(a, uplo == "U"), symmetrize_input=False)[0]


_eigh = Op("eigh", _eigh_fn, nout=2, grad_name="LinalgEighBackward0")
_eigvalsh = Op("eigvalsh", _eigvalsh_fn, grad_name="LinalgEighBackward0")


# -- pseudo-inverse, powers, exponential, products -----------------------------------------
def _pinv_general(a, atol, rtol):
    if not atol:
        return jnp.linalg.pinv(a, rtol=rtol)
    # An absolute cutoff too: invert only singular values above max(atol, rtol * s_max).
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    cut = jnp.maximum(atol, rtol * s[..., :1])
    inv = jnp.where(s > cut, 1 / jnp.where(s > cut, s, 1), 0)
    return (_mT(vh) * inv[..., None, :]) @ _mT(u)


def _pinv_fn(a, *, atol, rtol, hermitian):
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        return jnp.zeros(a.shape[:-2] + (n, m), a.dtype)
    general = _pinv_general(a, atol, rtol)
    if not hermitian:
        return general
    # The value from the eigendecomposition of the lower triangle's Hermitian matrix (all
    # torch reads); the gradient is the general pseudo-inverse's, as torch's is.
    w, v = jnp.linalg.eigh(a, UPLO="L", symmetrize_input=False)
    s = jnp.abs(w)
    cut = jnp.maximum(atol, rtol * jnp.max(s, -1, keepdims=True))
    inv = jnp.where(s > cut, 1 / jnp.where(s > cut, w, 1), 0)
    value = (v * inv[..., None, :]) @ _mT(v)
    return jax.lax.stop_gradient(value) + general - jax.lax.stop_gradient(general)


_pinv_op = Op("pinv", _pinv_fn, grad_name="PinvBackward0")


def _tolerances(a: Tensor, atol, rtol) -> tuple:
    # torch's defaults: rtol = eps * max(m, n) unless only a positive atol is given.
    if isinstance(atol, Tensor):
        atol = atol.item()
    if isinstance(rtol, Tensor):
        rtol = rtol.item()
    if rtol is None:
        rtol = (0.0 if atol is not None and atol > 0 else
                float(np.finfo(_real_dtype(a._dtype).np).eps) * max(a.shape[-2:]))
    return float(atol or 0.0), float(rtol)


def _pinv(a: Tensor, atol, rtol, hermitian: bool) -> Tensor:
    if a.ndim < 2 or not (a._dtype.is_floating_point or a._dtype.is_complex):
        shape = ", ".join(map(str, a.shape))
        raise RuntimeError(f"linalg.pinv({D.type_word(a._dtype)}{{[{shape}]}}): expected a "
                           "tensor with 2 or more dimensions of float, double, cfloat or "
                           "cdouble types")
    atol, rtol = _tolerances(a, atol, rtol)
    return apply(_pinv_op, (a,), (("atol", atol), ("rtol", rtol), ("hermitian", bool(hermitian))))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """Mirrors ``torch.pinverse``: the pseudo-inverse with relative cutoff ``rcond``.

    Example:
        >>> torch.pinverse(torch.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    return _pinv(input, None, rcond, False)


def _matrix_power_fn(a, *, n):
    return jnp.linalg.matrix_power(a, n)


_matrix_power = Op("matrix_power", _matrix_power_fn, grad_name="LinalgMatrixPowerBackward0")


def matrix_power(input: Tensor, n: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.matrix_power`` / ``torch.linalg.matrix_power``: ``input`` to the
    integer power ``n`` (a negative ``n`` inverts first; ``n = 0`` gives the identity).

    Example:
        >>> torch.matrix_power(torch.tensor([[1., 1.], [0., 1.]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    _check_matrix("linalg.matrix_power", input, floating=False)
    if n < 0:
        input = _inv("linalg.inv", input)  # noqa: A001
        n = -n
    return apply(_matrix_power, (input,), (("n", n),))


def _expm_fn(a):
    return jax.scipy.linalg.expm(a)


_matrix_exp = Op("matrix_exp", _expm_fn, grad_name="LinalgMatrixExpBackward0")


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803
    """Mirrors ``torch.matrix_exp`` / ``torch.linalg.matrix_exp``: the matrix exponential
    (JAX's Pade approximation with scaling and squaring).

    Example:
        >>> torch.matrix_exp(torch.zeros(2, 2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    _check_matrix("linalg.matrix_exp", A)
    return apply(_matrix_exp, (A,))


def _multi_dot(tensors) -> Tensor:
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    mats = [first.unsqueeze(0) if first.ndim == 1 else first] + tensors[1:-1] + \
        [last.unsqueeze(-1) if last.ndim == 1 else last]
    for i in range(len(mats) - 1):
        if mats[i].shape[-1] != mats[i + 1].shape[0]:
            a, b = tensors[i].shape, tensors[i + 1].shape
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a)} "
                               f"and {list(b)} cannot be multiplied")
    out = mats[0]
    for m in mats[1:]:
        out = matmul(out, m)
    if first.ndim == 1:
        out = out.squeeze(0)
    if last.ndim == 1:
        out = out.squeeze(-1)
    return out


def chain_matmul(*matrices: Tensor) -> Tensor:
    """Mirrors the deprecated ``torch.chain_matmul``: the product of 2-D matrices, left to
    right. Prefer ``torch.linalg.multi_dot``.

    Example:
        >>> torch.chain_matmul(torch.eye(2), torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0]
    return _multi_dot(matrices)
