"""Attention: scaled_dot_product_attention, MultiheadAttention and TransformerEncoder vs torch."""

import warnings

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn.functional as F
from parity import check
from pytorch_like.nn.modules import transformer as T
from pytorch_like.nn.modules.normalization import LayerNorm

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None

rng = np.random.default_rng(0)
slow = pytest.mark.slow


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _np(t):
    return t.detach().numpy()


def _copy_weights(ours, theirs) -> None:
    th = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(th)
    with pl.no_grad():
        for name, p in ours.named_parameters():
            p.copy_(pl.tensor(th[name].detach().numpy()))


def _const(a):
    """The same constant for both libraries: (ours, torch's or None)."""
    return pl.tensor(a), (torch.tensor(a) if torch is not None else None)


# -- scaled_dot_product_attention -------------------------------------------------------
def _sdpa_case(**kw):
    ours_kw = {k: (_const(v)[0] if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    th_kw = {k: (_const(v)[1] if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    theirs = None if TF is None else (
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **th_kw))
    return (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **ours_kw)), theirs


BOOL_MASK = rng.random((4, 5)) > 0.3
BOOL_MASK[1] = False  # a row with no allowed key: torch's math kernel gives 0 there
SDPA_CASES = [
    ("plain", {}),
    ("bool_mask", {"attn_mask": BOOL_MASK}),
    ("float_mask", {"attn_mask": _f32(2, 1, 4, 5)}),
    ("causal_scale", {"is_causal": True, "scale": 0.3}),
]


@pytest.mark.parametrize("name,kw", SDPA_CASES)
def test_sdpa_matches_torch(name, kw):
    q, k, v = _f32(2, 3, 4, 8), _f32(2, 3, 5, 8), _f32(2, 3, 5, 6)
    ours, theirs = _sdpa_case(**kw)
    out = check(ours, theirs, q, k, v, atol=1e-5)[0]
    if name == "bool_mask":
        assert np.all(_np(out)[:, :, 1] == 0)


def test_sdpa_grouped_query_and_unbatched():
    ours, theirs = _sdpa_case(enable_gqa=True)
    check(ours, theirs, _f32(2, 4, 3, 8), _f32(2, 2, 5, 8), _f32(2, 2, 5, 8), atol=1e-5)
    out = F.scaled_dot_product_attention(pl.tensor(_f32(4, 8)), pl.tensor(_f32(5, 8)),
                                         pl.tensor(_f32(5, 6)))
    assert tuple(out.shape) == (4, 6)


def test_sdpa_dropout_is_seeded_and_unbiased():
    q = pl.tensor(np.zeros((1, 1, 64, 4), np.float32))  # uniform attention weights
    v = pl.tensor(np.ones((1, 1, 64, 4), np.float32))
    pl.manual_seed(0)
    a = _np(F.scaled_dot_product_attention(q, q, v, dropout_p=0.5))
    pl.manual_seed(0)
    b = _np(F.scaled_dot_product_attention(q, q, v, dropout_p=0.5))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, 1.0)             # some weights were dropped...
    assert abs(a.mean() - 1.0) < 0.1           # ...and the rest rescaled by 1/(1-p)


def test_sdpa_errors():
    q = pl.tensor(_f32(1, 2, 4, 8))
    with pytest.raises(RuntimeError, match="^_scaled_dot_product_attention: Explicit attn_mask "
                       "should not be set when is_causal=True$"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=pl.tensor(np.ones((4, 4), bool)),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype to be bool or float"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=pl.tensor(np.ones((4, 4), np.int64)))


# -- multi_head_attention_forward -------------------------------------------------------
@pytest.mark.parametrize("need_weights,average", [(True, True),
                                                  pytest.param(False, True, marks=slow),
                                                  pytest.param(True, False, marks=slow)])
def test_multi_head_attention_forward_functional(need_weights, average):
    L, N, E, H, S = 4, 2, 8, 2, 5
    kpm = np.zeros((N, S), bool)
    kpm[0, -2:] = True
    am = np.zeros((L, S), np.float32)
    am[:, 0] = -1.5
    kpm_o, kpm_t = _const(kpm)
    am_o, am_t = _const(am)

    def ours(x, kv, w, b, wo, bo):
        return F.multi_head_attention_forward(
            x, kv, kv, E, H, w, b, None, None, False, 0.0, wo, bo, key_padding_mask=kpm_o,
            attn_mask=am_o, need_weights=need_weights, average_attn_weights=average)

    theirs = None if TF is None else (lambda x, kv, w, b, wo, bo: TF.multi_head_attention_forward(
        x, kv, kv, E, H, w, b, None, None, False, 0.0, wo, bo, key_padding_mask=kpm_t,
        attn_mask=am_t, need_weights=need_weights, average_attn_weights=average))
    out = check(ours, theirs, _f32(L, N, E), _f32(S, N, E), _f32(3 * E, E) * 0.3, _f32(3 * E),
                _f32(E, E) * 0.3, _f32(E), atol=1e-5)
    assert (out[1] is None) == (not need_weights)


# -- MultiheadAttention module ----------------------------------------------------------
MHA_CASES = [
    ({}, {"attn_mask": "bool2d"}),
    ({"batch_first": True}, {"key_padding_mask": True, "need_weights": False}),
    ({"kdim": 4, "vdim": 6}, {"attn_mask": "float3d", "average_attn_weights": False}),
    pytest.param({"add_bias_kv": True, "add_zero_attn": True}, {"key_padding_mask": True},
                 marks=slow),
    pytest.param({"bias": False}, {}, marks=slow),
]


@pytest.mark.parametrize("ctor,call", MHA_CASES)
def test_multihead_attention_matches_torch(ctor, call):
    torch_ = pytest.importorskip("torch")
    E, H, N, L, S = 8, 2, 2, 4, 5
    theirs = torch_.nn.MultiheadAttention(E, H, **ctor)
    ours = T.MultiheadAttention(E, H, **ctor)
    _copy_weights(ours, theirs)
    bf = ctor.get("batch_first", False)

    def shape(seq, dim):
        return (N, seq, dim) if bf else (seq, N, dim)

    arrays = [_f32(*shape(L, E)), _f32(*shape(S, ctor.get("kdim", E))),
              _f32(*shape(S, ctor.get("vdim", E)))]
    kwargs = {k: v for k, v in call.items() if k not in ("attn_mask", "key_padding_mask")}
    masks = {}
    if call.get("key_padding_mask"):
        kpm = np.zeros((N, S), bool)
        kpm[1, -2:] = True
        masks["key_padding_mask"] = kpm
    if call.get("attn_mask") == "bool2d":
        am = rng.random((L, S)) > 0.7
        am[:, 0] = False
        masks["attn_mask"] = am
    elif call.get("attn_mask") == "float3d":
        masks["attn_mask"] = _f32(N * H, L, S)

    def run(lib, mod):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out, w = mod(*xs, **kwargs, **{k: lib.tensor(v) for k, v in masks.items()})
        ((out * out).sum() + (0 if w is None else (w * w).sum())).backward()
        return out, w, xs

    t_out, t_w, t_in = run(torch_, theirs)
    o_out, o_w, o_in = run(pl, ours)
    np.testing.assert_allclose(_np(o_out), _np(t_out), atol=1e-5)
    assert (o_w is None) == (t_w is None)
    if t_w is not None:
        assert tuple(o_w.shape) == tuple(t_w.shape)
        np.testing.assert_allclose(_np(o_w), _np(t_w), atol=1e-5)
    for a, b in zip(o_in, t_in):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), atol=1e-4)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tp[name].grad), atol=1e-4, err_msg=name)


