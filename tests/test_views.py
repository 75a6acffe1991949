"""Views share their base's values: in-place writes through a view reach the base, a view
reads its base's current values, and gradients flow through such writes as in torch."""

from __future__ import annotations

import numpy as np
import pytest
from parity import check

import pytorch_like as pl

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _run_both(fn):
    """``fn(M)`` with M = pytorch_like and M = torch; both results as numpy arrays."""
    ours = fn(pl)
    theirs = fn(torch) if torch is not None else None
    return ours, theirs


# -- values: each snippet writes through a view, then returns the base --------------------

def _chained_setitem(M):
    x = M.zeros(2, 3)
    x[0][1] = 5.0
    return x


def _slice_add_(M):
    x = M.zeros(2, 3)
    y = x[0]
    y.add_(1)
    x[:, 1] += 2
    return x


def _view_and_transpose(M):
    x = M.arange(6.0).reshape(2, 3)
    x.view(-1)[3] = 0
    x.t()[1].fill_(-1)
    x.T[2, 0] = 7
    x.unsqueeze(0).mul_(2)
    return x


def _diagonal_and_rows(M):
    x = M.ones(3, 3)
    x.diagonal().fill_(0)
    x.diagonal(1).add_(5)
    for r in x[1:]:
        r.mul_(3)
    return x


def _split_family(M):
    x = M.zeros(4, 2)
    a, b = x.chunk(2)
    a.fill_(1)
    x.narrow(0, 3, 1).fill_(2)
    x.select(1, 1).add_(10)
    c, d = x.split([1, 3])
    d[1].zero_()
    for r in x.unbind(1):
        r.add_(100)
    return x


def _view_of_view_and_copy(M):
    x = M.zeros(2, 3, 4)
    x[1][:, 1:3].permute(1, 0).copy_(M.arange(6.0).reshape(2, 3))
    x.flatten()[0:2] = M.tensor([8.0, 9.0])
    x[0].squeeze().unflatten(1, (2, 2))[:, 1, 0] = -3
    return x


def _view_reads_base(M):
    x = M.zeros(2, 3)
    v = x.view(6)
    row = x[1]
    x.add_(1)
    x[1, 2] = 4
    return M.cat([v, row])


def _int_and_bool_views(M):
    x = M.zeros(3, 4, dtype=M.int64)
    x[1][2] = 7
    x.t()[0].fill_(3)
    b = M.zeros(2, 2, dtype=M.bool)
    b[0].fill_(True)
    return M.cat([x.reshape(-1).float(), b.reshape(-1).float()])


@needs_torch
@pytest.mark.parametrize("fn", [_chained_setitem, _slice_add_, _view_and_transpose,
                                _diagonal_and_rows, _split_family, _view_of_view_and_copy,
                                _view_reads_base, _int_and_bool_views])
def test_writes_through_views_match_torch(fn):
    ours, theirs = _run_both(fn)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_view_write_reaches_base_without_torch():
    # The same property checked without the oracle: the base changes, a copy does not.
    x = pl.zeros(2, 3)
    x[0][1] = 5.0
    x[:, 2].fill_(7.0)
    c = x[pl.tensor([0])]  # advanced indexing copies
    c.fill_(-1.0)
    np.testing.assert_array_equal(x.numpy(), [[0, 5, 7], [0, 0, 7]])


# -- gradients through writes into views ---------------------------------------------------

def _g_slice_mul(M, x):
    y = x.clone()
    y[1:].mul_(3)
    return y


def _g_constant_write(M, x):
    y = x * 2
    y[0][1] = 5.0
    return y * y


def _g_flat_add(M, x):
    y = x * 2
    v = y.view(-1)
    v[2:4] += v[0:2]
    return y * y


def _g_diagonal(M, x):
    y = x.clone()
    y.diagonal().mul_(x[0, 1])
    return y


def _g_narrow(M, x):
    y = x.clone()
    y.narrow(0, 0, 2).add_(y.narrow(0, 2, 2) * 2)
    return y.exp()


