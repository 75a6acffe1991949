"""RNN, LSTM, GRU and their cells against torch, with torch's weights copied in by name."""

import warnings

import numpy as np
import pytest

import pytorch_like as pl
from parity import check
from pytorch_like.nn.modules import rnn as R

try:
    import torch
except ImportError:
    torch = None

rng = np.random.default_rng(0)
slow = pytest.mark.slow


def _copy_weights(ours, theirs) -> None:
    """torch's parameters into ours, by name (the names and their order must agree)."""
    th = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(th)
    with pl.no_grad():
        for name, p in ours.named_parameters():
            assert tuple(p.shape) == tuple(th[name].shape), name
            p.copy_(pl.tensor(th[name].detach().numpy()))


def _np(t):
    return t.detach().numpy()


CONFIGS = [
    ("LSTM", dict(num_layers=2, batch_first=True, bidirectional=True)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    pytest.param("RNN", dict(num_layers=2, batch_first=True, nonlinearity="relu"), marks=slow),
    pytest.param("LSTM", dict(num_layers=2), marks=slow),
    pytest.param("GRU", dict(num_layers=2, batch_first=True, bias=False), marks=slow),
    pytest.param("RNN", dict(num_layers=2, bidirectional=True), marks=slow),
    pytest.param("LSTM", dict(num_layers=2, bidirectional=True, proj_size=3), marks=slow),
]


@pytest.mark.parametrize("kind,kw", CONFIGS)
def test_recurrent_layer_matches_torch(kind, kw):
    torch_ = pytest.importorskip("torch")
    torch_.manual_seed(0)
    theirs = getattr(torch_.nn, kind)(5, 6, **kw)
    ours = getattr(R, kind)(5, 6, **kw)
    _copy_weights(ours, theirs)
    n, t = 3, 4
    x = rng.standard_normal((n, t, 5) if kw.get("batch_first") else (t, n, 5)).astype(np.float32)
    dirs = 2 if kw.get("bidirectional") else 1
    h_size = kw.get("proj_size") or 6
    h0 = rng.standard_normal((kw["num_layers"] * dirs, n, h_size)).astype(np.float32)
    c0 = rng.standard_normal((kw["num_layers"] * dirs, n, 6)).astype(np.float32)

    def run(lib, mod):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, h0, c0)]
        hx = (xs[1], xs[2]) if kind == "LSTM" else xs[1]
        out, state = mod(xs[0], hx)
        states = list(state) if kind == "LSTM" else [state]
        # A loss touching every output, so every gradient path is exercised.
        loss = (out * out).sum() + sum((s * (k + 2)).sum() for k, s in enumerate(states))
        loss.backward()
        return [out] + states, xs

    th_out, th_in = run(torch_, theirs)
    our_out, our_in = run(pl, ours)
    assert_layer_matches(kind, ours, theirs, our_out, th_out, our_in, th_in)


def assert_layer_matches(kind, ours, theirs, our_out, th_out, our_in, th_in) -> None:
    """Outputs, input gradients ``(x, h0, c0)`` and parameter gradients agree with torch's
    (``c0`` only for an LSTM)."""
    for a, b in zip(our_out, th_out):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(a), _np(b), atol=2e-5, rtol=1e-5)
    for k, (a, b) in enumerate(zip(our_in, th_in)):
        if kind != "LSTM" and k == 2:
            continue
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), atol=1e-4, rtol=1e-4)
    th_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(th_params[name].grad), atol=1e-4,
                                   rtol=1e-4, err_msg=name)


def test_lstm_input_gradient_matches_jax_vjp_and_torch():
    # parity.check: our engine's input gradient against jax.vjp of the forward and torch.
    theirs = torch.nn.LSTM(3, 4, batch_first=True) if torch is not None else None
    ours = R.LSTM(3, 4, batch_first=True)
    if theirs is not None:
        _copy_weights(ours, theirs)
    x = rng.standard_normal((2, 3, 3)).astype(np.float32)
    check(lambda a: ours(a)[0], None if theirs is None else (lambda a: theirs(a)[0]), x,
          atol=1e-5)


