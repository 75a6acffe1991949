"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both mirror ``torch.nn.functional``. Each is ONE op from one JAX function (projections,
masking, softmax, dropout and the output projection fused), so backward is one vjp.
Dropout draws its key from the global generator at call time (``manual_seed`` makes it
reproducible; the bits differ from torch's).

Masks follow torch's two conventions, which are opposite for booleans:
``scaled_dot_product_attention``'s boolean ``attn_mask`` marks the positions that TAKE PART
(True = attend); ``multi_head_attention_forward``'s boolean ``attn_mask`` and
``key_padding_mask`` mark the positions that are LEFT OUT (True = masked). Float masks are
added to the scores in both.

Example:
    >>> q = k = v = torch.randn(2, 4, 5, 8)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    torch.Size([2, 4, 5, 8])
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ..ops._dispatch import Op, apply
from ..ops._dispatch import autocast_hook as _autocast_hook
from ..random import _next_key
from ..tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "bool": "bool",
            "uint8": "unsigned char", "int16": "short int", "int8": "signed char"}


def _ctype(t: Tensor) -> str:
    return _C_TYPES.get(t.dtype.name, t.dtype.name)


def _safe_softmax(s):
    """Softmax over the last axis that gives 0 (not NaN) for rows with no allowed position.

    torch's math attention does the same; the inner ``where`` keeps the gradient finite.
    """
    m = jnp.max(s, axis=-1, keepdims=True)
    m = jnp.where(jnp.isfinite(m), m, 0)
    e = jnp.exp(s - jax.lax.stop_gradient(m))
    den = jnp.sum(e, axis=-1, keepdims=True)
    return jnp.where(den > 0, e / jnp.where(den > 0, den, 1), 0)


def _dropout(w, rng, p):
    keep = jax.random.bernoulli(rng, 1.0 - p, w.shape)
    return jnp.where(keep, w / (1.0 - p), 0).astype(w.dtype)


def _additive(mask, dtype):
    """A mask as something to add to the scores: bool True -> -inf (MHA's convention)."""
    if mask is None:
        return None
    if mask.dtype == jnp.bool_:
        return jnp.where(mask, -jnp.inf, 0).astype(dtype)
    return mask.astype(dtype)


# -- scaled_dot_product_attention -------------------------------------------------------
def _sdpa_core(q, k, v, mask, rng, *, is_causal, scale, dropout_p, gqa):
    if gqa and k.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        rep = q.shape[-3] // k.shape[-3]
        k = jnp.repeat(k, rep, axis=-3)
        v = jnp.repeat(v, rep, axis=-3)
    s = jnp.matmul(q, jnp.swapaxes(k, -1, -2)) * jnp.asarray(scale, q.dtype)
    L, S = s.shape[-2], s.shape[-1]
    if is_causal:
        allowed = jnp.tril(jnp.ones((L, S), jnp.bool_))
        s = jnp.where(allowed, s, -jnp.inf)
    if mask is not None:
        if mask.dtype == jnp.bool_:
            s = jnp.where(mask, s, -jnp.inf)
        else:
            s = s + mask.astype(s.dtype)
    w = _safe_softmax(s)
    if dropout_p > 0.0:
        w = _dropout(w, rng, dropout_p)
    return jnp.matmul(w, v)


