"""The rest of torch.linalg against torch: the LU family (lu_factor, lu_factor_ex, lu,
lu_solve), cond, tensorinv and tensorsolve (values, gradients, named tuples, errors), and
torch's ``out=`` on every torch.linalg function that takes it (written in place, dtype
rules, resize warning, refused under autograd).

Each op's gradient is compared once per distinct code path (every backward program costs a
compile); further cases compare values only.
"""

import warnings

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

try:
    import torch
except ImportError:  # the torch half of check() is skipped; direct uses importorskip
    torch = None

INF = float("inf")
rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_rng():
    # Each test draws the same data whichever tests run before it.
    global rng
    rng = np.random.default_rng(0)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _well(n, batch=()):
    return (_f32(*batch, n, n) + 3 * np.eye(n, dtype=np.float32)).astype(np.float32)


def _lu_factor_np(a):
    """(LU, pivots) as numpy, from our own lu_factor (no torch needed)."""
    r = pl.linalg.lu_factor(pl.tensor(a))
    return r.LU.numpy(), r.pivots.numpy()


# -- LU ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 3), (4, 3), (3, 5)], ids=str)
def test_lu_factor_and_lu(shape):
    a = _f32(*shape)
    square = shape[-1] == shape[-2]
    check(lambda t: tuple(pl.linalg.lu_factor(t)), lambda t: tuple(torch.linalg.lu_factor(t)),
          a, atol=1e-4, rtol=1e-4, grad=square)
    check(lambda t: tuple(pl.linalg.lu_factor_ex(t)),
          lambda t: tuple(torch.linalg.lu_factor_ex(t)), a, atol=1e-4, rtol=1e-4, grad=False)
    check(lambda t: tuple(pl.linalg.lu(t)), lambda t: tuple(torch.linalg.lu(t)), a, atol=1e-4,
          rtol=1e-4, grad=not square)
    # A = P L U whatever torch says.
    p, lo, up = (np.asarray(t.numpy()) for t in pl.linalg.lu(pl.tensor(a)))
    np.testing.assert_allclose(p @ lo @ up, a, atol=1e-5)


@pytest.mark.parametrize("left,adjoint,grad", [(True, False, True), (True, True, False),
                                               (False, False, False), (False, True, True)])
def test_lu_solve(left, adjoint, grad):
    a = _well(3, (2,))
    lu, piv = _lu_factor_np(a)
    b = _f32(4, 2, 3, 2) if left else _f32(2, 2, 3)  # batch dims broadcast
    check(lambda f, y: pl.linalg.lu_solve(f, pl.tensor(piv), y, left=left, adjoint=adjoint),
          lambda f, y: torch.linalg.lu_solve(f, torch.tensor(piv), y, left=left,
                                             adjoint=adjoint),
          lu, b, atol=1e-4, rtol=1e-4, grad=grad)
    x = pl.linalg.lu_solve(pl.tensor(lu), pl.tensor(piv), pl.tensor(b), left=left,
                           adjoint=adjoint).numpy()
    m = np.swapaxes(a, -1, -2) if adjoint else a
    np.testing.assert_allclose(m @ x if left else x @ m, np.broadcast_to(b, x.shape),
                               atol=1e-4)


def test_lu_singular_info_and_types():
    sing = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [1, 0, 1]]]).astype(np.float32)
    r = pl.linalg.lu_factor_ex(pl.tensor(sing))
    assert r.info.dtype == pl.int32 and r.pivots.dtype == pl.int32
    if torch is not None:
        t = torch.linalg.lu_factor_ex(torch.tensor(sing))
        assert r.info.tolist() == t.info.tolist() and r.pivots.tolist() == t.pivots.tolist()
        np.testing.assert_allclose(r.LU.numpy(), t.LU.numpy(), atol=1e-6)
    # linalg.lu does not check: a singular matrix factors.
    p, lo, up = pl.linalg.lu(pl.tensor(sing))
    np.testing.assert_allclose((p @ lo @ up).numpy(), sing, atol=1e-6)
    for fn, name, fields in [(pl.linalg.lu, "linalg_lu", ("P", "L", "U")),
                             (pl.linalg.lu_factor, "linalg_lu_factor", ("LU", "pivots")),
                             (pl.linalg.lu_factor_ex, "linalg_lu_factor_ex",
                              ("LU", "pivots", "info"))]:
        res = fn(pl.eye(2))
        assert type(res).__name__ == name and type(res) is getattr(pl.return_types, name)
        assert res._fields == fields and isinstance(res, tuple)
        assert repr(res).startswith(f"torch.return_types.{name}(\n{fields[0]}=")
        if torch is not None:
            ref = getattr(torch.linalg, fn.__name__)(torch.eye(2))
            assert type(ref).__name__ == name
            assert [ln.split("=")[0] for ln in repr(res).split("\n")] == \
                [ln.split("=")[0] for ln in repr(ref).split("\n")]


