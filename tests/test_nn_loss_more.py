"""The margin, embedding, ranking, likelihood, triplet and CTC losses and the adaptive softmax:
values and gradients against torch (tests/parity.py), errors with torch's types and wording,
and CTC and the adaptive softmax inside ``compile`` against eager mode.

Targets and class weights are passed as constants where torch does not differentiate them.
"""

import warnings

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch half of check() is skipped; direct uses importorskip
    torch = TF = None

rng = np.random.default_rng(0)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _pair(name, *consts, **kw):
    """(ours, torch's) calls of functional loss ``name``: float inputs first, then the numpy
    ``consts`` as constant tensors, then keyword arguments (numpy values become tensors)."""
    def make(lib, fns):
        def call(*xs):
            cs = [lib.tensor(c) if isinstance(c, np.ndarray) else c for c in consts]
            k = {n: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for n, v in kw.items()}
            return getattr(fns, name)(*xs, *cs, **k)
        return call
    return make(pl, F), (None if torch is None else make(torch, TF))


def _same_error(make):
    """``make(lib, functional)`` raises the same exception type and message in both."""
    with pytest.raises(Exception) as ours:
        make(pl, F)
    if torch is None:
        return
    with pytest.raises(Exception) as theirs:
        make(torch, TF)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
    assert str(ours.value) == str(theirs.value)


def _modules(cls, *consts, **kw):
    """(ours, torch's) calls of a loss module built with ``kw``; numpy ``consts`` follow the
    float inputs as constant tensors."""
    def make(lib):
        def call(*xs):
            cs = [lib.tensor(c) if isinstance(c, np.ndarray) else c for c in consts]
            k = {n: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for n, v in kw.items()}
            return getattr(lib.nn, cls)(**k)(*xs, *cs)
        return call
    return make(pl), (None if torch is None else make(torch))


X1, X2, X3 = _f32(3, 5), _f32(3, 5), _f32(3, 5)
SIGNS = np.sign(_f32(3, 5)).astype(np.float32)

# Each distinct option set compiles its own forward and backward programs, so the cases
# below cover every option once, mostly through the module (which calls the functional).


def test_embedding_and_ranking_losses():
    check(*_modules("CosineEmbeddingLoss", np.array([1, -1, 1]), margin=0.2), X1, X2)
    check(*_modules("HingeEmbeddingLoss", SIGNS, margin=0.5, reduction="none"), X1)
    check(*_modules("MarginRankingLoss", SIGNS[0], margin=0.3, reduction="sum"), X1[0], X2[0])
    check(*_pair("soft_margin_loss", SIGNS), X1)
    check(*_pair("cosine_embedding_loss", np.array(-1), reduction="none"), X1[0], X2[0],
          grad=False)


def test_multilabel_and_multi_margin_losses():
    labels = (_f32(3, 5) > 0).astype(np.float32)
    weight = np.abs(_f32(5))
    check(*_modules("MultiLabelSoftMarginLoss", labels, weight=weight, reduction="none"), X1)
    lists = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, -1], [0, -1, 2, 2, 2]])
    check(*_modules("MultiLabelMarginLoss", lists), X1)
    check(*_pair("multilabel_margin_loss", lists[1], reduction="none"), X1[1], grad=False)
    classes = np.array([4, 0, 2])
    check(*_modules("MultiMarginLoss", classes, margin=0.7, weight=weight), X1)
    check(*_pair("multi_margin_loss", classes, p=2, reduction="none"), X1)
    check(*_pair("multi_margin_loss", classes[:1], reduction="none"), X1[0], grad=False)


def test_likelihood_losses():
    counts = rng.integers(1, 5, (3, 5)).astype(np.float32)
    check(*_modules("PoissonNLLLoss", full=True, reduction="none"), X1, counts)
    check(*_pair("poisson_nll_loss", log_input=False, eps=1e-3), np.abs(X1) + 0.1, counts)
    var = np.abs(_f32(3, 5)) + 0.01
    var[0, 0] = 1e-9  # below eps: clamped, with the gradient passing through as in torch
    check(*_pair("gaussian_nll_loss", eps=1e-3, reduction="none"), X1, X2, var)
    check(*_modules("GaussianNLLLoss", full=True), X1, X2, var[:, 0])  # (N,) for (N, D)
    check(*_pair("gaussian_nll_loss", reduction="sum"), X1, X2, var[:1], grad=False)
    check(*_pair("gaussian_nll_loss", 0.5), X1, X2, grad=False)