def test_multihead_attention_structure_and_init():
    m = T.MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True)
    names = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
    assert names == [("q_proj_weight", (8, 8)), ("k_proj_weight", (8, 4)),
                     ("v_proj_weight", (8, 6)), ("in_proj_bias", (24,)), ("bias_k", (1, 1, 8)),
                     ("bias_v", (1, 1, 8)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert m.in_proj_weight is None
    assert np.all(_np(m.in_proj_bias) == 0) and np.all(_np(m.out_proj.bias) == 0)
    want = ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, "
            "out_features=8, bias=True)\n)")
    assert repr(T.MultiheadAttention(8, 2)) == want
    # xavier_uniform_ on the packed (24, 8) projection: bound sqrt(6 / (8 + 24)).
    w = _np(T.MultiheadAttention(8, 2).in_proj_weight)
    assert np.abs(w).max() <= np.sqrt(6 / 32) and w.std() > 0.5 * np.sqrt(6 / 32) / np.sqrt(3)
    with pytest.raises(AssertionError, match="^embed_dim must be divisible by num_heads$"):
        T.MultiheadAttention(8, 3)


def test_multihead_attention_errors():
    m = T.MultiheadAttention(8, 2)
    x = pl.tensor(_f32(4, 2, 8))
    with pytest.raises(RuntimeError, match=r"^The shape of the 2D attn_mask is torch.Size\(\[3, "
                       r"4\]\), but should be \(4, 4\)\.$"):
        m(x, x, x, attn_mask=pl.tensor(np.zeros((3, 4), bool)))
    with pytest.raises(RuntimeError, match="^Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="^was expecting embedding dimension of 8, but got 6$"):
        m(pl.tensor(_f32(4, 2, 6)), x, x)


# -- TransformerEncoderLayer / TransformerEncoder ---------------------------------------
ENC_CASES = [
    {"batch_first": True},
    pytest.param({"norm_first": True, "activation": "gelu"}, marks=slow),
    pytest.param({}, marks=slow),
]


@pytest.mark.parametrize("kw", ENC_CASES)
def test_transformer_encoder_matches_torch(kw):
    torch_ = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's (and our) nested-tensor notice
        t_enc = torch_.nn.TransformerEncoder(
            torch_.nn.TransformerEncoderLayer(8, 2, 16, 0.0, **kw), 2, norm=torch_.nn.LayerNorm(8))
        o_enc = T.TransformerEncoder(T.TransformerEncoderLayer(8, 2, 16, 0.0, **kw), 2,
                                     norm=LayerNorm(8))
    _copy_weights(o_enc, t_enc)
    t_enc.eval()
    o_enc.eval()
    bf = kw.get("batch_first", False)
    x = _f32(2, 5, 8) if bf else _f32(5, 2, 8)
    kpm = np.zeros((2, 5), bool)
    kpm[0, 3:] = True
    tx, ox = torch_.tensor(x, requires_grad=True), pl.tensor(x, requires_grad=True)
    t_out = t_enc(tx, src_key_padding_mask=torch_.tensor(kpm))
    o_out = o_enc(ox, src_key_padding_mask=pl.tensor(kpm))
    np.testing.assert_allclose(_np(o_out), _np(t_out), atol=1e-5)
    (t_out * t_out).sum().backward()
    (o_out * o_out).sum().backward()
    np.testing.assert_allclose(_np(ox.grad), _np(tx.grad), atol=1e-4)
    tp = dict(t_enc.named_parameters())
    for name, p in o_enc.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tp[name].grad), atol=1e-4, err_msg=name)

    # Inference (no grad): torch's nested-tensor path zeroes padded positions when
    # batch_first; a causal mask goes through the regular path.
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    with torch_.no_grad():
        t_inf = t_enc(tx, src_key_padding_mask=torch_.tensor(kpm))
        t_causal = t_enc(tx, mask=torch_.tensor(mask), is_causal=True)
    with pl.no_grad():
        o_inf = o_enc(ox, src_key_padding_mask=pl.tensor(kpm))
        o_causal = o_enc(ox, mask=pl.tensor(mask), is_causal=True)
    np.testing.assert_allclose(_np(o_inf), _np(t_inf), atol=1e-5)
    np.testing.assert_allclose(_np(o_causal), _np(t_causal), atol=1e-5)


