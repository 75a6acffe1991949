"""``torch.autocast``: run each op in the precision torch's autocast picks for it.

Mirrors ``torch.autocast`` / ``torch.amp.autocast`` (context manager and decorator) and the
state functions ``torch.is_autocast_enabled``, ``torch.get_autocast_dtype``,
``torch.set_autocast_enabled``, ``torch.set_autocast_dtype``. Defaults per device type are
torch's: ``float16`` for ``'cuda'``, ``bfloat16`` for ``'cpu'`` and ``'xla'`` (``'tpu'``, a
pytorch_like device name, is treated like ``'xla'``).

How it works: every op is an ``Op`` in ``ops._dispatch.REGISTRY``. On import (and again
whenever new ops were defined) each op whose name is on one of torch's autocast lists gets an
``op.amp`` tag: a dict ``{table: kind}`` with ``kind`` one of

* ``"lower"`` — floating inputs are cast to the autocast dtype (matmul, linear, conv, ...);
* ``"fp32"`` — floating inputs are cast to float32 (losses, and on CUDA softmax, norms, ...);
* ``"promote"`` — floating inputs are cast to the widest floating type among them (cat, ...);
* ``"fp32_5d"`` — ``"fp32"`` for 5-D inputs only (torch lists the 3-D pools, not the 2-D);
* ``"banned"`` — torch refuses the op under autocast (binary_cross_entropy on CUDA);
* ``"first"`` — floating inputs follow the first input's dtype: not an autocast list, but
  what torch's CPU kernel does with a bfloat16 input and float32 weights (``nn.GRU``).

While an autocast region is active, ``ops._dispatch.apply`` hands every tagged op to
:func:`_policy`, which casts the op's *eligible* tensors (float16, bfloat16, float32; float64
is left alone, as in torch) and sets the output dtype. Casts are differentiable: either the
op's own fused ``cast`` (when every input is a floating tensor) or the ``cast`` op
(``ToCopyBackward0``), so gradients flow back to parameters in the parameters' dtype. The
policy's own casts never re-enter it (the ``cast`` op is never tagged).

Two tables are kept, because torch's lists differ per device: the CPU table (checked op by
op against ``torch.autocast('cpu', dtype=torch.bfloat16)`` of torch 2.13, where e.g.
``softmax``, ``layer_norm`` and ``sum`` keep their input dtype) and the CUDA table (torch's
documented CUDA lists, also used for TPU). The table follows the device pytorch_like's arrays
live on (JAX's default backend).

Deliberate differences from torch:

* The weight-cast cache (``cache_enabled``) is accepted and has no effect; under
  ``pytorch_like.compile`` XLA removes repeated casts of the same weight anyway.
* Per-op choices follow the op as pytorch_like defines it. Ops torch composes from
  listed ops (``einsum`` → ``bmm``) are tagged like their result; ops pytorch_like composes
  (``addmm`` = ``mm`` + ``add``) follow their parts. ``torch.dot``/``torch.mv`` share
  ``matmul``'s op and are cast down like ``matmul`` (torch's CPU autocast leaves them alone).
  ``F.pad``'s reflect/replicate modes stay in their input dtype (torch's CPU list runs them
  in float32) because the policy does not see an op's static arguments.
* Autocast for a device type applies to all of pytorch_like's arrays when that device type
  is JAX's default backend, and to none otherwise: ``autocast('cpu')`` on a GPU machine
  changes nothing (as torch, for CUDA tensors), and CPU tensors explicitly placed there are
  not autocast either.
* The state is thread-local as in torch, but the dispatcher's hook is process-wide: while
  any thread has autocast on, the few functions that check dtypes before their op runs
  (``F.linear``, ``conv*``, ``matmul``, ``mm``, ``bmm``, ``binary_cross_entropy``) accept
  mixed floating inputs in every thread.

Example:
    >>> model = torch.nn.Linear(4, 2)
    >>> with torch.autocast('cpu', dtype=torch.bfloat16):
    ...     y = model(torch.randn(3, 4))
    ...     loss = torch.nn.functional.mse_loss(y, torch.zeros(3, 2))
    >>> y.dtype, loss.dtype
    (torch.bfloat16, torch.float32)
    >>> loss.backward(); model.weight.grad.dtype
    torch.float32
"""