def test_triplet_losses():
    check(*_modules("TripletMarginLoss", margin=0.5, swap=True, reduction="none"), X1, X2, X3)

    def cosine(lib, fns):
        return lambda a, p, n: fns.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - fns.cosine_similarity(u, v),
            margin=0.3, swap=True, reduction="sum")
    check(cosine(pl, F), None if torch is None else cosine(torch, TF), X1, X2, X3)
    check(*_modules("TripletMarginWithDistanceLoss"), X1, X2, X3, grad=False)
    check(*_pair("triplet_margin_loss", p=1), X1, X2, X3, grad=False)


# -- CTC ----------------------------------------------------------------------------------
T, N, C = 8, 3, 5
LOGITS = _f32(T, N, C)
LOG_PROBS = (LOGITS - np.log(np.exp(LOGITS).sum(2, keepdims=True))).astype(np.float32)
PADDED = np.array([[1, 2, 2, 4], [3, 1, 0, 0], [2, 2, 2, 0]])
IN_LEN, TGT_LEN = np.array([8, 6, 7]), np.array([4, 2, 3])


def _ctc(*args, logits=False, **kw):
    def make(lib):
        def call(x):
            cs = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
            return lib.nn.CTCLoss(**kw)(x.log_softmax(2) if logits else x, *cs)
        return call
    return make(pl), (None if torch is None else make(torch))


# These cases share one shape and blank, so the recursion compiles once for all of them.
def test_ctc_through_log_softmax():
    check(*_ctc(PADDED, IN_LEN, TGT_LEN, logits=True), LOGITS, atol=1e-4)


def test_ctc_gradient_on_log_probs_is_torchs():
    # torch adds exp(log_probs) to the exact gradient (it cancels through log_softmax).
    check(*_ctc(PADDED, IN_LEN, TGT_LEN, reduction="none"), LOG_PROBS, atol=1e-4)


def test_ctc_concatenated_targets_and_tuples():
    flat = np.array([1, 2, 2, 4, 3, 1, 2, 2, 2])
    check(*_ctc(flat, (8, 6, 7), (4, 2, 3), reduction="sum"), LOG_PROBS, atol=1e-4)


def test_ctc_zero_infinity():
    # sample 0 has no valid alignment (4 repeats need 7 steps), sample 2 is empty
    impossible = np.array([[1, 1, 1, 1], [2, 3, 0, 0], [1, 2, 0, 0]])
    lens = (np.array([4, 5, 0]), np.array([4, 2, 0]))
    check(*_ctc(impossible, *lens, reduction="none", zero_infinity=True), LOG_PROBS, atol=1e-4)
    out = F.ctc_loss(pl.tensor(LOG_PROBS), pl.tensor(impossible), pl.tensor(lens[0]),
                     pl.tensor(lens[1]), reduction="none")
    assert np.isinf(out.numpy()[0]) and out.numpy()[2] == 0


def test_ctc_last_blank_and_unbatched():
    check(*_ctc(PADDED - 1, IN_LEN, TGT_LEN, blank=C - 1), LOG_PROBS, atol=1e-4)
    check(*_ctc(PADDED[0, :3], np.array(7), np.array(3), reduction="none"), LOG_PROBS[:, 1],
          atol=1e-4, grad=False)


def test_ctc_inside_compile_matches_eager():
    args = (pl.tensor(PADDED), pl.tensor(IN_LEN), pl.tensor(TGT_LEN))
    ctc = pl.nn.CTCLoss()
    x = pl.nn.Parameter(pl.tensor(LOGITS))

    def step(*a):
        x.grad = None
        loss = ctc(x.log_softmax(2), *a)
        loss.backward()
        return loss

    def run(fn):
        return fn(*args).item(), x.grad.numpy()
    eager, compiled = run(step), run(pl.compile(step))
    np.testing.assert_allclose(compiled[0], eager[0], rtol=1e-5)
    np.testing.assert_allclose(compiled[1], eager[1], rtol=1e-5, atol=1e-7)