def test_lu_in_compile():
    a, b = _well(3, (2,)), _f32(2, 3, 1)

    def f(x, y):
        lu, piv = pl.linalg.lu_factor(x)
        return pl.linalg.lu_solve(lu, piv, y), pl.linalg.cond(x, 1)

    eager = f(pl.tensor(a), pl.tensor(b))
    compiled = pl.compile(f)(pl.tensor(a), pl.tensor(b))
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(eager[0].numpy(), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)


# -- cond, tensorinv, tensorsolve ----------------------------------------------------------
@pytest.mark.parametrize("p", [None, -2, "fro", "nuc", INF], ids=str)
def test_cond(p):
    # torch 2.13's own backward fails for the norm-based orders (an in-place error inside
    # its linalg_inv_ex): gradients are compared for the singular-value ones.
    check(lambda t: pl.linalg.cond(t, p), lambda t: torch.linalg.cond(t, p), _well(3, (2,)),
          atol=1e-4, rtol=1e-4, grad=p in (None, -2))


def test_cond_special_inputs():
    sing = np.stack([np.eye(2), [[1, 2], [2, 4]]]).astype(np.float32)
    cases = [(_f32(2, 3, 5), None), (_f32(4, 2), 2), (sing, "fro"),
             (np.zeros((2, 2), np.float32), -2), (np.zeros((3, 0, 0), np.float32), 1)]
    for a, p in cases:
        check(lambda t, p=p: pl.linalg.cond(t, p), lambda t, p=p: torch.linalg.cond(t, p), a,
              atol=1e-4, rtol=1e-4, grad=False)
    assert pl.linalg.cond(pl.tensor(sing), 1).tolist() == [1.0, INF]


def test_tensorinv_tensorsolve():
    t = (_f32(4, 2, 2) + 3 * np.eye(4, dtype=np.float32).reshape(4, 2, 2)).astype(np.float32)
    check(lambda x: pl.linalg.tensorinv(x, 1), lambda x: torch.linalg.tensorinv(x, 1), t,
          atol=1e-4, rtol=1e-4)
    t3 = (_f32(8, 8) + 4 * np.eye(8, dtype=np.float32)).reshape(2, 2, 2, 8)
    inv3 = pl.linalg.tensorinv(pl.tensor(t3), 3)
    assert inv3.shape == (8, 2, 2, 2)
    np.testing.assert_allclose(np.tensordot(inv3.numpy(), t3, 3), np.eye(8), atol=1e-5)
    a = (_f32(6, 6) + 4 * np.eye(6, dtype=np.float32)).reshape(6, 2, 3)
    check(lambda x, y: pl.linalg.tensorsolve(x, y, dims=(0,)),
          lambda x, y: torch.linalg.tensorsolve(x, y, dims=(0,)), a, _f32(2, 3), atol=1e-4,
          rtol=1e-4)
    check(lambda x, y: pl.linalg.tensorsolve(x, y), lambda x, y: torch.linalg.tensorsolve(x, y),
          a.reshape(2, 3, 6), _f32(3, 2), atol=1e-4, rtol=1e-4, grad=False)
    x = pl.linalg.tensorsolve(pl.tensor(a.reshape(2, 3, 6)), pl.ones(2, 3))
    np.testing.assert_allclose(np.tensordot(a.reshape(2, 3, 6), x.numpy(), 1), np.ones((2, 3)),
                               atol=1e-4)



# -- LDL -----------------------------------------------------------------------------------
def _sym(n, batch=()):
    a = _f32(*batch, n, n)
    return (a + np.swapaxes(a, -1, -2)).astype(np.float32)


