"""Matrix products: matmul/@, mm, bmm, mv, dot, einsum, addmm, baddbmm, linalg helpers."""

from __future__ import annotations

import math

import jax.numpy as jnp

from ..tensor import Tensor
from ._dispatch import Op, apply
from ._dispatch import autocast_hook as _autocast_hook
from ._util import cast_for, result_dtype

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "einsum", "addmm", "baddbmm",
           "addmv", "inner", "tensordot", "cross", "kron", "det", "inverse", "cdist"]

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
    a, b = input._cell.a.shape, other._cell.a.shape
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


_det = Op("det", jnp.linalg.det)
_inv = Op("inverse", jnp.linalg.inv)


def det(input) -> Tensor:  # noqa: A002
    return apply(_det, (input,))


def inverse(input) -> Tensor:  # noqa: A002
    return apply(_inv, (input,))


def _cdist_fn(a, b, *, p):
    d = a[..., :, None, :] - b[..., None, :, :]
    if p == 2:
        sq = jnp.sum(d * d, -1)
        return jnp.where(sq > 0, jnp.sqrt(jnp.where(sq > 0, sq, 1.0)), 0.0)
    return jnp.sum(jnp.abs(d) ** p, -1) ** (1.0 / p)


_cdist = Op("cdist", _cdist_fn)


def cdist(x1, x2, p: float = 2.0) -> Tensor:
    return apply(_cdist, (x1, x2), (("p", p),))