_sdpa = Op("scaled_dot_product_attention", _sdpa_core,
           grad_name="ScaledDotProductAttentionBackward0")


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Mirrors ``torch.nn.functional.scaled_dot_product_attention``.

    ``softmax(q @ k^T * scale + mask) @ v`` over shapes ``(..., L, E)``, ``(..., S, E)``,
    ``(..., S, Ev)``. A boolean ``attn_mask`` is True where attention is allowed; a float
    one is added to the scores; ``is_causal`` applies a top-left lower-triangular mask.
    Rows where every key is masked give 0 (torch's math kernel does the same). Dropout is
    applied to the attention weights whenever ``dropout_p > 0`` (the caller decides, as in
    torch). ``enable_gqa`` repeats key/value heads (dim -3) for grouped-query attention.

    Example:
        >>> q = torch.randn(1, 2, 3, 4); mask = torch.ones(3, 3, dtype=torch.bool).tril()
        >>> F.scaled_dot_product_attention(q, q, q, attn_mask=mask).shape
        torch.Size([1, 2, 3, 4])
    """
    if attn_mask is not None and is_causal:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    # Under torch.autocast the policy casts query, key and value first.
    if not (query.dtype is key.dtype is value.dtype) and _autocast_hook.policy is None:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_ctype(query)} key.dtype: {_ctype(key)} and "
                           f"value.dtype: {_ctype(value)} instead.")
    if attn_mask is not None and not (attn_mask.dtype.name == "bool"
                                      or attn_mask.dtype.is_floating_point):
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_ctype(attn_mask)} and  "
                           f"query.dtype: {_ctype(query)} instead.")
    if key.shape[-2] != value.shape[-2]:
        bk = 1
        for d in query.shape[:-2]:
            bk *= d
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{bk}, {key.shape[-2]}] but got: [{bk}, {value.shape[-2]}].")
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3] \
            and query.shape[-3] % key.shape[-3] != 0:
        raise RuntimeError("Number of heads in key and value must divide the number of heads "
                           f"in query: {query.shape[-3]} vs {key.shape[-3]}")
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    p = float(dropout_p)
    rng = _next_key() if p > 0.0 else None
    return apply(_sdpa, (query, key, value, attn_mask, rng),
                 (("is_causal", bool(is_causal)), ("scale", sc), ("dropout_p", p),
                  ("gqa", bool(enable_gqa))))


# -- multi_head_attention_forward -------------------------------------------------------
def _mha_core(query, key, value, in_w, in_b, bias_k, bias_v, out_w, out_b, q_w, k_w, v_w,
              kpm, attn_mask, static_k, static_v, rng, *, num_heads, add_zero_attn,
              dropout_p, need_weights, average, batched, causal, batch_first):
    if batched and batch_first:
        query, key, value = (jnp.swapaxes(t, 0, 1) for t in (query, key, value))
    if not batched:
        query, key, value = query[:, None], key[:, None], value[:, None]
        kpm = None if kpm is None else kpm[None]
    L, N, E = query.shape
    hd = E // num_heads
    dt = query.dtype

    # Input projections: packed (in_proj_weight split in three) or separate weights.
    if q_w is None:
        wq, wk, wv = jnp.split(in_w, 3, axis=0)
    else:
        wq, wk, wv = q_w, k_w, v_w
    bq, bk, bv = (None, None, None) if in_b is None else jnp.split(in_b, 3)
    q = query @ wq.T + (0 if bq is None else bq)
    k = key @ wk.T + (0 if bk is None else bk)
    v = value @ wv.T + (0 if bv is None else bv)

    if causal:
        # torch replaces the mask by the causal one when the is_causal hint is honoured.
        attn_mask = jnp.where(jnp.tril(jnp.ones((L, key.shape[0]), jnp.bool_)), 0, -jnp.inf)
    attn_mask = _additive(attn_mask, dt)
    kpm = _additive(kpm, dt)
    if attn_mask is not None and attn_mask.ndim == 2:
        attn_mask = attn_mask[None]
    if bias_k is not None:
        k = jnp.concatenate([k, jnp.broadcast_to(bias_k, (1, N, E))], axis=0)
        v = jnp.concatenate([v, jnp.broadcast_to(bias_v, (1, N, E))], axis=0)
        if attn_mask is not None:
            attn_mask = jnp.pad(attn_mask, ((0, 0), (0, 0), (0, 1)))
        if kpm is not None:
            kpm = jnp.pad(kpm, ((0, 0), (0, 1)))

    # (seq, N, E) -> (N * heads, seq, head_dim), batch-major with heads innermost (torch's).
    q = q.reshape(L, N * num_heads, hd).transpose(1, 0, 2)
    k = k.reshape(k.shape[0], N * num_heads, hd).transpose(1, 0, 2) if static_k is None \
        else static_k
    v = v.reshape(v.shape[0], N * num_heads, hd).transpose(1, 0, 2) if static_v is None \
        else static_v
    if add_zero_attn:
        k = jnp.concatenate([k, jnp.zeros((k.shape[0], 1, hd), dt)], axis=1)
        v = jnp.concatenate([v, jnp.zeros((v.shape[0], 1, hd), dt)], axis=1)
        if attn_mask is not None:
            attn_mask = jnp.pad(attn_mask, ((0, 0), (0, 0), (0, 1)))
        if kpm is not None:
            kpm = jnp.pad(kpm, ((0, 0), (0, 1)))
    S = k.shape[1]
    if kpm is not None:
        kpm = jnp.broadcast_to(kpm[:, None, None, :], (N, num_heads, 1, S)).reshape(
            N * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    s = jnp.matmul(q * jnp.asarray(1.0 / math.sqrt(hd), dt), jnp.swapaxes(k, 1, 2))
    if attn_mask is not None:
        s = s + attn_mask
    # torch's need_weights path is a plain softmax (NaN for fully masked rows); its
    # need_weights=False path goes through scaled_dot_product_attention (0 for such rows).
    w = jax.nn.softmax(s, axis=-1) if need_weights else _safe_softmax(s)
    if dropout_p > 0.0:
        w = _dropout(w, rng, dropout_p)
    o = jnp.matmul(w, v)  # (N*H, L, hd)
    o = o.transpose(1, 0, 2).reshape(L * N, E)
    o = o @ out_w.T + (0 if out_b is None else out_b)
    o = o.reshape(L, N, E)
    if batched and batch_first:
        o = jnp.swapaxes(o, 0, 1)
    if not need_weights:
        return (o if batched else o[:, 0]), jnp.zeros((), dt)
    w = w.reshape(N, num_heads, L, S)
    if average:
        w = jnp.mean(w, axis=1)
    if not batched:
        return o[:, 0], w[0]
    return o, w


_mha = Op("multi_head_attention_forward", _mha_core, nout=2,
          grad_name="MultiHeadAttentionBackward0")


def _is_batched_mha(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's _mha_shape_check: 3-D inputs are batched, 2-D unbatched; masks must agree."""
    qd = query.dim()
    if qd == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`,"
                                 f" 2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if qd == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be"
                                 f" 2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor"
                                 " instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3 and attn_mask.shape[0] != num_heads:
                raise AssertionError(f"Expected `attn_mask` shape to be ({num_heads}, "
                                     f"{query.shape[0]}, {key.shape[0]}) but got "
                                     f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{qd}-D query tensor")


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Mirrors ``torch.nn.functional.multi_head_attention_forward`` (sequence-first layout).

    ``query`` is ``(L, N, E)`` (or unbatched ``(L, E)``), ``key``/``value`` ``(S, N, kdim)``
    / ``(S, N, vdim)``. Boolean masks are True where attention is NOT allowed; float masks
    are added. Returns ``(attn_output, attn_weights)``; the weights are averaged over heads
    when ``average_attn_weights`` and are ``None`` when ``need_weights`` is False.
    ``is_causal`` is only a hint, as in torch: ``attn_mask`` must still be given.

    Example:
        >>> x = torch.randn(5, 2, 8)
        >>> w, b = torch.randn(24, 8), torch.zeros(24)
        >>> out, attn = F.multi_head_attention_forward(
        ...     x, x, x, 8, 2, w, b, None, None, False, 0.0, torch.randn(8, 8), None)
    """
    return _mha_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                        in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                        out_proj_bias, training, key_padding_mask, need_weights, attn_mask,
                        use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
                        static_k, static_v, average_attn_weights, is_causal)


def _mha_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                 training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                 q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                 average_attn_weights, is_causal, batch_first=False):
    """multi_head_attention_forward with ``batch_first`` handled inside the one op."""
    batched = _is_batched_mha(query, key, value, key_padding_mask, attn_mask, num_heads)
    swap = batched and batch_first
    L = query.shape[1] if swap else query.shape[0]
    E = query.shape[-1]
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {E}")
    if E % num_heads != 0:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, "
                                 "k_proj_weight or v_proj_weight is None")
    else:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        q_proj_weight = k_proj_weight = v_proj_weight = None
    if tuple(key.shape[:-1]) != tuple(value.shape[:-1]):
        raise AssertionError(f"key's sequence and batch dims {key.shape[:-1]} do not match "
                             f"value's {value.shape[:-1]}")
    N = (query.shape[0] if swap else query.shape[1]) if batched else 1
    S = key.shape[1] if swap else key.shape[0]
    if attn_mask is not None:
        if attn_mask.dtype.name != "bool" and not attn_mask.dtype.is_floating_point:
            raise AssertionError("only bool and floating types of attn_mask are supported")
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(L, S)}.")
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(N * num_heads, L, S)}.")
    if key_padding_mask is not None:
        if key_padding_mask.dtype.name != "bool" and \
                not key_padding_mask.dtype.is_floating_point:
            raise AssertionError("only bool and floating types of key_padding_mask are "
                                 "supported")
        expected = (N, S) if batched else (S,)
        if tuple(key_padding_mask.shape) != expected:
            raise AssertionError(f"expecting key_padding_mask shape of {expected}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias cannot be added to static key.")
    if bias_k is not None and (static_k is not None or static_v is not None):
        raise AssertionError("bias cannot be added to static key." if static_k is not None
                             else "bias cannot be added to static value.")
    # torch honours the is_causal hint (and drops attn_mask) only on its SDPA path.
    causal = bool(is_causal) and key_padding_mask is None and not need_weights
    if causal:
        attn_mask = None
    p = float(dropout_p) if training else 0.0
    rng = _next_key() if p > 0.0 else None
    out, weights = apply(
        _mha, (query, key, value, in_proj_weight, in_proj_bias, bias_k, bias_v, out_proj_weight,
               out_proj_bias, q_proj_weight, k_proj_weight, v_proj_weight, key_padding_mask,
               attn_mask, static_k, static_v, rng),
        (("num_heads", int(num_heads)), ("add_zero_attn", bool(add_zero_attn)),
         ("dropout_p", p), ("need_weights", bool(need_weights)),
         ("average", bool(average_attn_weights)), ("batched", batched), ("causal", causal),
         ("batch_first", bool(batch_first))),
        out_dtype=(query.dtype, query.dtype))
    return out, (weights if need_weights else None)