def _g_rows(M, x):
    y = x.clone()
    for i in range(len(y)):
        y[i].add_(y[i - 1] * 2)
    return y


def _g_stale_view(M, x):
    y = x.clone()
    v = y[0]
    y.mul_(x)  # after this, v reads y's new row and its gradient flows through the mul
    return v * 1.0


def _g_view_of_view(M, x):
    y = x.clone()
    y[1][1:].mul_(3)
    y.t()[0].add_(x[:, 2])
    return y


def _g_into_constant_base(M, x):
    z = M.zeros(3, 3)
    z[0].copy_(x[0] * 2)
    z.t()[2].add_(x[1])
    return z


def _g_transpose_inplace_chain(M, x):
    y = x.clone().unsqueeze(0)
    y[0].t().sigmoid_()
    return y.squeeze(0)


@pytest.mark.parametrize("fn", [_g_slice_mul, _g_constant_write, _g_flat_add, _g_diagonal,
                                _g_narrow, _g_rows, _g_stale_view, _g_view_of_view,
                                _g_into_constant_base, _g_transpose_inplace_chain])
def test_gradients_through_view_writes(fn):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    if fn is _g_diagonal or fn is _g_into_constant_base:
        x = x[:3]
    check(lambda t: fn(pl, t), (lambda t: fn(torch, t)) if torch else None, x)


def test_base_takes_history_from_a_view_write():
    x = pl.ones(3, requires_grad=True)
    z = pl.zeros(2, 3)
    assert not z.requires_grad
    z[1].copy_(x * 3)
    assert z.requires_grad and z.grad_fn is not None
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3, 3])


# -- errors and bookkeeping -----------------------------------------------------------------

@needs_torch
def test_view_of_leaf_in_place_error_matches_torch():
    def run(M):
        w = M.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            w[0].fill_(2.0)
        return str(e.value)
    ours, theirs = _run_both(run)
    assert ours == theirs


@needs_torch
@pytest.mark.parametrize("pick", [lambda y: y.chunk(2)[1], lambda y: y.split([1, 3])[1],
                                  lambda y: y.unbind(0)[2], lambda y: next(iter(y))])
def test_multi_view_outputs_refuse_in_place_under_autograd(pick):
    # torch's rule for the outputs of split/chunk/unbind (and iteration, which unbinds).
    def run(M):
        x = M.ones(4, 3, requires_grad=True)
        msgs = []
        with pytest.raises(RuntimeError) as e:
            pick(x.clone()).mul_(2)
        msgs.append(str(e.value))
        with pytest.raises(RuntimeError) as e:
            pick(M.zeros(4, 3)).mul_(x[:1])
        msgs.append(str(e.value))
        with M.no_grad():
            y = x.clone()
            pick(y).mul_(2)  # allowed without autograd, and written through
        msgs.append(float(y.sum()))
        return msgs
    ours, theirs = _run_both(run)
    assert ours == theirs


def test_view_of_leaf_under_no_grad_edits_the_parameter():
    m = pl.nn.Linear(3, 2)
    with pl.no_grad():
        m.weight[0].fill_(0.5)
    m.weight.data[1].fill_(3.0)
    m.bias.data[0:1].zero_()
    np.testing.assert_array_equal(m.weight.detach().numpy(), [[0.5] * 3, [3.0] * 3])
    assert m.bias[0].item() == 0.0
    lstm = pl.nn.LSTM(2, 4)
    pl.nn.init.constant_(lstm.bias_ih_l0[4:8], 1.0)  # the forget-gate bias idiom
    np.testing.assert_array_equal(lstm.bias_ih_l0.detach().numpy()[4:8], [1.0] * 4)


@needs_torch
def test_version_counter_shared_with_base():
    def run(M):
        x = M.ones(3, requires_grad=True)
        y = x * 2
        v = y[1:]
        z = (v * v).sum()  # saves v
        y.add_(1)  # a change of the base is a change of v
        with pytest.raises(RuntimeError) as e:
            z.backward()
        return v._version == y._version, "modified by an inplace operation" in str(e.value)
    ours, theirs = _run_both(run)
    assert ours == theirs == (True, True)