from __future__ import annotations

import functools
import threading
import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp

from .. import _dtype as D
from ..ops import _dispatch
from ..tensor import Tensor

__all__ = ["autocast", "autocast_decorator", "is_autocast_available", "is_autocast_enabled",
           "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
           "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
           "autocast_increment_nesting", "autocast_decrement_nesting",
           "get_autocast_gpu_dtype", "get_autocast_cpu_dtype", "is_autocast_cpu_enabled"]

# -- torch's op lists, by pytorch_like op name -------------------------------------------------
# CPU: measured against torch 2.13's torch.autocast('cpu', dtype=torch.bfloat16), op by op
# (tests/test_amp.py keeps the two in step).
_CPU_LOWER = (
    "matmul", "dot", "mv", "bmm", "linear", "convolution", "conv_transpose", "prelu",
    "einsum", "tensordot", "scaled_dot_product_attention", "multi_head_attention_forward",
    "lstm", "rnn_tanh", "rnn_relu", "rnn_tanh_cell", "rnn_relu_cell")
_CPU_FP32 = (
    "prod", "cdist", "inverse", "nll_loss", "nll_loss2d", "nll_loss_w", "nll_loss2d_w",
    "cross_entropy", "cross_entropy_prob", "mse_loss", "l1_loss", "smooth_l1_loss",
    "huber_loss", "kl_div", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss", "soft_margin_loss",
    "multilabel_margin_loss", "multi_margin_loss", "poisson_nll_loss", "triplet_margin_loss",
    "ctc_loss")
_CPU_FP32_5D = ("avg_pool", "max_pool", "max_pool_with_indices", "adaptive_avg_pool",
                "adaptive_max_pool")
_CPU_PROMOTE = ("cat", "stack", "index_update")
_CPU_FIRST = ("gru",)

# CUDA (also TPU): torch's documented CUDA lists ("CUDA Ops that can autocast to float16 /
# float32 / promote") mapped onto pytorch_like's op names.
_CUDA_LOWER = (
    "matmul", "dot", "mv", "bmm", "linear", "convolution", "conv_transpose", "prelu",
    "einsum", "scaled_dot_product_attention", "multi_head_attention_forward", "lstm", "gru",
    "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell")
_CUDA_FP32 = (
    "acos", "asin", "cosh", "sinh", "tan", "exp", "expm1", "log", "log10", "log2", "log1p",
    "reciprocal", "rsqrt", "pow", "pow_scalar", "rpow", "softplus", "layer_norm", "group_norm",
    "norm", "cosine_similarity", "normalize", "pairwise_distance", "cdist", "logsumexp",
    "softmax", "log_softmax", "cumsum", "cumprod", "prod", "sum", "nll_loss", "nll_loss2d",
    "nll_loss_w", "nll_loss2d_w", "cross_entropy", "cross_entropy_prob", "mse_loss",
    "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "binary_cross_entropy_with_logits",
    "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss", "soft_margin_loss",
    "multilabel_margin_loss", "multi_margin_loss", "poisson_nll_loss", "triplet_margin_loss")
_CUDA_PROMOTE = ("addcdiv", "addcmul", "atan2", "bilinear", "cross", "tensordot",
                 "index_update", "scatter", "cat", "stack")
_CUDA_BANNED = ("binary_cross_entropy",)


def _table(lower=(), fp32=(), promote=(), fp32_5d=(), banned=(), first=()) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, names in (("lower", lower), ("fp32", fp32), ("promote", promote),
                        ("fp32_5d", fp32_5d), ("banned", banned), ("first", first)):
        for n in names:
            out[n] = kind
    return out