def test_ldl_factor_matches_torch_pivots_included():
    # Symmetric, general (only the lower triangle is read), 2x2 pivots (zero diagonal), a
    # zero column (info), float64, a batch, and a size that takes many 2x2 blocks.
    # One shape per dtype/batch keeps the compiles few.
    zero_diag = _sym(5) - np.diag(np.diag(_sym(5)))
    zero_col = _sym(5)
    zero_col[:, 1] = zero_col[1, :] = 0
    swap = np.zeros((5, 5), np.float32)
    swap[[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]] = 1
    cases = [_sym(5), _f32(5, 5), zero_diag, swap, zero_col, _sym(5).astype(np.float64),
             _sym(5, (2,))]
    for a in cases:
        ours = pl.linalg.ldl_factor_ex(pl.tensor(a))
        assert ours.pivots.dtype == pl.int32 and ours.info.dtype == pl.int32
        if torch is None:
            continue
        ref = torch.linalg.ldl_factor_ex(torch.tensor(a))
        np.testing.assert_array_equal(ours.pivots.numpy(), ref.pivots.numpy())
        np.testing.assert_array_equal(ours.info.numpy(), ref.info.numpy())
        np.testing.assert_allclose(ours.LD.numpy(), ref.LD.numpy(), rtol=1e-5, atol=1e-5)
    assert (pl.linalg.ldl_factor(pl.tensor(zero_diag)).pivots.numpy() < 0).any()
    assert pl.linalg.ldl_factor_ex(pl.tensor(zero_col)).info.item() > 0


def test_ldl_solve_and_types():
    a, b = _sym(5, (2,)), _f32(2, 5, 3)
    ld, piv = pl.linalg.ldl_factor(pl.tensor(a))
    x = pl.linalg.ldl_solve(ld, piv, pl.tensor(b))
    np.testing.assert_allclose(a @ x.numpy(), b, atol=1e-4)
    # The batch dims of B broadcast against the factor's.
    xb = pl.linalg.ldl_solve(ld, piv, pl.tensor(b[:1]))
    np.testing.assert_allclose(xb.numpy()[1], np.linalg.solve(a[1], b[0]), atol=1e-4)
    if torch is not None:
        tld, tpiv = torch.linalg.ldl_factor(torch.tensor(a))
        ref = torch.linalg.ldl_solve(tld, tpiv, torch.tensor(b))
        np.testing.assert_allclose(x.numpy(), ref.numpy(), rtol=1e-4, atol=1e-5)
    # torch has no derivative for either: the results do not require grad here.
    assert not pl.linalg.ldl_factor(pl.tensor(a, requires_grad=True)).LD.requires_grad
    for fn, name, fields in [(pl.linalg.ldl_factor, "linalg_ldl_factor", ("LD", "pivots")),
                             (pl.linalg.ldl_factor_ex, "linalg_ldl_factor_ex",
                              ("LD", "pivots", "info"))]:
        res = fn(pl.tensor(a))
        assert type(res).__name__ == name and res._fields == fields
        if torch is not None:
            assert type(getattr(torch.linalg, fn.__name__)(torch.tensor(a))).__name__ == name

# -- errors --------------------------------------------------------------------------------
_SING = [[1.0, 2.0], [2.0, 4.0]]


_EYE3 = np.eye(3, dtype=np.float32)


def _lu_of(L, a):
    return L.linalg.lu_factor(L.tensor(a))


