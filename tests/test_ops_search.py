"""searchsorted, bucketize, isin, unique, histc, diff, clamp_min/max, tri indices, distances."""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
from parity import check, torch

rng = np.random.default_rng(0)


def _lib(t):
    return pl if isinstance(t, pl.Tensor) else torch


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize(right):
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0], np.float32)
    vals = np.array([[0.0, 3.0, 4.0], [7.0, 8.0, 5.0]], np.float32)
    out = check(lambda s, v: _lib(s).searchsorted(s, v, right=right),
                lambda s, v: torch.searchsorted(s, v, right=right), seq, vals, grad=False)
    np.testing.assert_array_equal(out[0].numpy(),
                                  np.searchsorted(seq, vals, "right" if right else "left"))
    assert out[0].dtype == pl.int64
    check(lambda v, b: _lib(v).bucketize(v, b, right=right),
          lambda v, b: torch.bucketize(v, b, right=right), vals, seq, grad=False)
    rows = np.sort(rng.standard_normal((2, 3, 6)).astype(np.float32), -1)
    queries = rng.standard_normal((2, 3, 4)).astype(np.float32)
    check(lambda s, v: _lib(s).searchsorted(s, v, side="right" if right else "left"),
          lambda s, v: torch.searchsorted(s, v, side="right" if right else "left"),
          rows, queries, grad=False)


def test_searchsorted_errors_and_int32():
    seq = pl.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension or the "
                                           "first N-1 dimensions"):
        pl.searchsorted(seq, pl.tensor([[1.0], [2.0], [3.0]]))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        pl.searchsorted(pl.tensor([1.0]), pl.tensor([1.0]), right=True, side="left")
    assert pl.searchsorted(pl.tensor([1.0, 2.0]), pl.tensor([1.5]),
                           out_int32=True).dtype == pl.int32


def test_isin_and_unique_match_torch():
    a = rng.integers(0, 6, (4, 5)).astype(np.int64)
    b = np.array([1, 3, 9], np.int64)
    check(lambda x, y: _lib(x).isin(x, y), lambda x, y: torch.isin(x, y), a, b, grad=False)
    check(lambda x, y: _lib(x).isin(x, y, invert=True),
          lambda x, y: torch.isin(x, y, invert=True), a, b, grad=False)
    check(lambda x: _lib(x).unique(x, return_inverse=True, return_counts=True),
          lambda x: torch.unique(x, return_inverse=True, return_counts=True), a, grad=False)
    rows = np.array([[1, 2], [0, 5], [1, 2]], np.int64)
    check(lambda x: _lib(x).unique(x, dim=0, return_counts=True),
          lambda x: torch.unique(x, dim=0, return_counts=True), rows, grad=False)
    t = pl.tensor(a)
    assert t.unique().tolist() == sorted(set(a.ravel().tolist()))


def test_unique_inside_compile_says_what_to_do():
    f = pl.compile(lambda x: pl.unique(x))
    with pytest.raises(RuntimeError, match="data-dependent output shape"):
        f(pl.tensor([1, 2, 2]))


@pytest.mark.parametrize("kw", [dict(bins=4, min=0, max=4), dict(bins=5),
                                dict(bins=3, min=-1, max=1)])
def test_histc_matches_torch(kw):
    x = np.concatenate([rng.standard_normal(50), [4.0, 0.0, -1.0, 1.0]]).astype(np.float32)
    out = check(lambda t: _lib(t).histc(t, **kw), lambda t: torch.histc(t, **kw), x,
                grad=False)
    lo, hi = (kw.get("min", 0), kw.get("max", 0))
    if lo == hi:
        lo, hi = x.min(), x.max()
    assert out[0].sum().item() == np.sum((x >= lo) & (x <= hi))


def test_histc_constant_input_and_errors():
    check(lambda t: _lib(t).histc(t, bins=4), lambda t: torch.histc(t, bins=4),
          np.full(5, 2.0, np.float32), grad=False)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        pl.histc(pl.ones(3), bins=2, min=2, max=1)


@pytest.mark.parametrize("kw", [dict(), dict(n=2), dict(dim=0), dict(n=2, dim=0)])
def test_diff_values_and_gradients(kw):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    check(lambda t: _lib(t).diff(t, **kw), lambda t: torch.diff(t, **kw), x)


def test_diff_with_prepend_append_and_bool():
    x = rng.standard_normal((3, 4)).astype(np.float32)
    p = rng.standard_normal((3, 1)).astype(np.float32)
    check(lambda t, q: _lib(t).diff(t, prepend=q, append=q),
          lambda t, q: torch.diff(t, prepend=q, append=q), x, p)
    b = np.array([True, False, False, True])
    check(lambda t: _lib(t).diff(t), lambda t: torch.diff(t), b, grad=False)
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        pl.diff(pl.tensor(1.0))


def test_clamp_min_max_and_their_in_place_forms():
    x = rng.standard_normal((3, 4)).astype(np.float32)
    check(lambda t: t.clamp_min(0.1), lambda t: t.clamp_min(0.1), x)
    check(lambda t: _lib(t).clamp_max(t, -0.2), lambda t: torch.clamp_max(t, -0.2), x)
    t = pl.tensor(x)
    t.clamp_min_(0.0)
    assert t.min().item() >= 0.0


@pytest.mark.parametrize("args", [(3, 3), (3, 4, 1), (4, 3, -1), (2, 5, 2)])
def test_tril_triu_indices_match_torch(args):
    for name in ("tril_indices", "triu_indices"):
        ours = getattr(pl, name)(*args)
        assert ours.dtype == pl.int64
        ref = getattr(np, name)(args[0], args[2] if len(args) > 2 else 0, args[1])
        np.testing.assert_array_equal(ours.numpy(), np.stack(ref))
        if torch is not None:
            np.testing.assert_array_equal(ours.numpy(), getattr(torch, name)(*args).numpy())


def test_distance_modules_match_torch():
    a = rng.standard_normal((4, 6)).astype(np.float32)
    b = rng.standard_normal((4, 6)).astype(np.float32)
    check(lambda x, y: _lib(x).nn.CosineSimilarity(dim=1, eps=1e-6)(x, y),
          lambda x, y: torch.nn.CosineSimilarity(dim=1, eps=1e-6)(x, y), a, b)
    check(lambda x, y: _lib(x).nn.PairwiseDistance(p=1.5, keepdim=True)(x, y),
          lambda x, y: torch.nn.PairwiseDistance(p=1.5, keepdim=True)(x, y), a, b)
    check(lambda x, y: _lib(x).cosine_similarity(x, y, dim=0),
          lambda x, y: torch.cosine_similarity(x, y, dim=0), a, b)
    assert repr(pl.nn.PairwiseDistance()) == "PairwiseDistance()"