def test_whole_sequence_is_one_op():
    lstm = R.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, (h, c) = lstm(pl.tensor(rng.standard_normal((7, 2, 3)).astype(np.float32)))
    node = out.grad_fn
    assert node.name() == "LstmBackward0"
    assert h.grad_fn is node and c.grad_fn is node
    # Its inputs are the 16 weights directly (no per-time-step nodes in between).
    assert len(node.next_functions) == 16
    assert all(f.name() == "torch::autograd::AccumulateGrad" for f, _ in node.next_functions)


def test_parameter_names_shapes_and_init():
    lstm = R.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
    names = [n for n, _ in lstm.named_parameters()]
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                         "weight_hr_l0"]
    assert names[5] == "weight_ih_l0_reverse" and names[-1] == "weight_hr_l1_reverse"
    assert tuple(lstm.weight_ih_l1.shape) == (80, 10) and tuple(lstm.weight_hh_l0.shape) == (80, 5)
    if torch is not None:
        th = torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
        assert names == [n for n, _ in th.named_parameters()]
        assert list(lstm.state_dict()) == list(th.state_dict())
        for mod in (R.GRU(4, 8, 3, bias=False), R.RNN(4, 8, 2, nonlinearity="relu")):
            tmod = getattr(torch.nn, type(mod).__name__)(4, 8, mod.num_layers, bias=mod.bias)
            assert [(n, tuple(p.shape)) for n, p in mod.named_parameters()] == \
                [(n, tuple(p.shape)) for n, p in tmod.named_parameters()]
    # U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter; the std of U(-k, k) is k/sqrt(3).
    gru = R.GRU(64, 256)
    k = 1 / np.sqrt(256)
    w = np.concatenate([_np(p).ravel() for p in gru.parameters()])
    assert np.abs(w).max() <= k
    assert abs(w.std() - k / np.sqrt(3)) < 0.02 * k
    assert abs(w.mean()) < 0.02 * k


def test_repr_matches_torch():
    cases = [(R.LSTM, (10, 20, 2), dict(batch_first=True, dropout=0.1, bidirectional=True)),
             (R.GRU, (10, 20), dict(bias=False)), (R.LSTM, (10, 20), dict(proj_size=5)),
             (R.RNN, (3, 4), dict(nonlinearity="relu")), (R.LSTMCell, (3, 4), {}),
             (R.RNNCell, (3, 4), dict(nonlinearity="relu")), (R.GRUCell, (3, 4), dict(bias=False))]
    expected = ["LSTM(10, 20, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)",
                "GRU(10, 20, bias=False)", "LSTM(10, 20, proj_size=5)", "RNN(3, 4)",
                "LSTMCell(3, 4)", "RNNCell(3, 4, nonlinearity=relu)", "GRUCell(3, 4, bias=False)"]
    for (cls, args, kw), want in zip(cases, expected):
        assert repr(cls(*args, **kw)) == want
        if torch is not None:
            assert repr(getattr(torch.nn, cls.__name__)(*args, **kw)) == want


def test_unbatched_input_and_default_state():
    gru = R.GRU(3, 4, num_layers=2)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    out, h = gru(pl.tensor(x))
    assert tuple(out.shape) == (5, 4) and tuple(h.shape) == (2, 4)
    out_b, h_b = gru(pl.tensor(x[:, None]))
    np.testing.assert_allclose(_np(out), _np(out_b)[:, 0], atol=1e-6)
    np.testing.assert_allclose(_np(h), _np(h_b)[:, 0], atol=1e-6)
    if torch is not None:
        th = torch.nn.GRU(3, 4, num_layers=2)
        _copy_weights(gru, th)
        t_out, t_h = th(torch.tensor(x))
        np.testing.assert_allclose(_np(gru(pl.tensor(x))[0]), _np(t_out), atol=1e-5)


