"""Mistakes and idioms met while following PyTorch's beginner tutorials, against real torch.

Each test runs the same code with ``pytorch_like`` and with torch on the same numpy data:
what torch refuses must be refused here with its words, and what it warns about warned.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pytorch_like as pl
from parity import same_error

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("target_shape", [(4, 1), (4, 2), (4, 1, 1)])
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_label_column_target_is_refused_as_multi_target(name, target_shape):
    # y.view(-1, 1) (labels as a column) with (N, C) scores.
    scores = np.random.default_rng(0).standard_normal((4, 10)).astype(np.float32)
    labels = np.array([1, 2, 3, 9]).reshape(target_shape[:1] + (1,) * (len(target_shape) - 1))
    labels = np.broadcast_to(labels, target_shape).copy()

    def run(lib):
        return lambda: getattr(lib.nn.functional, name)(lib.tensor(scores), lib.tensor(labels))

    same_error(run(pl), run(torch))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        pl.nn.CrossEntropyLoss()(pl.tensor(scores), pl.tensor(labels))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_bce_with_logits_refuses_integer_labels(dtype):
    # nn.BCEWithLogitsLoss()(logits, y) with y straight from the dataset: torch wants floats.
    logits = np.array([[0.3, -0.6], [1.2, 0.1]], np.float32)
    labels = np.array([[1, 0], [0, 1]]).astype(dtype)

    def run(lib, **kw):
        return lambda: lib.nn.BCEWithLogitsLoss(**kw)(lib.tensor(logits), lib.tensor(labels))

    same_error(run(pl), run(torch))
    same_error(run(pl, pos_weight=pl.tensor([2., 1.])),
               run(torch, pos_weight=torch.tensor([2., 1.])))
    # The fix torch's error leads to gives torch's value.
    ours = pl.nn.BCEWithLogitsLoss()(pl.tensor(logits), pl.tensor(labels).float())
    theirs = torch.nn.BCEWithLogitsLoss()(torch.tensor(logits), torch.tensor(labels).float())
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)


@pytest.mark.parametrize("ishape,wshape,kw", [
    ((1, 1, 3, 3), (4, 1, 5, 5), {}),
    ((1, 1, 3, 8), (4, 1, 5, 5), {}),
    ((1, 1, 3, 3), (4, 1, 3, 3), {"dilation": 2}),
    ((1, 3, 3), (4, 1, 5, 5), {}),
    ((1, 1, 3), (4, 1, 5), {}),
    ((1, 1, 3, 3, 3), (4, 1, 5, 5, 5), {}),
])
def test_conv_kernel_larger_than_input_is_refused(ishape, wshape, kw):
    # A CNN fed images smaller than its design (conv after too much pooling).
    x = np.ones(ishape, np.float32)
    w = np.ones(wshape, np.float32)
    fn = {3: "conv1d", 4: "conv2d", 5: "conv3d"}[len(wshape)]

    def run(lib):
        return lambda: getattr(lib.nn.functional, fn)(lib.tensor(x), lib.tensor(w), **kw)

    same_error(run(pl), run(torch))


@pytest.mark.parametrize("kw", [{"padding": 1}, {"padding": 2}, {"padding": "same"}])
def test_conv_kernel_fits_once_padded(kw):
    x = np.random.default_rng(1).standard_normal((1, 1, 3, 3)).astype(np.float32)
    w = np.random.default_rng(2).standard_normal((4, 1, 5, 5)).astype(np.float32)
    ours = pl.nn.functional.conv2d(pl.tensor(x), pl.tensor(w), **kw)
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kw)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


def test_parameter_of_integer_tensor_error_as_torch():
    same_error(lambda: pl.nn.Parameter(pl.tensor([1, 2])),
               lambda: torch.nn.Parameter(torch.tensor([1, 2])))
    # requires_grad=False keeps an integer Parameter, as in torch.
    p = pl.nn.Parameter(pl.tensor([1, 2]), requires_grad=False)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1, 2]), requires_grad=False))


def _copy_construct_warnings(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.tensor(lib.ones(2))
        lib.tensor([1., 2.])
        lib.tensor(np.ones(2))
    return [(w.category, str(w.message), w.filename) for w in caught]


def test_tensor_of_a_tensor_warns_as_torch():
    ours = _copy_construct_warnings(pl)
    theirs = _copy_construct_warnings(torch)
    assert len(ours) == len(theirs) == 1
    assert ours[0][:2] == theirs[0][:2]
    assert ours[0][2] == __file__  # points at the caller's line
