"""matmul/@/mm/bmm/mv/dot, einsum and friends against torch (values and gradients)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

rng = np.random.default_rng(3)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


MATMUL_SHAPES = [
    ((4,), (4,)),            # dot -> 0-d
    ((3, 4), (4,)),          # matrix @ vector
    ((4,), (4, 5)),          # vector @ matrix
    ((3, 4), (4, 5)),        # matrix @ matrix
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),     # batched @ matrix (broadcast)
    ((4,), (2, 4, 5)),       # vector @ batched
    ((2, 3, 4), (4,)),       # batched @ vector
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    a, b = f32(*shapes[0]), f32(*shapes[1])
    check(lambda x, y: x @ y, lambda x, y: x @ y, a, b, atol=1e-5, rtol=1e-4)
    torch = pytest.importorskip("torch")
    check(lambda x, y: pl.matmul(x, y), lambda x, y: torch.matmul(x, y), a, b, atol=1e-5,
          rtol=1e-4)


def test_mm_bmm_mv_dot():
    torch = pytest.importorskip("torch")
    check(lambda x, y: pl.mm(x, y), lambda x, y: torch.mm(x, y), f32(3, 4), f32(4, 2),
          rtol=1e-4)
    check(lambda x, y: x.mm(y), lambda x, y: x.mm(y), f32(3, 4), f32(4, 2), rtol=1e-4)
    check(lambda x, y: pl.bmm(x, y), lambda x, y: torch.bmm(x, y), f32(2, 3, 4), f32(2, 4, 2),
          rtol=1e-4)
    check(lambda x, y: pl.mv(x, y), lambda x, y: torch.mv(x, y), f32(3, 4), f32(4), rtol=1e-4)
    check(lambda x, y: pl.dot(x, y), lambda x, y: torch.dot(x, y), f32(4), f32(4), rtol=1e-4)
    check(lambda x, y: pl.outer(x, y), lambda x, y: torch.outer(x, y), f32(3), f32(4))
    check(lambda i, x, y: pl.addmm(i, x, y, beta=0.5, alpha=2),
          lambda i, x, y: torch.addmm(i, x, y, beta=0.5, alpha=2), f32(3), f32(3, 4),
          f32(4, 3), rtol=1e-4)


def test_matmul_int():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(6, dtype=np.int64).reshape(3, 2)
    check(lambda x, y: x @ y, lambda x, y: x @ y, a, b)


def test_rmatmul_with_numpy_and_inplace():
    t = pl.tensor(f32(3, 3))
    y = t.clone()
    y @= pl.eye(3)
    np.testing.assert_allclose(y.numpy(), t.numpy())


def test_matmul_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(3x7 and 10x5\)"):
        pl.zeros(3, 7) @ pl.zeros(10, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(6x7 and 10x5\)"):
        pl.zeros(2, 3, 7) @ pl.zeros(10, 5)
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        pl.tensor(1.0) @ pl.zeros(3)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        pl.zeros(2, 2) @ pl.zeros(2, 2, dtype=pl.float64)


def test_matmul_error_messages_equal_torch():
    torch = pytest.importorskip("torch")
    cases = [((3, 7), (10, 5)), ((3,), (4,)), ((3, 4), (5,)), ((4,), (3, 5)),
             ((2, 3, 4), (2, 5, 6)), ((2, 3, 4), (3, 4, 5))]
    for sa, sb in cases:
        with pytest.raises(RuntimeError) as theirs:
            torch.zeros(*sa) @ torch.zeros(*sb)
        with pytest.raises(RuntimeError) as ours:
            pl.zeros(*sa) @ pl.zeros(*sb)
        assert str(ours.value) == str(theirs.value), (sa, sb)


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("b i j, b j -> b i", [(2, 3, 4), (2, 4)]),
    ("ijk->", [(2, 3, 4)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(eq, shapes):
    torch = pytest.importorskip("torch")
    xs = [f32(*s) for s in shapes]
    check(lambda *a: pl.einsum(eq, *a), lambda *a: torch.einsum(eq, *a), *xs, rtol=1e-4,
          atol=1e-5)
    check(lambda *a: pl.einsum(eq, list(a)), lambda *a: torch.einsum(eq, list(a)), *xs,
          rtol=1e-4, atol=1e-5)


@pytest.mark.slow  # extras beyond the op list; many compiles
def test_linalg_extras():
    torch = pytest.importorskip("torch")
    m = f32(3, 3) + 3 * np.eye(3, dtype=np.float32)
    check(lambda x: pl.det(x), lambda x: torch.det(x), m, rtol=1e-4)
    check(lambda x: pl.inverse(x), lambda x: torch.inverse(x), m, rtol=1e-4, atol=1e-5)
    check(lambda x, y: pl.tensordot(x, y, 1), lambda x, y: torch.tensordot(x, y, 1), f32(2, 3),
          f32(3, 4), rtol=1e-4)
    check(lambda x, y: pl.tensordot(x, y, ([0], [1])), lambda x, y: torch.tensordot(
        x, y, ([0], [1])), f32(3, 2), f32(4, 3), rtol=1e-4)
    check(lambda x, y: pl.cross(x, y, dim=1), lambda x, y: torch.cross(x, y, dim=1), f32(2, 3),
          f32(2, 3), rtol=1e-4)
    check(lambda x, y: pl.kron(x, y), lambda x, y: torch.kron(x, y), f32(2, 2), f32(2, 3))
    check(lambda x, y: pl.cdist(x, y), lambda x, y: torch.cdist(x, y), f32(3, 2), f32(4, 2),
          rtol=1e-4)
