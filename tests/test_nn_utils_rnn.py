"""nn.utils.rnn (PackedSequence and friends) and packed input to RNN/LSTM/GRU, against torch."""

import numpy as np
import pytest

import pytorch_like as pl
from parity import check
from pytorch_like.nn.modules import rnn as R
from pytorch_like.nn.utils import rnn as U
from test_nn_rnn import _copy_weights, assert_layer_matches

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="parity against torch")
rng = np.random.default_rng(0)


def _np(t):
    return t.detach().numpy()


def _padded(t, n, f, lengths):
    """A (T, B, F) batch whose padded steps hold garbage, to show they are never read."""
    x = rng.standard_normal((t, n, f)).astype(np.float32)
    for b, n_b in enumerate(lengths):
        x[n_b:, b] = 1e3
    return x


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True),
                                                    ([2, 5, 1, 3], False)])
def test_pack_and_pad_round_trip_match_torch(batch_first, lengths, enforce_sorted):
    x = _padded(5, 4, 3, lengths)
    if batch_first:
        x = np.ascontiguousarray(x.transpose(1, 0, 2))
    ours = U.pack_padded_sequence(pl.tensor(x), lengths, batch_first=batch_first,
                                  enforce_sorted=enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x), torch.tensor(lengths), batch_first=batch_first,
        enforce_sorted=enforce_sorted)
    assert isinstance(ours, tuple) and ours._fields == theirs._fields
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            assert a.dtype == getattr(pl, str(b.dtype).split(".")[1])
            np.testing.assert_array_equal(_np(a), b.numpy())
    for total in (None, 7):
        pad_o, len_o = U.pad_packed_sequence(ours, batch_first=batch_first,
                                             padding_value=-2.0, total_length=total)
        pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(
            theirs, batch_first=batch_first, padding_value=-2.0, total_length=total)
        np.testing.assert_array_equal(_np(pad_o), pad_t.numpy())
        np.testing.assert_array_equal(_np(len_o), len_t.numpy())
        assert len_o.dtype == pl.int64


def test_pack_then_pad_gradient_reaches_only_valid_steps():
    # parity.check: gradients through the two gathers, against torch and jax.vjp.
    lengths = [1, 4, 2]
    x = _padded(4, 3, 2, lengths)

    def ours(a):
        packed = U.pack_padded_sequence(a, lengths, enforce_sorted=False)
        return U.pad_packed_sequence(packed)[0] * 3.0

    def theirs(a):
        packed = torch.nn.utils.rnn.pack_padded_sequence(a, lengths, enforce_sorted=False)
        return torch.nn.utils.rnn.pad_packed_sequence(packed)[0] * 3.0

    check(ours, theirs if torch is not None else None, x, check_jax=True)
    a = pl.tensor(x, requires_grad=True)
    ours(a).sum().backward()
    want = np.zeros_like(x)
    for b, n in enumerate(lengths):
        want[:n, b] = 3.0
    np.testing.assert_array_equal(_np(a.grad), want)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_unpad_pack_unpack_match_torch(batch_first, side):
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (3, 5, 1)]
    ours = U.pad_sequence([pl.tensor(s) for s in seqs], batch_first=batch_first,
                          padding_value=9.0, padding_side=side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs],
                                             batch_first=batch_first, padding_value=9.0,
                                             padding_side=side)
    np.testing.assert_array_equal(_np(ours), theirs.numpy())
    if side == "right":
        back = U.unpad_sequence(ours, pl.tensor([3, 5, 1]), batch_first=batch_first)
        assert [tuple(t.shape) for t in back] == [s.shape for s in seqs]
        for a, s in zip(back, seqs):
            np.testing.assert_array_equal(_np(a), s)
    packed = U.pack_sequence([pl.tensor(s) for s in seqs], enforce_sorted=False)
    th_packed = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs],
                                                 enforce_sorted=False)
    np.testing.assert_array_equal(_np(packed.data), th_packed.data.numpy())
    for a, s in zip(U.unpack_sequence(packed), seqs):
        np.testing.assert_array_equal(_np(a), s)


def test_invert_permutation_and_packed_sequence_helpers():
    inv = U.invert_permutation(pl.tensor([2, 0, 3, 1]))
    np.testing.assert_array_equal(_np(inv), [1, 3, 0, 2])
    assert U.invert_permutation(None) is None
    packed = U.pack_sequence([pl.ones(3, 2), pl.ones(1, 2)])
    doubled = packed.double()
    assert doubled.data.dtype == pl.float64 and doubled.batch_sizes is packed.batch_sizes
    assert packed.to(pl.float32) is packed
    rebuilt = U.PackedSequence(packed.data, packed.batch_sizes, pl.tensor([1, 0]))
    np.testing.assert_array_equal(_np(rebuilt.unsorted_indices), [1, 0])
    assert not packed.is_cuda and not packed.is_pinned()


def test_errors_in_torchs_words():
    x = pl.zeros(5, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when "
                                           "`enforce_sorted` is True"):
        U.pack_padded_sequence(x, [2, 5, 1])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3\)"):
        U.pack_padded_sequence(x, [5, 2])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        U.pack_padded_sequence(x, [5, 2, 0])
    with pytest.raises(RuntimeError, match="at most the padded length 5, but found a "
                                           "length of 6"):
        U.pack_padded_sequence(x, [6, 2, 1])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 5"):
        U.pad_packed_sequence(U.pack_padded_sequence(x, [5, 2, 1]), total_length=3)
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        U.pad_sequence([])
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        U.pack_sequence([])
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or "
                                           "right, but got mid."):
        U.pad_sequence([pl.ones(2)], padding_side="mid")
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size "
                                           r"of tensor b \(4\) at non-singleton dimension 1"):
        U.pad_sequence([pl.ones(2, 3), pl.ones(2, 4)])
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        R.GRU(2, 4)(U.pack_padded_sequence(x, [5, 2, 1]), pl.zeros(1, 2, 4))


