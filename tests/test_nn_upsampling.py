"""F.interpolate and nn.Upsample / UpsamplingNearest2d / UpsamplingBilinear2d against torch
(values and gradients through tests/parity.py), torch's quirks pinned with numpy
expectations, and the errors with torch's types and wording."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch half of check() is skipped
    torch = TF = None

rng = np.random.default_rng(0)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _pair(**kw):
    """(ours, torch's) interpolate with the same keyword arguments."""
    return (lambda x: F.interpolate(x, **kw)), \
        (None if TF is None else (lambda x: TF.interpolate(x, **kw)))


PARITY = [
    ((2, 3, 5), dict(scale_factor=2.1)),  # torch's backward uses other indices than forward
    ((1, 2, 4, 5), dict(scale_factor=(1.2, 1.7))),  # 2-D nearest copies an unchanged axis
    ((1, 2, 3, 4, 2), dict(scale_factor=(1.2, 0.5, 2.1))),
    ((2, 3, 5), dict(scale_factor=1.7, mode="nearest-exact")),
    ((1, 2, 6, 5), dict(size=(4, 8), mode="nearest-exact")),
    ((2, 3, 5), dict(scale_factor=2.5, mode="linear")),
    ((2, 3, 7), dict(size=3, mode="linear", align_corners=True)),
    ((1, 2, 4, 5), dict(scale_factor=(1.2, 2), mode="bilinear")),
    ((1, 2, 6, 5), dict(size=(4, 9), mode="bilinear", align_corners=True)),
    ((1, 2, 3, 4, 2), dict(scale_factor=(1.5, 0.75, 2), mode="trilinear", align_corners=True)),
    ((1, 2, 4, 5), dict(size=(9, 3), mode="bicubic")),
    ((1, 2, 6, 7), dict(scale_factor=0.75, mode="bicubic", align_corners=True)),
    ((1, 2, 6, 8), dict(scale_factor=0.5, mode="area")),
    ((1, 2, 4, 6, 5), dict(size=(2, 3, 2), mode="area")),
]
# torch's grad_fn names (area is adaptive average pooling, named by that op).
GRAD_FN = {"nearest": "UpsampleNearest{}DBackward0",
           "nearest-exact": "UpsampleNearestExact{}DBackward0",
           "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
           "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0"}


@pytest.mark.parametrize("shape,kw", PARITY, ids=[f"{k.get('mode', 'nearest')}-{i}"
                                                   for i, (_, k) in enumerate(PARITY)])
def test_interpolate_matches_torch(shape, kw):
    out = check(*_pair(**kw), _r(*shape))[0]
    name = GRAD_FN.get(kw.get("mode", "nearest"))
    if name is not None:
        assert out.grad_fn.name() == name.format(len(shape) - 2)


def test_low_precision_and_uint8_match_torch():
    half = check(*_pair(scale_factor=1.5, mode="bilinear"), _r(1, 2, 4, 5).astype(np.float16),
                 grad=False, atol=2e-3, rtol=2e-3)[0]
    assert half.dtype == pl.float16
    img = rng.integers(0, 256, (1, 3, 4, 5)).astype(np.uint8)
    out = check(*_pair(size=(7, 3), mode="nearest-exact"), img, grad=False)[0]
    assert out.dtype == pl.uint8


def test_scale_factor_samples_with_the_given_scale_unless_recomputed():
    # torch: output size floor(4 * 1.7) = 6, but sources use 1 / 1.7, not 4 / 6.
    x = pl.arange(4.0).reshape(1, 1, 4)
    i = np.arange(6)
    given = F.interpolate(x, scale_factor=1.7, mode="linear").numpy().ravel()
    recomputed = F.interpolate(x, scale_factor=1.7, mode="linear",
                               recompute_scale_factor=True).numpy().ravel()
    np.testing.assert_allclose(given, np.clip((i + 0.5) / 1.7 - 0.5, 0, 3), atol=1e-6)
    np.testing.assert_allclose(recomputed, np.clip((i + 0.5) * 4 / 6 - 0.5, 0, 3), atol=1e-6)
    assert not np.allclose(given, recomputed)


def test_torch_nearest_shortcuts_and_backward_indices():
    # Values measured on torch 2.13: 1-D nearest samples floor(i / 1.2) even when the size
    # does not change, 2-D nearest copies such an axis.
    row = pl.arange(4.0)
    assert F.interpolate(row.reshape(1, 1, 4), scale_factor=1.2).tolist() == [[[0, 0, 1, 2]]]
    assert F.interpolate(row.reshape(1, 1, 1, 4), scale_factor=1.2).tolist() == \
        [[[[0, 1, 2, 3]]]]
    # 5 * 2.1 -> 10 (exactly twice): forward floor(i / 2.1), backward i // 2, as torch.
    x = pl.arange(5.0).reshape(1, 1, 5).requires_grad_(True)
    y = F.interpolate(x, scale_factor=2.1)
    assert y.detach().numpy().ravel().tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4]
    (y * pl.arange(10.0)).sum().backward()
    assert x.grad.numpy().ravel().tolist() == [1, 5, 9, 13, 17]
    assert y.grad_fn.name() == "UpsampleNearest1DBackward0"