ERRORS = [
    ("lu_factor singular", lambda L: L.linalg.lu_factor(L.tensor(_SING))),
    ("lu_factor batch", lambda L: L.linalg.lu_factor(L.stack([L.eye(2), L.tensor(_SING)]))),
    ("lu_factor_ex check", lambda L: L.linalg.lu_factor_ex(L.zeros(2, 2), check_errors=True)),
    ("lu_factor pivot", lambda L: L.linalg.lu_factor(L.eye(2), pivot=False)),
    ("lu_factor_ex pivot", lambda L: L.linalg.lu_factor_ex(L.eye(2), pivot=False)),
    ("lu pivot", lambda L: L.linalg.lu(L.eye(2), pivot=False)),
    ("lu_factor 1d", lambda L: L.linalg.lu_factor(L.ones(3))),
    ("lu_factor_ex 1d", lambda L: L.linalg.lu_factor_ex(L.ones(3))),
    ("lu 1d", lambda L: L.linalg.lu(L.ones(3))),
    ("lu_factor int", lambda L: L.linalg.lu_factor(L.ones(2, 2, dtype=L.long))),
    ("lu int", lambda L: L.linalg.lu(L.ones(2, 2, dtype=L.long))),
    ("lu_solve B 1d", lambda L: L.linalg.lu_solve(*_lu_of(L, _EYE3), L.ones(3))),
    ("lu_solve shapes", lambda L: L.linalg.lu_solve(*_lu_of(L, _EYE3), L.ones(2, 2))),
    ("lu_solve shapes right", lambda L: L.linalg.lu_solve(*_lu_of(L, _EYE3), L.ones(2, 2),
                                                          left=False)),
    ("lu_solve square", lambda L: L.linalg.lu_solve(L.ones(3, 2), L.ones(2, dtype=L.int32),
                                                    L.ones(3, 2))),
    ("lu_solve pivots dtype", lambda L: L.linalg.lu_solve(L.eye(3), L.ones(3, dtype=L.long),
                                                          L.ones(3, 2))),
    ("lu_solve pivots shape", lambda L: L.linalg.lu_solve(L.eye(3), L.ones(2, dtype=L.int32),
                                                          L.ones(3, 2))),
    ("lu_solve B dtype", lambda L: L.linalg.lu_solve(*_lu_of(L, _EYE3),
                                                     L.ones(3, 2, dtype=L.float64))),
    ("lu_solve int", lambda L: L.linalg.lu_solve(L.ones(3, 3, dtype=L.long),
                                                 L.ones(3, dtype=L.int32),
                                                 L.ones(3, 2, dtype=L.long))),
    ("lu_solve batch", lambda L: L.linalg.lu_solve(L.eye(3).expand(4, 3, 3),
                                                   L.ones(4, 3, dtype=L.int32),
                                                   L.ones(2, 3, 2))),
    ("cond 1d", lambda L: L.linalg.cond(L.ones(3))),
    ("cond int", lambda L: L.linalg.cond(L.ones(3, 3, dtype=L.long))),
    ("cond int fro", lambda L: L.linalg.cond(L.ones(3, 3, dtype=L.long), "fro")),
    ("cond p", lambda L: L.linalg.cond(L.eye(3), 3)),
    ("cond p str", lambda L: L.linalg.cond(L.eye(3), "foo")),
    ("cond square 1", lambda L: L.linalg.cond(L.ones(2, 3), 1)),
    ("cond square fro", lambda L: L.linalg.cond(L.ones(2, 3), "fro")),
    ("cond square inf", lambda L: L.linalg.cond(L.ones(2, 3), INF)),
    ("tensorinv ind", lambda L: L.linalg.tensorinv(L.ones(4, 2, 2), 0)),
    ("tensorinv shapes", lambda L: L.linalg.tensorinv(L.ones(4, 2, 3), 1)),
    ("tensorinv singular", lambda L: L.linalg.tensorinv(L.zeros(4, 2, 2), 1)),
    ("tensorinv int", lambda L: L.linalg.tensorinv(L.ones(4, 2, 2, dtype=L.long), 1)),
    ("tensorsolve shapes", lambda L: L.linalg.tensorsolve(L.ones(2, 3, 5), L.ones(2, 3))),
    ("tensorsolve singular", lambda L: L.linalg.tensorsolve(L.zeros(2, 3, 6), L.ones(2, 3))),
    ("tensorsolve dtype", lambda L: L.linalg.tensorsolve(L.ones(2, 3, 6),
                                                         L.ones(2, 3, dtype=L.float64))),
    ("tensorsolve int", lambda L: L.linalg.tensorsolve(L.ones(2, 3, 6, dtype=L.long),
                                                       L.ones(2, 3, dtype=L.long))),
    ("ldl_factor square", lambda L: L.linalg.ldl_factor(L.ones(2, 3))),
    ("ldl_factor 1d", lambda L: L.linalg.ldl_factor(L.ones(3))),
    ("ldl_factor_ex int", lambda L: L.linalg.ldl_factor_ex(L.ones(3, 3, dtype=L.long))),
    ("ldl_solve B 1d", lambda L: L.linalg.ldl_solve(*L.linalg.ldl_factor(L.eye(3)), L.ones(3))),
    ("ldl_solve shapes", lambda L: L.linalg.ldl_solve(*L.linalg.ldl_factor(L.eye(3)),
                                                      L.ones(2, 2))),
    ("ldl_solve pivots", lambda L: L.linalg.ldl_solve(L.eye(3), L.ones(2, dtype=L.int32),
                                                      L.ones(3, 2))),
    ("ldl_solve pivots float", lambda L: L.linalg.ldl_solve(L.eye(3), L.ones(3),
                                                            L.ones(3, 2))),
    ("ldl_solve dtype", lambda L: L.linalg.ldl_solve(*L.linalg.ldl_factor(L.eye(3)),
                                                     L.ones(3, 2, dtype=L.float64))),
    ("ldl_solve square", lambda L: L.linalg.ldl_solve(L.ones(2, 3), L.ones(2, dtype=L.int32),
                                                      L.ones(3, 2))),
]


