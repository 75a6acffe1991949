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


def _complex_boundaries(lib, z, gout):
    """Every place a complex gradient meets the user: ``.grad``, a tensor hook (which also
    rescales), ``retain_grad``, ``autograd.grad`` of a leaf and of an intermediate,
    ``backward(gradient=...)``, a custom Function's backward, and a module's full backward
    hook (which replaces ``grad_input``) and pre-hook."""
    seen = {}
    t = lib.tensor(z, requires_grad=True)
    u = t * (2 - 1j)
    u.retain_grad()
    u.register_hook(lambda g: seen.setdefault("hook", g.detach().clone()) * (1 + 1j))
    (u.real ** 2 + u.imag * 3 + (u * u).abs()).sum().backward()
    seen["grad"], seen["retained"] = t.grad, u.grad

    t = lib.tensor(z, requires_grad=True)
    m = t * t.conj() + t * 1j
    seen["grad_leaf"], seen["grad_mid"] = lib.autograd.grad(
        (m.real + m.imag * 2).sum() + (m * m).abs().sum(), (t, m))

    t = lib.tensor(z, requires_grad=True)
    (t * (3 + 1j)).sin().backward(lib.tensor(gout))
    seen["gradient_arg"] = t.grad

    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen["fn_in"] = g.detach().clone()
            return g * (2 + 0.5j)  # deliberately not the true derivative: shows the flow

    t = lib.tensor(z, requires_grad=True)
    (Twice.apply(t * 1j) * (1 - 2j)).abs().sum().backward()
    seen["fn_grad"] = t.grad

    class Scale(lib.nn.Module):
        def forward(self, x):
            return x * (2 - 1j)

    def full_hook(module, grad_input, grad_output):
        seen["module_gi"], seen["module_go"] = grad_input[0].clone(), grad_output[0].clone()
        return (grad_input[0] * 1j,)

    m = Scale()
    m.register_full_backward_hook(full_hook)
    m.register_full_backward_pre_hook(
        lambda mod, go: seen.__setitem__("module_pre", go[0].clone()))
    t = lib.tensor(z, requires_grad=True)
    (m(t * 1) * (1 + 1j)).abs().sum().backward()
    seen["module_grad"] = t.grad
    return seen


@needs_torch
def test_complex_gradients_follow_torchs_convention():
    gout = (Z[:3] * (0.5 - 1j)).astype(np.complex64)
    ours = _complex_boundaries(pl, Z[:3], gout)
    theirs = _complex_boundaries(torch, Z[:3], gout)
    assert ours.keys() == theirs.keys()
    for k in theirs:
        np.testing.assert_allclose(_np(ours[k]), _np(theirs[k]), atol=1e-4, rtol=1e-5,
                                   err_msg=k)


@needs_torch
def test_complex_leaf_gradient_matches_finite_differences():
    # torch's convention, independently of torch: grad = dL/dx + i dL/dy.
    z = Z[:3].astype(np.complex128)

    def loss(v):
        return float(np.sum(np.abs(v * v) + (v * (1 - 2j)).real ** 2))
    t = pl.tensor(z, requires_grad=True)
    ((t * t).abs().sum() + (t * (1 - 2j)).real.pow(2).sum()).backward()
    eps = 1e-6
    fd = np.array([(loss(z + eps * e) - loss(z - eps * e)) / (2 * eps)
                   + 1j * (loss(z + 1j * eps * e) - loss(z - 1j * eps * e)) / (2 * eps)
                   for e in np.eye(3)])
    np.testing.assert_allclose(t.grad.numpy(), fd, rtol=1e-6, atol=1e-6)


@needs_torch
def test_complex_gradient_descends_under_compile():
    # One SGD step by hand on a complex leaf, eager and compiled: the loss goes down, and
    # the compiled step's .grad is eager's (both in torch's convention).
    def run(compiled):
        w = pl.tensor(Z[:2], requires_grad=True)

        def step():
            w.grad = None
            loss = (w * (1 + 1j) - 2).abs().pow(2).sum()
            loss.backward()
            with pl.no_grad():
                w.sub_(0.1 * w.grad)
            return loss
        f = pl.compile(step) if compiled else step
        losses = [float(f().detach()) for _ in range(3)]
        return losses, w.grad.numpy()
    (le, ge), (lc, gc) = run(False), run(True)
    assert le[2] < le[1] < le[0]
    np.testing.assert_allclose(lc, le, rtol=1e-6)
    np.testing.assert_allclose(gc, ge, rtol=1e-6, atol=1e-6)
    wt = torch.tensor(Z[:2], requires_grad=True)
    (wt * (1 + 1j) - 2).abs().pow(2).sum().backward()
    w = pl.tensor(Z[:2], requires_grad=True)
    (w * (1 + 1j) - 2).abs().pow(2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), _np(wt.grad), rtol=1e-6)


@needs_torch
def test_complex_output_needs_explicit_gradient():
    for lib in (pl, torch):
        t = lib.tensor(Z[:1], requires_grad=True)
        with pytest.raises(RuntimeError, match="only for real scalar outputs but got "
                                               "torch.complex64"):
            (t * 2).sum().backward()


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


