"""``pytorch_like.fft`` against ``torch.fft``: values, shapes and dtypes of every transform
over ``n``/``s``/``dim``/``norm``, the frequency helpers and shifts, errors, and gradients of
real-valued losses through the transforms."""

import numpy as np
import pytest

import pytorch_like as pl

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")

RNG = np.random.default_rng(0)
XR = RNG.standard_normal((3, 4, 6)).astype(np.float32)
XC = (RNG.standard_normal((3, 4, 6)) + 1j * RNG.standard_normal((3, 4, 6))).astype(np.complex64)


def _np(t) -> np.ndarray:
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return t.detach().numpy()


def _compare(name, x, **kw):
    ours = getattr(pl.fft, name)(pl.tensor(x), **kw)
    theirs = getattr(torch.fft, name)(torch.tensor(x), **kw)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), _np(theirs), atol=2e-4, rtol=1e-4)


@needs_torch
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_one_dim(name):
    # Each distinct (n, dim, norm) is a new XLA program: a few cases cover the branches.
    for kw in ({}, {"n": 5, "dim": 1, "norm": "ortho"}, {"n": 8, "dim": 0, "norm": "forward"}):
        _compare(name, XR, **kw)
    if name not in ("rfft", "ihfft"):
        _compare(name, XC, norm="backward")


@needs_torch
@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
                                  "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"])
def test_multi_dim(name):
    inputs = [XR] if name.startswith(("rfft", "ihfft")) else [XR, XC]
    cases = [{}, {"s": (3, 5), "norm": "ortho"}, {"s": (2, -1), "dim": (2, 0)}]
    if name.endswith("n"):
        cases.append({"s": (4,), "norm": "forward"})
    for kw in cases:
        _compare(name, XR, **kw)
    if len(inputs) > 1:
        _compare(name, XC)


@needs_torch
def test_dtypes():
    assert pl.fft.fft(pl.tensor([1., 2.])).dtype is pl.complex64
    assert pl.fft.rfft(pl.tensor([1., 2.], dtype=pl.float64)).dtype is pl.complex128
    assert pl.fft.fft(pl.tensor([1, 2, 3])).dtype is pl.complex64  # integers: as float32
    assert pl.fft.irfft(pl.tensor([1 + 0j, 2j])).dtype is pl.float32
    _compare("fft", np.arange(5))
    _compare("irfft", np.array([1., 2., 3.], dtype=np.float32))  # real input to a c2r


@needs_torch
def test_freq_and_shift():
    for n, d in ((5, 1.0), (6, 0.1)):
        for name in ("fftfreq", "rfftfreq"):
            ours, theirs = getattr(pl.fft, name)(n, d), getattr(torch.fft, name)(n, d)
            assert ours.dtype is pl.float32
            np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)
    assert pl.fft.fftfreq(4, dtype=pl.float64).dtype is pl.float64
    for name in ("fftshift", "ifftshift"):
        for dim in (None, 1, (0, 2)):
            _compare(name, XR, dim=dim)
        _compare(name, XC)


@pytest.mark.parametrize("call, error, message", [
    (lambda: pl.fft.fft(pl.ones(3), norm="foo"), RuntimeError, 'Invalid normalization mode'),
    (lambda: pl.fft.rfft(pl.tensor([1j])), RuntimeError, "rfft expects a real input tensor"),
    (lambda: pl.fft.ihfft(pl.tensor([1j])), RuntimeError, "ihfft expects a real input"),
    (lambda: pl.fft.fft(pl.ones(3), n=0), RuntimeError, r"Invalid number of data points \(0"),
    (lambda: pl.fft.fft(pl.ones(3), dim=2), IndexError, "Dimension out of range"),
    (lambda: pl.fft.fftn(pl.ones(3, 3), s=(2,), dim=(0, 1)), RuntimeError,
     "must have the same length"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


LOSSES = {
    "rfft_abs": lambda L, t, w: L.fft.rfft(t).abs().sum(),
    "fft_real_imag": lambda L, t, w: (L.fft.fft(t, norm="ortho").real ** 2
                                      + 3 * L.fft.fft(t).imag).sum(),
    "irfft_rfft": lambda L, t, w: (L.fft.irfft(L.fft.rfft(t) * 2, n=6) * w).sum(),
    "irfft_real_input": lambda L, t, w: (L.fft.irfft(t, n=9) ** 2).sum(),
    "hfft_ihfft": lambda L, t, w: (L.fft.hfft(t, n=7) ** 2).sum() + L.fft.ihfft(t).abs().sum(),
    "rfft2_angle": lambda L, t, w: L.fft.rfft2(t, s=(5, 8)).angle().sum(),
    "fftn_forward": lambda L, t, w: (L.view_as_real(L.fft.fftn(t, norm="forward")) ** 2).sum(),
    "irfftn_square": lambda L, t, w: (L.fft.irfftn(L.fft.rfftn(t) ** 2) * w).sum(),
    "shift_ifft": lambda L, t, w: (L.fft.fftshift(L.fft.ifft(t), dim=0).abs() * w[:, :6]).sum(),
}


@needs_torch
@pytest.mark.parametrize("name", list(LOSSES))
def test_gradients_of_real_losses_match_torch(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    w = rng.standard_normal((4, 6)).astype(np.float32)
    results = []
    for lib in (pl, torch):
        t = lib.tensor(x, requires_grad=True)
        loss = LOSSES[name](lib, t, lib.tensor(w))
        loss.backward()
        results.append((float(loss.detach()), _np(t.grad)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-4)
    np.testing.assert_allclose(results[0][1], results[1][1], atol=1e-3, rtol=1e-4)


def test_grad_fn_names_and_export():
    t = pl.ones(4, requires_grad=True)
    assert pl.fft.rfft(t).grad_fn.name() == "FftR2CBackward0"
    assert pl.fft.irfft(pl.fft.rfft(t)).grad_fn.name() == "FftC2RBackward0"
    assert "fft" in pl.__all__ and pl.fft.fft is not None