_TABLES = {
    "cpu": _table(_CPU_LOWER, _CPU_FP32, _CPU_PROMOTE, _CPU_FP32_5D, first=_CPU_FIRST),
    "cuda": _table(_CUDA_LOWER, _CUDA_FP32, _CUDA_PROMOTE, banned=_CUDA_BANNED),
}
# Which table a device type's autocast uses (TPU autocast follows the CUDA lists, as
# torch_xla's does).
_TABLE_OF = {"cpu": "cpu", "cuda": "cuda", "xla": "cuda", "tpu": "cuda"}

_BCE_MESSAGE = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using "
    "torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast.")

_tagged = [0]  # how many REGISTRY entries have been looked at


def _tag_ops() -> None:
    """Tag every op defined since the last call with its kind per table (idempotent)."""
    reg = _dispatch.REGISTRY
    start = _tagged[0]
    if start == len(reg):
        return
    for op in reg[start:]:
        tags = {t: table[op.name] for t, table in _TABLES.items() if op.name in table}
        if tags:
            op.amp = tags
    _tagged[0] = len(reg)


# -- state ------------------------------------------------------------------------------------
_KNOWN_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep",
                       "hip", "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta",
                       "hpu", "mtia", "privateuseone", "tpu")
_AVAILABLE = ("cpu", "cuda", "xla", "tpu")
_DEFAULT_DTYPE = {"cuda": D.float16, "cpu": D.bfloat16, "xla": D.bfloat16, "tpu": D.bfloat16}
_ELIGIBLE = frozenset({D.float16, D.bfloat16, D.float32})


class _TLS(threading.local):
    def __init__(self) -> None:
        self.enabled: dict[str, bool] = {}
        self.dtype: dict[str, D.dtype] = {}
        self.cache_enabled = True
        self.nesting = 0
        # (table, dtype) applied to this thread's ops, or None.
        self.active: tuple | None = None


_tls = _TLS()
_lock = threading.Lock()
_active_threads: set = set()


@functools.cache
def _backend_types() -> tuple:
    """The autocast device types that address pytorch_like's arrays (JAX's default backend)."""
    b = jax.default_backend()
    if b == "cpu":
        return ("cpu",)
    if b == "tpu":
        return ("xla", "tpu")
    return ("cuda",)


def _gpu_available() -> bool:
    from .._device import _platform_devices

    return bool(_platform_devices("gpu"))


def _check_device_type(device_type: str) -> None:
    if device_type not in _KNOWN_DEVICE_TYPES:
        raise RuntimeError(
            "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
            "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start "
            f"of device string: {device_type}")


def _refresh() -> None:
    """Recompute this thread's active (table, dtype) and install or remove the hook."""
    active = None
    for t in _backend_types():
        if _tls.enabled.get(t, False):
            active = (_TABLE_OF[t], _tls.dtype.get(t, _DEFAULT_DTYPE[t]))
    _tls.active = active
    me = threading.get_ident()
    with _lock:
        if active is not None:
            _tag_ops()
            _active_threads.add(me)
        else:
            _active_threads.discard(me)
        _dispatch.autocast_hook.policy = _policy if _active_threads else None


