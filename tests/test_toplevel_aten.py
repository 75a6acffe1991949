"""Top-level names and Tensor methods filled in against torch: the ATen aliases of
nn.functional ops, plain tensor functions, the *_copy view variants, LU helpers, resize_."""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check, same_error

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")
# torch warns that torch.lu*, nuclear_norm and index_reduce are deprecated or beta.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
rng = np.random.default_rng(0)


def f32(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


class Fixed:
    """An argument passed as a tensor that does not require grad (targets, indices)."""

    def __init__(self, value):
        self.value = value


def _lib_args(lib, args):
    return tuple(lib.tensor(a.value) if isinstance(a, Fixed) else a for a in args)


def both(name):
    return lambda *a, **k: getattr(pl, name)(*a, **k), lambda *a, **k: getattr(torch, name)(*a, **k)


# (name, inputs, extra positional args) for differentiable top-level ops checked by parity.
_DIFF = [
    ("conv1d", (f32(2, 3, 7), f32(4, 3, 3), f32(4)), (2, 1)),
    ("conv2d", (f32(1, 2, 5, 5), f32(3, 2, 3, 3), f32(3)), (1, 1, 1)),
    ("conv3d", (f32(1, 2, 4, 4, 4), f32(2, 2, 2, 2, 2)), ()),
    ("conv_transpose1d", (f32(1, 2, 5), f32(2, 3, 3), f32(3)), (2, 1, 1)),
    ("conv_transpose2d", (f32(1, 2, 3, 3), f32(2, 1, 2, 2)), ()),
    ("conv_transpose3d", (f32(1, 2, 2, 2, 2), f32(2, 1, 2, 2, 2)), ()),
    ("layer_norm", (f32(3, 4), ), ([4],)),
    ("group_norm", (f32(2, 4, 3),), (2,)),
    ("rms_norm", (f32(3, 4),), ([4],)),
    ("max_pool1d", (f32(2, 3, 8),), (2,)),
    ("max_pool2d", (f32(1, 2, 4, 4),), (2, 1)),
    ("max_pool3d", (f32(1, 2, 4, 4, 4),), (2,)),
    ("avg_pool1d", (f32(2, 3, 8),), (3, 2, 1)),
    ("adaptive_avg_pool1d", (f32(2, 3, 8),), (3,)),
    ("adaptive_max_pool1d", (f32(2, 3, 8),), (3,)),
    ("pixel_shuffle", (f32(1, 8, 2, 2),), (2,)),
    ("pixel_unshuffle", (f32(1, 2, 4, 4),), (2,)),
    ("channel_shuffle", (f32(1, 6, 2),), (3,)),
    ("prelu", (f32(2, 3, 4), f32(3)), ()),
    ("selu", (f32(5),), ()),
    ("celu", (f32(5),), (0.7,)),
    ("threshold", (f32(6),), (0.3, -1.0)),
    ("hardshrink", (f32(6),), (0.6,)),
    ("bilinear", (f32(3, 2), f32(3, 4), f32(5, 2, 4), f32(5)), ()),
    ("kl_div", (f32(6), f32(6, lo=0.1, hi=1.0)), (2,)),
    ("binary_cross_entropy_with_logits", (f32(6), f32(6, lo=0, hi=1)),
     (Fixed(f32(6, lo=0, hi=1)), Fixed(f32(6, lo=0, hi=2)), 1)),
    ("binary_cross_entropy_with_logits", (f32(6), f32(6, lo=0, hi=1)), ()),
    ("cosine_embedding_loss", (f32(4, 3), f32(4, 3)),
     (Fixed(np.array([1., -1, 1, -1], np.float32)), 0.2)),
    ("hinge_embedding_loss", (f32(6),), (Fixed(np.array([1., -1, 1, -1, 1, -1], np.float32)),
                                         0.5, 2)),
    ("margin_ranking_loss", (f32(5), f32(5)), (Fixed(np.array([1., -1, 1, -1, 1], np.float32)),
                                               0.1)),
    ("kl_div", (f32(6), f32(6, lo=0.1, hi=1.0)), ()),
    ("triplet_margin_loss", (f32(4, 3), f32(4, 3), f32(4, 3)), ()),
    ("poisson_nll_loss", (f32(6), f32(6, lo=0, hi=3)), (True, True, 1e-8, 1)),
    ("triplet_margin_loss", (f32(4, 3), f32(4, 3), f32(4, 3)), (1.0, 2.0, 1e-6, True, 0)),
    ("pdist", (f32(4, 3),), ()),
    ("dist", (f32(3, 4), f32(4)), (3,)),
    ("addr", (f32(3, 4), f32(3), f32(4)), ()),
    ("addbmm", (f32(2, 4), f32(3, 2, 5), f32(3, 5, 4)), ()),
    ("ger", (f32(3), f32(4)), ()),
    ("adjoint", (f32(2, 3, 4),), ()),
    ("atleast_3d", (f32(4),), ()),
    ("diagonal_scatter", (f32(3, 4), f32(3)), (1,)),
    ("select_scatter", (f32(3, 4), f32(3)), (1, 2)),
    ("slice_scatter", (f32(6, 3), f32(2, 3)), (0, 1, 5, 2)),
    ("nuclear_norm", (f32(3, 3),), ()),
    ("frobenius_norm", (f32(2, 3, 4),), ((1, 2), True)),
    ("view_copy", (f32(2, 6),), ((3, 4),)),
    ("permute_copy", (f32(2, 3, 4),), ((2, 0, 1),)),
    ("transpose_copy", (f32(2, 3),), (0, 1)),
    ("t_copy", (f32(2, 3),), ()),
    ("squeeze_copy", (f32(2, 1, 3),), (1,)),
    ("unsqueeze_copy", (f32(2, 3),), (1,)),
    ("expand_copy", (f32(1, 3),), ((4, 3),)),
    ("diagonal_copy", (f32(3, 4),), (1,)),
    ("select_copy", (f32(3, 4),), (1, 2)),
    ("slice_copy", (f32(6, 3),), (0, 1, 5, 2)),
    ("split_copy", (f32(5, 2),), (2,)),
    ("split_with_sizes_copy", (f32(5, 2),), ([2, 3],)),
    ("unbind_copy", (f32(3, 2),), (1,)),
    ("unfold_copy", (f32(7),), (0, 3, 2)),
    ("alias_copy", (f32(3),), ()),
    ("constant_pad_nd", (f32(2, 3),), ([1, 2, 0, 1], 0.5)),
    ("max_pool1d_with_indices", (f32(2, 3, 8),), (3, 2, 1)),
    ("unsafe_chunk", (f32(5, 2),), (2,)),
    ("unsafe_split", (f32(5, 2),), (2,)),
    ("unsafe_split_with_sizes", (f32(5, 2),), ([1, 4],)),
    ("row_stack", None, ()),
]


@pytest.mark.parametrize("name,inputs,args", _DIFF,
                         ids=[f"{d[0]}-{k}" for k, d in enumerate(_DIFF)])
def test_differentiable_aliases(name, inputs, args):
    ours, theirs = both(name)
    if name == "row_stack":
        a, b = f32(3), f32(2, 3)
        check(lambda x, y: pl.row_stack([x, y]),
              (lambda x, y: torch.row_stack([x, y])) if torch else None, a, b)
        return
    check(lambda *t: ours(*t, *_lib_args(pl, args)),
          (lambda *t: theirs(*t, *_lib_args(torch, args))) if torch else None,
          *inputs, atol=1e-4)


@needs_torch
def test_aten_argument_orders():
    x, w, b = f32(4, 3), f32(3), f32(3)
    rm, rv = f32(3), f32(3, lo=0.5, hi=2)
    ours = pl.batch_norm(pl.tensor(x), pl.tensor(w), pl.tensor(b), pl.tensor(rm),
                         pl.tensor(rv), False, 0.1, 1e-5, False)
    theirs = torch.batch_norm(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                              torch.tensor(rm), torch.tensor(rv), False, 0.1, 1e-5, False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)
    xi = f32(2, 3, 5)
    ours = pl.instance_norm(pl.tensor(xi), pl.tensor(w), pl.tensor(b), None, None, True, 0.1,
                            1e-5, False)
    theirs = torch.instance_norm(torch.tensor(xi), torch.tensor(w), torch.tensor(b), None,
                                 None, True, 0.1, 1e-5, False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)
    wt, idx = f32(5, 3), np.array([[0, 4], [2, 2]])
    for pad in (-1, 2):
        o = pl.embedding(pl.tensor(wt), pl.tensor(idx), pad)
        t = torch.embedding(torch.tensor(wt), torch.tensor(idx), pad)
        np.testing.assert_allclose(o.numpy(), t.numpy())
    lp = np.log(rng.dirichlet(np.ones(4), (6, 2))).astype(np.float32)
    tg = np.array([[1, 2], [3, 3]])
    o = pl.ctc_loss(pl.tensor(lp), pl.tensor(tg), [6, 5], [2, 2], 0, 2, False)
    t = torch.ctc_loss(torch.tensor(lp), torch.tensor(tg), [6, 5], [2, 2], 0, 2, False)
    np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-4)
    v, i = pl.adaptive_max_pool1d(pl.tensor(f32(1, 2, 6)), 2)
    assert i.dtype == pl.int64
    # dropout & co. with train=False are the identity; p=0 in training too.
    xd = f32(2, 3, 4)
    for name in ("dropout", "alpha_dropout", "feature_alpha_dropout"):
        np.testing.assert_array_equal(getattr(pl, name)(pl.tensor(xd), 0.5, False).numpy(), xd)
        t = pl.tensor(xd)
        assert getattr(pl, name + "_")(t, 0.0, True) is t
        np.testing.assert_allclose(t.numpy(), xd)
    y = pl.dropout(pl.ones(1000), 0.5, True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    with pytest.raises(TypeError):  # p and train have no defaults, as in torch
        pl.dropout(pl.ones(2))


@needs_torch
@pytest.mark.parametrize("name,args", [("selu_", ()), ("celu_", (0.5,)),
                                       ("threshold_", (0.1, 9.0)), ("rrelu_", (0.2, 0.2))])
def test_inplace_activations(name, args):
    x = f32(6)
    a, b = pl.tensor(x), torch.tensor(x)
    v = a._version
    assert getattr(pl, name)(a, *args) is a
    getattr(torch, name)(b, *args)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    assert a._version > v
    same_error(lambda: getattr(pl, name)(pl.ones(2, requires_grad=True), *args),
               lambda: getattr(torch, name)(torch.ones(2, requires_grad=True), *args))


@needs_torch
def test_rrelu_and_fill_and_gradient():
    x = f32(8)
    np.testing.assert_allclose(pl.rrelu(pl.tensor(x)).numpy(),
                               torch.rrelu(torch.tensor(x)).numpy(), atol=1e-6)
    y = pl.rrelu(pl.tensor(-np.ones(100, np.float32)), 0.1, 0.3, True).numpy()
    assert ((y >= -0.3) & (y <= -0.1)).all()
    for v in (3, 2.5, True):
        for dt in ("float32", "int64"):
            o = pl.fill(pl.zeros(2, 3, dtype=getattr(pl, dt)), v)
            t = torch.fill(torch.zeros(2, 3, dtype=getattr(torch, dt)), v)
            assert str(o.dtype) == str(t.dtype)
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    check(lambda a, v: pl.fill(a, v), lambda a, v: torch.fill(a, v), f32(2, 3),
          np.array(1.5, np.float32))
    same_error(lambda: pl.fill(pl.zeros(2), pl.ones(2)),
               lambda: torch.fill(torch.zeros(2), torch.ones(2)))
    g = f32(5, 4)
    for kw in ({}, {"spacing": 2.0}, {"dim": 1}, {"spacing": [0.5, 2.0]},
               {"edge_order": 2}, {"dim": [0], "spacing": [3.0], "edge_order": 2}):
        check(lambda a, kw=kw: pl.gradient(a, **kw), lambda a, kw=kw: torch.gradient(a, **kw), g,
              atol=1e-4)
    o = pl.gradient(pl.tensor([1, 4, 9, 16]))
    t = torch.gradient(torch.tensor([1, 4, 9, 16]))
    assert str(o[0].dtype) == str(t[0].dtype)
    np.testing.assert_allclose(o[0].numpy(), t[0].numpy())


@needs_torch
def test_predicates_typename_detach():
    assert pl.is_inference(pl.ones(1)) is torch.is_inference(torch.ones(1))
    for o, t in [(pl.zeros(1), torch.zeros(1)), (pl.zeros(1, dtype=pl.int64),
                                                 torch.zeros(1, dtype=torch.int64)),
                 (3, 3), ("s", "s"), (np.float32(1), np.float32(1))]:
        assert pl.typename(o) == torch.typename(t)
    a = pl.ones(2, requires_grad=True) * 2
    assert not pl.detach(a).requires_grad
    assert pl.detach_(a) is a and not a.requires_grad
    d = pl.detach_copy(pl.ones(2, requires_grad=True))
    assert not d.requires_grad


@needs_torch
def test_copy_variants_are_copies_and_complex():
    x = pl.arange(6.0).view(2, 3)
    y = pl.view_copy(x, 3, 2)
    y.add_(1)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    c = f32(3, 2)
    o = pl.view_as_complex_copy(pl.tensor(c))
    t = torch.view_as_complex_copy(torch.tensor(c))
    np.testing.assert_allclose(o.numpy(), t.numpy())
    np.testing.assert_allclose(pl.view_as_real_copy(o).numpy(),
                               torch.view_as_real_copy(t).numpy())
    z = (f32(2, 3) + 1j * f32(2, 3)).astype(np.complex64)
    np.testing.assert_allclose(pl.adjoint(pl.tensor(z)).numpy(),
                               torch.adjoint(torch.tensor(z)).resolve_conj().numpy())
    same_error(lambda: pl.split_with_sizes_copy(pl.ones(5), [2, 2]),
               lambda: torch.split_with_sizes_copy(torch.ones(5), [2, 2]))


@needs_torch
def test_norms_dist_errors():
    same_error(lambda: pl.adjoint(pl.ones(3)), lambda: torch.adjoint(torch.ones(3)))
    # 0-D: torch warns (deprecated) and returns the conjugated scalar.
    for v in (2.0, 1 + 2j):
        with pytest.warns(UserWarning, match=r"adjoint\(\) is deprecated on 0-D tensors"):
            got = pl.adjoint(pl.tensor(v))
        with warnings.catch_warnings():  # torch warns once per process
            warnings.simplefilter("ignore")
            want = torch.adjoint(torch.tensor(v)).resolve_conj()
        assert got.item() == want.item() and got.dtype == pl.tensor(v).dtype
    for s1, s2 in (((2, 2), (2, 2, 2)), ((2, 2, 2), (3, 2, 2))):
        same_error(lambda s1=s1, s2=s2: pl.addbmm(pl.ones(2, 2), pl.ones(*s1), pl.ones(*s2)),
                   lambda s1=s1, s2=s2: torch.addbmm(torch.ones(2, 2), torch.ones(*s1),
                                                     torch.ones(*s2)))
    same_error(lambda: pl.addr(pl.ones(2, 2), pl.ones(2, 2), pl.ones(2)),
               lambda: torch.addr(torch.ones(2, 2), torch.ones(2, 2), torch.ones(2)))
    same_error(lambda: pl.index_reduce(pl.ones(2), 0, pl.tensor([0]), pl.ones(1), "sum"),
               lambda: torch.index_reduce(torch.ones(2), 0, torch.tensor([0]), torch.ones(1),
                                          "sum"))
    same_error(lambda: pl.select_scatter(pl.ones(3, 4), pl.ones(4), 1, 0),
               lambda: torch.select_scatter(torch.ones(3, 4), torch.ones(4), 1, 0))
    x = f32(3, 3)
    for shape, args in (((2, 3, 4), ()), ((2, 3, 4), ((0, 2),)), ((2, 3, 4), ((0, 1), True))):
        a = f32(*shape)
        check(lambda t, args=args: pl.nuclear_norm(t, *args),
              lambda t, args=args: torch.nuclear_norm(t, *args), a,
              atol=1e-4)
    np.testing.assert_allclose(pl.nuclear_norm(pl.tensor(x), True).numpy(),
                               torch.nuclear_norm(torch.tensor(x), True).numpy(), rtol=1e-5)
    # beta=0 ignores NaN in input, as in torch.
    nan = np.full((2, 2), np.nan, np.float32)
    o = pl.addr(pl.tensor(nan), pl.ones(2), pl.ones(2), beta=0, alpha=2)
    t = torch.addr(torch.tensor(nan), torch.ones(2), torch.ones(2), beta=0, alpha=2)
    np.testing.assert_array_equal(o.numpy(), t.numpy())
    check(lambda a, b, c: pl.addr(a, b, c, beta=0.5, alpha=-2),
          lambda a, b, c: torch.addr(a, b, c, beta=0.5, alpha=-2), f32(3, 2), f32(3), f32(2))


@needs_torch
def test_lu_family():
    a = f32(2, 4, 4)
    LU, piv = pl.lu(pl.tensor(a))
    tLU, tpiv = torch.lu(torch.tensor(a))
    np.testing.assert_allclose(LU.numpy(), tLU.numpy(), atol=1e-5)
    np.testing.assert_array_equal(piv.numpy(), tpiv.numpy())
    P, L, U = pl.lu_unpack(LU, piv)
    tP, tL, tU = torch.lu_unpack(tLU, tpiv)
    for o, t in ((P, tP), (L, tL), (U, tU)):
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-5)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-5)
    for shape in ((3, 5), (5, 3)):
        r = f32(*shape)
        o = pl.lu_unpack(*pl.linalg.lu_factor(pl.tensor(r)))
        t = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(r)))
        for x, y in zip(o, t):
            np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-5)
    assert len(pl.lu(pl.tensor(a), get_infos=True)) == 3
    b = f32(2, 4, 2)
    np.testing.assert_allclose(pl.lu_solve(pl.tensor(b), LU, piv).numpy(),
                               torch.lu_solve(torch.tensor(b), tLU, tpiv).numpy(), atol=1e-4)
    np.testing.assert_allclose(pl.tensor(b).lu_solve(*pl.tensor(a).lu()).numpy(),
                               np.linalg.solve(a, b), atol=1e-4)


