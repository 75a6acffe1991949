"""Autograd: the slide, accumulation, backward options, grad modes, autograd.grad, hooks,
graph shapes (diamond, multi-output), and finite-difference checks of composite functions."""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import finite_difference

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")


def test_slide_verbatim():
    torch_ = pl  # the slide, as written for torch
    x = torch_.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = x ** 2
    y.retain_grad()
    z = y.sum()
    z.backward()
    assert torch_.equal(x.grad, 2 * x)
    assert torch_.equal(y.grad, torch_.ones_like(y))
    assert (x.grad == 2 * x).all()
    assert x.grad.tolist() == [[2.0, 4.0], [6.0, 8.0]]
    assert y.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert z.grad_fn.name() == "SumBackward0" and y.grad_fn.name() == "PowBackward0"
    assert x.is_leaf and not y.is_leaf and y.retains_grad
    assert x.grad.requires_grad is False and x.grad.grad_fn is None


def test_grad_accumulates_over_backward_calls():
    x = pl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 6.0, 8.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    x.grad.zero_()
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_nonleaf_grad_is_none_with_warning():
    x = pl.tensor([1.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert y.grad is None
    assert any("is not a leaf Tensor is being accessed" in str(m.message) for m in w)


def test_backward_with_gradient():
    x = pl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(pl.tensor([1.0, 0.5, -1.0]))
    assert x.grad.tolist() == [2.0, 2.0, -6.0]
    x2 = pl.tensor([[1.0, 2.0]], requires_grad=True)
    (x2 * 3).backward(gradient=pl.ones(1, 2))
    assert x2.grad.tolist() == [[3.0, 3.0]]
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[2\]\) and output\[0\] has a shape of "
                                           r"torch.Size\(\[3\]\)."):
        (x * 2).backward(pl.ones(2))


def test_scalar_backward_of_one_element_tensor():
    x = pl.tensor([2.0], requires_grad=True)
    (x * 3).backward()  # one element: implicit gradient allowed, as in torch
    assert x.grad.tolist() == [3.0]


def test_retain_graph_allows_second_backward():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    z = (x.exp() * x).sum()
    z.backward(retain_graph=True)
    g1 = x.grad.clone()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z.backward()


def test_detach_and_requires_grad_():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    y = x * d  # d is a constant
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    w = pl.tensor([1.0, 2.0])
    assert w.requires_grad_() is w and w.requires_grad
    w.requires_grad_(False)
    assert not w.requires_grad
    w.requires_grad = True
    assert w.requires_grad
    nl = x * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf "
                                           "variables."):
        nl.requires_grad_(False)
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require "
                                           "gradients$"):
        pl.tensor([1, 2]).requires_grad_()  # torch's words for requires_grad_()
    with pytest.raises(RuntimeError, match="^only Tensors of floating point and complex dtype "
                                           "can require gradients$"):
        pl.tensor([1, 2]).requires_grad = True
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype "
                                           "can require gradients$"):
        pl.tensor([1, 2], requires_grad=True)


def test_no_grad_context_and_decorator():
    x = pl.tensor([1.0], requires_grad=True)
    with pl.no_grad():
        y = x * 2
        assert not pl.is_grad_enabled()
        with pl.enable_grad():
            assert pl.is_grad_enabled()
            z = x * 2
        with pl.no_grad():  # nested
            assert not pl.is_grad_enabled()
        assert not pl.is_grad_enabled()
    assert pl.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @pl.no_grad()
    def f(t):
        return t * 3, pl.is_grad_enabled()

    out, enabled = f(x)
    assert not out.requires_grad and not enabled and pl.is_grad_enabled()

    @pl.no_grad()
    def g(t):
        @pl.enable_grad()
        def inner():
            return t * 2
        return inner()

    assert g(x).requires_grad

    @pl.no_grad()
    def gen():
        yield pl.is_grad_enabled()
        yield pl.is_grad_enabled()

    assert list(gen()) == [False, False] and pl.is_grad_enabled()


def test_no_grad_restores_on_exception():
    with pytest.raises(ValueError):
        with pl.no_grad():
            raise ValueError
    assert pl.is_grad_enabled()


def test_set_grad_enabled_call_context_decorator():
    x = pl.tensor([1.0], requires_grad=True)
    with pl.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert pl.is_grad_enabled()
    with pl.no_grad():
        with pl.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not pl.is_grad_enabled()
    pl.set_grad_enabled(False)  # a plain call sets the mode
    try:
        assert not pl.is_grad_enabled()
    finally:
        pl.set_grad_enabled(True)
    assert pl.is_grad_enabled()

    @pl.set_grad_enabled(False)
    def f():
        return pl.is_grad_enabled()

    assert pl.is_grad_enabled()  # decorating does not switch the mode
    assert f() is False and pl.is_grad_enabled()
    with pl.no_grad():
        assert f() is False and not pl.is_grad_enabled()

    @pl.no_grad
    def bare():
        return pl.is_grad_enabled()

    @pl.enable_grad
    def bare_on():
        return pl.is_grad_enabled()

    assert bare() is False and pl.is_grad_enabled()
    with pl.no_grad():
        assert bare_on() is True and not pl.is_grad_enabled()