# -- errors -------------------------------------------------------------------------------
def _t(lib, a):
    return lib.tensor(np.asarray(a))


_ERRORS = {
    "cosine_multi_target": lambda L, f: f.cosine_embedding_loss(
        _t(L, X1), _t(L, X2), _t(L, [[1, 1, 1]])),
    "cosine_1d_target": lambda L, f: f.cosine_embedding_loss(
        _t(L, X1[0]), _t(L, X2[0]), _t(L, [1])),
    "cosine_0d_target": lambda L, f: f.cosine_embedding_loss(_t(L, X1), _t(L, X2), _t(L, 1)),
    "cosine_batch": lambda L, f: f.cosine_embedding_loss(_t(L, X1), _t(L, X2), _t(L, [1, -1])),
    "cosine_reduction": lambda L, f: f.cosine_embedding_loss(
        _t(L, X1), _t(L, X2), _t(L, [1, -1, 1]), reduction="avg"),
    "hinge_broadcast": lambda L, f: f.hinge_embedding_loss(_t(L, X1), _t(L, SIGNS[0, :2])),
    "ranking_dims": lambda L, f: f.margin_ranking_loss(
        _t(L, X1), _t(L, X2[0]), _t(L, SIGNS[0])),
    "soft_margin_target_grad": lambda L, f: f.soft_margin_loss(
        _t(L, X1), _t(L, SIGNS).requires_grad_()),
    "mlsm_reduction": lambda L, f: f.multilabel_soft_margin_loss(
        _t(L, X1), _t(L, SIGNS), reduction="avg"),
    "mlm_target_size": lambda L, f: f.multilabel_margin_loss(_t(L, X1), _t(L, [[0, 1]] * 3)),
    "mlm_target_dtype": lambda L, f: f.multilabel_margin_loss(_t(L, X1), _t(L, SIGNS)),
    "mlm_range": lambda L, f: f.multilabel_margin_loss(_t(L, X1[0]), _t(L, [5, -1, 0, 0, 0])),
    "mlm_3d": lambda L, f: f.multilabel_margin_loss(_t(L, X1[None]), _t(L, [[[0] * 5] * 3])),
    "mm_p": lambda L, f: f.multi_margin_loss(_t(L, X1), _t(L, [0, 1, 2]), p=3),
    "mm_weight_dim": lambda L, f: f.multi_margin_loss(
        _t(L, X1), _t(L, [0, 1, 2]), weight=_t(L, X2)),
    "mm_weight_size": lambda L, f: f.multi_margin_loss(
        _t(L, X1), _t(L, [0, 1, 2]), weight=_t(L, X2[0, :3])),
    "mm_target_size": lambda L, f: f.multi_margin_loss(_t(L, X1), _t(L, [0, 1])),
    "mm_range": lambda L, f: f.multi_margin_loss(_t(L, X1), _t(L, [0, 1, 5])),
    "poisson_reduction": lambda L, f: f.poisson_nll_loss(_t(L, X1), _t(L, X2), reduction="x"),
    "gaussian_var_size": lambda L, f: f.gaussian_nll_loss(_t(L, X1), _t(L, X2), _t(L, X3[:2])),
    "gaussian_var_negative": lambda L, f: f.gaussian_nll_loss(_t(L, X1), _t(L, X2), -0.5),
    "gaussian_var_negative_tensor": lambda L, f: f.gaussian_nll_loss(
        _t(L, X1), _t(L, X2), _t(L, X3)),
    "gaussian_reduction": lambda L, f: f.gaussian_nll_loss(
        _t(L, X1), _t(L, X2), 1.0, reduction="x"),
    "triplet_margin": lambda L, f: f.triplet_margin_loss(
        _t(L, X1), _t(L, X2), _t(L, X3), margin=0),
    "triplet_dims": lambda L, f: f.triplet_margin_with_distance_loss(
        _t(L, X1), _t(L, X2), _t(L, X3[0])),
    "triplet_module_margin": lambda L, f: L.nn.TripletMarginLoss(margin=-1.0),
    "triplet_distance_module_margin": lambda L, f: L.nn.TripletMarginWithDistanceLoss(
        margin=0.0),
    "multi_margin_module_weight": lambda L, f: L.nn.MultiMarginLoss(weight=_t(L, X1)),
    "ctc_blank": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN), _t(L, TGT_LEN), blank=5),
    "ctc_input_lengths_size": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN[:2]), _t(L, TGT_LEN)),
    "ctc_target_lengths_size": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN), _t(L, TGT_LEN[:2])),
    "ctc_input_too_long": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, [9, 6, 7]), _t(L, TGT_LEN)),
    "ctc_negative_length": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN), _t(L, [4, -1, 3])),
    "ctc_padded_too_short": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN), _t(L, [5, 2, 3])),
    "ctc_concat_size": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, [1, 2, 3]), _t(L, IN_LEN), _t(L, TGT_LEN)),
    "ctc_float_lengths": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN.astype(np.float32)), _t(L, TGT_LEN)),
    "ctc_reduction": lambda L, f: f.ctc_loss(
        _t(L, LOG_PROBS), _t(L, PADDED), _t(L, IN_LEN), _t(L, TGT_LEN), reduction="x"),
}