@needs_torch
def test_factories():
    for o, t in [(pl.empty_strided((2, 3), (3, 1), dtype=pl.float64),
                  torch.empty_strided((2, 3), (3, 1), dtype=torch.float64)),
                 (pl.empty_permuted((2, 3, 4), (0, 2, 1)),
                  torch.empty_permuted((2, 3, 4), (0, 2, 1))),
                 (pl.ones(1, dtype=pl.int32).new_empty_strided((4,), (1,)),
                  torch.ones(1, dtype=torch.int32).new_empty_strided((4,), (1,)))]:
        assert tuple(o.shape) == tuple(t.shape) and str(o.dtype) == str(t.dtype)


@needs_torch
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    x, src, idx = f32(4, 3), f32(4, 5), np.array([0, 2, 0, 3, 2])
    check(lambda a, s: pl.index_reduce(a, 0, pl.tensor(idx[:4]), s[:, :3], reduce,
                                       include_self=include_self),
          lambda a, s: a.index_reduce(0, torch.tensor(idx[:4]), s[:, :3], reduce,
                                      include_self=include_self),
          x, src, grad=reduce != "prod")
    a, b = pl.tensor(x), torch.tensor(x)
    a.index_reduce_(1, pl.tensor([2, 0, 2, 1, 1]), pl.tensor(src), reduce,
                    include_self=include_self)
    b.index_reduce_(1, torch.tensor([2, 0, 2, 1, 1]), torch.tensor(src), reduce,
                    include_self=include_self)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)


