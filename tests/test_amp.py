"""torch.autocast: per-op dtypes against torch's CPU autocast (bfloat16), gradients, API."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.nn.functional as plF
from pytorch_like import amp
from pytorch_like.amp import autocast_mode
from pytorch_like.ops import _dispatch

RNG = np.random.default_rng(0)


def _r(*shape, positive: bool = False, unit: bool = False) -> np.ndarray:
    a = RNG.standard_normal(shape).astype(np.float32)
    if positive:
        a = np.abs(a) + 0.1
    if unit:
        a = 1 / (1 + np.exp(-a))
    return a


def _i(*values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _grad_w(T, w):
    # pytorch_like differentiates nll_loss with respect to a weight that requires grad (its
    # own op); torch refuses that, so its side of the comparison keeps the weight constant.
    return w.requires_grad_() if T is pl else w


# Each case: (function of (T, F, *tensors), numpy inputs). The same function runs on real
# torch and on pytorch_like; float inputs are converted to the variant's dtypes.
CASES = {
    "matmul": (lambda T, F, a, b: T.matmul(a, b), (_r(3, 4), _r(4, 5))),
    "matmul_1d": (lambda T, F, a, b: T.matmul(a, b), (_r(4), _r(4))),
    "matmul_2d1d": (lambda T, F, a, b: a @ b, (_r(3, 4), _r(4))),
    "matmul_batched": (lambda T, F, a, b: T.matmul(a, b), (_r(2, 3, 4), _r(4, 5))),
    "mm": (lambda T, F, a, b: T.mm(a, b), (_r(3, 4), _r(4, 5))),
    "bmm": (lambda T, F, a, b: T.bmm(a, b), (_r(2, 3, 4), _r(2, 4, 5))),
    "einsum": (lambda T, F, a, b: T.einsum("ij,jk->ik", a, b), (_r(3, 4), _r(4, 5))),
    "tensordot": (lambda T, F, a, b: T.tensordot(a, b, 1), (_r(3, 4), _r(4, 5))),
    "linear": (lambda T, F, x, w, b: F.linear(x, w, b), (_r(3, 4), _r(5, 4), _r(5))),
    "linear_nobias": (lambda T, F, x, w: F.linear(x, w), (_r(3, 4), _r(5, 4))),
    "conv1d": (lambda T, F, x, w: F.conv1d(x, w), (_r(1, 2, 8), _r(3, 2, 3))),
    "conv2d": (lambda T, F, x, w, b: F.conv2d(x, w, b), (_r(1, 2, 6, 6), _r(3, 2, 3, 3), _r(3))),
    "conv_transpose2d": (lambda T, F, x, w: F.conv_transpose2d(x, w),
                         (_r(1, 2, 5, 5), _r(2, 3, 3, 3))),
    "prelu": (lambda T, F, x, w: F.prelu(x, w), (_r(3, 4), _r(1))),
    "sdpa": (lambda T, F, q, k, v: F.scaled_dot_product_attention(q, k, v),
             (_r(1, 2, 3, 4), _r(1, 2, 3, 4), _r(1, 2, 3, 4))),
    "softmax": (lambda T, F, x: F.softmax(x, -1), (_r(3, 4),)),
    "log_softmax": (lambda T, F, x: F.log_softmax(x, -1), (_r(3, 4),)),
    "exp": (lambda T, F, x: T.exp(x), (_r(3),)),
    "log": (lambda T, F, x: T.log(x), (_r(3, positive=True),)),
    "sum": (lambda T, F, x: T.sum(x), (_r(3),)),
    "mean": (lambda T, F, x: x.mean(), (_r(3),)),
    "prod": (lambda T, F, x: T.prod(x), (_r(3),)),
    "prod_dim": (lambda T, F, x: T.prod(x, 1), (_r(2, 3),)),
    "cumsum": (lambda T, F, x: T.cumsum(x, 0), (_r(3),)),
    "pow": (lambda T, F, x: T.pow(x, 2), (_r(3),)),
    "norm": (lambda T, F, x: T.norm(x), (_r(3),)),
    "logsumexp": (lambda T, F, x: T.logsumexp(x, -1), (_r(3, 4),)),
    "layer_norm": (lambda T, F, x, w, b: F.layer_norm(x, (4,), w, b), (_r(3, 4), _r(4), _r(4))),
    "group_norm": (lambda T, F, x, w, b: F.group_norm(x, 2, w, b), (_r(2, 4, 3), _r(4), _r(4))),
    "batch_norm": (lambda T, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   (_r(2, 4, 3), _r(4), _r(4))),
    "cross_entropy": (lambda T, F, x, t: F.cross_entropy(x, t), (_r(3, 4), _i(0, 1, 3))),
    "cross_entropy_prob": (lambda T, F, x, t: F.cross_entropy(x, t),
                           (_r(3, 4), _r(3, 4, unit=True))),
    "nll_loss": (lambda T, F, x, t: F.nll_loss(x, t), (_r(3, 4), _i(0, 1, 3))),
    "nll_loss_weight": (lambda T, F, x, t, w: F.nll_loss(x, t, weight=_grad_w(T, w)),
                        (_r(3, 4), _i(0, 1, 3), _r(4, positive=True))),
    "nll_loss2d": (lambda T, F, x, t: F.nll_loss(x, t),
                   (_r(2, 4, 3, 3), np.zeros((2, 3, 3), np.int64))),
    "nll_loss2d_weight": (lambda T, F, x, t, w: F.nll_loss(x, t, weight=_grad_w(T, w)),
                          (_r(2, 4, 3, 3), np.zeros((2, 3, 3), np.int64), _r(4, positive=True))),
    "mse_loss": (lambda T, F, x, y: F.mse_loss(x, y), (_r(3), _r(3))),
    "l1_loss": (lambda T, F, x, y: F.l1_loss(x, y), (_r(3), _r(3))),
    "smooth_l1_loss": (lambda T, F, x, y: F.smooth_l1_loss(x, y), (_r(3), _r(3))),
    "huber_loss": (lambda T, F, x, y: F.huber_loss(x, y), (_r(3), _r(3))),
    "kl_div": (lambda T, F, x, y: F.kl_div(x, y, reduction="batchmean"),
               (_r(2, 3), _r(2, 3, unit=True))),
    "bce": (lambda T, F, x, y: F.binary_cross_entropy(x, y),
            (_r(3, unit=True), _r(3, unit=True))),
    "bce_logits": (lambda T, F, x, y: F.binary_cross_entropy_with_logits(x, y),
                   (_r(3), _r(3, unit=True))),
    "cosine_embedding_loss": (lambda T, F, a, b, t: F.cosine_embedding_loss(a, b, t),
                              (_r(3, 4), _r(3, 4), np.array([1, -1, 1], np.float32))),
    "hinge_embedding_loss": (lambda T, F, a, t: F.hinge_embedding_loss(a, t),
                             (_r(3), np.array([1, -1, 1], np.float32))),
    "margin_ranking_loss": (lambda T, F, a, b, t: F.margin_ranking_loss(a, b, t),
                            (_r(3), _r(3), np.array([1, -1, 1], np.float32))),
    "soft_margin_loss": (lambda T, F, a, t: F.soft_margin_loss(a, t),
                         (_r(3), np.array([1, -1, 1], np.float32))),
    "multilabel_margin_loss": (lambda T, F, a, t: F.multilabel_margin_loss(a, t),
                               (_r(2, 3), np.array([[2, -1, 0], [0, 1, -1]], np.int64))),
    "multi_margin_loss": (lambda T, F, a, t: F.multi_margin_loss(a, t), (_r(3, 4), _i(0, 1, 3))),
    "poisson_nll_loss": (lambda T, F, a, t: F.poisson_nll_loss(a, t),
                         (_r(3), _r(3, positive=True))),
    "triplet_margin_loss": (lambda T, F, a, p, n: F.triplet_margin_loss(a, p, n),
                            (_r(2, 4), _r(2, 4), _r(2, 4))),
    "ctc_loss": (lambda T, F, lp, t: F.ctc_loss(lp.log_softmax(2), t, [4, 4], [2, 1]),
                 (_r(4, 2, 3), np.array([[1, 2], [1, 0]], np.int64))),
    "cdist": (lambda T, F, a, b: T.cdist(a, b), (_r(3, 4), _r(2, 4))),
    "inverse": (lambda T, F, a: T.inverse(a),
                (np.eye(3, dtype=np.float32) * 2 + _r(3, 3) * 0.1,)),
    "cat": (lambda T, F, a, b: T.cat([a, b]), (_r(3), _r(3))),
    "stack": (lambda T, F, a, b: T.stack([a, b]), (_r(3), _r(3))),
    "index_copy": (lambda T, F, a, i, s: a.index_copy(0, i, s), (_r(4), _i(0, 2), _r(2))),
    "max_pool2d": (lambda T, F, x: F.max_pool2d(x, 2), (_r(1, 2, 4, 4),)),
    "max_pool2d_idx": (lambda T, F, x: F.max_pool2d(x, 2, return_indices=True),
                       (_r(1, 2, 4, 4),)),
    "avg_pool2d": (lambda T, F, x: F.avg_pool2d(x, 2), (_r(1, 2, 4, 4),)),
    "adaptive_avg_pool2d": (lambda T, F, x: F.adaptive_avg_pool2d(x, 1), (_r(1, 2, 4, 4),)),
    "adaptive_max_pool2d": (lambda T, F, x: F.adaptive_max_pool2d(x, 1), (_r(1, 2, 4, 4),)),
    "relu": (lambda T, F, x: F.relu(x), (_r(3),)),
    "gelu": (lambda T, F, x: F.gelu(x), (_r(3),)),
    "dropout_eval": (lambda T, F, x: F.dropout(x, training=False), (_r(3),)),
    "embedding": (lambda T, F, i, w: F.embedding(i, w), (_i(0, 2), _r(3, 4))),
    "where": (lambda T, F, c, a, b: T.where(c > 0, a, b), (_r(3), _r(3), _r(3))),
    "addcmul": (lambda T, F, a, b, c: T.addcmul(a, b, c), (_r(3), _r(3), _r(3))),
    "cosine_similarity": (lambda T, F, a, b: F.cosine_similarity(a, b), (_r(3, 4), _r(3, 4))),
    "normalize": (lambda T, F, a: F.normalize(a), (_r(3, 4),)),
    "pairwise_distance": (lambda T, F, a, b: F.pairwise_distance(a, b), (_r(3, 4), _r(3, 4))),
    "kron": (lambda T, F, a, b: T.kron(a, b), (_r(2, 2), _r(2, 2))),
    "var": (lambda T, F, a: T.var(a), (_r(4),)),
    "bilinear": (lambda T, F, a, b, w: F.bilinear(a, b, w), (_r(3, 4), _r(3, 2), _r(5, 4, 2))),
}

# Ops whose type promotion of mixed bfloat16/float32 inputs differs from torch's even without
# autocast (they are on none of autocast's lists; the op's owner decides).
PROMOTION_GAPS = {"cosine_similarity", "kron", "pairwise_distance"}

MODULE_CASES = {
    # (constructor on T, input shapes): parameters float32; inputs in the variant's dtype.
    "lstm": (lambda T: T.nn.LSTM(3, 4), (5, 2, 3)),
    "gru": (lambda T: T.nn.GRU(3, 4), (5, 2, 3)),
    "rnn_tanh": (lambda T: T.nn.RNN(3, 4), (5, 2, 3)),
    "rnn_relu": (lambda T: T.nn.RNN(3, 4, nonlinearity="relu"), (5, 2, 3)),
    "rnn_cell": (lambda T: T.nn.RNNCell(3, 4), (2, 3)),
    "rnn_relu_cell": (lambda T: T.nn.RNNCell(3, 4, nonlinearity="relu"), (2, 3)),
    "gru_cell": (lambda T: T.nn.GRUCell(3, 4), (2, 3)),
    "lstm_cell": (lambda T: T.nn.LSTMCell(3, 4), (2, 3)),
    "mha": (lambda T: T.nn.MultiheadAttention(4, 2), (3, 2, 4)),
}


def _dtypes(out) -> list[str]:
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    res = []
    for o in outs:
        if isinstance(o, (tuple, list)):
            res.extend(_dtypes(o))
        elif o is not None:
            res.append(str(o.dtype))
    return res


def _convert(T, arrays, variant: str):
    out = []
    first = True
    for a in arrays:
        t = T.tensor(a)
        if a.dtype.kind == "f":
            low = variant == "bf16" or (variant == "mixed" and first)
            if low:
                t = t.to(T.bfloat16)
            first = False
        out.append(t)
    return out


def _run(T, F, fn, arrays, variant):
    with T.autocast("cpu", dtype=T.bfloat16):
        return fn(T, F, *_convert(T, arrays, variant))


# The ops a CNN/MLP/transformer training step meets run in every test session; the whole
# table is the slow sweep.
CORE = {"matmul", "linear", "conv2d", "bmm", "softmax", "log_softmax", "sum", "layer_norm",
        "batch_norm", "cross_entropy", "nll_loss", "mse_loss", "cat", "max_pool2d", "relu"}


def _params(names):
    return [pytest.param(n, v, marks=() if n in CORE else pytest.mark.slow)
            for n in sorted(names) for v in ("f32", "bf16", "mixed")]


@pytest.mark.parametrize("name,variant", _params(CASES))
def test_op_dtype_matches_torch_cpu_autocast(name, variant):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as tF

    fn, arrays = CASES[name]
    try:
        want = _dtypes(_run(torch, tF, fn, arrays, variant))
    except RuntimeError as e:
        pytest.skip(f"torch refuses this variant: {str(e)[:60]}")
    if variant == "mixed" and name in PROMOTION_GAPS:
        pytest.skip("the op's own promotion of mixed inputs differs from torch's, outside "
                    "autocast too (not an autocast question)")
    got = _dtypes(_run(pl, plF, fn, arrays, variant))
    assert got == want, f"{name}[{variant}]: ours {got}, torch {want}"


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["f32", "bf16"])
@pytest.mark.parametrize("name", sorted(MODULE_CASES))
def test_module_dtype_matches_torch_cpu_autocast(name, variant):
    torch = pytest.importorskip("torch")
    make, shape = MODULE_CASES[name]
    x = _r(*shape)
    outs = {}
    for T in (torch, pl):
        T.manual_seed(0)
        m = make(T)
        inp = T.tensor(x)
        if variant == "bf16":
            inp = inp.to(T.bfloat16)
        with T.autocast("cpu", dtype=T.bfloat16):
            outs[T.__name__] = _dtypes(m(inp, inp, inp) if name == "mha" else m(inp))
    assert outs["pytorch_like"] == outs["torch"]


@pytest.mark.slow
def test_every_cpu_tagged_op_is_in_the_parity_table():
    """The parity cases above exercise every op name the CPU table tags."""
    seen = set()
    real = autocast_mode._policy

    def recording(op, args, cast, out_dtype):
        seen.add(op.name)
        return real(op, args, cast, out_dtype)

    autocast_mode._policy = recording
    try:
        for fn, arrays in CASES.values():
            for variant in ("f32", "bf16"):
                _run(pl, plF, fn, arrays, variant)
        for make, shape in MODULE_CASES.values():
            m = make(pl)
            inp = pl.tensor(_r(*shape))
            with pl.autocast("cpu", dtype=pl.bfloat16):
                m(inp, inp, inp) if isinstance(m, pl.nn.MultiheadAttention) else m(inp)
    finally:
        autocast_mode._policy = real
    tagged = {n for n, k in autocast_mode._TABLES["cpu"].items()}
    defined = {op.name for op in _dispatch.REGISTRY}
    missing = (tagged & defined) - seen
    assert not missing, f"CPU-tagged ops without a parity case: {sorted(missing)}"


def test_tables_name_existing_ops():
    """Every name in the tables is an op pytorch_like defines (catches renamed ops)."""
    defined = {op.name for op in _dispatch.REGISTRY}
    for table in autocast_mode._TABLES.values():
        unknown = set(table) - defined
        assert not unknown, f"autocast tables name unknown ops: {sorted(unknown)}"


# -- gradients ----------------------------------------------------------------------------
def _ac(fn):
    def wrapped(*args):
        with pl.autocast("cpu", dtype=pl.bfloat16):
            return fn(*args)
    return wrapped


def _tac(fn):
    def wrapped(*args):
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            return fn(*args)
    return wrapped


def test_linear_under_autocast_matches_torch_values_and_grads():
    try:
        import torch.nn.functional as tF
    except ImportError:
        tF = None
    out = check(_ac(lambda x, w, b: plF.linear(x, w, b)),
                _tac(lambda x, w, b: tF.linear(x, w, b)) if tF else None,
                _r(4, 8), _r(3, 8), _r(3), atol=3e-2, rtol=3e-2)
    assert out[0].dtype is pl.bfloat16


def test_conv_then_loss_grads_reach_float32_params_in_float32():
    try:
        import torch.nn.functional as tF
    except ImportError:
        tF = None

    def ours(x, w):
        h = plF.relu(plF.conv2d(x, w))
        return plF.cross_entropy(h.flatten(1), pl.tensor([1, 0]))

    def theirs(x, w):
        import torch

        h = tF.relu(tF.conv2d(x, w))
        return tF.cross_entropy(h.flatten(1), torch.tensor([1, 0]))

    out = check(_ac(ours), _tac(theirs) if tF else None, _r(2, 1, 5, 5), _r(2, 1, 3, 3),
                atol=3e-2, rtol=3e-2, grad_atol=5e-2)
    assert out[0].dtype is pl.float32


def test_model_grads_are_float32_and_close_to_float32_run():
    pl.manual_seed(0)
    # Tanh, not ReLU: a hidden unit that bfloat16 rounds across zero would switch its whole
    # gradient row on or off, whatever the tolerance.
    model = pl.nn.Sequential(pl.nn.Linear(6, 16), pl.nn.Tanh(), pl.nn.Linear(16, 3))
    x, y = pl.tensor(_r(8, 6)), pl.tensor(_i(0, 1, 2, 0, 1, 2, 0, 1))
    plF.cross_entropy(model(x), y).backward()
    ref = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    with pl.autocast("cpu"):
        out = model(x)
        loss = plF.cross_entropy(out, y)
    assert out.dtype is pl.bfloat16 and loss.dtype is pl.float32
    loss.backward()
    for p, r in zip(model.parameters(), ref):
        assert p.grad.dtype is pl.float32
        np.testing.assert_allclose(p.grad.numpy(), r.numpy(), atol=3e-2, rtol=5e-2)


def test_grad_fn_of_mixed_cast_is_to_copy():
    # Mixed eligible/ineligible inputs are cast one by one with the differentiable cast op.
    x = pl.tensor(_r(3, 4)).to(pl.bfloat16).requires_grad_()
    with pl.autocast("cpu"):
        loss = plF.cross_entropy(x, pl.tensor(_i(0, 1, 2)))
    assert loss.dtype is pl.float32
    assert loss.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    loss.backward()
    assert x.grad.dtype is pl.bfloat16


# -- the API ------------------------------------------------------------------------------
def test_defaults_and_state_functions():
    assert amp.get_autocast_dtype("cpu") is pl.bfloat16
    assert amp.get_autocast_dtype("cuda") is pl.float16
    assert amp.get_autocast_dtype("xla") is pl.bfloat16
    assert not amp.is_autocast_enabled("cpu")
    with amp.autocast("cpu") as ctx:
        assert isinstance(ctx, amp.autocast)
        assert amp.is_autocast_enabled("cpu")
        assert not amp.is_autocast_enabled()  # no argument: CUDA's state, as torch
        assert _dispatch.autocast_hook.policy is not None
    assert not amp.is_autocast_enabled("cpu")
    assert _dispatch.autocast_hook.policy is None


def test_nesting_and_disabled_region_restore_state():
    a, b = pl.randn(2, 3), pl.randn(3, 4)
    with pl.autocast("cpu"):
        assert pl.mm(a, b).dtype is pl.bfloat16
        with pl.autocast("cpu", enabled=False):
            assert pl.mm(a, b).dtype is pl.float32
            assert not amp.is_autocast_enabled("cpu")
            with pl.autocast("cpu", dtype=pl.float16):
                assert pl.mm(a, b).dtype is pl.float16
            assert pl.mm(a, b).dtype is pl.float32
        assert pl.mm(a, b).dtype is pl.bfloat16
        assert amp.get_autocast_dtype("cpu") is pl.bfloat16
    assert pl.mm(a, b).dtype is pl.float32


def test_state_restored_after_exception():
    with pytest.raises(KeyError):
        with pl.autocast("cpu"):
            raise KeyError("x")
    assert not amp.is_autocast_enabled("cpu")
    assert _dispatch.autocast_hook.policy is None


def test_decorator():
    @pl.autocast("cpu")
    def f(a, b):
        return pl.mm(a, b)

    assert f(pl.randn(2, 3), pl.randn(3, 4)).dtype is pl.bfloat16
    assert pl.mm(pl.randn(2, 3), pl.randn(3, 4)).dtype is pl.float32
    with pytest.raises(TypeError, match="requires a callable"):
        pl.autocast("cpu")(3)


def test_errors_and_warnings_like_torch():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        pl.autocast(pl.device("cpu"))
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'mps'"):
        pl.autocast("mps")
    with pytest.raises(RuntimeError, match="device string: foo"):
        pl.autocast("foo")
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of torch.bfloat16"):
        ctx = pl.autocast("cpu", dtype=pl.float32)
    with ctx:
        assert not amp.is_autocast_enabled("cpu")
        assert pl.mm(pl.randn(2, 3), pl.randn(3, 4)).dtype is pl.float32


def test_cuda_without_gpu_warns_and_disables():
    if autocast_mode._gpu_available():
        pytest.skip("a GPU is present")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ctx = pl.autocast("cuda")
    with ctx:
        assert pl.mm(pl.randn(2, 3), pl.randn(3, 4)).dtype is pl.float32


def test_float64_inputs_are_not_eligible():
    a = pl.randn(2, 3, dtype=pl.float64)
    with pl.autocast("cpu"):
        assert pl.mm(a, pl.randn(3, 4, dtype=pl.float64)).dtype is pl.float64


def test_explicit_dtype_request_is_respected_in_fp32_ops():
    # torch: "ops called with an explicit dtype= are not eligible".
    x = pl.randn(3)
    with pl.autocast("cpu"):
        assert pl.prod(x.to(pl.bfloat16), dtype=pl.float16).dtype is pl.float16


def test_cuda_table_via_policy():
    """The CUDA table (used on GPU and TPU backends) casts the ops torch's CUDA lists name."""
    x = pl.randn(3, 4).to(pl.float16)
    prev = autocast_mode._tls.active
    autocast_mode._tls.active = ("cuda", pl.float16)
    try:
        for name, kind in (("softmax", "fp32"), ("layer_norm", "fp32"), ("linear", "lower"),
                           ("cat", "promote")):
            op = next(o for o in _dispatch.REGISTRY if o.name == name)
            assert op.amp["cuda"] == kind
        sm = next(o for o in _dispatch.REGISTRY if o.name == "softmax")
        _, cast, out = autocast_mode._policy(sm, (x,), None, x.dtype)
        assert out is pl.float32 and cast is not None
        bce = next(o for o in _dispatch.REGISTRY if o.name == "binary_cross_entropy")
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            autocast_mode._policy(bce, (x, x, None), None, None)
    finally:
        autocast_mode._tls.active = prev