def test_transformer_encoder_structure():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = T.TransformerEncoderLayer(8, 2, 16, 0.1)
        enc = T.TransformerEncoder(layer, 2)
    assert any("self.use_nested_tensor is False because encoder_layer.self_attn.batch_first "
               "was not True" in str(w.message) for w in caught)
    # deep copies: independent parameters, equal values
    assert enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(_np(enc.layers[1].linear1.weight), _np(layer.linear1.weight))
    names = list(enc.state_dict())
    assert names[:4] == ["layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias",
                         "layers.0.self_attn.out_proj.weight", "layers.0.self_attn.out_proj.bias"]
    assert layer.activation is F.relu and layer.activation_relu_or_gelu == 1
    with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not tanh$"):
        T.TransformerEncoderLayer(8, 2, activation="tanh")
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, 0.1), 2)
        assert names == list(t_enc.state_dict())
        assert repr(enc) == repr(t_enc)


@pytest.mark.slow
def test_transformer_encoder_layer_dropout_only_in_training():
    layer = T.TransformerEncoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    x = pl.tensor(_f32(2, 3, 8))
    pl.manual_seed(0)
    a = _np(layer(x))
    b = _np(layer(x))
    assert not np.allclose(a, b)
    layer.eval()
    np.testing.assert_array_equal(_np(layer(x)), _np(layer(x)))


