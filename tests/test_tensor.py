"""Tensor creation, properties, conversions, interop, random factories, repr, grad_fn names."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pytorch_like as pl

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")


def same_as_torch(expr: str):
    """Evaluate ``expr`` with ``lib`` bound to pytorch_like and to torch; compare the reprs
    (or the exception class and message)."""
    def run(lib):
        try:
            return repr(eval(expr, {"lib": lib, "np": np}))
        except Exception as e:  # noqa: BLE001  (the exception itself is compared)
            return f"{type(e).__name__}: {e}"
    ours, theirs = run(pl), run(torch)
    assert ours == theirs, f"{expr}\n ours:  {ours}\n torch: {theirs}"


# -- creation ----------------------------------------------------------------------------
CREATION = [
    "lib.tensor([1, 2, 3])", "lib.tensor([[1., 2.], [3., 4.]])", "lib.tensor([1, 2.5])",
    "lib.tensor([True, False])", "lib.tensor(3)", "lib.tensor(2.5)", "lib.tensor([])",
    "lib.tensor([[1, 2], [3, 4.5]])", "lib.tensor(np.array([1, 2], dtype=np.uint8))",
    "lib.tensor(np.float32(2.5))", "lib.tensor(np.array([1.5]))", "lib.tensor([np.float64(1.)])",
    "lib.tensor([1, 2], dtype=lib.float32)", "lib.tensor([1.7, 2], dtype=lib.int64)",
    "lib.tensor([lib.tensor(1.), lib.tensor(2.)])", "lib.tensor([[1, 2], [3]])",
    "lib.tensor('a')", "lib.as_tensor([1, 2])", "lib.as_tensor(np.array([1., 2.]))",
    "lib.as_tensor([1, 2], dtype=lib.float32)", "lib.from_numpy(np.array([1, 2]))",
    "lib.from_numpy(np.array([1., 2.], dtype=np.float32))", "lib.from_numpy([1, 2])",
    "lib.zeros(2, 3)", "lib.zeros((2, 3))", "lib.zeros([2])", "lib.zeros(lib.Size([2, 2]))",
    "lib.zeros(())", "lib.zeros(0)", "lib.ones(2, dtype=lib.int64)", "lib.ones(2, 1).dtype",
    "lib.empty(2, 3).shape", "lib.empty(2).dtype", "lib.full((2, 2), 3)", "lib.full((2,), 3.0)",
    "lib.full((2,), True)", "lib.full([2, 1], 1.5, dtype=lib.float64)",
    "lib.zeros_like(lib.tensor([1, 2]))", "lib.ones_like(lib.tensor([1., 2]), dtype=lib.int32)",
    "lib.full_like(lib.tensor([1, 2]), 2.7)", "lib.full_like(lib.tensor([1., 2]), 7)",
    "lib.empty_like(lib.tensor([1, 2])).shape", "lib.zeros(2, requires_grad=True)",
    "lib.zeros(-1)",
    "lib.arange(5)", "lib.arange(1, 4)", "lib.arange(1., 4)", "lib.arange(0, 10, 3)",
    "lib.arange(10, 0, -3)", "lib.arange(0, 5, 0.5)", "lib.arange(5, dtype=lib.float32)",
    "lib.arange(0.5, 2.5)", "lib.arange(1, 2.5, 0.5)", "lib.arange(-1, 1, 0.3)",
    "lib.arange(0, 1, 0.1)", "lib.arange(0, 1, 0.1).shape", "lib.arange(0, 0.9, 0.3)",
    "lib.arange(1e-3, 1e-2, 1e-3).shape", "lib.arange(lib.tensor(5))",
    "lib.arange(3, dtype=lib.int32)", "lib.arange(0, 1, 0)",
    "lib.linspace(0, 1, 5)", "lib.linspace(0, 1, 1)", "lib.linspace(-1, 1, 4, dtype=lib.float64)",
    "lib.linspace(0, 10, 6, dtype=lib.int64)", "lib.linspace(0, 1, 0)",
    "lib.eye(3)", "lib.eye(2, 3)", "lib.eye(2, dtype=lib.int64)", "lib.scalar_tensor(3)",
    "lib.Tensor([1, 2])", "lib.Tensor(2, 3).shape",
]


@needs_torch
@pytest.mark.parametrize("expr", CREATION)
def test_creation_matches_torch(expr):
    same_as_torch(expr)


def test_from_numpy_and_tensor_copy():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = pl.tensor(a)
    a[0] = 5.0
    assert t.tolist() == [1.0, 2.0]  # torch.tensor copies
    u = pl.tensor(t)
    assert u is not t and u.tolist() == [1.0, 2.0]
    assert pl.as_tensor(t) is t  # as_tensor returns the same tensor when nothing changes


# -- properties and conversions ----------------------------------------------------------
PROPS = [
    "lib.tensor([1.5]).device", "str(lib.tensor([1.5]).device)", "lib.tensor([1.]).is_cuda",
    "lib.tensor([[1.]]).ndim", "lib.tensor([[1.]]).dim()", "lib.tensor([[1., 2]]).numel()",
    "lib.tensor([[1., 2]]).size()", "lib.tensor([[1., 2]]).size(1)",
    "lib.tensor([[1., 2]]).size(-1)", "lib.tensor([[1., 2]]).size(2)",
    "lib.tensor([[1., 2]]).shape", "lib.tensor([1.]).requires_grad", "lib.tensor([1.]).is_leaf",
    "lib.tensor([1.]).grad_fn", "lib.tensor([1.]).grad", "lib.tensor([1.]).dtype",
    "lib.tensor([1], requires_grad=True)", "lib.tensor([True], requires_grad=True)",
    "lib.tensor([1.], requires_grad=True).long().requires_grad",
    "lib.tensor([1.], requires_grad=True).double().requires_grad",
    "lib.tensor([1.], requires_grad=True).double().is_leaf",
    "lib.tensor([1.], requires_grad=True).is_leaf", "(lib.tensor([1.], requires_grad=True)*2)"
    ".is_leaf", "len(lib.zeros(3, 2))", "len(lib.tensor(1.))", "int(lib.tensor(2.7))",
    "float(lib.tensor(2))", "bool(lib.tensor([0.]))", "bool(lib.tensor([1., 2.]))",
    "lib.tensor([1, 2]).element_size()", "lib.zeros(2, 3).stride()", "list(lib.tensor([1, 2]))",
    "lib.tensor(5)[None].tolist()", "f'{lib.tensor(2.5):.2f}'",
    "lib.tensor([1., 2.]).new_zeros(2)", "lib.tensor([1, 2]).new_tensor([1.5])",
    "lib.tensor([1., 2.]).new_full((2,), 3)", "lib.tensor([1., 2.]).new_ones((1, 2))",
    "lib.is_tensor(lib.zeros(1))", "lib.numel(lib.zeros(2, 2))", "lib.zeros(2).is_floating_point()",
    "lib.tensor(3).item()", "lib.tensor(3.5).item()", "lib.tensor([True]).item()",
    "lib.tensor([1, 2]).item()", "lib.tensor([[1, 2]]).tolist()", "lib.tensor([1.5]).tolist()",
    "lib.tensor(2.5).tolist()", "lib.tensor([1., 2]).numpy()", "lib.tensor([1, 2]).numpy()",
    "lib.tensor([1., 2], requires_grad=True).numpy()",
    "lib.tensor([1., 2], requires_grad=True).detach().numpy()",
    "np.asarray(lib.tensor([1., 2]))", "np.asarray(lib.tensor([1, 2]))",
    "np.asarray(lib.tensor([True]))", "lib.tensor([1, 2]).float()",
    "lib.tensor([1.7, -2.7]).long()",
    "lib.tensor([1.7, -2.7]).int()", "lib.tensor([1.5, 0]).bool()", "lib.tensor([1.5]).half()",
    "lib.tensor([1.5]).double()", "lib.tensor([1.5]).bfloat16()",
    "lib.tensor([1.5]).type(lib.float64)",
    "lib.tensor([1.5]).type()", "lib.tensor([1]).type()", "lib.tensor([True]).type()",
    "lib.tensor([1.5]).type('torch.DoubleTensor')", "lib.tensor([1.5]).to(lib.int64)",
    "lib.tensor([1.5]).to('cpu')", "lib.tensor([1.5]).to('cpu', lib.float64)",
    "lib.tensor([1.5]).to(device='cpu', dtype=lib.float16)",
    "lib.tensor([1.5]).to(lib.tensor([1]))",
    "lib.tensor([1.5]).to(lib.device('cpu'))", "lib.tensor([1.5]).cpu()",
    "lib.tensor([1.5]).cuda()", "lib.zeros(1, device='cuda')", "lib.device('cuda', 0)",
    "lib.device('cpu')", "lib.device('cuda:1')", "lib.tensor([1.], requires_grad=True).to("
    "lib.float64)", "lib.tensor([1.], requires_grad=True).float()",
]


@needs_torch
@pytest.mark.parametrize("expr", PROPS)
def test_properties_and_conversions_match_torch(expr):
    if "cuda" in expr and jax.default_backend() == "gpu":
        pytest.skip("a GPU is present: .cuda() works instead of raising")
    same_as_torch(expr)


def test_conversion_returns_self_when_nothing_changes():
    t = pl.tensor([1.0, 2.0])
    assert t.float() is t and t.to(pl.float32) is t and t.cpu() is t and t.to("cpu") is t


def test_conversions_keep_autograd():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype is pl.float64 and y.requires_grad and not y.is_leaf
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.dtype is pl.float32


def test_numpy_and_array_interop():
    t = pl.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    assert np.asarray(pl.tensor([1, 2])).dtype == np.int64  # torch's int64, not the storage
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(np.array(t) + 1, [[2, 3], [4, 5]])
    assert isinstance(t + np.float32(1), pl.Tensor)
    assert isinstance(np.float32(2) * t, pl.Tensor)
    r = np.ones(2, np.float32) + pl.tensor([1.0, 2.0])  # numpy defers to the tensor
    assert isinstance(r, pl.Tensor) and r.tolist() == [2.0, 3.0]


def test_jax_interop():
    t = pl.tensor([1.0, 2.0])
    j = jnp.asarray(t)
    assert isinstance(j, jax.Array) and j.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(jnp.array(t)), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(jnp.stack([t, t])), [[1.0, 2.0], [1.0, 2.0]])
    np.testing.assert_allclose(np.asarray(jnp.sin(jnp.asarray(t))), np.sin([1.0, 2.0]),
                               rtol=1e-6)
    back = pl.tensor(jnp.arange(3))
    assert back.dtype is pl.int64 and back.tolist() == [0, 1, 2]
    assert pl.tensor(jnp.ones(2)).dtype is pl.float32


def test_item_and_scalars():
    assert isinstance(pl.tensor(3).item(), int) and isinstance(pl.tensor(3.0).item(), float)
    assert isinstance(pl.tensor(True).item(), bool)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to "
                                           "Scalar"):
        pl.tensor([1, 2]).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is "
                                           "ambiguous"):
        bool(pl.tensor([1, 2]))
    assert [1, 2, 3][pl.tensor(1)] == 2  # __index__
    with pytest.raises(TypeError, match="only integer tensors of a single element can be "
                                        "converted to an index"):
        [1, 2][pl.tensor(1.0)]


# -- random ------------------------------------------------------------------------------
RANDOM = {
    "rand": lambda: pl.rand(2, 3),
    "randn": lambda: pl.randn(2, 3),
    "randint": lambda: pl.randint(0, 10, (2, 3)),
    "randperm": lambda: pl.randperm(20),
    "normal": lambda: pl.normal(0.0, 1.0, (2, 3)),
    "normal_tensor": lambda: pl.normal(pl.zeros(2, 3), 1.0),
    "bernoulli": lambda: pl.bernoulli(pl.full((2, 30), 0.5)),
    "rand_like": lambda: pl.rand_like(pl.zeros(2, 3)),
    "randn_like": lambda: pl.randn_like(pl.zeros(2, 3)),
}


@pytest.mark.parametrize("name", list(RANDOM))
def test_random_seeded(name):
    make = RANDOM[name]
    pl.manual_seed(123)
    a = make()
    b = make()
    pl.manual_seed(123)
    c = make()
    pl.manual_seed(124)
    d = make()
    assert pl.equal(a, c), "same seed must give the same values"
    assert not pl.equal(a, b), "successive draws must differ"
    assert not pl.equal(a, d), "different seeds must differ"


@needs_torch
def test_random_dtypes_and_shapes_match_torch():
    cases = [
        "lib.rand(2, 3)", "lib.rand((2, 3), dtype=lib.float64)", "lib.randn(4)",
        "lib.randn(2, dtype=lib.float16)", "lib.randint(0, 10, (3,))", "lib.randint(10, (3,))",
        "lib.randint(3, 5, (2, 2), dtype=lib.int32)", "lib.randint(0, 2, (2,), dtype=lib.float32)",
        "lib.randperm(5)", "lib.randperm(5, dtype=lib.int32)", "lib.normal(0., 1., (2, 3))",
        "lib.normal(lib.zeros(3), 1.)", "lib.normal(lib.zeros(3), lib.ones(3))",
        "lib.normal(lib.zeros(2, 1), lib.ones(3))", "lib.bernoulli(lib.full((3,), 0.5))",
        "lib.bernoulli(lib.full((3,), 0.5, dtype=lib.float64))", "lib.rand_like(lib.zeros(2))",
        "lib.randn_like(lib.zeros(2, dtype=lib.float64))", "lib.randint_like(lib.zeros(2), 5)",
        "lib.rand(2, requires_grad=True)", "lib.randn(())",
    ]
    for expr in cases:
        ours = eval(expr, {"lib": pl})
        theirs = eval(expr, {"lib": torch})
        assert str(ours.dtype) == str(theirs.dtype), expr
        assert tuple(ours.shape) == tuple(theirs.shape), expr
        assert ours.requires_grad == theirs.requires_grad, expr


def test_random_statistics():
    pl.manual_seed(0)
    u = pl.rand(20000)
    assert 0.0 <= u.min().item() and u.max().item() < 1.0
    assert abs(u.mean().item() - 0.5) < 0.02 and abs(u.var().item() - 1 / 12) < 0.01
    n = pl.randn(20000)
    assert abs(n.mean().item()) < 0.03 and abs(n.std().item() - 1) < 0.03
    r = pl.randint(3, 7, (20000,))
    assert r.min().item() == 3 and r.max().item() == 6
    assert abs(r.float().mean().item() - 4.5) < 0.05
    p = pl.randperm(50)
    assert sorted(p.tolist()) == list(range(50))
    g = pl.normal(2.0, 3.0, (20000,))
    assert abs(g.mean().item() - 2) < 0.1 and abs(g.std().item() - 3) < 0.1
    gm = pl.normal(pl.tensor([0.0, 100.0]), 0.001)
    assert abs(gm[1].item() - 100) < 0.1
    b = pl.bernoulli(pl.full((20000,), 0.3))
    assert set(np.unique(b.numpy()).tolist()) == {0.0, 1.0}
    assert abs(b.mean().item() - 0.3) < 0.02
    assert pl.bernoulli(pl.ones(5)).tolist() == [1.0] * 5
    assert pl.bernoulli(pl.zeros(5)).tolist() == [0.0] * 5


def test_generator_and_rng_state():
    g = pl.Generator().manual_seed(7)
    a = pl.randn(3, generator=g)
    g.manual_seed(7)
    assert pl.equal(a, pl.randn(3, generator=g))
    s = pl.get_rng_state()
    assert s.dtype is pl.uint8
    x1 = pl.rand(4)
    pl.set_rng_state(s)
    assert pl.equal(x1, pl.rand(4))
    pl.manual_seed(5)
    assert pl.initial_seed() == 5


# -- repr --------------------------------------------------------------------------------
REPRS = [
    "lib.tensor([1, 2, 3])", "lib.tensor([[1, 2], [3, 4]])", "lib.tensor([[1, -20], [300, 4]])",
    "lib.tensor([1., 2., 3.])", "lib.tensor([[1., 2.], [3., 4.]])",
    "lib.tensor([1.5, 2.25, -3.125])", "lib.tensor([0.1, 0.2, 0.3])",
    "lib.tensor([1.23456789, 100.5])", "lib.tensor([1e10, 1.0])", "lib.tensor([1e-5, 1.0])",
    "lib.tensor([1e-5, 2e-5])", "lib.tensor([123456.7, 1.5])", "lib.tensor([1e8, 2.0])",
    "lib.tensor([1e7, 2.0])", "lib.tensor([1000., 2.])", "lib.tensor([0.001, 1.0])",
    "lib.tensor([0.0001, 1.0])", "lib.tensor([-0.5, 0.0])", "lib.tensor([0.0, 0.0])",
    "lib.tensor([float('nan'), 1.0, float('inf')])",
    "lib.tensor([float('nan'), 1.5, float('-inf')])", "lib.tensor([True, False])",
    "lib.tensor([[True, False], [False, True]])", "lib.tensor(3.5)", "lib.tensor(3.)",
    "lib.tensor(7)", "lib.tensor(True)", "lib.tensor(1e-7)", "lib.tensor(float('nan'))",
    "lib.tensor(-float('inf'))", "lib.tensor([])", "lib.zeros(0, 3)",
    "lib.zeros(2, 0, dtype=lib.int64)", "lib.tensor([], dtype=lib.int32)", "lib.zeros(2, 0, 3)",
    "lib.zeros(0, dtype=lib.float64)", "lib.tensor([1., 2.], requires_grad=True)",
    "lib.tensor([[1., 2.], [3., 4.]], requires_grad=True) ** 2",
    "lib.tensor([1., 2.], requires_grad=True).sum()",
    "lib.tensor([1., 2.], requires_grad=True).mean()",
    "lib.tensor([1., 2.], requires_grad=True) * 2", "lib.tensor([1., 2.], requires_grad=True) + 2",
    "lib.tensor([1, 2], dtype=lib.int32)", "lib.tensor([1, 2], dtype=lib.int8)",
    "lib.tensor([1, 2], dtype=lib.uint8)", "lib.tensor([1, -2], dtype=lib.int16)",
    "lib.tensor([1.5, 2], dtype=lib.float64)", "lib.tensor([1.5, 2], dtype=lib.float16)",
    "lib.tensor([1.5, 2], dtype=lib.bfloat16)", "lib.tensor(2.5, dtype=lib.float64)",
    "lib.tensor([[[1., 2.], [3., 4.]], [[5., 6.], [7., 8.]]])", "lib.arange(12).reshape(3, 4)",
    "lib.arange(20.) / 3", "lib.arange(30.) / 7", "lib.arange(30)",
    "lib.arange(60.).reshape(3, 20) / 7", "lib.arange(24.).reshape(2, 3, 4) * 1e-6",
    "lib.arange(2000).reshape(40, 50)", "lib.arange(2000.)", "lib.arange(1001.)",
    "lib.arange(3000).reshape(10, 10, 30)", "lib.ones(3, 4) * 0.5",
    "lib.tensor([[0.1234, -5.5], [100.25, 3.0]])", "lib.tensor([1, 2, 3]).float() / 7",
    "lib.tensor([12345678., 1.])", "lib.tensor([0.5], requires_grad=True).double()",
    "lib.arange(12.).reshape(3, 4).double().requires_grad_()",
    "lib.arange(12.).reshape(3, 4).double().requires_grad_() * 2",
    "lib.arange(50.).double().requires_grad_() * 1.5",
    "lib.tensor([[1e-10, 1.0], [2.0, 3.0]], dtype=lib.float64)", "lib.full((2, 2), 7.0)",
]


@needs_torch
@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    same_as_torch(expr)
    ours = eval(expr, {"lib": pl})
    assert str(ours) == repr(ours)


def test_repr_slide_example():
    x = pl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert repr(x) == "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)"
    assert repr(x ** 2) == "tensor([[ 1.,  4.],\n        [ 9., 16.]], grad_fn=<PowBackward0>)"


# -- grad_fn names -----------------------------------------------------------------------
GRAD_FN_NAMES = [
    "x.sum()", "x.sum(0)", "x.sum(dim=(0, 1))", "x.mean()", "x.mean(1)", "x.prod()",
    "x.prod(0)", "x * 2", "x * x", "x + 1", "x + x", "x - 1", "x - x", "1 - x", "x / 2",
    "x / x", "x ** 2", "x ** x", "2 ** x", "-x", "x.abs()", "x.exp()", "x.log()", "x.sqrt()",
    "x.sin()", "x.tanh()", "x.sigmoid()", "x.relu()", "x.clamp(0, 1)", "x.clamp(min=0)",
    "lib.where(x > 0, x, x * 2)", "lib.maximum(x, x * 2)", "x.std()", "x.var(1)", "x.max()",
    "x.max(0)[0]", "x.min()", "x.min(1)[0]", "x.amax(0)", "x.logsumexp(1)", "x.softmax(1)",
    "x.log_softmax(1)", "x.cumsum(0)", "x.norm()", "x.norm(dim=1)", "x.reshape(-1)",
    "x.view(6, 2)", "x.unsqueeze(0)", "x.unsqueeze(0).squeeze()", "x.unsqueeze(1).squeeze(1)",
    "x.transpose(0, 1)", "x.t()", "x.permute(1, 0)", "x.expand(2, 3, 4)", "x.repeat(2, 1)",
    "lib.cat([x, x])", "lib.stack([x, x])", "x.split(1)[0]", "x[0]", "x[:, 1:]", "x[1:, 0]",
    "x[None]", "x[[0, 1]]", "x[x > 0]", "x.gather(1, lib.tensor([[0], [1], [2]]))",
    "x.index_select(0, lib.tensor([0]))", "x @ x.t()", "lib.mv(x, x[0])", "lib.dot(x[0], x[0])",
    "x.unsqueeze(0) @ x.t()", "lib.bmm(x.unsqueeze(0), x.t().unsqueeze(0))", "x.clone()",
    "x.double()", "x.masked_fill(x > 0, 0.)", "x.square()", "x.log1p()", "x.narrow(0, 0, 2)",
    "x.expand_as(x)", "1 / x", "2.5 / x", "lib.nn.functional.dropout(x, 0.5)",
    "lib.nn.functional.dropout1d(x.unsqueeze(0), 0.5)", "lib.nn.Dropout(0.2)(x)",
]


@needs_torch
def test_reverse_division_rounds_as_torch():
    # torch computes c / t as t.reciprocal() * c: the same bits here.
    xv = np.random.default_rng(0).standard_normal(20000).astype(np.float32)
    for c in (1, 3, 2.7, -0.1):
        np.testing.assert_array_equal((c / pl.tensor(xv)).numpy(),
                                      (c / torch.tensor(xv)).numpy())
    assert (1 / pl.tensor([2])).tolist() == (1 / torch.tensor([2])).tolist() == [0.5]


@needs_torch
def test_grad_fn_names_match_torch():
    xv = np.arange(1.0, 13.0).reshape(3, 4).astype(np.float32)
    bad = []
    for expr in GRAD_FN_NAMES:
        ours = eval(expr, {"lib": pl, "x": pl.tensor(xv, requires_grad=True)})
        theirs = eval(expr, {"lib": torch, "x": torch.tensor(xv, requires_grad=True)})
        if ours.grad_fn is None or ours.grad_fn.name() != theirs.grad_fn.name():
            bad.append((expr, ours.grad_fn and ours.grad_fn.name(), theirs.grad_fn.name()))
    assert not bad, bad


def test_grad_fn_repr():
    y = pl.tensor([1.0], requires_grad=True) * 2
    assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
    assert y.grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"


@needs_torch
def test_device_and_memory_predicates_match_torch():
    for lib in (pl, torch):
        t = lib.ones(2, 3)
        view = t[0]
        assert (t.is_mps, t.is_xpu, t.is_pinned(), t.is_shared()) == (False,) * 4
        assert t.share_memory_() is t and t.is_shared() and view.is_shared()
        assert t.detach().is_shared() and not lib.ones(2).is_shared()
        base = lib.ones(4)
        base.view(2, 2).share_memory_()  # a view shares its base's storage
        assert base.is_shared(), lib.__name__
