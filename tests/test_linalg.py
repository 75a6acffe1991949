"""torch.linalg and the older top-level decompositions against torch: values, gradients,
named tuples, error types and messages, and one least-squares step inside compile.

Decompositions whose factors are unique only up to sign (SVD, eigh) are compared through
quantities that do not depend on that choice: reconstructions, |vectors|, singular values.
Each op's gradient is compared once (every backward program costs a compile); further cases
of the same op compare values.
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


def _spd(n, batch=()):
    a = _f32(*batch, n, n)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=np.float32)).astype(np.float32)


def _well(n, batch=()):
    return (_f32(*batch, n, n) + 3 * np.eye(n, dtype=np.float32)).astype(np.float32)


# -- norms -----------------------------------------------------------------------------------
def test_vector_norm():
    x = _f32(3, 4)
    # torch's ord=0 norm has no gradient at all (ours is zero): values only.
    for ord_, dim, keep, grad in [(2, None, False, True), (1, 1, True, False),
                                  (-INF, (0, 1), False, True), (3.5, -1, False, True),
                                  (0, None, False, False)]:
        check(lambda t, o=ord_, d=dim, k=keep: pl.linalg.vector_norm(t, o, d, k),
              lambda t, o=ord_, d=dim, k=keep: torch.linalg.vector_norm(t, o, d, k), x,
              rtol=1e-4, grad=grad)


def test_matrix_norm():
    x = _f32(2, 3, 4)
    for ord_ in ["nuc", -2, INF]:
        check(lambda t, o=ord_: pl.linalg.matrix_norm(t, o),
              lambda t, o=ord_: torch.linalg.matrix_norm(t, o), x, atol=1e-4, rtol=1e-4,
              grad=ord_ == "nuc")
    check(lambda t: pl.linalg.matrix_norm(t, 1, dim=(2, 0), keepdim=True),
          lambda t: torch.linalg.matrix_norm(t, 1, dim=(2, 0), keepdim=True), x, rtol=1e-4)


def test_norm_dispatch_and_dtype():
    x = _f32(3, 4)
    cases = [dict(), dict(ord=2), dict(ord="fro", dim=(1, 0)), dict(ord=INF, dim=1)]
    for kw in cases:
        check(lambda t, kw=kw: pl.linalg.norm(t, **kw),
              lambda t, kw=kw: torch.linalg.norm(t, **kw), x,
              atol=1e-4, rtol=1e-4, grad=False)
    out = pl.linalg.norm(pl.tensor(x), dtype=pl.float64)
    assert out.dtype == pl.float64
    np.testing.assert_allclose(out.item(), np.linalg.norm(x), rtol=1e-5)
    # The zero vector: a finite (zero) gradient, as torch's.
    z = pl.zeros(3, requires_grad=True)
    pl.linalg.vector_norm(z).backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


# -- determinants, inverses, solvers ----------------------------------------------------------
def test_det_slogdet_logdet_inv():
    a = _well(3, (2,))
    check(lambda t: pl.linalg.det(t), lambda t: torch.linalg.det(t), a, rtol=1e-4)
    check(lambda t: tuple(pl.linalg.slogdet(t)), lambda t: tuple(torch.linalg.slogdet(t)), a,
          rtol=1e-4)
    check(lambda t: pl.logdet(t), lambda t: torch.logdet(t), _spd(3, (2,)), rtol=1e-4)
    check(lambda t: (pl.linalg.inv(t), *pl.linalg.inv_ex(t)),
          lambda t: (torch.linalg.inv(t), *torch.linalg.inv_ex(t)), a, atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(pl.tensor(a).inverse().numpy(), np.linalg.inv(a), atol=1e-5,
                               rtol=1e-4)
    # logdet: nan for a negative determinant, -inf for a zero one.
    got = [pl.logdet(pl.tensor(m)).item() for m in (-np.eye(3), np.zeros((2, 2)))]
    assert np.isnan(got[0]) and got[1] == -INF
    s = pl.slogdet(pl.tensor([[-2.0, 0.0], [0.0, 3.0]]))
    assert type(s).__name__ == "slogdet" and s.sign.item() == -1.0
    assert type(pl.linalg.slogdet(pl.eye(2))).__name__ == "linalg_slogdet"


@pytest.mark.parametrize("shapes,left,grad", [(((2, 1, 3, 3), (4, 3, 1)), True, True),
                                              (((2, 3, 3), (2, 3)), True, False),
                                              (((3, 3), (2, 4, 3)), False, True)], ids=str)
def test_solve(shapes, left, grad):
    a, b = _well(*shapes[0][-1:], shapes[0][:-2]), _f32(*shapes[1])
    check(lambda x, y: pl.linalg.solve(x, y, left=left),
          lambda x, y: torch.linalg.solve(x, y, left=left), a, b, atol=1e-5, rtol=1e-4,
          grad=grad)


def test_solve_triangular_and_legacy():
    a, b = _well(3, (2,)), _f32(2, 3, 2)
    for upper, left, unit, grad in [(True, True, False, True), (False, True, True, True),
                                    (True, False, False, False)]:
        bb = b if left else np.swapaxes(b, -1, -2).copy()
        kw = dict(upper=upper, left=left, unitriangular=unit)
        check(lambda x, y, kw=kw: pl.linalg.solve_triangular(x, y, **kw),
              lambda x, y, kw=kw: torch.linalg.solve_triangular(x, y, **kw),
              a, bb, atol=1e-5, rtol=1e-4, grad=grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda y, x: tuple(pl.triangular_solve(y, x, upper=False, transpose=True)),
              lambda y, x: tuple(torch.triangular_solve(y, x, upper=False, transpose=True)),
              b, a, atol=1e-5, rtol=1e-4, grad=False)


# -- Cholesky ---------------------------------------------------------------------------------
def test_cholesky_family():
    a = _spd(3, (2,))
    check(lambda t: pl.linalg.cholesky(t, upper=True),
          lambda t: torch.linalg.cholesky(t, upper=True), a, atol=1e-5, rtol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t: t.cholesky(), lambda t: t.cholesky(), a, atol=1e-5, rtol=1e-4,
              grad=False)
    check(lambda t: tuple(pl.linalg.cholesky_ex(t)), lambda t: tuple(torch.linalg.cholesky_ex(t)),
          a, grad=False, atol=1e-5, rtol=1e-4)
    # Only the lower triangle is read.
    c = a[0] + np.triu(_f32(3, 3), 1)
    np.testing.assert_allclose(pl.linalg.cholesky(pl.tensor(c)).numpy(),
                               np.linalg.cholesky(a[0]), atol=1e-5, rtol=1e-5)
    low = np.linalg.cholesky(a).astype(np.float32)
    check(lambda y, t: pl.cholesky_solve(y, t), lambda y, t: torch.cholesky_solve(y, t),
          _f32(2, 3, 2), low, atol=1e-4, rtol=1e-3)
    up = np.swapaxes(low[0], -1, -2).copy()
    check(lambda t: t.cholesky_inverse(True), lambda t: t.cholesky_inverse(True), up,
          atol=1e-4, rtol=1e-3)
    info = pl.linalg.cholesky_ex(pl.tensor(np.stack([np.eye(3), np.diag([1.0, 1.0, -1.0])])))
    assert info.info.tolist() == [0, 3] and info.info.dtype == pl.int32


# -- QR, SVD, eigh, eig -----------------------------------------------------------------------
def test_qr():
    a = _f32(2, 4, 3)
    for mode in ("reduced", "complete"):
        check(lambda t, m=mode: tuple(pl.linalg.qr(t, m)),
              lambda t, m=mode: tuple(torch.linalg.qr(t, m)),
              a[..., :3, :] if mode == "complete" else a, atol=1e-5, rtol=1e-4,
              grad=mode == "reduced")
    q, r = pl.linalg.qr(pl.tensor(a), mode="r")
    assert q.shape == (0,) and r.shape == (2, 3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t: tuple(pl.qr(t, some=False)), lambda t: tuple(torch.qr(t, some=False)),
              a[0], grad=False, atol=1e-5, rtol=1e-4)


def _recon(u, s, vh):
    return (u[..., :, : s.shape[-1]] * s[..., None, :]) @ vh[..., : s.shape[-1], :]


def test_svd():
    a = _f32(2, 4, 3)
    for full in (False, True):
        def ours(t, full=full):
            u, s, vh = pl.linalg.svd(t, full_matrices=full)
            return _recon(u, s, vh), u.abs(), vh.abs()
        def theirs(t, full=full):
            u, s, vh = torch.linalg.svd(t, full_matrices=full)
            return _recon(u, s, vh), u.abs(), vh.abs()
        check(ours, theirs, a, atol=1e-4, rtol=1e-4)
    check(lambda t: pl.linalg.svdvals(t), lambda t: torch.linalg.svdvals(t), a, rtol=1e-4,
          grad=False)
    # torch.svd returns V, not Vh.
    check(lambda t: (lambda r: (r.S, (r.U * r.S[..., None, :]) @ r.V.mT))(t.svd()),
          lambda t: (lambda r: (r.S, (r.U * r.S[..., None, :]) @ r.V.mT))(t.svd()), a,
          atol=1e-4, rtol=1e-4, grad=False)
    r = pl.svd(pl.tensor(a[0]), compute_uv=False)
    assert r.U.shape == (4, 4) and r.V.shape == (3, 3) and not r.U.numpy().any()


def test_eigh_eigvalsh():
    a = _f32(2, 3, 3)
    for uplo in ("L", "U"):
        def ours(t, uplo=uplo):
            w, v = pl.linalg.eigh(t, UPLO=uplo)
            return w, v.abs(), (v * w[..., None, :]) @ v.mT
        def theirs(t, uplo=uplo):
            w, v = torch.linalg.eigh(t, UPLO=uplo)
            return w, v.abs(), (v * w[..., None, :]) @ v.mT
        check(ours, theirs, a, atol=1e-4, rtol=1e-4)
    check(lambda t: pl.linalg.eigvalsh(t, "U"), lambda t: torch.linalg.eigvalsh(t, "U"), a,
          atol=1e-5, rtol=1e-4, grad=False)


def test_eig_eigvals_values():
    a = _f32(3, 3)
    ours = pl.linalg.eigvals(pl.tensor(a))
    assert ours.dtype == pl.complex64
    w, v = pl.linalg.eig(pl.tensor(a))
    wn, vn = np.asarray(w.numpy()), np.asarray(v.numpy())
    np.testing.assert_allclose(a @ vn, vn * wn[None, :], atol=1e-4)
    if torch is not None:
        ref = torch.linalg.eigvals(torch.tensor(a)).numpy()
        np.testing.assert_allclose(np.sort_complex(np.asarray(ours.numpy())),
                                   np.sort_complex(ref), atol=1e-5)


# -- pseudo-inverse, rank, least squares ------------------------------------------------------
def test_pinv_matrix_rank():
    a = _f32(2, 4, 3)
    check(lambda t: pl.linalg.pinv(t), lambda t: torch.linalg.pinv(t), a, atol=1e-5, rtol=1e-4)
    check(lambda t: pl.pinverse(t, 1e-3), lambda t: torch.pinverse(t, 1e-3), a, atol=1e-5,
          rtol=1e-4, grad=False)
    sym = _spd(3) - 4 * np.eye(3, dtype=np.float32)
    check(lambda t: pl.linalg.pinv(t, hermitian=True, atol=0.05),
          lambda t: torch.linalg.pinv(t, hermitian=True, atol=0.05), sym, atol=1e-4, rtol=1e-4)
    low = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], np.float32)
    for kw in [dict(), dict(atol=1.0), dict(rtol=0.5), dict(hermitian=True), dict(tol=3.0)]:
        check(lambda t, kw=kw: pl.linalg.matrix_rank(t, **kw),
              lambda t, kw=kw: torch.linalg.matrix_rank(t, **kw), low, grad=False)


@pytest.mark.parametrize("driver", [None, "gelsd", "gels"])
def test_lstsq(driver):
    a, b = _f32(2, 5, 3), _f32(2, 5, 2)

    def run(lib, x, y):
        r = lib.linalg.lstsq(x, y, driver=driver)
        return r.solution, r.residuals, r.rank, r.singular_values
    check(lambda x, y: run(pl, x, y), lambda x, y: run(torch, x, y), a, b, atol=1e-4,
          rtol=1e-4, grad=driver == "gelsd")
    if driver is None:  # a vector right-hand side
        check(lambda x, y: pl.linalg.lstsq(x, y).solution,
              lambda x, y: torch.linalg.lstsq(x, y).solution, a[0], b[0, :, 0], atol=1e-4,
              rtol=1e-4, grad=False)


# -- powers, exponential, products ------------------------------------------------------------
def test_matrix_power_exp():
    a = _well(3, (2,)) / 3
    for n in (0, 3, -2):
        check(lambda t, n=n: pl.linalg.matrix_power(t, n),
              lambda t, n=n: torch.linalg.matrix_power(t, n),
              a, atol=1e-5, rtol=1e-4, grad=n != 0)
    check(lambda t: t.matrix_exp(), lambda t: t.matrix_exp(), a, atol=1e-5, rtol=1e-4)
    ints = np.array([[1, 1], [0, 1]], np.int64)
    check(lambda t: t.matrix_power(3), lambda t: t.matrix_power(3), ints)


def test_products():
    check(lambda a, b, c: pl.linalg.multi_dot([a, b, c]),
          lambda a, b, c: torch.linalg.multi_dot([a, b, c]), _f32(3), _f32(3, 4), _f32(4),
          rtol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda a, b, c: pl.chain_matmul(a, b, c),
              lambda a, b, c: torch.chain_matmul(a, b, c), _f32(2, 3), _f32(3, 4), _f32(4, 2),
              rtol=1e-4, grad=False)
    check(lambda a, b: pl.linalg.cross(a, b), lambda a, b: torch.linalg.cross(a, b),
          _f32(4, 3), _f32(1, 3))
    check(lambda a, b: pl.linalg.vecdot(a, b, dim=0), lambda a, b: torch.linalg.vecdot(a, b, dim=0),
          _f32(3, 4), _f32(3, 1), rtol=1e-4, grad=False)
    check(lambda a: pl.linalg.diagonal(a, offset=1), lambda a: torch.linalg.diagonal(a, offset=1),
          _f32(2, 3, 4), grad=False)


def test_householder_product():
    a = _f32(4, 3)
    if torch is None:
        pytest.skip("needs torch.geqrf for the reflectors")
    h, tau = (t.numpy() for t in torch.geqrf(torch.tensor(a)))
    check(lambda x, t: pl.linalg.householder_product(x, t),
          lambda x, t: torch.linalg.householder_product(x, t), h, tau, atol=1e-5, rtol=1e-4)


# -- errors -----------------------------------------------------------------------------------
_SING = [[1.0, 2.0], [2.0, 4.0]]
_NOT_PD = [[1.0, 2.0], [2.0, 1.0]]

# (name, call) pairs run on both libraries: same exception type, same message.
ERRORS = [
    ("inv singular", lambda L: L.linalg.inv(L.tensor(_SING))),
    ("inv batch", lambda L: L.linalg.inv(L.stack([L.eye(2), L.tensor(_SING)]))),
    ("inverse", lambda L: L.inverse(L.tensor(_SING))),
    ("inv_ex check", lambda L: L.linalg.inv_ex(L.tensor(_SING), check_errors=True)),
    ("inv square", lambda L: L.linalg.inv(L.ones(2, 3))),
    ("inv 1d", lambda L: L.linalg.inv(L.ones(3))),
    ("inv int", lambda L: L.linalg.inv(L.ones(2, 2, dtype=L.long))),
    ("solve singular", lambda L: L.linalg.solve(L.tensor(_SING), L.ones(2))),
    ("solve batch", lambda L: L.linalg.solve(L.stack([L.eye(2), L.tensor(_SING)]), L.ones(2))),
    ("solve shapes", lambda L: L.linalg.solve(L.eye(2), L.ones(3, 2))),
    ("solve vector", lambda L: L.linalg.solve(L.eye(2), L.ones(3))),
    ("solve left", lambda L: L.linalg.solve(L.eye(3), L.ones(3), left=False)),
    ("solve dtype", lambda L: L.linalg.solve(L.eye(2), L.ones(2, dtype=L.float64))),
    ("cholesky", lambda L: L.linalg.cholesky(L.tensor(_NOT_PD))),
    ("cholesky batch", lambda L: L.linalg.cholesky(L.stack([L.eye(2), -L.eye(2)]))),
    ("cholesky upper", lambda L: L.linalg.cholesky(L.tensor(_NOT_PD), upper=True)),
    ("cholesky square", lambda L: L.linalg.cholesky(L.ones(2, 3))),
    ("det square", lambda L: L.linalg.det(L.ones(2, 3))),
    ("det 1d", lambda L: L.linalg.det(L.ones(3))),
    ("logdet square", lambda L: L.logdet(L.ones(2, 3))),
    ("slogdet square", lambda L: L.linalg.slogdet(L.ones(2, 3))),
    ("matrix_power singular", lambda L: L.linalg.matrix_power(L.tensor(_SING), -1)),
    ("matrix_power float n", lambda L: L.linalg.matrix_power(L.eye(2), 2.5)),
    ("matrix_exp int", lambda L: L.linalg.matrix_exp(L.ones(2, 2, dtype=L.long))),
    ("qr mode", lambda L: L.linalg.qr(L.ones(2, 2), mode="foo")),
    ("svd 1d", lambda L: L.linalg.svd(L.ones(3))),
    ("legacy svd 1d", lambda L: L.svd(L.ones(3))),
    ("eigh uplo", lambda L: L.linalg.eigh(L.eye(2), UPLO="X")),
    ("pinv 1d", lambda L: L.linalg.pinv(L.ones(3))),
    ("norm 3d ord", lambda L: L.linalg.norm(L.ones(2, 3, 4), ord=2)),
    ("norm dims", lambda L: L.linalg.norm(L.ones(2, 3), dim=(0, 1, 2))),
    ("norm fro int dim", lambda L: L.linalg.norm(L.ones(2, 3), ord="fro", dim=0)),
    ("vector_norm str", lambda L: L.linalg.vector_norm(L.ones(3), ord="fro")),
    ("vector_norm long", lambda L: L.linalg.vector_norm(L.ones(3, dtype=L.long))),
    ("vector_norm dtype", lambda L: L.linalg.vector_norm(L.ones(3), dtype=L.long)),
    ("vector_norm narrow", lambda L: L.linalg.vector_norm(L.ones(3, dtype=L.float64),
                                                          dtype=L.float32)),
    ("vector_norm empty inf", lambda L: L.linalg.vector_norm(L.zeros(0), ord=INF)),
    ("vector_norm empty -1", lambda L: L.linalg.vector_norm(L.zeros(0), ord=-1)),
    ("matrix_norm ord", lambda L: L.linalg.matrix_norm(L.ones(2, 3), ord=3)),
    ("matrix_norm 1d", lambda L: L.linalg.matrix_norm(L.ones(3))),
    ("matrix_norm same dims", lambda L: L.linalg.matrix_norm(L.ones(2, 3), dim=(0, 0))),
    ("solve_triangular B 1d", lambda L: L.linalg.solve_triangular(L.eye(2), L.ones(2),
                                                                 upper=True)),
    ("solve_triangular shapes", lambda L: L.linalg.solve_triangular(L.eye(2), L.eye(3),
                                                                   upper=True)),
    ("triangular_solve 1d", lambda L: L.triangular_solve(L.ones(2), L.eye(2))),
    ("lstsq shapes", lambda L: L.linalg.lstsq(L.ones(2, 3), L.ones(3))),
    ("lstsq driver", lambda L: L.linalg.lstsq(L.ones(2, 3), L.ones(2, 1), driver="foo")),
    ("lstsq dtype", lambda L: L.linalg.lstsq(L.ones(2, 3), L.ones(2, 1, dtype=L.float64))),
    ("cholesky_solve 1d", lambda L: L.cholesky_solve(L.ones(2), L.eye(2))),
    ("cholesky_inverse 1d", lambda L: L.cholesky_inverse(L.ones(2))),
    ("householder tau", lambda L: L.linalg.householder_product(L.ones(3, 2), L.ones(3))),
    ("eig square", lambda L: L.linalg.eig(L.ones(2, 3))),
    ("multi_dot one", lambda L: L.linalg.multi_dot([L.ones(2)])),
    ("multi_dot shapes", lambda L: L.linalg.multi_dot([L.ones(2, 3), L.ones(2, 3)])),
    ("multi_dot 3d", lambda L: L.linalg.multi_dot([L.ones(2, 3, 3), L.ones(3, 3)])),
    ("multi_dot middle", lambda L: L.linalg.multi_dot([L.ones(2, 3), L.ones(3, 3, 3),
                                                       L.ones(3)])),
    ("cross", lambda L: L.linalg.cross(L.ones(2), L.ones(2))),
    ("vecdot int", lambda L: L.linalg.vecdot(L.ones(3, dtype=L.long), L.ones(3, dtype=L.long))),
    ("matrix_rank 1d", lambda L: L.linalg.matrix_rank(L.ones(3))),
    ("svd driver", lambda L: L.linalg.svd(L.eye(2), driver="gesvd")),
]


@pytest.mark.parametrize("name,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, call):
    torch_ = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            call(torch_)
        with pytest.raises(Exception) as ours:
            call(pl)
    assert str(ours.value) == str(theirs.value)
    if isinstance(theirs.value, torch_.linalg.LinAlgError):
        assert isinstance(ours.value, pl.linalg.LinAlgError)
        assert isinstance(ours.value, RuntimeError)
    else:
        assert type(ours.value) is type(theirs.value)


def test_lin_alg_error_is_runtime_error():
    assert issubclass(pl.linalg.LinAlgError, RuntimeError)
    info = pl.linalg.inv_ex(pl.tensor(_SING))
    assert info.info.item() == 2 and info.info.dtype == pl.int32


def test_legacy_warnings_and_methods():
    x = pl.tensor(_spd(3))
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        x.cholesky()
    with pytest.warns(UserWarning, match="torch.qr is deprecated"):
        x.qr()
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        pl.chain_matmul(x, x)
    for name in ("svd", "qr", "cholesky", "cholesky_solve", "cholesky_inverse",
                 "triangular_solve", "pinverse", "matrix_power", "matrix_exp", "slogdet",
                 "logdet", "det", "inverse"):
        assert callable(getattr(x, name)), name


# -- compile ----------------------------------------------------------------------------------
def test_least_squares_step_in_compile():
    """A ridge target from linalg.solve plus a gradient step on the fit, eager vs compiled."""
    data = np.random.default_rng(1)
    xs = pl.tensor(data.standard_normal((16, 3)).astype(np.float32))
    ys = pl.tensor(data.standard_normal((16, 1)).astype(np.float32))

    def run(compiled):
        w = pl.zeros(3, 1, requires_grad=True)
        opt = pl.optim.SGD([w], lr=0.1)

        def step(x, y):
            opt.zero_grad()
            target = pl.linalg.solve(x.mT @ x + w.abs().sum() * pl.eye(3), x.mT @ y)
            loss = ((x @ w - y) ** 2).mean() + pl.linalg.vector_norm(w - target)
            loss.backward()
            opt.step()
            return loss
        fn = pl.compile(step) if compiled else step
        losses = [fn(xs, ys).item() for _ in range(3)]
        return losses, w.detach().numpy()

    (le, we), (lc, wc) = run(False), run(True)
    np.testing.assert_allclose(lc, le, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(wc, we, rtol=1e-5, atol=1e-6)
    assert le[-1] < le[0]
