"""torch.return_types (named result tuples), unique_consecutive and _tensor_str.PRINT_OPTS,
compared with real torch."""

from __future__ import annotations

import pickle

import jax
import numpy as np
import pytest

import pytorch_like as pl
from parity import torch

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")

A = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 4.0]], np.float32)
SQ = np.array([[2.0, 1.0], [1.0, 3.0]], np.float32)

# (name of the torch.return_types type, call on a library's tensor module and a tensor)
CASES = [
    ("max", lambda L, x: L.max(x, 1)),
    ("max", lambda L, x: x.max(dim=0, keepdim=True)),
    ("min", lambda L, x: x.min(1)),
    ("sort", lambda L, x: L.sort(x, 1)),
    ("topk", lambda L, x: x.topk(2)),
    ("kthvalue", lambda L, x: L.kthvalue(x, 2, 1)),
    ("mode", lambda L, x: L.mode(x, 1)),
    ("median", lambda L, x: L.median(x, 1)),
    ("nanmedian", lambda L, x: L.nanmedian(x, 1)),
    ("cummax", lambda L, x: L.cummax(x, 1)),
    ("cummin", lambda L, x: x.cummin(0)),
    ("aminmax", lambda L, x: L.aminmax(x, dim=1)),
    ("histogram", lambda L, x: L.histogram(x.reshape(-1), bins=3)),
]

LINALG = [
    ("slogdet", lambda L, m: L.slogdet(m)),
    ("linalg_slogdet", lambda L, m: L.linalg.slogdet(m)),
    ("linalg_eigh", lambda L, m: L.linalg.eigh(m)),
    ("linalg_inv_ex", lambda L, m: L.linalg.inv_ex(m)),
    ("linalg_cholesky_ex", lambda L, m: L.linalg.cholesky_ex(m)),
    ("linalg_qr", lambda L, m: L.linalg.qr(m)),
    ("qr", lambda L, m: L.qr(m)),
    ("linalg_svd", lambda L, m: L.linalg.svd(m)),
    ("svd", lambda L, m: L.svd(m)),
]