def test_base_attribute():
    x = pl.zeros(2, 3)
    v = x[0]
    w = v.view(3, 1)
    assert x._base is None and v._base is x and w._base is x
    assert x.reshape(2, 3) is not None and x[pl.tensor([0])]._base is None
    d = v.detach()
    d.fill_(4.0)  # detach() of a view is a view of the same base
    assert x[0, 0].item() == 4.0


def test_data_assignment_detaches_a_view():
    x = pl.zeros(2, 3)
    v = x[0]
    v.data = pl.ones(5)
    v.fill_(2.0)
    assert x.sum().item() == 0.0 and v.shape == (5,)


# -- compile ----------------------------------------------------------------------------------

def test_compiled_write_through_view_of_captured_state():
    def make():
        model = pl.nn.Linear(3, 2)
        with pl.no_grad():
            model.weight.copy_(pl.arange(6.0).reshape(2, 3) / 10)
            model.bias.zero_()
        opt = pl.optim.SGD(model.parameters(), lr=0.1)
        counts = pl.zeros(4)
        return model, opt, counts

    def step(model, opt, counts, x):
        opt.zero_grad()
        loss = model(x).square().mean()
        loss.backward()
        opt.step()
        counts[:2].add_(1.0)  # a captured buffer updated through a view
        return loss

    x = pl.tensor(np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32))
    m1, o1, c1 = make()
    m2, o2, c2 = make()
    row = m2.weight[0]  # a live view of a parameter across compiled steps
    compiled = pl.compile(lambda x: step(m2, o2, c2, x))
    for _ in range(3):
        l1 = step(m1, o1, c1, x)
        l2 = compiled(x)
        np.testing.assert_allclose(l1.item(), l2.item(), rtol=1e-6)
    np.testing.assert_allclose(m1.weight.detach().numpy(), m2.weight.detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_array_equal(c2.numpy(), [3, 3, 0, 0])
    np.testing.assert_array_equal(c1.numpy(), c2.numpy())
    # The view reads the parameter's current (written back, concrete) values.
    np.testing.assert_allclose(row.detach().numpy(), m2.weight.detach().numpy()[0])


# -- strides: view refuses what torch refuses, reshape copies where torch copies ---------------

def _geometry_cases(M):
    c = M.zeros(4, 6, 5)
    cases = [c.transpose(0, 2), c[:, 1], c[1:, ::2, 3], c.permute(1, 0, 2)[1:, :, 2:4],
             c.diagonal(1, 0, 2), c.diagonal(-2, 1, 2), c[None, :, None], c[..., None],
             c.split(2, dim=1)[1], c[1].unflatten(0, (2, 3)).flatten(1), c.unbind(2)[3],
             c.transpose(0, 1)[0].view(2, 2, 5), c[:, :3].reshape(4, 3, 5),
             c.narrow(2, 1, 3).unsqueeze(1).squeeze(1)]
    return [(tuple(v.shape), v.stride(), v.storage_offset(), v.is_contiguous()) for v in cases]


@needs_torch
def test_strides_offsets_and_contiguity_match_torch():
    ours, theirs = _run_both(_geometry_cases)
    assert ours == theirs


@needs_torch
def test_view_error_reshape_copy_and_contiguous_match_torch():
    def run(M):
        x = M.zeros(2, 3)
        with pytest.raises(RuntimeError) as e:
            x.t().view(-1)
        flat = x.t().reshape(-1)  # a copy: writing into it leaves x alone
        flat.fill_(1.0)
        c = x.t().contiguous()
        c.fill_(2.0)
        row = x.reshape(6)  # a view: x is contiguous
        row[0] = 3.0
        same = x.contiguous()
        same[1, 1] = 4.0
        return str(e.value), x.tolist(), c.is_contiguous(), x.t().contiguous().stride()
    ours, theirs = _run_both(run)
    assert ours == theirs