def is_autocast_available(device_type: str) -> bool:
    """Mirrors ``torch.amp.is_autocast_available``: True for 'cpu', 'cuda', 'xla' (and
    pytorch_like's 'tpu').

    Example:
        >>> torch.amp.is_autocast_available('cpu')
        True
    """
    _check_device_type(device_type)
    return device_type in _AVAILABLE


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Mirrors ``torch.is_autocast_enabled``: without an argument, CUDA's state (as torch).

    Example:
        >>> with torch.autocast('cpu'):
        ...     torch.is_autocast_enabled('cpu')
        True
    """
    if device_type is None:
        device_type = "cuda"
    _check_device_type(device_type)
    return _tls.enabled.get(device_type, False)


def set_autocast_enabled(device_type, enabled: bool | None = None) -> None:
    """Mirrors ``torch.set_autocast_enabled(device_type, enabled)`` (and the old one-argument
    form, which sets CUDA's state)."""
    if enabled is None:
        device_type, enabled = "cuda", bool(device_type)
    _check_device_type(device_type)
    _tls.enabled[device_type] = bool(enabled)
    _refresh()


def get_autocast_dtype(device_type: str) -> D.dtype:
    """Mirrors ``torch.get_autocast_dtype``: float16 for 'cuda', bfloat16 for 'cpu'/'xla'.

    Example:
        >>> torch.get_autocast_dtype('cpu')
        torch.bfloat16
    """
    _check_device_type(device_type)
    return _tls.dtype.get(device_type, _DEFAULT_DTYPE.get(device_type, D.float16))


def set_autocast_dtype(device_type: str, dtype: D.dtype) -> None:
    """Mirrors ``torch.set_autocast_dtype``."""
    _check_device_type(device_type)
    _tls.dtype[device_type] = D.to_dtype(dtype)
    _refresh()


def get_autocast_gpu_dtype() -> D.dtype:
    """Mirrors the deprecated ``torch.get_autocast_gpu_dtype``."""
    return get_autocast_dtype("cuda")


def get_autocast_cpu_dtype() -> D.dtype:
    """Mirrors the deprecated ``torch.get_autocast_cpu_dtype``."""
    return get_autocast_dtype("cpu")


def is_autocast_cpu_enabled() -> bool:
    """Mirrors the deprecated ``torch.is_autocast_cpu_enabled``."""
    return is_autocast_enabled("cpu")


def is_autocast_cache_enabled() -> bool:
    """Mirrors ``torch.is_autocast_cache_enabled`` (the cache itself is not kept)."""
    return _tls.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Mirrors ``torch.set_autocast_cache_enabled``."""
    _tls.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Mirrors ``torch.clear_autocast_cache``: no cache is kept, so nothing to clear."""


def autocast_increment_nesting() -> int:
    """Mirrors ``torch.autocast_increment_nesting``."""
    _tls.nesting += 1
    return _tls.nesting


def autocast_decrement_nesting() -> int:
    """Mirrors ``torch.autocast_decrement_nesting``."""
    _tls.nesting = max(0, _tls.nesting - 1)
    return _tls.nesting


def _state_key() -> tuple | None:
    """This thread's active autocast (table, dtype name), for compiled-program cache keys."""
    a = _tls.active
    return None if a is None else (a[0], a[1].name)


# -- the context manager / decorator ----------------------------------------------------------
def autocast_decorator(autocast_instance: autocast, func: Callable) -> Callable:
    """Mirrors ``torch.amp.autocast_mode.autocast_decorator``: run ``func`` inside the region."""

    @functools.wraps(func)
    def decorate_autocast(*args, **kwargs):
        with autocast_instance:
            return func(*args, **kwargs)

    return decorate_autocast


class autocast:
    """Mirrors ``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    A context manager or decorator: inside it, ops on torch's lower-precision list (matmul,
    linear, conv, bmm, einsum, attention, ...) run in ``dtype``, ops on its float32 list
    (losses; on CUDA also softmax, log_softmax, layer/group norm, sum, exp, log, ...) run in
    float32, and ops on its promote list (cat, stack, ...) run in the widest input type.
    Regions nest, and ``enabled=False`` switches autocast off inside an enabled region.
    Backward runs in the dtypes the forward used; gradients reach parameters in their own
    dtype. Warnings and errors are torch's: ``'cuda'`` without a GPU and unsupported dtypes
    on CPU disable the region with a warning.

    Example:
        >>> with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        ...     out = torch.mm(torch.randn(2, 3), torch.randn(3, 4))
        ...     with torch.autocast(device_type='cpu', enabled=False):
        ...         full = torch.mm(torch.randn(2, 3), torch.randn(3, 4))
        >>> out.dtype, full.dtype
        (torch.bfloat16, torch.float32)
    """

    def __init__(self, device_type: str, dtype: D.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else \
            D.to_dtype(dtype)
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}'")
        self._cache_enabled = (is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        if enabled:
            if device_type == "cuda":
                if not _gpu_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                                  "autocast.", stacklevel=2)
                    enabled = False
            elif self.fast_dtype not in (D.bfloat16, D.float16):
                name = device_type.upper()
                warnings.warn(
                    f"In {name} autocast, but the target dtype is not supported. Disabling "
                    f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                    "torch.float16 currently.", stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)
        self._saved: list[tuple] = []

    def __enter__(self) -> autocast:
        dev = self.device
        self._saved.append((is_autocast_cache_enabled(), _tls.enabled.get(dev, False),
                            get_autocast_dtype(dev)))
        _tls.enabled[dev] = self._enabled
        _tls.dtype[dev] = self.fast_dtype
        autocast_increment_nesting()
        _tls.cache_enabled = bool(self._cache_enabled)
        _refresh()
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        cache, prev, prev_dtype = self._saved.pop()
        autocast_decrement_nesting()
        _tls.enabled[self.device] = prev
        _tls.dtype[self.device] = prev_dtype
        _tls.cache_enabled = cache
        _refresh()
        return False

    def __call__(self, func: Callable) -> Callable:
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                "Did you mean to use autocast as a context manager? For example:\n"
                "    with torch.autocast(device_type=...):\n"
                "        output = model(input)")
        return autocast_decorator(self, func)