def test_inference_mode():
    x = pl.tensor([1.0], requires_grad=True)
    with pl.inference_mode():
        assert not (x * 2).requires_grad
        assert not pl.is_grad_enabled()
    with pl.inference_mode(False):
        assert (x * 2).requires_grad

    @pl.inference_mode()
    def f():
        return (x * 2).requires_grad

    @pl.inference_mode
    def g():
        return (x * 2).requires_grad

    assert f() is False and g() is False and pl.is_grad_enabled()


def test_autograd_grad_basic():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    y = pl.tensor([3.0, 4.0], requires_grad=True)
    z = (x * y).sum()
    gx, gy = pl.autograd.grad(z, (x, y))
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    assert x.grad is None and y.grad is None  # nothing accumulated
    (g,) = pl.autograd.grad([(x ** 2).sum()], [x])
    assert g.tolist() == [2.0, 4.0]


def test_autograd_grad_outputs_retain_graph_allow_unused():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    unused = pl.tensor([5.0], requires_grad=True)
    y = x * x
    (g,) = pl.autograd.grad(y, x, grad_outputs=pl.tensor([1.0, -1.0]), retain_graph=True)
    assert g.tolist() == [2.0, -4.0]
    (g2,) = pl.autograd.grad(y, x, grad_outputs=[pl.ones(2)], retain_graph=True)
    assert g2.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors appears to not "
                                           "have been used in the graph. Set allow_unused=True"):
        pl.autograd.grad(y.sum(), [x, unused], retain_graph=True)
    gx, gu = pl.autograd.grad(y.sum(), [x, unused], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0, 4.0] and gu is None
    gx, gu = pl.autograd.grad(y.sum(), [x, unused], materialize_grads=True)
    assert gu.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        pl.autograd.grad(x * 2, x)


def test_autograd_grad_non_leaf_inputs():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    z = (h ** 2).sum()
    gh, gx = pl.autograd.grad(z, [h, x])
    assert gh.tolist() == [6.0, 12.0] and gx.tolist() == [18.0, 36.0]
    assert x.grad is None


def test_autograd_grad_multiple_outputs():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    a, b = (x * 2).sum(), (x ** 3).sum()
    (g,) = pl.autograd.grad([a, b], [x])
    assert g.tolist() == [2 + 3.0, 2 + 12.0]


def test_autograd_backward_function_and_inputs():
    x = pl.tensor([1.0], requires_grad=True)
    y = pl.tensor([2.0], requires_grad=True)
    pl.autograd.backward([(x * y).sum()], inputs=[x])
    assert x.grad.tolist() == [2.0] and y.grad is None
    pl.autograd.backward((x * 5).sum())
    assert x.grad.tolist() == [7.0]


def test_register_hook_on_leaf_and_non_leaf():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.register_hook(lambda g: g * 10)  # modifies the gradient flowing further back
    y.sum().backward()
    assert seen == [[30.0, 30.0]]
    assert x.grad.tolist() == [30.0, 30.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert seen == [[30.0, 30.0]] and x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    x.register_hook(lambda g: g * 0 + 1)  # a leaf hook's result is what accumulates
    (x * 5).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't "
                                           "require gradient"):
        pl.tensor([1.0]).register_hook(lambda g: g)


def test_hook_sees_summed_gradient_and_retain_grad_after_hook():
    x = pl.tensor([1.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    (y * 3 + y * 4).sum().backward()
    assert seen == [7.0] and y.grad.tolist() == [7.0] and x.grad.tolist() == [14.0]


def test_diamond_graph():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = x ** 2
    c = a * b  # x used twice through two paths
    d = (c + a).sum()
    d.backward()
    # d = 2x^3 + 2x -> 6x^2 + 2
    assert x.grad.tolist() == [8.0, 26.0]


def test_same_tensor_used_twice_in_one_op():
    x = pl.tensor([3.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [6.0]


def test_multi_output_ops():
    x = pl.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    v, i = x.max(1)
    (v * 2).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]
    assert i.tolist() == [1, 2] and not i.requires_grad
    x.grad = None
    a, b, c = x.split(1, dim=1)
    (a * 1 + c * 3).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 3.0], [1.0, 0.0, 3.0]]
    x.grad = None
    p, q = x.chunk(2, 0)
    q.sum().backward()  # only one output used
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]