def _check_same(ours, theirs, name: str) -> None:
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert isinstance(ours, tuple)
    assert len(ours) == len(theirs)
    fields = [f for f in dir(theirs) if not f.startswith("_") and not f.startswith("n_")
              and f not in ("count", "index")]
    for f in fields:
        np.testing.assert_allclose(np.asarray(getattr(ours, f).numpy()),
                                   getattr(theirs, f).numpy(), rtol=1e-5, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_reduction_return_types_match_torch(name, fn):
    ours, theirs = fn(pl, pl.tensor(A)), fn(torch, torch.tensor(A))
    _check_same(ours, theirs, name)
    # Integer-valued results print identically; the repr is torch's, field per line.
    if name not in ("histogram",):
        assert repr(ours) == repr(theirs)
        assert str(ours) == str(theirs)


@needs_torch
@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@pytest.mark.parametrize("name,fn", LINALG, ids=[c[0] for c in LINALG])
def test_linalg_return_types(name, fn):
    ours, theirs = fn(pl, pl.tensor(SQ)), fn(torch, torch.tensor(SQ))
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    assert repr(ours).split("\n")[0] == repr(theirs).split("\n")[0]
    assert [line.split("=")[0] for line in repr(ours).split("\n")[1:]] == \
        [line.split("=")[0] for line in repr(theirs).split("\n")[1:]]


@needs_torch
def test_max_repr_exact():
    r = pl.tensor([1.0, 2.0]).max(0)
    assert repr(r) == repr(torch.tensor([1.0, 2.0]).max(0))
    assert repr(r) == "torch.return_types.max(\nvalues=tensor(2.),\nindices=tensor(1))"


def test_tuple_behaviour():
    r = pl.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
    values, indices = r
    assert r[0] is values and r.values is values and r[1] is indices
    assert r[-1] is r.indices
    assert isinstance(r, tuple) and len(r) == 2
    assert r == (values, indices)
    assert type(r) is pl.return_types.max
    assert type(r).__module__ == "pytorch_like.return_types"
    assert pl.return_types.max in pl.return_types.all_return_types
    assert indices.tolist() == [1, 0]
    back = pickle.loads(pickle.dumps(pl.return_types.sort(1, 2)))
    assert type(back) is pl.return_types.sort and back.indices == 2


def test_pytree_and_compile():
    r = pl.tensor([3.0, 1.0, 2.0]).sort()
    leaves, tree = jax.tree_util.tree_flatten(r)
    assert len(leaves) == 2
    assert type(jax.tree_util.tree_unflatten(tree, leaves)) is pl.return_types.sort

    @pl.compile
    def f(x):
        return x.max(1), pl.sort(x, 0), x.topk(1)

    x = pl.tensor(A)
    m, s, t = f(x)
    assert type(m) is pl.return_types.max and type(s) is pl.return_types.sort
    assert type(t) is pl.return_types.topk
    assert m.indices.tolist() == [0, 1] and m.values.tolist() == [3.0, 4.0]
    assert s.values.tolist() == np.sort(A, 0).tolist()


def test_gradient_through_values():
    x = pl.tensor(A, requires_grad=True)
    x.max(1).values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


# -- unique_consecutive ---------------------------------------------------------------

UC = [
    (np.array([1, 1, 2, 2, 3, 1, 1, 2]), {}),
    (np.array([1, 1, 2, 2, 3, 1, 1, 2]), {"return_inverse": True, "return_counts": True}),
    (np.array([[1, 1], [2, 2], [2, 3]]), {"return_inverse": True}),
    (np.array([[1, 3], [1, 3], [2, 3]]), {"dim": 0, "return_inverse": True,
                                          "return_counts": True}),
    (np.array([[1, 2, 2], [1, 2, 2]]), {"dim": 1, "return_counts": True}),
    (np.array([[1, 2, 2], [1, 2, 3]]), {"dim": -1, "return_inverse": True}),
    (np.array([], np.int64), {"return_inverse": True, "return_counts": True}),
    (np.array(5), {"return_inverse": True, "return_counts": True}),
    (np.array([1.0, 1.0, np.nan, np.nan, 2.0], np.float32), {"return_counts": True}),
]


@needs_torch
@pytest.mark.parametrize("arr,kw", UC)
def test_unique_consecutive_matches_torch(arr, kw):
    ours = pl.unique_consecutive(pl.tensor(arr), **kw)
    theirs = torch.unique_consecutive(torch.tensor(arr), **kw)
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype) == str(t.dtype)
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    # The method is the same function.
    meth = pl.tensor(arr).unique_consecutive(**kw)
    meth = meth if isinstance(meth, tuple) else (meth,)
    for a, b in zip(meth, ours):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_unique_consecutive_refuses_tracing():
    @pl.compile
    def f(x):
        return pl.unique_consecutive(x)

    with pytest.raises(Exception, match="data-dependent"):
        f(pl.tensor([1, 1, 2]))


# -- torch._tensor_str.PRINT_OPTS -------------------------------------------------------

@needs_torch
def test_print_opts_reflect_set_printoptions():
    ours, theirs = pl._tensor_str.PRINT_OPTS, torch._tensor_str.PRINT_OPTS
    assert type(ours).__name__ == type(theirs).__name__
    fields = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")
    try:
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
        for lib in (pl, torch):
            lib.set_printoptions(precision=2, linewidth=60, sci_mode=True)
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
        for lib in (pl, torch):
            lib.set_printoptions(profile="full")
        assert ours.threshold == theirs.threshold
        for lib in (pl, torch):
            lib.set_printoptions(profile="default", sci_mode=None)
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
        # Assigning an attribute changes printing, as in torch.
        ours.precision = theirs.precision = 1
        assert repr(pl.tensor([1.2345])) == repr(torch.tensor([1.2345])) == "tensor([1.2])"
        with pl._tensor_str.printoptions(precision=3):
            assert repr(pl.tensor([1.2341])) == "tensor([1.234])"
        assert ours.precision == 1
    finally:
        for lib in (pl, torch):
            lib.set_printoptions(profile="default", sci_mode=None)
    assert pl._tensor_str.get_printoptions()["precision"] == 4