def test_thread_local_state():
    import threading

    seen = {}

    def worker():
        seen["enabled"] = amp.is_autocast_enabled("cpu")
        seen["dtype"] = pl.mm(pl.randn(2, 3), pl.randn(3, 4)).dtype

    with pl.autocast("cpu"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == {"enabled": False, "dtype": pl.float32}


def test_autocast_inside_compile():
    pl.manual_seed(0)
    model = pl.nn.Linear(4, 3)

    @pl.compile
    def f(x):
        with pl.autocast("cpu"):
            return model(x)

    x = pl.randn(2, 4)
    out = f(x)
    assert out.dtype is pl.bfloat16
    with pl.autocast("cpu"):
        ref = model(x)
    np.testing.assert_allclose(out.float().detach().numpy(), ref.float().detach().numpy(),
                               atol=1e-2)


def test_module_half_bfloat16_and_to():
    m = pl.nn.Sequential(pl.nn.Linear(3, 4), pl.nn.LayerNorm(4))
    m.bfloat16()
    assert all(p.dtype is pl.bfloat16 for p in m.parameters())
    out = m(pl.randn(2, 3).bfloat16())
    assert out.dtype is pl.bfloat16
    m.half()
    assert all(p.dtype is pl.float16 for p in m.parameters())
    m.to(pl.bfloat16)
    assert all(p.dtype is pl.bfloat16 for p in m.parameters())
    m.float()
    assert all(p.dtype is pl.float32 for p in m.parameters())


def test_adam_on_bfloat16_params_keeps_param_dtype_state():
    # torch keeps Adam's moments in the parameter's dtype (step in float32).
    m = pl.nn.Linear(3, 2).bfloat16()
    opt = pl.optim.Adam(m.parameters(), lr=1e-2)
    m(pl.randn(4, 3).bfloat16()).float().sum().backward()
    opt.step()
    st = opt.state[m.weight]
    assert st["exp_avg"].dtype is pl.bfloat16 and st["step"].dtype is pl.float32
    assert m.weight.dtype is pl.bfloat16


def test_no_warning_when_disabled_region_is_constructed():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pl.autocast("cpu", enabled=False):
            pass
        with pl.autocast("cuda", enabled=False):
            pass


def test_3d_pools_run_in_float32_on_cpu_but_2d_pools_do_not():
    # torch's CPU list names avg_pool3d/max_pool3d, not the 2-D pools; pytorch_like has one op
    # per pool kind, so the policy looks at the input's rank.
    op = next(o for o in _dispatch.REGISTRY if o.name == "avg_pool")
    prev = autocast_mode._tls.active
    autocast_mode._tls.active = ("cpu", pl.bfloat16)
    try:
        x5 = pl.randn(1, 2, 2, 2, 2).to(pl.bfloat16)
        x4 = pl.randn(1, 2, 2, 2).to(pl.bfloat16)
        args, cast, out = autocast_mode._policy(op, (x5,), None, None)
        assert out is pl.float32 and cast == pl.float32.storage
        assert autocast_mode._policy(op, (x4,), None, None) == ((x4,), None, None)
    finally:
        autocast_mode._tls.active = prev


def test_addmm_family_runs_in_the_autocast_dtype_like_torch():
    torch = pytest.importorskip("torch")
    # (addmv is left out: torch's CPU autocast keeps mv in float32, ours shares matmul's op.)
    cases = [("addmm", [(3, 5), (3, 4), (4, 5)]), ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)])]
    for name, shapes in cases:
        arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
        with pl.autocast("cpu"):
            ours = getattr(pl, name)(*[pl.tensor(a) for a in arrays])
        with torch.autocast("cpu", dtype=torch.bfloat16):
            theirs = getattr(torch, name)(*[torch.tensor(a) for a in arrays])
        assert str(ours.dtype) == str(theirs.dtype), name
        np.testing.assert_allclose(ours.float().numpy(), theirs.float().numpy(), rtol=0.05,
                                   atol=0.05)