def test_int_outputs_do_not_require_grad():
    x = pl.tensor([1.5, 2.5], requires_grad=True)
    assert not x.argmax().requires_grad
    assert not (x > 1).requires_grad
    assert not x.long().requires_grad
    assert (x.long().float() * 1).requires_grad is False


def test_backward_errors():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does "
                                           "not have a grad_fn"):
        pl.tensor([1.0]).sum().backward()


def test_grad_assignment_checks():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    x.grad = pl.tensor([0.5, 0.5])
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.5, 1.5]
    with pytest.raises(RuntimeError, match="attempting to assign a gradient of size '\\[3\\]'"):
        x.grad = pl.zeros(3)


@needs_torch
@pytest.mark.parametrize("shape,dtype", [((3,), "float32"), ((2, 1), "float32"), ((1,), "float32"),
                                         ((2,), "float64"), ((2,), "int64"), ((2,), "float16"),
                                         ((2,), "bool"), ((2,), "complex64")])
@pytest.mark.parametrize("own", ["float32", "float64"])
def test_grad_assignment_errors_as_torch(shape, dtype, own):
    def run(lib):
        x = lib.ones(2, dtype=getattr(lib, own), requires_grad=True)
        return lambda: setattr(x, "grad", lib.ones(shape, dtype=getattr(lib, dtype)))

    if shape == (2,) and dtype == own:
        pytest.skip("a gradient of the tensor's own shape and dtype is accepted")
    with pytest.raises(RuntimeError) as theirs:
        run(torch)()
    with pytest.raises(RuntimeError) as ours:
        run(pl)()
    assert str(ours.value) == str(theirs.value)


@needs_torch
def test_matches_torch_on_a_small_network():
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 3)).astype(np.float32)
    w1v = rng.standard_normal((3, 5)).astype(np.float32)
    w2v = rng.standard_normal((5, 2)).astype(np.float32)
    lab = np.array([0, 1, 1, 0])

    def run(lib):
        x = lib.tensor(xv)
        w1 = lib.tensor(w1v, requires_grad=True)
        w2 = lib.tensor(w2v, requires_grad=True)
        h = (x @ w1).relu()
        logits = h @ w2
        logp = logits.log_softmax(1)
        loss = -logp[lib.arange(4), lib.tensor(lab)].mean()
        loss.backward()
        return loss.item(), w1.grad.numpy(), w2.grad.numpy()

    ours, theirs = run(pl), run(torch)
    assert abs(ours[0] - theirs[0]) < 1e-5
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-5)
    np.testing.assert_allclose(ours[2], theirs[2], atol=1e-5)


# -- finite differences of composite functions -------------------------------------------
COMPOSITES = {
    "poly": lambda lib, x: ((x ** 3) - 2 * x * x + x).sum(),
    "softmax_ce": lambda lib, x: -(x.log_softmax(1)[:, 0]).mean(),
    "norm_tanh": lambda lib, x: (x.tanh() / (x.norm() + 1)).sum(),
    "std_exp": lambda lib, x: x.exp().std() + x.var(0).sum(),
    "matmul_sigmoid": lambda lib, x: (x @ x.t()).sigmoid().sum(),
    "where_clamp": lambda lib, x: lib.where(x > 0, x.clamp(max=0.5), x * x).sum(),
    "index_cumsum": lambda lib, x: (x[:, [2, 0]].cumsum(1) * x[1:, :2].sum()).sum(),
    "logsumexp_max": lambda lib, x: x.logsumexp(1).sum() + x.max(0)[0].sum(),
}


@pytest.mark.parametrize("name", list(COMPOSITES))
def test_finite_differences(name):
    fn = COMPOSITES[name]
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((3, 4)) * 0.8

    def scalar(v):
        return fn(pl, pl.tensor(v, dtype=pl.float32)).item()

    x = pl.tensor(xv.astype(np.float32), requires_grad=True)
    fn(pl, x).backward()
    fd = finite_difference(scalar, xv, eps=1e-2)
    np.testing.assert_allclose(x.grad.numpy(), fd, atol=2e-2, rtol=2e-2)


@needs_torch
@pytest.mark.parametrize("inputs", [[], ()])
def test_grad_with_no_inputs_is_refused_as_torch(inputs):
    def run(lib):
        x = lib.tensor(2., requires_grad=True)
        return lambda: lib.autograd.grad(x ** 3, inputs, allow_unused=True)

    with pytest.raises(RuntimeError) as theirs:
        run(torch)()
    with pytest.raises(RuntimeError) as ours:
        run(pl)()
    assert str(ours.value) == str(theirs.value)