def test_area_and_cubic_edge_cases():
    x = pl.randn(1, 2, 4, 4)
    assert tuple(F.interpolate(x, scale_factor=0.1, mode="area").shape) == (1, 2, 0, 0)
    const = pl.full((1, 1, 3, 4), 2.5)
    # The cubic weights sum to one and the border taps clamp, so a constant stays constant.
    out = F.interpolate(const, scale_factor=1.7, mode="bicubic")
    np.testing.assert_allclose(out.numpy(), 2.5, rtol=1e-6)


_MODES = ("nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
          "nearest-exact")
_HINT = "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
ERRORS = [
    ((2, 2), dict(size=3), NotImplementedError,
     f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D) for the modes: "
     f"{_MODES} (got nearest)"),
    ((1, 1, 2, 2, 2, 2), dict(scale_factor=2), NotImplementedError,
     f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 6D) for the modes: "
     f"{_MODES} (got nearest)"),
    ((1, 2, 4, 4), dict(size=2, mode="foo"), NotImplementedError,
     f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 4D) for the modes: "
     f"{_MODES} (got foo)"),
    ((1, 2, 3, 3, 3), dict(size=2, mode="bicubic"), NotImplementedError,
     f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 5D) for the modes: "
     f"{_MODES} (got bicubic)"),
    ((1, 2, 4), dict(size=2, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D input"),
    ((1, 2, 4, 4), dict(size=2, mode="linear"), NotImplementedError,
     "Got 4D input, but linear mode needs 3D input"),
    ((1, 2, 4, 4), dict(size=2, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    ((1, 2, 4, 4), dict(), ValueError, "either size or scale_factor should be defined"),
    ((1, 2, 4, 4), dict(size=2, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes: "
     "linear | bilinear | bicubic | trilinear"),
    ((1, 2, 4, 4), dict(size=2, mode="area", align_corners=False), ValueError,
     "align_corners option can only be set with the interpolating modes: "
     "linear | bilinear | bicubic | trilinear"),
    ((1, 2, 4, 4), dict(size=(3, 3, 3)), ValueError,
     "Input and output must have the same number of spatial dimensions, but got input with "
     "spatial dimensions of [4, 4] and output size of (3, 3, 3). " + _HINT
     + "output size in (o1, o2, ...,oK) format."),
    ((1, 2, 4, 4), dict(scale_factor=(2, 2, 2)), ValueError,
     "Input and scale_factor must have the same number of spatial dimensions, but got input "
     "with spatial dimensions of [4, 4] and scale_factor of shape (2, 2, 2). " + _HINT
     + "scale_factor in (s1, s2, ...,sK) format."),
    ((1, 2, 4, 4), dict(size=(2.5, 3)), TypeError,
     "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
     "Tuple[int, int, int], but got size with types [<class 'float'>, <class 'int'>]"),
    ((1, 2, 4, 4), dict(size=2, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful with an explicit size."),
    ((1, 2, 4, 4), dict(scale_factor=0.1, mode="bilinear"), RuntimeError,
     "Input and output sizes should be greater than 0, but got input (H: 4, W: 4) output "
     "(H: 0, W: 0)"),
    ((1, 2, 4), dict(size=0), RuntimeError,
     "Input and output sizes should be greater than 0, but got input (W: 4) and output "
     "(W: 0)"),
    ((1, 2, 3, 3, 3), dict(size=(0, 2, 2), mode="trilinear"), RuntimeError,
     "Input and output sizes should be greater than 0, but got input (D: 3, H: 3, W: 3) "
     "output (D: 0, H: 2, W: 2)"),
    ((1, 2, 4, 4), dict(size=2, antialias=True), ValueError,
     "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
     "a 4-D tensor as input"),
    ((1, 2, 4, 4), dict(size=2, mode="lanczos"), ValueError,
     "Lanczos mode requires antialias=True"),
]


@pytest.mark.parametrize("shape,kw,exc,msg", ERRORS, ids=[e[3][:30] for e in ERRORS])
def test_interpolate_errors_match_torch(shape, kw, exc, msg):
    with pytest.raises(exc, match=re.escape(msg)) as info:
        F.interpolate(pl.zeros(*shape), **kw)
    assert str(info.value) == msg
    if TF is not None:  # the expected text is torch's own
        with pytest.raises(exc) as theirs:
            TF.interpolate(torch.zeros(*shape), **kw)
        assert str(theirs.value) == msg


def test_unsupported_dtypes_and_antialias():
    with pytest.raises(NotImplementedError,
                       match=re.escape("\"upsample_nearest2d_channels_last\" not implemented "
                                       "for 'Long'")):
        F.interpolate(pl.ones(2, 3, 5, 7, dtype=pl.int64), scale_factor=2)
    with pytest.raises(NotImplementedError,
                       match=re.escape("\"compute_indices_weights_linear\" not implemented "
                                       "for 'Long'")):
        F.interpolate(pl.ones(2, 3, 5, dtype=pl.int64), scale_factor=2, mode="linear")
    # Deliberate difference: torch has antialiased bilinear/bicubic kernels; we raise.
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(pl.ones(1, 1, 4, 4), size=2, mode="bilinear", antialias=True)


def test_deprecated_upsample_functions_warn_and_interpolate():
    x = pl.tensor(_r(1, 2, 3, 4))
    for fn, ref in ((F.upsample, dict(mode="nearest")),
                    (F.upsample_nearest, dict(mode="nearest")),
                    (F.upsample_bilinear, dict(mode="bilinear", align_corners=True))):
        with pytest.warns(UserWarning, match=re.escape(f"`nn.functional.{fn.__name__}` is "
                                                       "deprecated")):
            out = fn(x, scale_factor=2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            expected = F.interpolate(x, scale_factor=2, **ref)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


MODULES = [  # (class, arguments, torch's repr, run the parity check: each one compiles)
    ("Upsample", dict(scale_factor=2, mode="bilinear"),
     "Upsample(scale_factor=2.0, mode='bilinear')", True),
    ("Upsample", dict(size=(3, 7), mode="bicubic", align_corners=True),
     "Upsample(size=(3, 7), mode='bicubic')", False),
    ("UpsamplingNearest2d", dict(scale_factor=(2, 1.5)),
     "UpsamplingNearest2d(scale_factor=(2.0, 1.5), mode='nearest')", True),
    ("UpsamplingBilinear2d", dict(size=(5, 3)),
     "UpsamplingBilinear2d(size=(5, 3), mode='bilinear')", True),
]


@pytest.mark.parametrize("name,kw,text,run", MODULES, ids=[m[2] for m in MODULES])
def test_modules_match_torch(name, kw, text, run):
    ours = getattr(pl.nn, name)(**kw)
    assert repr(ours) == text
    theirs = None if torch is None else getattr(torch.nn, name)(**kw)
    if theirs is not None:
        assert repr(theirs) == text
        for attr in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    if run:
        check(ours, theirs, _r(2, 3, 4, 5))


def test_upsample_attributes_and_compiled_step():
    up = pl.nn.Upsample(scale_factor=0)  # torch stores a falsy factor as None
    assert up.scale_factor is None and up.name == "Upsample"
    assert repr(up) == "Upsample(size=None, mode='nearest')"
    w = pl.nn.Parameter(pl.tensor(_r(1, 2, 5)))
    up = pl.nn.Upsample(scale_factor=2.1)

    def step():
        loss = (up(w) * pl.arange(10.0)).sum()
        loss.backward()
        return loss

    eager = step().item()
    grad = w.grad.numpy().copy()
    w.grad = None
    compiled = pl.compile(step)().item()
    np.testing.assert_allclose(compiled, eager, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), grad, rtol=1e-6)