def test_inter_layer_dropout_train_vs_eval():
    lstm = R.RNN(3, 8, num_layers=2, dropout=0.5)
    x = pl.tensor(rng.standard_normal((3, 2, 3)).astype(np.float32))
    pl.manual_seed(1)
    a = _np(lstm(x)[0])
    pl.manual_seed(1)
    b = _np(lstm(x)[0])
    c = _np(lstm(x)[0])
    np.testing.assert_array_equal(a, b)       # driven by manual_seed
    assert not np.allclose(a, c)              # a fresh mask on the next call
    lstm.eval()
    e1, e2 = _np(lstm(x)[0]), _np(lstm(x)[0])
    np.testing.assert_array_equal(e1, e2)     # no dropout in eval
    assert not np.allclose(a, e1)


@pytest.mark.parametrize("kind", ["LSTMCell", pytest.param("GRUCell", marks=slow),
                                  pytest.param("RNNCell", marks=slow)])
def test_cells_match_torch(kind):
    torch_ = pytest.importorskip("torch")
    theirs = getattr(torch_.nn, kind)(3, 4)
    ours = getattr(R, kind)(3, 4)
    _copy_weights(ours, theirs)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    h = rng.standard_normal((2, 4)).astype(np.float32)
    c = rng.standard_normal((2, 4)).astype(np.float32)

    def run(lib, mod):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, h, c)]
        if kind == "LSTMCell":
            h1, c1 = mod(xs[0], (xs[1], xs[2]))
            outs = [h1, c1]
        else:
            outs = [mod(xs[0], xs[1])]
        sum(((o * o).sum() * (k + 1) for k, o in enumerate(outs))).backward()
        return outs, xs

    th_out, th_in = run(torch_, theirs)
    our_out, our_in = run(pl, ours)
    for a, b in zip(our_out, th_out):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)
    for a, b in zip(our_in[:2], th_in[:2]):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), atol=1e-5)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tp[name].grad), atol=1e-5, err_msg=name)
    # unbatched, default state
    assert tuple(ours(pl.tensor(x[0]))[0].shape if kind == "LSTMCell"
                 else ours(pl.tensor(x[0])).shape) == (4,)


def test_errors_in_torchs_words():
    lstm = R.LSTM(10, 20, 2)
    x = pl.tensor(np.zeros((5, 3, 10), np.float32))
    with pytest.raises(RuntimeError, match=r"^input.size\(-1\) must be equal to input_size. "
                       r"Expected 10, got 7$"):
        lstm(pl.tensor(np.zeros((5, 3, 7), np.float32)))
    with pytest.raises(ValueError, match="^LSTM: Expected input to be 2D or 3D, got 4D instead$"):
        lstm(pl.tensor(np.zeros((5, 3, 10, 1), np.float32)))
    h_bad = pl.tensor(np.zeros((1, 3, 20), np.float32))
    h_ok = pl.tensor(np.zeros((2, 3, 20), np.float32))
    with pytest.raises(RuntimeError, match=r"^Expected hidden\[0\] size \(2, 3, 20\), got "
                       r"\[1, 3, 20\]$"):
        lstm(x, (h_bad, h_ok))
    with pytest.raises(RuntimeError, match="hx and cx should also be 3-D but got"):
        lstm(x, (h_ok[0], h_ok[0]))
    with pytest.raises(RuntimeError, match=r"^Expected hidden size \(2, 3, 20\), got "
                       r"\[1, 3, 20\]$"):
        R.GRU(10, 20, 2)(x, h_bad)
    with pytest.raises(ValueError, match="^Unknown nonlinearity 'foo'. Select from 'tanh' or "
                       "'relu'.$"):
        R.RNN(10, 20, nonlinearity="foo")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        R.LSTM(10, 20, dropout=1.5)
    with pytest.raises(ValueError, match="^num_layers must be greater than zero$"):
        R.LSTM(10, 20, num_layers=0)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        R.GRU(10, 20, proj_size=2)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        R.LSTM(10, 20, dropout=0.5)
    with pytest.raises(RuntimeError, match="^input has inconsistent input_size: got 5 expected "
                       "3$"):
        R.LSTMCell(3, 4)(pl.tensor(np.zeros((2, 5), np.float32)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        R.LSTM(10, 20, num_layers=2, dropout=0.5)  # no warning with several layers