@pytest.mark.parametrize("case", list(_ERRORS))
def test_errors_match_torch(case):
    _same_error(_ERRORS[case])


# -- modules ------------------------------------------------------------------------------
def test_legacy_reduction_and_nllloss2d():
    x, s = pl.tensor(X1), pl.tensor(SIGNS)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        total = F.soft_margin_loss(x, s, size_average=False)
    np.testing.assert_allclose(total.numpy(), F.soft_margin_loss(x, s, reduction="sum").numpy())
    with pytest.warns(UserWarning):
        assert pl.nn.HingeEmbeddingLoss(reduce=False).reduction == "none"
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        loss_fn = pl.nn.NLLLoss2d(ignore_index=1)
    assert isinstance(loss_fn, pl.nn.NLLLoss) and loss_fn.ignore_index == 1


# -- adaptive softmax ---------------------------------------------------------------------
def _adaptive_pair():
    torch_ = pytest.importorskip("torch")
    torch_.manual_seed(0)
    theirs = torch_.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs=[5, 12], div_value=2.0,
                                                  head_bias=True)
    ours = pl.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs=[5, 12], div_value=2.0,
                                            head_bias=True)
    ours.load_state_dict({k: pl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_adaptive_log_softmax_matches_torch():
    ours, theirs = _adaptive_pair()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    x, target = _f32(6, 8), np.array([0, 4, 5, 11, 12, 19])  # every cluster and boundary
    out, ref = ours(pl.tensor(x), pl.tensor(target)), theirs(torch.tensor(x), torch.tensor(target))
    assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
    np.testing.assert_allclose(out.output.detach().numpy(), ref.output.detach().numpy(),
                               atol=1e-5)
    out.loss.backward()
    ref.loss.backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-5, err_msg=name)
    np.testing.assert_allclose(ours.log_prob(pl.tensor(x)).detach().numpy(),
                               theirs.log_prob(torch.tensor(x)).detach().numpy(), atol=1e-5)
    # rows won by the shortlist and by a class of each cluster (both of torch's paths)
    wide = 3 * np.random.default_rng(4).standard_normal((6, 8)).astype(np.float32)
    pred = ours.predict(pl.tensor(wide))
    assert pred.dtype == pl.int64
    np.testing.assert_array_equal(pred.numpy(), theirs.predict(torch.tensor(wide)).numpy())
    single = ours(pl.tensor(x[3]), pl.tensor(target[3]))
    assert single.output.shape == ()
    np.testing.assert_allclose(single.loss.item(), -out.output[3].item(), rtol=1e-5)


_ADAPTIVE_ERRORS = {
    "batch": lambda L, m: m(_t(L, _f32(6, 8)), _t(L, [0, 1])),
    "range": lambda L, m: m(_t(L, _f32(2, 8)), _t(L, [3, 20])),
    "multi_target": lambda L, m: m(_t(L, _f32(2, 8)), _t(L, [[3, 2]])),
    "target_0d": lambda L, m: m(_t(L, _f32(2, 8)), _t(L, 3)),
    "cutoffs": lambda L, m: type(m)(8, 20, [5, 5]),
    "cutoffs_empty": lambda L, m: type(m)(8, 20, []),
}


@pytest.mark.parametrize("case", list(_ADAPTIVE_ERRORS))
def test_adaptive_errors_match_torch(case):
    ours, theirs = _adaptive_pair()
    with pytest.raises(Exception) as e_ours:
        _ADAPTIVE_ERRORS[case](pl, ours)
    with pytest.raises(Exception) as e_theirs:
        _ADAPTIVE_ERRORS[case](torch, theirs)
    assert type(e_ours.value) is type(e_theirs.value)
    assert str(e_ours.value) == str(e_theirs.value)


def test_adaptive_inside_compile_matches_eager():
    ours, _ = _adaptive_pair()
    x, target = pl.tensor(_f32(6, 8)), pl.tensor(np.array([0, 4, 5, 11, 12, 19]))

    def step(x, y):
        ours.zero_grad()
        out = ours(x, y)
        out.loss.backward()
        return out.output

    def run(fn):
        out = fn(x, target).detach().numpy()
        return [out] + [p.grad.numpy() for p in ours.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eager = run(step)
    for got, want in zip(run(pl.compile(step)), eager):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# -- linear_cross_entropy (torch 2.13) --------------------------------------------------
_LCE_TARGET = np.array([0, 2, -100, 1, 1])
_LCE_TARGET_K = np.array([[0, 1], [2, -100], [1, 1], [0, 2], [2, 0]])
_LCE_PROBS = np.abs(_f32(5, 3)) / 3
LCE_CASES = {
    "plain": ((5, 4), (3, 4), None, _LCE_TARGET, {}),
    "bias_sum": ((5, 4), (3, 4), (3,), _LCE_TARGET, {"reduction": "sum"}),
    "k_dim_bias": ((5, 4), (3, 2, 4), (3, 2), _LCE_TARGET_K, {"reduction": "none"}),
    "smoothing": ((5, 4), (3, 4), None, _LCE_TARGET, {"label_smoothing": 0.2}),
    "probabilities": ((5, 4), (3, 4), None, _LCE_PROBS, {}),
    "unbatched": ((4,), (3, 4), None, np.array(2), {}),
}


@pytest.mark.parametrize("case", list(LCE_CASES))
def test_linear_cross_entropy_matches_torch(case):
    xs, ws, bs, target, kw = LCE_CASES[case]
    arrays = [_f32(*xs), _f32(*ws)] + ([_f32(*bs)] if bs else [])

    def run(lib_f, tensor):
        def fn(x, w, *b):
            return lib_f.linear_cross_entropy(x, w, tensor(target), linear_bias=b[0] if b
                                              else None, **kw)
        return fn
    check(run(F, pl.tensor), run(TF, torch.tensor) if torch else None, *arrays, atol=1e-5)


def test_linear_cross_entropy_loss_module_and_errors():
    torch_ = pytest.importorskip("torch")
    x, y = _f32(5, 4), _LCE_TARGET_K
    mods = []
    for lib in (pl, torch_):
        m = lib.nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True,
                                          weight=lib.tensor([1.0, 2.0, 0.5]))
        mods.append(m)
    mods[0].load_state_dict({k: pl.tensor(v.numpy()) for k, v in mods[1].state_dict().items()})
    assert repr(mods[0]) == repr(mods[1])
    losses = [m(lib.tensor(x), lib.tensor(y)) for m, lib in zip(mods, (pl, torch_))]
    for loss in losses:
        loss.backward()
    np.testing.assert_allclose(losses[0].item(), losses[1].item(), rtol=1e-5)
    np.testing.assert_allclose(mods[0].linear.weight.grad.numpy(),
                               mods[1].linear.weight.grad.numpy(), rtol=1e-4, atol=1e-6)
    bad = [lambda L: L.nn.functional.linear_cross_entropy(L.zeros(5, 4), L.zeros(3, 5),
                                                          L.zeros(5, dtype=L.int64)),
           lambda L: L.nn.functional.linear_cross_entropy(L.zeros(4), L.zeros(3, 2, 4),
                                                          L.zeros(2, dtype=L.int64)),
           lambda L: L.nn.LinearCrossEntropyOptions(acc_policy="fast"),
           lambda L: L.nn.LinearCrossEntropyOptions(batch_chunk_size=0)]
    for call in bad:
        with pytest.raises((RuntimeError, ValueError)) as ours:
            call(pl)
        with pytest.raises((RuntimeError, ValueError)) as theirs:
            call(torch_)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