# -- the policy apply() calls -----------------------------------------------------------------
def _floating_cast(cast) -> bool:
    try:
        return bool(jnp.issubdtype(cast, jnp.floating))
    except TypeError:
        return False


def _retarget(out_dtype, args: tuple, target: D.dtype):
    """The op's output dtype(s) once its eligible inputs run in ``target``."""
    if out_dtype is None:
        for a in args:
            if isinstance(a, Tensor):
                return target if a._dtype in _ELIGIBLE else a._dtype
        return None
    if isinstance(out_dtype, tuple):
        return tuple(target if d in _ELIGIBLE else d for d in out_dtype)
    return target if out_dtype in _ELIGIBLE else out_dtype


def _policy(op, args: tuple, cast, out_dtype):
    """``apply``'s autocast hook: cast ``op``'s eligible inputs as torch's lists say."""
    active = _tls.active
    if active is None:
        return args, cast, out_dtype
    table, low = active
    kind = op.amp.get(table)
    if kind is None:
        return args, cast, out_dtype
    if kind == "fp32_5d":
        first = args[0] if args else None
        if not (isinstance(first, Tensor) and first._cell.peek().ndim == 5):
            return args, cast, out_dtype
        kind = "fp32"
    elif kind == "banned":
        raise RuntimeError(_BCE_MESSAGE)

    if kind == "first":
        first = next((a for a in args if isinstance(a, Tensor)), None)
        if first is None or first._dtype not in _ELIGIBLE:
            return args, cast, out_dtype
        target = first._dtype
    elif kind == "lower":
        target = low
    elif kind == "fp32":
        target = D.float32
    else:  # promote: the widest eligible floating type
        target = low
        for a in args:
            if isinstance(a, Tensor) and a._dtype in _ELIGIBLE and a._dtype is not low:
                target = D.float32
                break

    needs = False
    simple = True  # every input is an eligible tensor, None or a Python float
    for a in args:
        if isinstance(a, Tensor):
            if a._dtype in _ELIGIBLE:
                if a._dtype is not target:
                    needs = True
            else:
                simple = False
        elif a is not None and type(a) is not float:
            simple = False
    if not needs:
        return args, cast, out_dtype
    if kind == "fp32" and isinstance(out_dtype, D.dtype) and out_dtype.is_floating_point \
            and not any(isinstance(a, Tensor) and a._dtype is out_dtype for a in args):
        # An explicit dtype= request (sum(x, dtype=...)): torch runs such calls as asked.
        return args, cast, out_dtype
    new_out = _retarget(out_dtype, args, target)
    if simple or (cast is not None and _floating_cast(cast)):
        # One fused cast inside the op's own program (differentiable: the vjp of astype
        # returns each gradient in its input's dtype).
        return args, target.storage, new_out
    from ..ops.pointwise import _cast

    new_args = tuple(_cast(a, target) if isinstance(a, Tensor) and a._dtype in _ELIGIBLE
                     and a._dtype is not target else a for a in args)
    return new_args, cast, new_out


_tag_ops()