@pytest.mark.parametrize("name,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, call):
    torch_ = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch_)
    with pytest.raises(Exception) as ours:
        call(pl)
    assert str(ours.value) == str(theirs.value)
    if isinstance(theirs.value, torch_.linalg.LinAlgError):
        assert isinstance(ours.value, pl.linalg.LinAlgError)
    else:
        assert type(ours.value) is type(theirs.value)


# -- out= ----------------------------------------------------------------------------------
_A = (np.random.default_rng(1).standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
_S = (_A @ _A.T + np.eye(3)).astype(np.float32)
_B = np.random.default_rng(2).standard_normal((3, 2)).astype(np.float32)
# Householder reflectors (torch.geqrf's layout) of a 4x3 matrix, computed once with numpy.
_H = np.array([[-1.5, 0.4, -0.2], [0.3, 1.1, 0.5], [-0.6, 0.2, -0.9], [0.1, -0.7, 0.3]],
              np.float32)
_TAU = np.array([1.2, 1.5, 1.1], np.float32)


def _single(L, name):
    """One call per single-result torch.linalg function that takes out=."""
    t = L.tensor
    lu_, piv = _lu_factor_np(_A)
    calls = {
        "cholesky": lambda **k: L.linalg.cholesky(t(_S), **k),
        "cross": lambda **k: L.linalg.cross(t(_A), t(_S), **k),
        "det": lambda **k: L.linalg.det(t(_A), **k),
        "eigvals": lambda **k: L.linalg.eigvals(t(_A), **k),
        "eigvalsh": lambda **k: L.linalg.eigvalsh(t(_S), **k),
        "householder_product": lambda **k: L.linalg.householder_product(t(_H), t(_TAU), **k),
        "inv": lambda **k: L.linalg.inv(t(_A), **k),
        "matmul": lambda **k: L.linalg.matmul(t(_A), t(_B), **k),
        "matrix_norm": lambda **k: L.linalg.matrix_norm(t(_A), **k),
        "matrix_power": lambda **k: L.linalg.matrix_power(t(_A), 2, **k),
        "matrix_rank": lambda **k: L.linalg.matrix_rank(t(_A), **k),
        "multi_dot": lambda **k: L.linalg.multi_dot([t(_A), t(_A), t(_B)], **k),
        "norm": lambda **k: L.linalg.norm(t(_A), **k),
        "pinv": lambda **k: L.linalg.pinv(t(_B), **k),
        "solve": lambda **k: L.linalg.solve(t(_A), t(_B), **k),
        "solve_triangular": lambda **k: L.linalg.solve_triangular(t(_A), t(_B), upper=True,
                                                                  **k),
        "svdvals": lambda **k: L.linalg.svdvals(t(_B), **k),
        "vecdot": lambda **k: L.linalg.vecdot(t(_A), t(_S), **k),
        "vector_norm": lambda **k: L.linalg.vector_norm(t(_A), **k),
        "cond": lambda **k: L.linalg.cond(t(_A), **k),
        "tensorinv": lambda **k: L.linalg.tensorinv(t(_A), 1, **k),
        "tensorsolve": lambda **k: L.linalg.tensorsolve(t(_A), t(_B[:, 0]), **k),
        "lu_solve": lambda **k: L.linalg.lu_solve(t(lu_), t(piv), t(_B), **k),
        "ldl_solve": lambda **k: L.linalg.ldl_solve(*L.linalg.ldl_factor(t(_S)), t(_B), **k),
    }
    return calls[name]


def _tuple(L, name):
    t = L.tensor
    calls = {
        "cholesky_ex": lambda **k: L.linalg.cholesky_ex(t(_S), **k),
        "eig": lambda **k: L.linalg.eig(t(_A), **k),
        "eigh": lambda **k: L.linalg.eigh(t(_S), **k),
        "inv_ex": lambda **k: L.linalg.inv_ex(t(_A), **k),
        "qr": lambda **k: L.linalg.qr(t(_A), **k),
        "slogdet": lambda **k: L.linalg.slogdet(t(_A), **k),
        "solve_ex": lambda **k: L.linalg.solve_ex(t(_A), t(_B), **k),
        "svd": lambda **k: L.linalg.svd(t(_B), full_matrices=False, **k),
        "lu_factor": lambda **k: L.linalg.lu_factor(t(_A), **k),
        "lu_factor_ex": lambda **k: L.linalg.lu_factor_ex(t(_A), **k),
        "lu": lambda **k: L.linalg.lu(t(_A), **k),
        "ldl_factor": lambda **k: L.linalg.ldl_factor(t(_A), **k),
        "ldl_factor_ex": lambda **k: L.linalg.ldl_factor_ex(t(_S), **k),
    }
    return calls[name]


SINGLE = ["cholesky", "cross", "det", "eigvals", "eigvalsh", "householder_product", "inv",
          "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv",
          "solve", "solve_triangular", "svdvals", "vecdot", "vector_norm", "cond", "tensorinv",
          "tensorsolve", "lu_solve", "ldl_solve"]
TUPLE = ["cholesky_ex", "eig", "eigh", "inv_ex", "qr", "slogdet", "solve_ex", "svd",
         "lu_factor", "lu_factor_ex", "lu", "ldl_factor", "ldl_factor_ex"]
# torch casts the result into an out of a wider dtype for these; the others demand the
# result's exact dtype.
CASTS = {"eigvals", "householder_product", "matrix_rank", "pinv", "cond", "tensorinv",
         "tensorsolve"}
# Where torch words its dtype error in the function's own words (e.g. "linalg.norm expected
# out tensor dtype Float but got: Double", "tensorinv: Expected result to be safely castable
# from Float dtype, ..."): install_table has one wording per kind, so only the type and the
# refusal are checked for these.
OWN_DTYPE_WORDS = {"eigvals", "householder_product", "matrix_norm", "matrix_power",
                   "matrix_rank", "multi_dot", "norm", "pinv", "solve_triangular", "vecdot",
                   "cond", "tensorinv", "tensorsolve"}


def test_every_torch_linalg_out_function_takes_out():
    import inspect

    torch_ = pytest.importorskip("torch")
    missing = []
    for name in dir(torch_.linalg):
        fn = getattr(torch_.linalg, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue
        doc = fn.__doc__ or ""
        if "out (Tensor" in doc or "out=" in doc or "out (tuple" in doc:
            ours = getattr(pl.linalg, name, None)
            if ours is not None and "out" not in inspect.signature(ours).parameters:
                missing.append(name)
    assert missing == []
    takes_out = {n for n in pl.linalg.__all__ if not isinstance(getattr(pl.linalg, n), type)
                 and "out" in inspect.signature(getattr(pl.linalg, n)).parameters}
    assert takes_out == set(SINGLE) | set(TUPLE)


@pytest.mark.parametrize("name", SINGLE)
def test_out_single(name):
    call = _single(pl, name)
    ref = call()
    out = pl.empty(tuple(ref.shape), dtype=ref.dtype)
    ver = out._version
    got = call(out=out)
    assert got is out and out._version > ver
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    # Another dtype: cast where torch casts, refused (with torch's message) where not.
    other = pl.complex128 if ref.dtype.is_complex else pl.float64
    wide = pl.empty(tuple(ref.shape), dtype=other)
    if name in CASTS:
        assert call(out=wide) is wide and wide.dtype == other
        np.testing.assert_allclose(wide.numpy(), ref.numpy(), rtol=1e-6)
    if torch is None:
        return
    th = _single(torch, name)
    for dt in ("float64", "int64"):
        if ref.dtype.is_complex and dt == "float64":
            dt = "complex128"
        try:
            th(out=torch.empty(tuple(ref.shape), dtype=getattr(torch, dt)))
            expected = None
        except RuntimeError as e:
            expected = str(e)
        if expected is None:
            call(out=pl.empty(tuple(ref.shape), dtype=getattr(pl, dt)))
            continue
        with pytest.raises(RuntimeError) as ours:
            call(out=pl.empty(tuple(ref.shape), dtype=getattr(pl, dt)))
        if name not in OWN_DTYPE_WORDS:
            assert str(ours.value) == expected
    np.testing.assert_allclose(out.numpy(), th().numpy(), rtol=1e-4, atol=1e-5)


def _th_dtype(d):
    return getattr(torch, str(d).split(".")[1])


@pytest.mark.parametrize("name", TUPLE)
def test_out_tuple(name):
    call = _tuple(pl, name)
    ref = call()
    outs = tuple(pl.empty(tuple(r.shape), dtype=r.dtype) for r in ref)
    got = call(out=outs)
    assert type(got) is type(ref) and all(g is o for g, o in zip(got, outs))
    for o, r in zip(outs, ref):
        np.testing.assert_array_equal(o.numpy(), r.numpy())
    assert all(g is o for g, o in zip(call(out=list(outs)), outs))
    bad = (pl.empty(tuple(ref[0].shape), dtype=pl.float64),) + outs[1:]
    with pytest.raises(RuntimeError) as ours:
        call(out=bad)
    with pytest.raises(TypeError) as not_tuple:
        call(out=outs[0])
    if torch is None:
        return
    th = _tuple(torch, name)
    with pytest.raises(RuntimeError) as theirs:
        th(out=tuple(torch.empty(tuple(r.shape), dtype=torch.float64 if i == 0 else
                                 _th_dtype(r.dtype)) for i, r in enumerate(ref)))
    if name != "eig":  # torch words eig's check as "safely castable" (it casts complex)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError) as theirs:
        th(out=torch.empty(tuple(ref[0].shape), dtype=_th_dtype(ref[0].dtype)))
    assert str(not_tuple.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["inv", "vector_norm", "lu_solve", "lu_factor", "svd"])
def test_out_resize_warns(name):
    single = name in SINGLE
    call = (_single if single else _tuple)(pl, name)
    ref = call()
    if single:
        out = pl.empty(7, dtype=ref.dtype)
    else:
        out = tuple(pl.empty(7, dtype=r.dtype) for r in ref)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized "
                                         "since it had shape \\[7\\]"):
        call(out=out)
    for o, r in zip(out if not single else (out,), ref if not single else (ref,)):
        assert o.shape == r.shape
        np.testing.assert_array_equal(o.numpy(), r.numpy())
    # An empty out is resized silently.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if single:
            call(out=pl.empty(0, dtype=ref.dtype))
        else:
            call(out=tuple(pl.empty(0, dtype=r.dtype) for r in ref))


# torch's out= messages name these as "linalg_<name>()", matching ours exactly; for others
# torch names an internal op (e.g. "_linalg_det()", "linalg_inv_ex()" for inv).
_GRAD_SAME_NAME = {"cross", "householder_product", "pinv", "solve_triangular", "vector_norm",
                   "lu_solve", "cholesky_ex", "inv_ex", "qr", "lu", "lu_factor_ex"}


@pytest.mark.parametrize("name", ["inv", "det", "cross", "pinv", "solve_triangular",
                                  "lu_solve", "cholesky_ex", "qr", "lu", "lu_factor_ex"])
def test_out_refused_when_input_requires_grad(name):
    single = name in SINGLE
    calls = {
        "inv": lambda L, x, **k: L.linalg.inv(x, **k),
        "det": lambda L, x, **k: L.linalg.det(x, **k),
        "cross": lambda L, x, **k: L.linalg.cross(x, x, **k),
        "pinv": lambda L, x, **k: L.linalg.pinv(x, **k),
        "solve_triangular": lambda L, x, **k: L.linalg.solve_triangular(x, x, upper=True, **k),
        "lu_solve": lambda L, x, **k: L.linalg.lu_solve(
            x, L.tensor(_lu_factor_np(_A)[1]), x, **k),
        "cholesky_ex": lambda L, x, **k: L.linalg.cholesky_ex(x, **k),
        "qr": lambda L, x, **k: L.linalg.qr(x, **k),
        "lu": lambda L, x, **k: L.linalg.lu(x, **k),
        "lu_factor_ex": lambda L, x, **k: L.linalg.lu_factor_ex(x, **k),
    }
    call = calls[name]
    x = pl.tensor(_S, requires_grad=True)
    with pl.no_grad():
        ref = call(pl, x)
    out = (pl.empty_like(ref) if single else tuple(pl.empty_like(r) for r in ref))
    with pytest.raises(RuntimeError, match="functions with out=... arguments don't support "
                                           "automatic differentiation") as ours:
        call(pl, x, out=out)
    # Without grad mode the same call writes.
    with pl.no_grad():
        assert call(pl, x, out=out) is out or not single
    if torch is not None:
        tx = torch.tensor(_S, requires_grad=True)
        with torch.no_grad():
            tref = call(torch, tx)
        tout = (torch.empty_like(tref) if single else tuple(torch.empty_like(r) for r in tref))
        with pytest.raises(RuntimeError) as theirs:
            call(torch, tx, out=tout)
        if name in _GRAD_SAME_NAME:
            assert str(ours.value) == str(theirs.value)
    # An out that requires grad is refused too.
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        if single:
            call(pl, pl.tensor(_S), out=pl.empty_like(ref).requires_grad_(True))
        else:
            call(pl, pl.tensor(_S), out=(pl.empty_like(ref[0]).requires_grad_(True),
                                         *(pl.empty_like(r) for r in ref[1:])))


@pytest.mark.parametrize("name", ["inv", "det", "lu_solve", "cond", "tensorinv", "svdvals"])
def test_out_not_a_tensor(name):
    with pytest.raises(TypeError) as ours:
        _single(pl, name)(out=3)
    assert str(ours.value).startswith(f"linalg_{name}(): argument 'out' must be Tensor")
    if torch is not None and name != "cond":  # torch's cond reports an overload mismatch
        with pytest.raises(TypeError) as theirs:
            _single(torch, name)(out=3)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n", [None, 2, 5])
def test_vander_values_and_gradient(n):
    x = np.array([[1.5, -2.0, 0.0], [0.5, 3.0, -1.0]], np.float32)
    kw = {} if n is None else {"N": n}
    check(lambda t: pl.linalg.vander(t, **kw), lambda t: torch.linalg.vander(t, **kw), x)


def test_vander_dtypes_and_errors():
    torch_ = pytest.importorskip("torch")
    for values, dt in [([1, 2, 3, 5], "int64"), ([1, 2], "int8"), ([1, 2], "uint8"),
                       ([1 + 1j, 2 - 1j], "complex64")]:
        ours = pl.linalg.vander(pl.tensor(values, dtype=getattr(pl, dt)), N=9)
        theirs = torch_.linalg.vander(torch_.tensor(values, dtype=getattr(torch_, dt)), N=9)
        assert str(ours.dtype) == str(theirs.dtype)  # integers promote to int64
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert tuple(pl.linalg.vander(pl.empty(2, 0), N=2).shape) == (2, 0, 2)
    bad = [lambda L: L.linalg.vander(L.tensor([1, 2]), N=1),
           lambda L: L.linalg.vander(L.tensor(2.0)),
           lambda L: L.linalg.vander(L.tensor([True, False])),
           lambda L: L.linalg.vander(L.tensor([1.0], dtype=L.float16))]
    for call in bad:
        with pytest.raises(RuntimeError) as ours:
            call(pl)
        with pytest.raises(RuntimeError) as theirs:
            call(torch_)
        assert str(ours.value) == str(theirs.value)