# -- TransformerDecoderLayer / TransformerDecoder / Transformer -------------------------
def _assert_same_run(t_mod, o_mod, t_out, o_out, t_in, o_in):
    assert tuple(o_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(_np(o_out), _np(t_out), atol=1e-5)
    for a, b in zip(o_in, t_in):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), atol=1e-4)
    tp = dict(t_mod.named_parameters())
    for name, p in o_mod.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tp[name].grad), atol=1e-4, err_msg=name)


def _padding_masks(n, t_len, s_len):
    tgt_kpm = np.zeros((n, t_len), bool)
    tgt_kpm[1, -1] = True   # never a query's only key under the causal mask
    mem_kpm = np.zeros((n, s_len), bool)
    mem_kpm[0, -2:] = True
    return tgt_kpm, mem_kpm


DEC_CASES = [
    {},
    {"norm_first": True, "batch_first": True},
    pytest.param({"batch_first": True, "activation": "gelu"}, marks=slow),
]


@pytest.mark.parametrize("kw", DEC_CASES)
def test_transformer_decoder_layer_matches_torch(kw):
    torch_ = pytest.importorskip("torch")
    E, H, N, L, S = 16, 4, 2, 5, 6
    theirs = torch_.nn.TransformerDecoderLayer(E, H, 32, **kw)
    ours = T.TransformerDecoderLayer(E, H, 32, **kw)
    _copy_weights(ours, theirs)
    theirs.eval()  # dropout off
    ours.eval()
    bf = kw.get("batch_first", False)
    tgt, mem = (_f32(N, L, E), _f32(N, S, E)) if bf else (_f32(L, N, E), _f32(S, N, E))
    tgt_kpm, mem_kpm = _padding_masks(N, L, S)
    t_mask = torch_.nn.Transformer.generate_square_subsequent_mask(L)
    o_mask = T.Transformer.generate_square_subsequent_mask(L)
    t_in = [torch_.tensor(tgt, requires_grad=True), torch_.tensor(mem, requires_grad=True)]
    o_in = [pl.tensor(tgt, requires_grad=True), pl.tensor(mem, requires_grad=True)]
    t_out = theirs(*t_in, tgt_mask=t_mask, tgt_key_padding_mask=torch_.tensor(tgt_kpm),
                   memory_key_padding_mask=torch_.tensor(mem_kpm), tgt_is_causal=True)
    o_out = ours(*o_in, tgt_mask=o_mask, tgt_key_padding_mask=pl.tensor(tgt_kpm),
                 memory_key_padding_mask=pl.tensor(mem_kpm), tgt_is_causal=True)
    (t_out * t_out).sum().backward()
    (o_out * o_out).sum().backward()
    _assert_same_run(theirs, ours, t_out, o_out, t_in, o_in)