OPTIM_CASES = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.1, amsgrad=True)), ("AdamW", dict(lr=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)), ("Adagrad", dict(lr=0.1)),
    ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("ASGD", {}),
    ("Rprop", {}),
]


def _complex_opt_run(lib, name, kw, compiled=False):
    w = lib.tensor(Z[:3], requires_grad=True)
    opt = getattr(lib.optim, name)([w], **kw)

    def step():
        opt.zero_grad()
        # Targets away from the start, so no gradient component sits near zero (where
        # Adam's update is ill-conditioned and float rounding alone flips its sign).
        (w * (1 + 1j) - (2.5 + 0.7j)).abs().pow(2).sum().backward()
        opt.step()
    if compiled:
        step = lib.compile(step)
    for _ in range(3):
        step()
    state = opt.state_dict()["state"].get(0, {})
    return _np(w), {k: (str(v.dtype).split(".")[-1], _np(v)) for k, v in state.items()}


@needs_torch
@pytest.mark.parametrize("name,kw", OPTIM_CASES, ids=[f"{n}{i}" for i, (n, _) in
                                                      enumerate(OPTIM_CASES)])
def test_optimizers_update_complex_parameters_like_torch(name, kw):
    # torch updates a complex parameter on its real view: moments per real and imaginary
    # part (a complex square would differ), state kept complex.
    (w, state), (wt, state_t) = (_complex_opt_run(pl, name, kw),
                                 _complex_opt_run(torch, name, kw))
    np.testing.assert_allclose(w, wt, rtol=1e-5, atol=1e-6)
    assert state.keys() == state_t.keys()
    for k in state_t:
        assert state[k][0] == state_t[k][0], k
        np.testing.assert_allclose(state[k][1], state_t[k][1], rtol=1e-5, atol=1e-6)


@needs_torch
def test_compiled_step_updates_complex_parameters_like_eager():
    w, state = _complex_opt_run(pl, "Adam", dict(lr=0.1), compiled=True)
    w_e, state_e = _complex_opt_run(pl, "Adam", dict(lr=0.1))
    np.testing.assert_allclose(w, w_e, rtol=1e-6, atol=1e-7)
    for k in state_e:
        assert state[k][0] == state_e[k][0]
        np.testing.assert_allclose(state[k][1], state_e[k][1], rtol=1e-6, atol=1e-7)


def _second_order(lib, f, z):
    w = lib.tensor(z, requires_grad=True)
    g = lib.func.grad(f)(w)
    (g.real.sum() + 3 * g.imag.sum()).backward()
    w2 = lib.tensor(z, requires_grad=True)
    (g2,) = lib.autograd.grad(f(w2), w2, create_graph=True)
    (g2.real * g2.imag).sum().backward()
    out, vjp_fn = lib.func.vjp(lambda v: v * (2 - 1j) * v.real, lib.tensor(z))
    (ct,) = vjp_fn(lib.tensor(z * (1 + 0.5j)))
    return [_np(g), _np(w.grad), _np(g2), _np(w2.grad), _np(ct)]


@needs_torch
@pytest.mark.parametrize("which", ["abs_squared", "abs_of_square", "mixed"])
def test_complex_func_transforms_and_double_backward_match_torch(which):
    # func.grad / func.vjp speak torch's convention, and |z| has its true second
    # derivative (a constant sgn(z) in its first-order rule would make it wrong); z = 0
    # is included (torch: first derivative 0 there).
    f = {"abs_squared": lambda v: (v.abs() ** 2).sum(),
         "abs_of_square": lambda v: (v * v).abs().sum(),
         "mixed": lambda v: (v.abs() ** 3 * (v * 1j).real).sum()}[which]
    ours, theirs = _second_order(pl, f, Z), _second_order(torch, f, Z)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=str(k))


@needs_torch
def test_jacobians_of_complex_functions_are_torchs_errors():
    # torch's jacrev/jacfwd/hessian refuse complex inputs and outputs, and
    # autograd.functional.jacobian complex outputs, rather than pick a convention.
    def attempts(lib):
        z, r = lib.tensor(Z[:2]), lib.tensor(np.array([1.0, 2.0], np.float32))
        calls = [lambda: lib.func.jacrev(lambda w: w * w.real)(z),
                 lambda: lib.func.jacfwd(lambda w: w * w.real)(z),
                 lambda: lib.func.hessian(lambda w: (w * w).abs().sum())(z),
                 lambda: lib.func.jacrev(lambda x: x * (2 - 1j))(r),
                 lambda: lib.func.jacfwd(lambda x: x * (2 - 1j))(r),
                 lambda: lib.autograd.functional.jacobian(lambda x: x * (2 - 1j), r),
                 lambda: lib.autograd.functional.jacobian(lambda w: w * 2, z)]
        out = []
        for call in calls:
            with pytest.raises(RuntimeError) as info:
                call()
            out.append(str(info.value))
        return out
    assert attempts(pl) == attempts(torch)