@needs_torch
@pytest.mark.parametrize("kind,kw", [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(bidirectional=True, batch_first=True)),
    ("RNN", dict(num_layers=2)),
    ("LSTM", dict(proj_size=2, batch_first=True)),
])
def test_recurrent_layers_on_packed_input_match_torch(kind, kw):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4, **kw)
    ours = getattr(R, kind)(3, 4, **kw)
    _copy_weights(ours, theirs)
    lengths = [2, 5, 1, 4]  # unsorted: the layer sorts, and puts states back in this order
    x = _padded(5, 4, 3, lengths)
    dirs = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1)
    h0 = rng.standard_normal((layers * dirs, 4, kw.get("proj_size") or 4)).astype(np.float32)
    c0 = rng.standard_normal((layers * dirs, 4, 4)).astype(np.float32)

    def run(lib, mod, utils):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, h0, c0)]
        packed = utils.pack_padded_sequence(xs[0], lengths, enforce_sorted=False)
        out, state = mod(packed, (xs[1], xs[2]) if kind == "LSTM" else xs[1])
        assert isinstance(out, utils.PackedSequence)
        states = list(state) if kind == "LSTM" else [state]
        padded, _ = utils.pad_packed_sequence(out, batch_first=True)
        loss = (padded * padded).sum() + sum((s * (k + 2)).sum() for k, s in enumerate(states))
        loss.backward()
        return [out.data, padded] + states, xs, out

    th_out, th_in, th_packed = run(torch, theirs, torch.nn.utils.rnn)
    our_out, our_in, our_packed = run(pl, ours, U)
    assert_layer_matches(kind, ours, theirs, our_out, th_out, our_in, th_in)
    np.testing.assert_array_equal(_np(our_packed.batch_sizes), th_packed.batch_sizes.numpy())
    np.testing.assert_array_equal(_np(our_packed.sorted_indices),
                                  th_packed.sorted_indices.numpy())


def test_packed_state_is_each_sequences_last_step():
    # Without torch: a packed batch gives each sequence the state it has when run alone.
    gru = R.GRU(2, 3, bidirectional=True)
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (4, 2, 3)]
    out, h = gru(U.pack_sequence([pl.tensor(s) for s in seqs], enforce_sorted=False))
    padded, lengths = U.pad_packed_sequence(out)
    np.testing.assert_array_equal(_np(lengths), [4, 2, 3])
    for b, s in enumerate(seqs):
        alone_out, alone_h = gru(pl.tensor(s[:, None]))
        np.testing.assert_allclose(_np(padded[:len(s), b]), _np(alone_out[:, 0]), atol=1e-6)
        np.testing.assert_array_equal(_np(padded[len(s):, b]), 0.0)
        np.testing.assert_allclose(_np(h[:, b]), _np(alone_h[:, 0]), atol=1e-6)


def test_packed_lstm_trains_under_compile():
    # Lengths fixed outside the compiled step; the step and its eager twin agree.
    pl.manual_seed(0)
    models = [R.LSTM(2, 3), R.LSTM(2, 3)]
    models[1].load_state_dict(models[0].state_dict())
    opts = [pl.optim.SGD(m.parameters(), lr=0.1) for m in models]
    x = pl.tensor(_padded(4, 3, 2, [4, 1, 3]))

    def make(model, opt):
        def step(x):
            opt.zero_grad()
            packed = U.pack_padded_sequence(x, [4, 1, 3], enforce_sorted=False)
            out, (h, c) = model(packed)
            loss = (out.data ** 2).mean() + h.pow(2).mean()
            loss.backward()
            opt.step()
            return loss
        return step

    compiled = pl.compile(make(models[0], opts[0]))
    eager = make(models[1], opts[1])
    for _ in range(3):
        np.testing.assert_allclose(float(compiled(x)), float(eager(x)), rtol=1e-5)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-6)


def test_lengths_tensor_inside_compile_says_to_pass_a_list():
    @pl.compile
    def f(x, lengths):
        return U.pack_padded_sequence(x, lengths).data.sum()

    with pytest.raises(RuntimeError, match="pass the lengths as a Python list of ints"):
        f(pl.zeros(3, 2, 1), pl.tensor([3, 1]))


def test_pack_and_unpack_inside_compile_equal_eager():
    seqs = [pl.tensor(rng.standard_normal((n, 2)).astype(np.float32)) for n in (2, 4, 1)]

    def f(a, b, c):
        packed = U.pack_sequence([a, b, c], enforce_sorted=False)
        back = U.unpack_sequence(packed)
        return [t * 2 for t in back], U.pad_packed_sequence(packed)[1]

    eager_out, eager_len = f(*seqs)
    comp_out, comp_len = pl.compile(f)(*seqs)
    np.testing.assert_array_equal(_np(comp_len), [2, 4, 1])
    np.testing.assert_array_equal(_np(comp_len), _np(eager_len))
    for a, b, s in zip(comp_out, eager_out, seqs):
        np.testing.assert_array_equal(_np(a), _np(b))
        np.testing.assert_array_equal(_np(a), 2 * _np(s))
