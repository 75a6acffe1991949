"""affine_grid / grid_sample (with a small spatial transformer), embedding_bag and
nn.EmbeddingBag (with a text-classification training run), pdist, gumbel_softmax, rrelu and
the in-place activations: values and gradients against torch (tests/parity.py), torch's
errors and warnings, and the compiled paths against eager."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.nn as pnn
import pytorch_like.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch half of check() is skipped
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")
rng = np.random.default_rng(0)


def _r(*shape, lo=None, hi=None):
    if lo is not None:
        return rng.uniform(lo, hi, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def _same_error(ours, theirs) -> None:
    with pytest.raises(Exception) as eo:
        ours()
    if theirs is not None:
        with pytest.raises(Exception) as et:
            theirs()
        assert type(eo.value) is type(et.value), (eo.value, et.value)
        assert str(eo.value) == str(et.value)


def _theirs(fn):
    return None if TF is None else fn


# -- affine_grid / grid_sample -----------------------------------------------------------
def _grid(*shape):
    # Points well outside [-1, 1] (padding modes matter) and exactly on the corners.
    g = _r(*shape, lo=-1.6, hi=1.6)
    g[0, 0, 0] = 1.0
    g[0, 0, 1] = -1.0
    return g


# Every mode and padding; align_corners alternates so both values are covered in each mode.
_MODES_2D = [(m, p, bool((i * 3 + j) % 2)) for i, m in enumerate(("bilinear", "nearest",
                                                                  "bicubic"))
             for j, p in enumerate(("zeros", "border", "reflection"))]


@pytest.mark.slow
@pytest.mark.parametrize("mode,pad,ac", _MODES_2D)
def test_grid_sample_2d(mode, pad, ac):
    x, g = _r(2, 3, 4, 5), _grid(2, 3, 4, 2)
    check(lambda a, b: F.grid_sample(a, b, mode, pad, ac),
          _theirs(lambda a, b: TF.grid_sample(a, b, mode, pad, ac)), x, g)


@pytest.mark.slow
@pytest.mark.parametrize("mode,pad,ac", [c for c in _MODES_2D if c[0] != "bicubic"])
def test_grid_sample_3d(mode, pad, ac):
    x, g = _r(1, 2, 3, 4, 3), _grid(1, 2, 3, 2, 3)
    check(lambda a, b: F.grid_sample(a, b, mode, pad, ac),
          _theirs(lambda a, b: TF.grid_sample(a, b, mode, pad, ac)), x, g)


def test_affine_grid_2d_and_3d():
    for ac in (False, True):
        check(lambda t, ac=ac: F.affine_grid(t, (2, 3, 4, 5), ac),
              _theirs(lambda t, ac=ac: TF.affine_grid(t, (2, 3, 4, 5), ac)), _r(2, 2, 3))
        check(lambda t, ac=ac: F.affine_grid(t, (2, 1, 3, 2, 4), ac),
              _theirs(lambda t, ac=ac: TF.affine_grid(t, (2, 1, 3, 2, 4), ac)), _r(2, 3, 4))


def _warning_texts(fn) -> list:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(x.category, str(x.message)) for x in w]


def test_affine_grid_and_grid_sample_warnings_match_torch():
    theta = _r(1, 2, 3)

    def warned(lib, f):
        th = lib.tensor(theta)
        return [_warning_texts(lambda: f.affine_grid(th, (1, 1, 2, 3))),
                _warning_texts(lambda: f.grid_sample(lib.ones(1, 1, 2, 2),
                                                     lib.zeros(1, 1, 1, 2))),
                _warning_texts(lambda: f.affine_grid(th, (1, 1, 1, 3), align_corners=True))]

    ours = warned(pl, F)
    assert "align_corners=False since 1.3.0" in ours[0][0][1]
    assert ours[1] == ours[0]
    assert "unit-size grids" in ours[2][0][1]
    if torch is not None:
        assert ours == warned(torch, TF)


def test_affine_grid_and_grid_sample_errors_match_torch():
    def cases(lib, f):
        t2 = lib.zeros(2, 2, 3)
        x = lib.zeros(1, 2, 3, 4)
        g = lib.zeros(1, 2, 2, 2)
        return [
            lambda: f.affine_grid(t2, (2, 3, 4, 5, 6), align_corners=False),
            lambda: f.affine_grid(t2, (2, 3, 4), align_corners=False),
            lambda: f.affine_grid(t2.long(), (2, 3, 4, 5), align_corners=False),
            lambda: f.affine_grid(t2, (3, 3, 4, 5), align_corners=False),
            lambda: f.affine_grid(lib.zeros(2, 3, 3), (2, 3, 4, 5), align_corners=False),
            lambda: f.affine_grid(t2, (2, 3, 0, 5), align_corners=False),
            lambda: f.grid_sample(x, g, mode="area", align_corners=False),
            lambda: f.grid_sample(x, g, padding_mode="circular", align_corners=False),
            lambda: f.grid_sample(lib.zeros(1, 1, 2, 2, 2), lib.zeros(1, 1, 1, 1, 3),
                                  mode="bicubic", align_corners=False),
            lambda: f.grid_sample(x, lib.zeros(1, 2, 2, 3), align_corners=False),
            lambda: f.grid_sample(x, lib.zeros(2, 2, 2, 2), align_corners=False),
            lambda: f.grid_sample(x, lib.zeros(1, 2, 2, 2, 2), align_corners=False),
            lambda: f.grid_sample(x, g.double(), align_corners=False),
            lambda: f.grid_sample(x.long(), g, align_corners=False),
            lambda: f.grid_sample(lib.zeros(1, 2, 0, 4), g, align_corners=False),
        ]

    ours = cases(pl, F)
    theirs = cases(torch, TF) if torch is not None else [None] * len(ours)
    for o, t in zip(ours, theirs):
        _same_error(o, t)


class _STN:
    """The spatial transformer of PyTorch's STN tutorial, shrunk: a localisation net
    regresses theta (initialised to the identity), then affine_grid + grid_sample."""

    def __init__(self, nn) -> None:
        self.loc = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(2 * 3 * 3, 6))

    def __call__(self, f, x):
        theta = self.loc(x).view(-1, 2, 3)
        grid = f.affine_grid(theta, x.size(), align_corners=False)
        return f.grid_sample(x, grid, align_corners=False)


@needs_torch
def test_spatial_transformer_forward_backward_matches_torch():
    ours, theirs = _STN(pnn), _STN(torch.nn)
    pl.manual_seed(0)
    for p in ours.loc.parameters():
        p.data.normal_(0, 0.3)
    for po, pt in zip(ours.loc.parameters(), theirs.loc.parameters()):
        with torch.no_grad():
            pt.copy_(torch.tensor(po.detach().numpy()))
    x = _r(2, 1, 8, 8)
    out_o = ours(F, pl.tensor(x))
    out_t = theirs(TF, torch.tensor(x))
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), atol=1e-5)
    ct = _r(*out_o.shape)
    (out_o * pl.tensor(ct)).sum().backward()
    (out_t * torch.tensor(ct)).sum().backward()
    for po, pt in zip(ours.loc.parameters(), theirs.loc.parameters()):
        np.testing.assert_allclose(po.grad.numpy(), pt.grad.numpy(), atol=1e-4, rtol=1e-4)
    # The same transformer as one compiled program.
    with pl.no_grad():
        compiled = pl.compile(lambda x: ours(F, x))(pl.tensor(x))
    np.testing.assert_allclose(compiled.numpy(), out_o.detach().numpy(), atol=1e-5)


# -- embedding_bag -----------------------------------------------------------------------
def test_embedding_bag_modes_offsets_and_weights():
    w = _r(10, 3)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 7], np.int64)
    off = np.array([0, 3, 3, 8], np.int64)  # bag 1 is empty
    for mode in ("sum", "mean", "max"):
        check(lambda w, i, o, mode=mode: F.embedding_bag(i, w, o, mode=mode),
              _theirs(lambda w, i, o, mode=mode: TF.embedding_bag(i, w, o, mode=mode)),
              w, idx, off)
    # 2-D input: fixed-length bags; padding entries leave their bag (here in 'max').
    check(lambda w, i: F.embedding_bag(i, w, mode="max", padding_idx=4),
          _theirs(lambda w, i: TF.embedding_bag(i, w, mode="max", padding_idx=4)),
          w, idx.reshape(2, 5))
    # The last offset closes the last bag.
    check(lambda w, i, o: F.embedding_bag(i, w, o, mode="mean", include_last_offset=True,
                                          padding_idx=-1),
          _theirs(lambda w, i, o: TF.embedding_bag(i, w, o, mode="mean",
                                                   include_last_offset=True, padding_idx=-1)),
          w, idx, np.array([0, 2, 2, 10], np.int64))
    check(lambda w, i, o, s: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=s),
          _theirs(lambda w, i, o, s: TF.embedding_bag(i, w, o, mode="sum",
                                                      per_sample_weights=s)),
          w, idx, off, _r(10))


def test_embedding_bag_max_norm_renormalises_weight_like_torch():
    w = _r(6, 3) * 3
    idx, off = np.array([0, 2, 5, 2], np.int64), np.array([0, 1], np.int64)
    ours = pl.tensor(w)
    out = F.embedding_bag(pl.tensor(idx), ours, pl.tensor(off), max_norm=1.0)
    if torch is not None:
        theirs = torch.tensor(w)
        want = TF.embedding_bag(torch.tensor(idx), theirs, torch.tensor(off), max_norm=1.0)
        np.testing.assert_allclose(out.numpy(), want.numpy(), atol=1e-6)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


def test_embedding_bag_errors_match_torch():
    def cases(lib, f):
        w = lib.zeros(10, 3)
        i = lib.tensor([1, 2, 4, 5])
        o = lib.tensor([0, 2])
        return [
            lambda: f.embedding_bag(i.view(2, 2), w, o),
            lambda: f.embedding_bag(i, w),
            lambda: f.embedding_bag(i, w, o.view(1, 2)),
            lambda: f.embedding_bag(i.view(1, 2, 2), w),
            lambda: f.embedding_bag(i, w, o, mode="median"),
            lambda: f.embedding_bag(i, w, o, per_sample_weights=lib.ones(4)),
            lambda: f.embedding_bag(i, w, o, mode="max", per_sample_weights=lib.ones(4)),
            lambda: f.embedding_bag(i, w, o, mode="sum", per_sample_weights=lib.ones(3)),
            lambda: f.embedding_bag(i, w, o, mode="sum",
                                    per_sample_weights=lib.ones(4).double()),
            lambda: f.embedding_bag(i.float(), w, o),
            lambda: f.embedding_bag(i, w, lib.tensor([1, 2])),
            lambda: f.embedding_bag(i, w, lib.tensor([0, 5])),
            lambda: f.embedding_bag(lib.tensor([3, 10]), w, o),
            lambda: f.embedding_bag(i, w[0], o),
            lambda: f.embedding_bag(i, w, o, padding_idx=10),
            lambda: f.embedding_bag(i, w, o, padding_idx=-11),
            lambda: lib.nn.EmbeddingBag(10, 3, padding_idx=10),
            lambda: lib.nn.EmbeddingBag(10, 3, _weight=lib.zeros(9, 3)),
            lambda: lib.nn.EmbeddingBag.from_pretrained(lib.zeros(9)),
        ]

    ours = cases(pl, F)
    theirs = cases(torch, TF) if torch is not None else [None] * len(ours)
    for o, t in zip(ours, theirs):
        _same_error(o, t)


def test_embedding_bag_module_init_repr_and_from_pretrained():
    pl.manual_seed(0)
    bag = pnn.EmbeddingBag(400, 50, padding_idx=-1)
    w = bag.weight.detach().numpy()
    assert bag.padding_idx == 399 and not w[399].any()
    assert abs(w[:399].mean()) < 0.02 and abs(w[:399].std() - 1) < 0.02  # N(0, 1), as torch
    specs = [((10, 3), {}),
             ((10, 3), dict(max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, mode="sum",
                            sparse=True, include_last_offset=True, padding_idx=2))]
    for args, kw in specs:
        r = repr(pnn.EmbeddingBag(*args, **kw))
        if torch is not None:
            assert r == repr(torch.nn.EmbeddingBag(*args, **kw))
    fp = pnn.EmbeddingBag.from_pretrained(pl.ones(4, 2), mode="max", padding_idx=1)
    assert not fp.weight.requires_grad and fp.mode == "max"
    assert fp.weight.detach().numpy().tolist() == [[1.0, 1.0]] * 4  # padding row kept
    assert pnn.EmbeddingBag.from_pretrained(pl.ones(4, 2), freeze=False).weight.requires_grad


class _TextClassifier:
    """The model of PyTorch's text-classification tutorial: EmbeddingBag (mean of each
    text's tokens, offsets mark where texts start) followed by a linear layer."""

    def __init__(self, nn, vocab: int, dim: int, classes: int) -> None:
        self.embedding = nn.EmbeddingBag(vocab, dim, sparse=False)
        self.fc = nn.Linear(dim, classes)
        self.params = [self.embedding.weight, self.fc.weight, self.fc.bias]

    def __call__(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


def _text_batches(steps: int, vocab: int, classes: int):
    out = []
    for _ in range(steps):
        lengths = rng.integers(1, 6, 4)
        text = rng.integers(0, vocab, int(lengths.sum()))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        out.append((text, offsets, rng.integers(0, classes, 4)))
    return out


def _train_text(lib, weights, batches, compiled: bool = False):
    model = _TextClassifier(lib.nn, 30, 8, 4)
    with lib.no_grad():
        for p, w in zip(model.params, weights):
            p.copy_(lib.tensor(w))
    opt = lib.optim.SGD(model.params, lr=5.0)
    crit = lib.nn.CrossEntropyLoss()

    def step(text, offsets, label):
        opt.zero_grad()
        loss = crit(model(text, offsets), label)
        loss.backward()
        opt.step()
        return loss

    fn = pl.compile(step) if compiled else step
    losses = [fn(lib.tensor(t), lib.tensor(o), lib.tensor(y)).item() for t, o, y in batches]
    return losses, [p.detach().numpy().copy() for p in model.params], fn


@pytest.mark.slow
def test_text_classification_training_matches_torch_and_compiles():
    # The tutorial's init: uniform(-0.5, 0.5) weights, zero bias.
    weights = [_r(30, 8, lo=-0.5, hi=0.5), _r(4, 8, lo=-0.5, hi=0.5), np.zeros(4, np.float32)]
    # Same text length in every batch: one compiled program serves all (offsets traced).
    batches = [(rng.integers(0, 30, 12), np.sort(np.r_[0, rng.choice(np.arange(1, 12), 3,
                                                                       replace=False)]),
                rng.integers(0, 4, 4)) for _ in range(4)]
    le, we, _ = _train_text(pl, weights, batches)
    lc, wc, fn = _train_text(pl, weights, batches, compiled=True)
    # The first call traces without .grad buffers, the second with; then no retrace.
    assert fn.trace_count <= 2
    np.testing.assert_allclose(lc, le, rtol=1e-5, atol=1e-6)
    for a, b in zip(wc, we):
        np.testing.assert_allclose(a, b, atol=1e-5)
    if torch is not None:
        lt, wt, _ = _train_text(torch, weights, batches)
        np.testing.assert_allclose(le, lt, rtol=1e-5, atol=1e-5)
        for a, b in zip(we, wt):
            np.testing.assert_allclose(a, b, atol=1e-5)


# -- pdist -------------------------------------------------------------------------------
def test_pdist_values_and_gradients():
    x = _r(5, 3)
    x[1] = x[0]  # a zero distance: torch's gradient there is 0, not NaN
    for p in (0, 0.5, 1, 2, 3, float("inf")):
        check(lambda a, p=p: F.pdist(a, p), _theirs(lambda a, p=p: TF.pdist(a, p)), x)

    def cases(lib, f):
        return [lambda: f.pdist(lib.zeros(2, 3, 4)), lambda: f.pdist(lib.zeros(3, 4), p=-1),
                lambda: f.pdist(lib.zeros(3, 4).long())]
    for o, t in zip(cases(pl, F), cases(torch, TF) if torch is not None else [None] * 3):
        _same_error(o, t)


# -- gumbel_softmax ----------------------------------------------------------------------
def test_gumbel_softmax_soft_hard_straight_through():
    logits = _r(4, 6)
    ct = pl.tensor(_r(4, 6))

    def run(hard, dim=-1):
        pl.manual_seed(3)
        x = pl.tensor(logits, requires_grad=True)
        y = F.gumbel_softmax(x, tau=0.7, hard=hard, dim=dim)
        (y * ct).sum().backward()
        return y.detach().numpy(), x.grad.numpy()

    soft, g_soft = run(False)
    hard, g_hard = run(True)
    assert (soft > 0).all()
    np.testing.assert_allclose(soft.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(hard, np.eye(6)[soft.argmax(-1)], atol=1e-6)  # one-hot
    np.testing.assert_allclose(g_hard, g_soft, atol=1e-6)  # straight-through
    assert not np.allclose(run(False, dim=0)[0].sum(0), 0)  # dim respected
    np.testing.assert_allclose(run(False, dim=0)[0].sum(0), 1.0, rtol=1e-6)
    if torch is not None:
        # Same sample in torch: softmax((logits + g) / tau) for our noise g (up to a
        # per-row constant, which softmax ignores) has the same gradient.
        g = 0.7 * np.log(soft) - logits
        xt = torch.tensor(logits, requires_grad=True)
        yt = torch.softmax((xt + torch.tensor(g)) / 0.7, -1)
        (yt * torch.tensor(ct.numpy())).sum().backward()
        np.testing.assert_allclose(g_soft, xt.grad.numpy(), atol=1e-5)
    assert _warning_texts(lambda: F.gumbel_softmax(pl.zeros(2), eps=1e-5)) == [
        (UserWarning, "`eps` parameter is deprecated and has no effect.")]


# -- rrelu and the in-place activations --------------------------------------------------
def test_rrelu_eval_equals_torch_exactly_and_training_draws_slopes():
    x = _r(3, 40)
    x[0, 0] = 0.0
    lo, hi = 0.1, 0.37
    out = check(lambda a: F.rrelu(a, lo, hi), _theirs(lambda a: TF.rrelu(a, lo, hi)), x,
                atol=0, rtol=0, grad_atol=0)
    if torch is not None:
        assert np.array_equal(out[0].detach().numpy(), TF.rrelu(torch.tensor(x), lo, hi).numpy())
    pl.manual_seed(1)
    xt = pl.tensor(x, requires_grad=True)
    y = F.rrelu(xt, lo, hi, training=True)
    y.sum().backward()
    neg = x < 0
    slope = y.detach().numpy()[neg] / x[neg]
    assert ((slope >= lo) & (slope <= hi)).all() and slope.std() > 0.03
    assert np.array_equal(y.detach().numpy()[~neg], x[~neg])
    np.testing.assert_allclose(xt.grad.numpy()[neg], slope, rtol=1e-5)  # d/dx = the slope
    assert (xt.grad.numpy()[x > 0] == 1).all()
    pl.manual_seed(1)
    assert np.array_equal(F.rrelu(pl.tensor(x), lo, hi, training=True).numpy(),
                          y.detach().numpy())
    m = pnn.RReLU(lo, hi, inplace=True)
    v = pl.tensor(x)
    assert m.eval()(v) is v and np.array_equal(v.numpy(), out[0].detach().numpy())
    if torch is not None:
        assert repr(m) == repr(torch.nn.RReLU(lo, hi, inplace=True))
        assert repr(pnn.RReLU()) == repr(torch.nn.RReLU())


def test_inplace_activations_match_torch():
    x = _r(2, 5)
    for name, args in [("celu_", (0.7,)), ("selu_", ()), ("threshold_", (0.1, -2.0)),
                       ("rrelu_", (0.2, 0.3))]:
        ours = pl.tensor(x)
        res = getattr(F, name)(ours, *args)
        assert res is ours
        if torch is not None:
            theirs = torch.tensor(x)
            getattr(TF, name)(theirs, *args)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6, err_msg=name)
        leaf = pl.tensor(x, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            getattr(F, name)(leaf, *args)
    # Through a graph: the gradient of the in-place op on a non-leaf, as torch.
    check(lambda a: F.selu_(a * 1.0), _theirs(lambda a: TF.selu_(a * 1.0)), x)

    def cases(lib, f):
        return [lambda: f.rrelu(lib.zeros(3), 0.5, 0.1),
                lambda: f.rrelu(lib.zeros(3), 0.5, 0.1, training=True),
                lambda: f.rrelu(lib.tensor([1, -2]), training=True),
                lambda: f.rrelu(lib.tensor([1, -2])),
                lambda: f.gumbel_softmax(lib.tensor([1, 2]))]
    for o, t in zip(cases(pl, F), cases(torch, TF) if torch is not None else [None] * 5):
        _same_error(o, t)
