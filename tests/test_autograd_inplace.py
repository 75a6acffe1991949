"""In-place ops: values, version counter, torch's errors, graphs through in-place on non-leaves,
and aliasing through ``.data`` / ``detach()``."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")

INPLACE = {
    "add_": lambda t: t.add_(2),
    "add_tensor": lambda t: t.add_(t * 0 + 1.5),
    "add_alpha": lambda t: t.add_(t * 0 + 1.0, alpha=3),
    "sub_": lambda t: t.sub_(1),
    "mul_": lambda t: t.mul_(3),
    "div_": lambda t: t.div_(4),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(7),
    "fill_tensor": lambda t: t.fill_(t.new_tensor(2.5)),
    "copy_": lambda t: t.copy_(t.new_tensor([9.0, 8.0, 7.0])),
    "copy_broadcast": lambda t: t.copy_(t.new_tensor(4.0)),
    "clamp_": lambda t: t.clamp_(0.5, 2.5),
    "clamp_min": lambda t: t.clamp_(min=2),
    "setitem_int": lambda t: t.__setitem__(1, 5.0),
    "setitem_slice": lambda t: t.__setitem__(slice(0, 2), -1.0),
    "iadd": lambda t: t.__iadd__(1),
    "isub": lambda t: t.__isub__(2),
    "imul": lambda t: t.__imul__(2),
    "itruediv": lambda t: t.__itruediv__(2),
    "pow_": lambda t: t.pow_(2),
    "neg_": lambda t: t.neg_(),
    "exp_": lambda t: t.exp_(),
    "relu_": lambda t: t.sub_(2).relu_(),
    "masked_fill_": lambda t: t.masked_fill_(t > 1.5, 0.0),
}


@needs_torch
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_values_and_version(name):
    op = INPLACE[name]
    ours, theirs = pl.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    v0 = ours._version
    r1, r2 = op(ours), op(theirs)
    if r2 is not None:
        assert r1 is ours  # in-place methods return self
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert ours.dtype is pl.float32
    assert ours._version > v0
    assert ours._version == theirs._version


def test_inplace_on_int_tensor_keeps_dtype():
    t = pl.tensor([1, 2, 3])
    t += 1
    t *= 2
    assert t.dtype is pl.int64 and t.tolist() == [4, 6, 8]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        t += 1.5
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        t.div_(2)
    b = pl.zeros(2)
    b.copy_(pl.tensor([1, 2]))  # copy_ casts freely, as in torch
    assert b.dtype is pl.float32 and b.tolist() == [1.0, 2.0]


def test_iadd_rebinds_the_same_object():
    t = pl.tensor([1.0])
    alias = t
    t += 1
    assert alias is t and alias.tolist() == [2.0]


def test_modifying_saved_value_raises_torch_error():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y  # needs y's value for its gradient
    y.add_(1)
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation "
                                           "has been modified by an inplace operation"):
        z.sum().backward()


@needs_torch
def test_modified_saved_value_message_matches_torch_start():
    def run2(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        w = y.sin()
        y += 1
        try:
            w.sum().backward()
        except RuntimeError as e:
            return str(e)

    t2, o2 = run2(torch), run2(pl)
    assert o2 is not None and t2 is not None
    assert o2.split(":")[0] == t2.split(":")[0]
    # torch names y's grad_fn after the in-place op (Add); ours names its producer (Mul).
    tail = "is at version 1; expected version 0 instead. Hint: enable anomaly detection to " \
           "find the operation that failed to compute its gradient, with " \
           "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    assert t2.endswith(tail) and o2.endswith(tail)
    assert "[torch.FloatTensor [2]], which is output 0 of " in o2


def test_inplace_on_value_not_needed_is_fine():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y + 3  # add does not need y's value
    y.mul_(10)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@needs_torch
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_keeps_for_backward_what_torch_keeps(rank, bias):
    # torch's addmm keeps the input only for the weight's gradient and the weight only for
    # the input's: an in-place change (an optimizer step) of what it did not keep is allowed
    # before backward, of what it kept is an error.
    rng = np.random.default_rng(0)
    xn = rng.standard_normal((2, 3, 4)[3 - rank:]).astype(np.float32)
    wn = rng.standard_normal((5, 4)).astype(np.float32)
    seen = {}
    for lib in (torch, pl):
        rows = []
        for x_grad, change in ((False, "weight"), (False, "bias"), (True, "bias"),
                               (True, "weight"), (True, "input")):
            lin = lib.nn.Linear(4, 5, bias=bias)
            with lib.no_grad():
                lin.weight.copy_(lib.tensor(wn))
            x = lib.tensor(xn, requires_grad=x_grad)
            xin = x * 1 if x_grad else x
            out = lin(xin)
            target = {"weight": lin.weight, "bias": lin.bias, "input": xin}[change]
            if target is None:
                continue
            with lib.no_grad():
                target.add_(1.0)
            try:
                out.sum().backward()
            except RuntimeError as e:
                assert "modified by an inplace operation" in str(e)
                rows.append((x_grad, change, "error"))
                continue
            rows.append((x_grad, change, lin.weight.grad.numpy().copy(),
                         None if x.grad is None else x.grad.numpy().copy()))
        seen[lib] = rows
    assert len(seen[torch]) == len(seen[pl])
    for a, b in zip(seen[torch], seen[pl]):
        assert a[:2] == b[:2]
        if isinstance(a[2], str) or isinstance(b[2], str):  # "error"
            assert isinstance(a[2], str) and isinstance(b[2], str), (a[:2], a[2], b[2])
            continue
        np.testing.assert_allclose(b[2], a[2], rtol=1e-6)
        assert (a[3] is None) == (b[3] is None)
        if a[3] is not None:
            np.testing.assert_allclose(b[3], a[3], rtol=1e-6)


def test_leaf_requiring_grad_inplace_errors():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    msg = "a leaf Variable that requires grad is being used in an in-place operation."
    for op in [lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(),
               lambda t: t.fill_(1), lambda t: t.copy_(pl.ones(2)), lambda t: t.clamp_(0, 1),
               lambda t: t.__iadd__(1), lambda t: t.__setitem__(0, 1.0),
               lambda t: t.sub_(1), lambda t: t.div_(2)]:
        with pytest.raises(RuntimeError, match=msg):
            op(x)
    assert x.tolist() == [1.0, 2.0] and x._version == 0


@needs_torch
def test_leaf_error_message_equals_torch():
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(2, requires_grad=True).add_(1)
    with pytest.raises(RuntimeError) as ours:
        pl.ones(2, requires_grad=True).add_(1)
    assert str(ours.value) == str(theirs.value)


def test_leaf_inplace_allowed_under_no_grad():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    with pl.no_grad():
        x.add_(1)
        x.mul_(2)
        x[0] = 0.5
        x -= 0.5
    assert x.tolist() == [0.0, 5.5]
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_sgd_step_pattern():
    w = pl.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with pl.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), [0.512, -0.512], rtol=1e-5)


INPLACE_GRAPHS = {
    "mul_": lambda x: (x * 1).mul_(3).sum(),
    "add_tensor": lambda x: (x * 2).add_(x * x).sum(),
    "chain": lambda x: (x * 1).add_(1).mul_(x).pow_(2).sum(),
    "clamp_": lambda x: (x * 3).clamp_(-1, 1).sum(),
    "setitem": lambda x: _setitem_then(x),
    "setitem_from_x": lambda x: _setitem_from(x),
    "iadd": lambda x: _iadd(x),
    "exp_": lambda x: (x * 1).exp_().sum(),
    "relu_": lambda x: (x - 0.5).relu_().sum(),
    "copy_into_nonleaf": lambda x: _copy_into(x),
    "masked_fill_": lambda x: (x * 2).masked_fill_(x > 0, 0.0).sum(),
    "zero_then_add": lambda x: (x * 2).zero_().add_(x).sum(),
    "mul_then_add": lambda x: _mul_then_add(x),
    "sin_then_add": lambda x: _sin_then_add(x),
    "scalar_mul_then_modify": lambda x: _scalar_mul_then_modify(x),
}


def _mul_then_add(x):
    y = x * 1
    y.mul_(x)
    y.add_(1)  # mul_'s node saved y's previous value: no error, as in torch
    return y.sum()


def _sin_then_add(x):
    y = x * 1
    y.sin_()
    y.add_(1)
    return y.sum()


def _scalar_mul_then_modify(x):
    y = x * 1
    z = y * 2  # needs no value of y
    w = y / 4  # nor does a division by a number
    y.mul_(x)
    return (z + w + y).sum()


def _setitem_then(x):
    y = x * 2
    y[0] = 0.0
    return (y * y).sum()


def _setitem_from(x):
    y = x * 1
    y[1:] = x[:-1] * 3
    return (y * x).sum()


def _iadd(x):
    y = x * 2
    y += x
    y *= x
    return y.sum()


def _copy_into(x):
    y = x * 1
    y.copy_(x.exp())
    return (y * 2).sum()


@pytest.mark.parametrize("name", list(INPLACE_GRAPHS))
def test_inplace_on_non_leaf_gradient_matches_torch(name):
    fn = INPLACE_GRAPHS[name]
    xv = np.array([0.3, -1.2, 2.0, 0.7], dtype=np.float32)
    check(fn, fn, xv)


def test_inplace_keeps_grad_fn_and_version():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    v = y._version
    y.add_(1)
    assert y._version == v + 1 and y.grad_fn.name() == "AddBackward0" and not y.is_leaf
    y.mul_(x)
    assert y.grad_fn.name() == "MulBackward0"


def test_data_aliasing():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d.mul_(10)  # writes through .data are visible in x, with no autograd error
    assert x.tolist() == [10.0, 20.0]
    x.data = pl.tensor([3.0, 4.0])
    assert x.tolist() == [3.0, 4.0] and x.requires_grad and x.is_leaf
    (x * x).sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]


def test_detach_aliasing_and_shared_version():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.add_(1)  # allowed: d does not require grad
    assert x.tolist() == [2.0, 3.0]
    assert d._version == x._version == 1  # detach shares the version counter, as in torch
    y = x * 1
    z = y * y
    yd = y.detach()
    yd.zero_()  # modifies the value z's backward needs
    assert y.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation "
                                           "has been modified by an inplace operation"):
        z.sum().backward()


def test_reading_grad_after_inplace_update_of_param():
    w = pl.tensor([2.0], requires_grad=True)
    loss = (w * 3).sum()
    loss.backward()
    with pl.no_grad():
        w.sub_(w.grad)
    assert w.tolist() == [-1.0] and w.grad.tolist() == [3.0]


def test_random_inplace():
    pl.manual_seed(0)
    t = pl.zeros(1000)
    t.uniform_(2, 3)
    assert 2 <= t.min().item() and t.max().item() < 3
    t.normal_(5, 0.1)
    assert abs(t.mean().item() - 5) < 0.05
    v = t._version
    t.bernoulli_(0.5)
    assert set(np.unique(t.numpy()).tolist()) == {0.0, 1.0} and t._version == v + 1