@needs_torch
def test_tensor_methods():
    x, v1, v2 = f32(3, 4), f32(3), f32(4)
    for name, args in [("addr", (v1, v2)), ("dist", (f32(4),)), ("adjoint", ()),
                       ("hardshrink", (0.3,)), ("diagonal_scatter", (f32(3),)),
                       ("select_scatter", (f32(4), 0, 1)), ("slice_scatter", (f32(2, 4), 0, 1)),
                       ("cfloat", ()), ("cdouble", ())]:
        o = getattr(pl.tensor(x), name)(*[pl.tensor(a) if isinstance(a, np.ndarray) else a
                                          for a in args])
        t = getattr(torch.tensor(x), name)(*[torch.tensor(a) if isinstance(a, np.ndarray)
                                             else a for a in args])
        assert str(o.dtype) == str(t.dtype), name
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-5, err_msg=name)
    np.testing.assert_allclose(pl.tensor(v1).ger(pl.tensor(v2)).numpy(), np.outer(v1, v2))
    np.testing.assert_allclose(pl.tensor(f32(2, 3)).prelu(pl.tensor([0.2])).numpy().shape,
                               (2, 3))
    b1, b2 = f32(2, 3, 5), f32(2, 5, 4)
    for name, args in [("addmm_", (f32(3, 5), f32(5, 4))), ("addmv_", (f32(3, 4), f32(4))),
                       ("baddbmm_", (b1, b2)), ("addr_", (v1, v2)), ("addbmm_", (b1, b2))]:
        base = f32(3, 4) if name != "addmv_" else f32(3)
        if name == "baddbmm_":
            base = f32(2, 3, 4)
        if name == "addbmm_":
            base = f32(3, 4)
        a, t = pl.tensor(base), torch.tensor(base)
        ver = a._version
        r = getattr(a, name)(*map(pl.tensor, args), beta=0.5, alpha=2)
        getattr(t, name)(*map(torch.tensor, args), beta=0.5, alpha=2)
        assert r is a and a._version > ver, name
        np.testing.assert_allclose(a.numpy(), t.numpy(), atol=1e-4, err_msg=name)