@pytest.mark.parametrize("kw", [{}, {"batch_first": True, "norm_first": True}])
def test_transformer_matches_torch(kw):
    torch_ = pytest.importorskip("torch")
    E, H, N, L, S = 16, 4, 2, 5, 6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nested-tensor notice when not batch_first
        theirs = torch_.nn.Transformer(E, H, 2, 2, 32, **kw)
        ours = T.Transformer(E, H, 2, 2, 32, **kw)
    _copy_weights(ours, theirs)
    theirs.eval()
    ours.eval()
    bf = kw.get("batch_first", False)
    src, tgt = (_f32(N, S, E), _f32(N, L, E)) if bf else (_f32(S, N, E), _f32(L, N, E))
    tgt_kpm, mem_kpm = _padding_masks(N, L, S)
    memory_mask = rng.random((L, S)) > 0.7
    memory_mask[:, 0] = False
    masks = {"src_key_padding_mask": mem_kpm, "tgt_key_padding_mask": tgt_kpm,
             "memory_key_padding_mask": mem_kpm, "memory_mask": memory_mask}
    t_mask = torch_.nn.Transformer.generate_square_subsequent_mask(L)
    o_mask = T.Transformer.generate_square_subsequent_mask(L)
    t_in = [torch_.tensor(a, requires_grad=True) for a in (src, tgt)]
    o_in = [pl.tensor(a, requires_grad=True) for a in (src, tgt)]
    t_out = theirs(*t_in, tgt_mask=t_mask, **{k: torch_.tensor(v) for k, v in masks.items()})
    o_out = ours(*o_in, tgt_mask=o_mask, **{k: pl.tensor(v) for k, v in masks.items()})
    (t_out * t_out).sum().backward()
    (o_out * o_out).sum().backward()
    _assert_same_run(theirs, ours, t_out, o_out, t_in, o_in)
    if bf:
        # Inference: torch's encoder takes its nested-tensor path (padded memory rows zeroed).
        with torch_.no_grad():
            t_inf = theirs(*t_in, tgt_mask=t_mask,
                           **{k: torch_.tensor(v) for k, v in masks.items()})
        with pl.no_grad():
            o_inf = ours(*o_in, tgt_mask=o_mask, **{k: pl.tensor(v) for k, v in masks.items()})
        np.testing.assert_allclose(_np(o_inf), _np(t_inf), atol=1e-5)


