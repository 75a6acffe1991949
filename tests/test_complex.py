"""Complex basics against torch: ``abs``/``real``/``imag``/``conj``/``angle``/``polar``/
``complex``/``view_as_real``/``view_as_complex`` (values, dtypes, errors, gradients of
real-valued losses) and torch's complex ``repr``."""

import numpy as np
import pytest

import pytorch_like as pl

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")

Z = np.array([3 + 4j, 1 - 2j, -0.5 + 0j, 0j], dtype=np.complex64)


def _np(t) -> np.ndarray:
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return t.detach().numpy()


def _same(ours, theirs, atol=1e-6):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), _np(theirs), atol=atol, rtol=1e-5)


@needs_torch
@pytest.mark.parametrize("name", ["abs", "real", "imag", "conj", "conj_physical", "angle",
                                  "view_as_real"])
@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_unary_values_and_dtypes(name, dt):
    ours = getattr(pl, name)(pl.tensor(Z, dtype=getattr(pl, dt)))
    theirs = getattr(torch, name)(torch.tensor(Z, dtype=getattr(torch, dt)))
    _same(ours, theirs)


@needs_torch
def test_methods_and_properties():
    a, b = pl.tensor(Z), torch.tensor(Z)
    _same(a.abs(), b.abs())
    _same(abs(a), abs(b))
    _same(a.real, b.real)
    _same(a.imag, b.imag)
    _same(a.conj(), b.conj())
    _same(a.conj_physical(), b.conj_physical())
    _same(a.angle(), b.angle())
    assert a.is_complex() and pl.is_complex(a) and not pl.tensor([1.]).is_complex()
    assert a.abs().dtype is pl.float32


@needs_torch
def test_real_inputs():
    x = np.array([-2., 0., 3.], dtype=np.float32)
    t = pl.tensor(x)
    assert t.real is t and pl.conj(t) is t
    _same(t.angle(), torch.tensor(x).angle())
    _same(pl.tensor([-1, 2]).angle(), torch.tensor([-1, 2]).angle())
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with "
                                           "non-complex dtypes."):
        getattr(t, "imag")  # noqa: B009  (the property access is what raises)
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        getattr(torch.tensor(x), "imag")  # noqa: B009


@needs_torch
def test_constructors_and_views():
    re = np.array([1., -2., 0.5], dtype=np.float32)
    im = np.array([0., 3., -1.], dtype=np.float32)
    _same(pl.complex(pl.tensor(re), pl.tensor(im)),
          torch.complex(torch.tensor(re), torch.tensor(im)))
    _same(pl.polar(pl.tensor(np.abs(re)), pl.tensor(im)),
          torch.polar(torch.tensor(np.abs(re)), torch.tensor(im)))
    pairs = np.stack([re, im], -1).reshape(3, 1, 2)
    _same(pl.view_as_complex(pl.tensor(pairs)), torch.view_as_complex(torch.tensor(pairs)))
    z64 = pl.complex(pl.tensor(re, dtype=pl.float64), pl.tensor(im, dtype=pl.float64))
    assert z64.dtype is pl.complex128 and pl.view_as_real(z64).dtype is pl.float64
    assert pl.view_as_real(pl.tensor(Z.reshape(2, 2))).shape == (2, 2, 2)


@pytest.mark.parametrize("call, message", [
    (lambda: pl.view_as_real(pl.tensor([1.])), "only supported for complex"),
    (lambda: pl.view_as_complex(pl.tensor([1., 2., 3.])), "last dimension of size 2"),
    (lambda: pl.complex(pl.tensor([1.]), pl.tensor([1.], dtype=pl.float64)),
     "scalar type Float but got scalar type Double"),
])
def test_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


@needs_torch
def test_gradients_of_real_losses_match_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6)).astype(np.float32)

    def loss(lib, t):
        z = lib.complex(t[0], t[1] * 2)
        w = lib.polar(t[0].abs() + 1, t[1])
        v = lib.view_as_complex(t.reshape(3, 2, 2))
        return (z.abs().sum() + z.angle().sum() + w.conj().imag.sum() + (w * z).real.sum()
                + lib.view_as_real(v * v).pow(2).sum())

    grads = []
    for lib in (pl, torch):
        t = lib.tensor(x, requires_grad=True)
        loss(lib, t).backward()
        grads.append(_np(t.grad))
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-4, rtol=1e-4)


@needs_torch
def test_abs_gradient_at_zero_is_zero():
    for lib in (pl, torch):
        t = lib.zeros(2, requires_grad=True)
        lib.complex(t, t).abs().sum().backward()
        assert np.all(_np(t.grad) == 0)


@needs_torch
@pytest.mark.xfail(strict=True, reason="complex leaves get JAX's cotangent, the conjugate "
                                       "of torch's (conjugate Wirtinger) .grad")
def test_complex_leaf_gradient_convention():
    grads = []
    for lib in (pl, torch):
        t = lib.tensor(Z[:2], requires_grad=True)
        (t * t).abs().sum().backward()
        grads.append(_np(t.grad))
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-5)


REPR_CASES = [
    [1 + 2j, 3 - 1j], [1.5 + 2.25j, -3 - 1j], [0j], [1e-5 + 1j, 100 + 2j],
    [1e10 + 1j, 1 - 1e-3j], [[1 + 2j, 3 - 1j], [10.5 - 100j, 0.001 + 0j]], 3 + 4j,
    [complex("nan") + 1j, complex("inf") - 2j], [-0.0 - 0.0j, 1j],
    list(np.arange(30) * (1.5 - 0.5j)), list(np.arange(1200) * (1 + 1j)),
]


@needs_torch
@pytest.mark.parametrize("case", REPR_CASES, ids=range(len(REPR_CASES)))
@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_repr_matches_torch(case, dt):
    assert repr(pl.tensor(case, dtype=getattr(pl, dt))) == \
        repr(torch.tensor(case, dtype=getattr(torch, dt)))


@needs_torch
def test_repr_suffixes_and_sci_mode():
    assert repr(pl.tensor([1 + 2j], requires_grad=True) * 2) == \
        repr(torch.tensor([1 + 2j], requires_grad=True) * 2)
    try:
        pl.set_printoptions(sci_mode=True)
        torch.set_printoptions(sci_mode=True)
        assert repr(pl.tensor([1.5 + 2j, 3 - 4j])) == repr(torch.tensor([1.5 + 2j, 3 - 4j]))
    finally:
        pl.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