@needs_torch
@pytest.mark.parametrize("new", [(6,), (2, 2), (3, 3), (0,), (2, 5)])
def test_resize(new):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    a, t = pl.tensor(x), torch.tensor(x)
    ver = a._version
    assert a.resize_(*new) is a
    t.resize_(*new)
    assert tuple(a.shape) == tuple(t.shape) and a._version > ver
    n = min(6, int(np.prod(new)))
    np.testing.assert_array_equal(a.numpy().reshape(-1)[:n], t.numpy().reshape(-1)[:n])
    assert (a.numpy().reshape(-1)[n:] == 0).all()  # torch leaves these uninitialised
    b = pl.tensor(x)
    b.resize_as_(pl.ones(*new))
    assert tuple(b.shape) == new
    same_error(lambda: pl.ones(2, requires_grad=True).resize_(3),
               lambda: torch.ones(2, requires_grad=True).resize_(3))


@needs_torch
def test_small_extras():
    base, mat, vec = f32(3), f32(3, 4), f32(4)
    a, t = pl.tensor(base), torch.tensor(base)
    assert pl.addmv_(a, pl.tensor(mat), pl.tensor(vec), beta=2) is a
    torch.addmv_(t, torch.tensor(mat), torch.tensor(vec), beta=2)
    np.testing.assert_allclose(a.numpy(), t.numpy(), atol=1e-5)
    r = pl.resize_as_(pl.arange(6.0), pl.ones(2, 2))
    assert tuple(r.shape) == (2, 2) and r.numpy().ravel().tolist() == [0, 1, 2, 3]
    assert pl.get_device(pl.ones(1)) == torch.get_device(torch.ones(1))
    z = (f32(3) + 1j * f32(3)).astype(np.complex64)
    a, t = pl.tensor(z), torch.tensor(z)
    assert pl.conj_physical_(a) is a and a.conj_physical_() is a
    torch.conj_physical_(t)
    t.conj_physical_()
    np.testing.assert_allclose(a.numpy(), t.numpy())
    assert [tuple(c.shape) for c in pl.ones(5).unsafe_split(2)] == [
        tuple(c.shape) for c in torch.ones(5).unsafe_split(2)]