def test_transformer_structure_and_init():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = T.Transformer(16, 4, 2, 2, 32)
    assert any("self.use_nested_tensor is False" in str(w.message) for w in caught)
    names = [n for n, _ in model.named_parameters()]
    assert names[-2:] == ["decoder.norm.weight", "decoder.norm.bias"]
    assert "decoder.layers.1.multihead_attn.in_proj_weight" in names
    dec = model.decoder
    assert isinstance(dec, T.TransformerDecoder) and isinstance(model.encoder.norm, LayerNorm)
    assert dec.layers[0] is not dec.layers[1] and dec.num_layers == 2
    assert dec.layers[0].norm3.weight is not dec.layers[1].norm3.weight
    assert dec.layers[0].activation is F.relu and not dec.layers[0].norm_first
    # _reset_parameters: xavier-uniform on every dim>1 parameter. out_proj (16, 16) would
    # otherwise keep Linear's U(+-1/4); xavier's bound is sqrt(6/32) ~ 0.43.
    bound = np.sqrt(6 / 32)
    w = _np(dec.layers[1].self_attn.out_proj.weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.3
    np.testing.assert_array_equal(_np(dec.layers[0].self_attn.in_proj_bias), 0.0)
    np.testing.assert_array_equal(_np(dec.norm.weight), 1.0)
    custom = T.TransformerDecoder(T.TransformerDecoderLayer(16, 4, 32), 1)
    m2 = T.Transformer(16, 4, 1, custom_decoder=custom, batch_first=True)
    assert m2.decoder is custom and m2.d_model == 16 and m2.nhead == 4 and m2.batch_first
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.nn.Transformer(16, 4, 2, 2, 32)
            t2 = torch.nn.Transformer(16, 4, 1, custom_decoder=torch.nn.TransformerDecoder(
                torch.nn.TransformerDecoderLayer(16, 4, 32), 1), batch_first=True)
        assert names == [n for n, _ in theirs.named_parameters()]
        assert list(model.state_dict()) == list(theirs.state_dict())
        assert repr(model) == repr(theirs)
        assert [n for n, _ in m2.named_parameters()] == [n for n, _ in t2.named_parameters()]


def test_generate_square_subsequent_mask():
    m = T.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == pl.float32 and tuple(m.shape) == (4, 4)
    a = _np(m)
    upper = np.triu(np.ones((4, 4), bool), 1)
    assert np.all(np.isneginf(a[upper])) and np.all(a[~upper] == 0)
    assert pl.nn.Transformer.generate_square_subsequent_mask(3, dtype=pl.float64).dtype \
        == pl.float64
    if torch is not None:
        np.testing.assert_array_equal(a, torch.nn.Transformer.generate_square_subsequent_mask(4))


def test_decoder_detects_causal_mask():
    causal = T.Transformer.generate_square_subsequent_mask(5)
    assert T._detect_is_causal_mask(causal, None, 5)
    assert T._detect_is_causal_mask(pl.tensor(np.triu(np.ones((5, 5), bool), 1)), None, 5)
    assert not T._detect_is_causal_mask(causal, None, 4)  # wrong size
    assert not T._detect_is_causal_mask(causal.T, None, 5)
    assert not T._detect_is_causal_mask(causal, False, 5)  # an explicit hint wins
    assert T._detect_is_causal_mask(None, True) and not T._detect_is_causal_mask(None, None)


def test_transformer_dropout_only_in_training():
    # The decoder layer holds the new dropout sites (three Dropouts, two attentions); eval-mode
    # Transformers are covered by the exact parity tests above.
    layer = T.TransformerDecoderLayer(16, 4, 32, dropout=0.5, batch_first=True)
    # memory shaped like tgt: both attentions then share one compiled kernel
    tgt, mem = pl.tensor(_f32(2, 5, 16)), pl.tensor(_f32(2, 5, 16))
    pl.manual_seed(0)
    a, b = _np(layer(tgt, mem)), _np(layer(tgt, mem))
    assert not np.allclose(a, b)
    layer.eval()
    np.testing.assert_array_equal(_np(layer(tgt, mem)), _np(layer(tgt, mem)))
    model = T.Transformer(16, 4, 1, 1, 32, dropout=0.5, batch_first=True)
    dec = model.decoder.layers[0]
    assert [dec.dropout.p, dec.dropout3.p, dec.multihead_attn.dropout] == [0.5, 0.5, 0.5]


def _torch_message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def test_transformer_errors_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = T.Transformer(16, 4, 1, 1, 32)
        theirs = torch.nn.Transformer(16, 4, 1, 1, 32) if torch is not None else None
    src, tgt = _f32(6, 2, 16), _f32(5, 2, 16)
    layer = T.TransformerDecoderLayer(16, 4, 32)
    t_layer = torch.nn.TransformerDecoderLayer(16, 4, 32) if torch is not None else None
    cases = [
        (RuntimeError, "the batch number of src and tgt must be equal",
         lambda lib, m, _: m(lib.tensor(src), lib.tensor(tgt[:, :1]))),
        (RuntimeError, "the feature number of src and tgt must be equal to d_model",
         lambda lib, m, _: m(lib.tensor(src), lib.tensor(tgt[..., :8]))),
        (AssertionError, "was expecting embedding dimension of 16, but got 8",
         lambda lib, _, d: d(lib.tensor(tgt[..., :8]), lib.tensor(src))),
        (RuntimeError, "Need attn_mask if specifying the is_causal hint",
         lambda lib, _, d: d(lib.tensor(tgt), lib.tensor(src), tgt_is_causal=True)),
    ]
    for exc, msg, call in cases:
        with pytest.raises(exc, match="^" + msg) as info:
            call(pl, ours, layer)
        if torch is not None:
            assert _torch_message(lambda c=call: c(torch, theirs, t_layer)) \
                == (exc, str(info.value))
    with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not tanh$"):
        T.TransformerDecoderLayer(16, 4, activation="tanh")