@needs_torch
@pytest.mark.parametrize("call", [
    lambda L: L.dist(L.tensor([1, 2]), L.tensor([3, 4])),
    lambda L: L.empty_strided((2, 3), (1,)),
    lambda L: L.empty_permuted((2, 3), (0, 0)),
    lambda L: L.empty_permuted((2, 3), (0,)),
    lambda L: L.diagonal_scatter(L.zeros(2, 2), L.ones(3)),
])
def test_error_messages(call):
    """The same call on either library (L) raises the same error."""
    same_error(lambda: call(pl), lambda: call(torch))


@needs_torch
@pytest.mark.parametrize("reduce", ["mean", "amax", "amin", "prod"])
def test_index_reduce_integer(reduce):
    for include_self in (True, False):
        args = (0, [0, 0, 2], [1, -2, 7], reduce)
        o = pl.index_reduce(pl.tensor([4, 5, 6]), args[0], pl.tensor(args[1]),
                            pl.tensor(args[2]), reduce, include_self=include_self)
        t = torch.index_reduce(torch.tensor([4, 5, 6]), args[0], torch.tensor(args[1]),
                               torch.tensor(args[2]), reduce, include_self=include_self)
        assert o.tolist() == t.tolist() and str(o.dtype) == str(t.dtype)
