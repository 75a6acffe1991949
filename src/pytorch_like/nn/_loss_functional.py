"""Loss functions of ``torch.nn.functional``: cross_entropy, nll_loss, mse_loss, ctc_loss, ...

Each loss is ONE op built from one JAX function (log-softmax, gather, weighting and reduction
fused), so eager mode runs one cached jitted call and backward one cached jitted vjp.
Two exceptions: ``ctc_loss`` runs its forward recursion (``lax.scan``) as one op whose
programs every reduction shares, and ``triplet_margin_with_distance_loss`` composes
ordinary ops because its distance is any callable. Argument checks (shapes, dtypes,
reduction names, out-of-range class indices) happen before the op runs and raise torch's
exception types with torch's wording.

Deliberate differences from torch:
- an out-of-range class index raises ``IndexError`` only when the target's values are
  known (eager mode); inside ``pytorch_like.compile`` the check is skipped and the gradient
  gather clamps the index.
- ``binary_cross_entropy`` does not check eagerly that inputs lie in [0, 1] (that would
  wait for the model's output on every call); inputs outside give NaN.
- ``weight`` may require grad here (torch refuses to differentiate with respect to it).
- checks that need a tensor's values (target ranges, CTC lengths, negative variances) run
  only in eager mode. Each function's docstring lists its own further differences.

Example:
    >>> import pytorch_like as torch
    >>> import pytorch_like.nn.functional as F
    >>> logits = torch.randn(4, 10, requires_grad=True)
    >>> loss = F.cross_entropy(logits, torch.tensor([1, 0, 9, 3]))
    >>> loss.backward()
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..autograd.anomaly_mode import user_stacklevel
from ..autograd.grad_mode import _state as _grad_state
from ..ops._dispatch import Op, apply
from ..ops._dispatch import autocast_hook as _autocast_hook
from ..ops._util import as_tensor_arg, cast_for, check_broadcast, result_dtype
from ..tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
           "multi_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "ctc_loss", "linear_cross_entropy"]


def _size(shape) -> str:
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


# -- reduction argument -----------------------------------------------------------------
def _legacy_reduction(size_average, reduce) -> str:
    # torch's size_average/reduce pair, each defaulting to True when only one is given.
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduction(reduction: str, size_average=None, reduce=None, *,
               extra: tuple = ()) -> str:
    """The reduction name torch would use, with its deprecation warnings and errors."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning,
                      stacklevel=user_stacklevel())
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use "
                      "reduction='mean' instead.", UserWarning, stacklevel=user_stacklevel())
        return "mean"
    if reduction not in ("none", "mean", "sum") + extra:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return jnp.sum(loss)
    return jnp.mean(loss)


# -- nll_loss / cross_entropy -----------------------------------------------------------
def _gather_class(logp, target, weight, ignore_index):
    """Per-element -w[t] * logp[t] and the per-element weights (zero where ignored)."""
    cls = 1 if logp.ndim > 1 else 0
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0).astype(jnp.int32)
    picked = jnp.take_along_axis(logp, jnp.expand_dims(safe, cls), axis=cls,
                                 mode="clip").squeeze(cls)
    if weight is None:
        w = valid.astype(logp.dtype)
    else:
        w = jnp.where(valid, jnp.take(weight, safe, mode="clip"), 0).astype(logp.dtype)
    return -picked * w, w


def _nll_fn(logp, target, weight, *, ignore_index, reduction):
    loss, w = _gather_class(logp, target, weight, ignore_index)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return jnp.sum(loss)
    # torch divides by the total weight of the non-ignored targets (NaN when all ignored).
    return jnp.sum(loss) / jnp.sum(w)


def _class_weight_shape(weight, ndim: int):
    # (C,) -> (C, 1, ..., 1) so it broadcasts along the class axis of (N, C, d1, ...).
    if weight is None:
        return None
    return weight.reshape((-1,) + (1,) * (ndim - 2)) if ndim > 1 else weight


def _ce_index_fn(x, target, weight, *, ignore_index, reduction, label_smoothing):
    cls = 1 if x.ndim > 1 else 0
    logp = jax.nn.log_softmax(x, axis=cls)
    loss, w = _gather_class(logp, target, weight, ignore_index)
    if label_smoothing > 0.0:
        n_classes = x.shape[cls]
        wb = _class_weight_shape(weight, x.ndim)
        smooth = -jnp.sum(logp if wb is None else logp * wb, axis=cls)
        smooth = jnp.where(target != ignore_index, smooth, 0)
        if reduction == "none":
            return (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
        if reduction == "sum":
            total, s = jnp.sum(loss), jnp.sum(smooth)
        else:
            denom = jnp.sum(w)
            total, s = jnp.sum(loss) / denom, jnp.sum(smooth) / denom
        return (1 - label_smoothing) * total + label_smoothing / n_classes * s
    if reduction == "none":
        return loss
    if reduction == "sum":
        return jnp.sum(loss)
    return jnp.sum(loss) / jnp.sum(w)


def _ce_prob_fn(x, target, weight, *, reduction, label_smoothing):
    cls = 1 if x.ndim > 1 else 0
    n_classes = x.shape[cls]
    logp = jax.nn.log_softmax(x, axis=cls)
    t = target.astype(x.dtype)
    if label_smoothing > 0.0:
        t = t * (1 - label_smoothing) + label_smoothing / n_classes
    wb = _class_weight_shape(weight, x.ndim)
    prod = logp * t if wb is None else logp * t * wb
    loss = -jnp.sum(prod, axis=cls)
    # 'mean' averages over the batch (and spatial) elements, never normalising by weight.
    return _reduce(loss, reduction)


# The input's gradient needs only the target and weight, so the input is not kept alive;
# a weight that requires grad needs the input's values (the *_w variants keep them).
_nll = Op("nll_loss", _nll_fn, saves=(1, 2), grad_name="NllLossBackward0")
_nll2d = Op("nll_loss2d", _nll_fn, saves=(1, 2), grad_name="NllLoss2DBackward0")
_nll_w = Op("nll_loss_w", _nll_fn, grad_name="NllLossBackward0")
_nll2d_w = Op("nll_loss2d_w", _nll_fn, grad_name="NllLoss2DBackward0")
_ce_index = Op("cross_entropy", _ce_index_fn, grad_name="NllLossBackward0")
_ce_prob = Op("cross_entropy_prob", _ce_prob_fn, grad_name="DivBackward1")


def _check_nll_shapes(input: Tensor, target: Tensor) -> None:  # noqa: A002
    """torch's nll_loss shape checks, with its exception types and wording."""
    ishape, tshape = tuple(input.shape), tuple(target.shape)
    if len(ishape) < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {len(ishape)})")
    if len(ishape) == 1:
        if len(tshape) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if len(tshape) == 1 and tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{tshape[0]}")
        return
    if not tshape or ishape[0] != tshape[0]:
        # torch reports a 0-d target's batch size as 0.
        raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size "
                         f"({tshape[0] if tshape else 0}).")
    expected = (ishape[0],) + ishape[2:]
    if tshape == expected:
        return
    if len(ishape) == 2:
        # (N, C) scores with a (N, 1) label column, as from y.view(-1, 1).
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if len(ishape) == 4:
        if len(tshape) != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {len(tshape)}")
        raise RuntimeError(f"size mismatch (got input: [{', '.join(map(str, ishape))}] , "
                           f"target: [{', '.join(map(str, tshape))}]")
    raise RuntimeError(f"Expected target size [{', '.join(map(str, expected))}], got "
                       f"[{', '.join(map(str, tshape))}]")


def _check_class_weight(weight: Tensor | None, input: Tensor) -> None:  # noqa: A002
    if weight is None:
        return
    n_classes = input.shape[1] if input.dim() > 1 else input.shape[0]
    if weight.dim() != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           "or no classes but got weight tensor of shape: "
                           f"[{', '.join(map(str, weight.shape))}]")
    if weight.dtype is not input.dtype and _autocast_hook.policy is None:  # autocast casts
        raise RuntimeError(f"expected scalar type {D.type_word(input.dtype)} but found "
                           f"{D.type_word(weight.dtype)}")


def _check_target_range(target: Tensor, n_classes: int, ignore_index: int) -> None:
    """torch's eager ``Target k is out of bounds.``; skipped while the value is traced."""
    a = target._data
    if isinstance(a, jax.core.Tracer):
        return
    t = np.asarray(a)
    if t.size == 0 or (t.min() >= 0 and t.max() < n_classes):
        return  # the common case, without building masks
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")


def _check_index_target(target: Tensor) -> None:
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {D.type_word(target.dtype)}")


def _tensor_args(fn: str, input, target) -> None:  # noqa: A002
    # torch's argument parser: a Python label (``criterion(out, label)`` with ``label``
    # straight from ``dataset[i]``), a list or an array is refused by name.
    for pos, (name, x) in enumerate((("input", input), ("target", target)), 1):
        if not isinstance(x, Tensor):
            t = type(x)
            what = t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, "
                            f"not {what}")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.nll_loss``: ``-w[t] * input[t]`` over class indices.

    ``input`` is ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` log-probabilities; ``target``
    holds int64 (or uint8) class indices of shape ``()``, ``(N,)`` or ``(N, d1, ...)``.
    ``'mean'`` divides by the summed weight of the targets that are not ``ignore_index``.

    Example:
        >>> F.nll_loss(torch.log_softmax(torch.randn(3, 5), 1), torch.tensor([1, 0, 4]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    _tensor_args("nll_loss_nd", input, target)
    _check_nll_shapes(input, target)
    _check_index_target(target)
    _check_class_weight(weight, input)
    _check_target_range(target, input.shape[1] if input.dim() > 1 else input.shape[0],
                        ignore_index)
    if weight is not None and weight.requires_grad:
        op = _nll2d_w if input.dim() == 4 else _nll_w
    else:
        op = _nll2d if input.dim() == 4 else _nll
    return apply(op, (input, target, weight),
                 (("ignore_index", int(ignore_index)), ("reduction", reduction)))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Mirrors ``torch.nn.functional.cross_entropy``: log-softmax and NLL in one op.

    ``target`` is either class indices (int64/uint8, shape of ``input`` without the class
    axis; ``ignore_index`` and ``weight`` apply; ``'mean'`` divides by the summed weight)
    or class probabilities (a float tensor of ``input``'s shape; ``'mean'`` averages over
    the batch). ``label_smoothing`` mixes the target with the uniform distribution.

    Example:
        >>> logits = torch.randn(3, 5, requires_grad=True)
        >>> F.cross_entropy(logits, torch.tensor([1, 0, 4]), label_smoothing=0.1).backward()
    """
    reduction = _reduction(reduction, size_average, reduce)
    _tensor_args("cross_entropy_loss", input, target)
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    _check_class_weight(weight, input)
    static_ls = ("label_smoothing", float(label_smoothing))
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {D.type_word(target.dtype)}")
        return apply(_ce_prob, (input, target, weight), (("reduction", reduction), static_ls))
    _check_nll_shapes(input, target)
    _check_index_target(target)
    _check_target_range(target, input.shape[1] if input.dim() > 1 else input.shape[0],
                        ignore_index)
    return apply(_ce_index, (input, target, weight),
                 (("ignore_index", int(ignore_index)), ("reduction", reduction), static_ls))


# -- regression losses ------------------------------------------------------------------
def _elementwise(kind: str, d, param):
    if kind == "mse":
        return d * d
    if kind == "l1":
        return jnp.abs(d)
    ad = jnp.abs(d)
    if kind == "smooth_l1":
        # beta == 0 is plain L1 (torch routes it to l1_loss).
        if param == 0.0:
            return ad
        return jnp.where(ad < param, 0.5 * d * d / param, ad - 0.5 * param)
    # huber
    return jnp.where(ad < param, 0.5 * d * d, param * (ad - 0.5 * param))


def _regression_fn(x, y, w, *, kind, reduction, param, wmean):
    loss = _elementwise(kind, x - y, param)
    if w is None:
        return _reduce(loss, reduction)
    loss = loss * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return jnp.sum(loss)
    # torch's weighted mse/l1 divide by the summed weight; weighted huber takes the mean.
    return jnp.sum(loss) / jnp.sum(w) if wmean == "ratio" else jnp.mean(loss)


_REGRESSION_GRAD = {"mse": "MseLossBackward0", "l1": "L1LossBackward0",
                    "smooth_l1": "SmoothL1LossBackward0", "huber": "HuberLossBackward0"}
_regression = {k: Op(k + "_loss", _regression_fn, grad_name=g)
               for k, g in _REGRESSION_GRAD.items()}


def _regression_loss(kind: str, input, target, reduction: str, param: float,  # noqa: A002
                     weight, wmean: str) -> Tensor:
    input, target = as_tensor_arg(input), as_tensor_arg(target)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({_size(target.shape)}) that is different to the "
                      f"input size ({_size(input.shape)}). This will likely lead to incorrect "
                      "results due to broadcasting. Please ensure they have the same size.",
                      UserWarning, stacklevel=user_stacklevel())
        check_broadcast(tuple(input.shape), tuple(target.shape))
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise ValueError("Weights and input must have the same size.")
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                             "'mean', 'sum'.")
    else:
        reduction = _reduction(reduction)
    dt = result_dtype(input, target)
    if not dt.is_floating_point:
        dt = D.get_default_dtype()
    return apply(_regression[kind], (input, target, weight),
                 (("kind", kind), ("reduction", reduction), ("param", float(param)),
                  ("wmean", wmean)),
                 cast_for(dt, input, target, weight), dt)


def _legacy(reduction, size_average, reduce):
    if size_average is not None or reduce is not None:
        return _reduction(reduction, size_average, reduce)
    return reduction


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mirrors ``torch.nn.functional.mse_loss``: ``(input - target) ** 2``, reduced.

    A target of another shape warns like torch and broadcasts. With ``weight`` (same shape
    as ``input``), ``'mean'`` is ``sum(w * l) / sum(w)``.

    Example:
        >>> F.mse_loss(torch.zeros(3), torch.ones(3))
        tensor(1.)
    """
    reduction = _legacy(reduction, size_average, reduce)
    return _regression_loss("mse", input, target, reduction, 0.0, weight, "ratio")


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mirrors ``torch.nn.functional.l1_loss``: ``|input - target|``, reduced.

    Example:
        >>> F.l1_loss(torch.zeros(3), torch.full((3,), 2.0))
        tensor(2.)
    """
    reduction = _legacy(reduction, size_average, reduce)
    for t in (input, target):
        if isinstance(t, Tensor) and t.dtype is D.bool_:
            # torch computes input - target, which it refuses for a bool tensor.
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                               "supported. If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
    return _regression_loss("l1", input, target, reduction, 0.0, weight, "ratio")


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None,  # noqa: A002
                   reduce=None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Mirrors ``torch.nn.functional.smooth_l1_loss``: quadratic below ``beta``, then linear.

    Example:
        >>> F.smooth_l1_loss(torch.zeros(2), torch.tensor([0.5, 3.0]))
        tensor(1.3125)
    """
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    reduction = _legacy(reduction, size_average, reduce)
    return _regression_loss("smooth_l1", input, target, reduction, beta, None, "ratio")


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """Mirrors ``torch.nn.functional.huber_loss``: ``delta`` times smooth L1 with beta=delta.

    With ``weight``, ``'mean'`` is the plain mean of the weighted losses (as torch).

    Example:
        >>> F.huber_loss(torch.zeros(2), torch.tensor([0.5, 3.0]), delta=2.0)
        tensor(1.0625)
    """
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _regression_loss("huber", input, target, reduction, delta, weight, "mean")


# -- binary cross entropy ---------------------------------------------------------------
@jax.custom_vjp
def _bce_elem(x, y):
    # torch clamps each log at -100 so that saturated probabilities give finite losses.
    return -(y * jnp.maximum(jnp.log(x), -100.0) + (1 - y) * jnp.maximum(jnp.log1p(-x), -100.0))


def _bce_elem_fwd(x, y):
    return _bce_elem(x, y), (x, y)


def _bce_elem_bwd(res, g):
    # torch's derivative rule (not the derivative of the clamped formula): the input
    # gradient's denominator is clamped at 1e-12, so x in {0, 1} stays finite, and the
    # target gradient is log(1 - x) - log(x).
    x, y = res
    eps = jnp.asarray(1e-12, x.dtype)
    gx = g * (x - y) / jnp.maximum((1 - x) * x, eps)
    gy = g * (jnp.log1p(-x) - jnp.log(x))
    return gx, gy


_bce_elem.defvjp(_bce_elem_fwd, _bce_elem_bwd)


def _bce_fn(x, y, w, *, reduction):
    loss = _bce_elem(x, y)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def _bce_logits_fn(x, y, w, pw, *, reduction):
    # (1 - y) x + (1 + (pw - 1) y) softplus(-x): stable for large |x|.
    sp = jax.nn.softplus(-x)
    loss = (1 - y) * x + (sp if pw is None else (1 + (pw - 1) * y) * sp)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


_bce = Op("binary_cross_entropy", _bce_fn, grad_name="BinaryCrossEntropyBackward0")
_bce_logits = Op("binary_cross_entropy_with_logits", _bce_logits_fn,
                 grad_name="BinaryCrossEntropyWithLogitsBackward0")


def _check_same_float(input: Tensor, other: Tensor | None) -> None:  # noqa: A002
    # Under torch.autocast the policy casts both to float32 first.
    if other is not None and other.dtype is not input.dtype and _autocast_hook.policy is None:
        raise RuntimeError(f"Found dtype {D.type_word(other.dtype)} but expected "
                           f"{D.type_word(input.dtype)}")


def binary_cross_entropy(input: Tensor, target: Tensor,  # noqa: A002
                         weight: Tensor | None = None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.binary_cross_entropy`` on probabilities in [0, 1].

    Each log is clamped at -100 like torch, and the gradient is torch's (finite at 0 and 1).

    Example:
        >>> F.binary_cross_entropy(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({_size(target.shape)}) that is different to the "
                         f"input size ({_size(input.shape)}) is deprecated. Please ensure they "
                         "have the same size.")
    _check_same_float(input, target)
    if weight is not None:
        check_broadcast(tuple(target.shape), tuple(weight.shape))
        if len(weight.shape) > len(target.shape):
            raise RuntimeError(f"The size of weight {tuple(weight.shape)} cannot broadcast to "
                               f"the target's size {tuple(target.shape)}")
    _check_bce_range(input, target)
    return apply(_bce, (input, target, weight), (("reduction", reduction),))


@jax.jit
def _bce_range_ok(x, y):
    # Both flags in one array, so the eager check costs one dispatch and one host transfer;
    # the comparisons are False for nan, which torch rejects too.
    def inside(a):
        return jnp.all((a >= 0) & (a <= 1))
    return jnp.stack([inside(x), inside(y)])


def _check_bce_range(input: Tensor, target: Tensor) -> None:  # noqa: A002
    """torch's eager range checks on BCE's probabilities (out of range, JAX gives nan).

    Skipped while either value is traced (inside ``compile``).
    """
    x, y = input._cell.a, target._cell.a
    if isinstance(x, jax.core.Tracer) or isinstance(y, jax.core.Tracer) or x.size == 0:
        return
    ok_x, ok_y = (bool(v) for v in np.asarray(_bce_range_ok(x, y)))
    if not ok_x:
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not ok_y:
        raise RuntimeError("all elements of target should be between 0 and 1")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Mirrors ``torch.nn.functional.binary_cross_entropy_with_logits`` (sigmoid + BCE, stable).

    ``pos_weight`` scales the positive term and broadcasts along the last (class) axis.

    Example:
        >>> F.binary_cross_entropy_with_logits(torch.tensor([2.0, -1.0]), torch.tensor([1., 0.]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({_size(target.shape)}) must be the same as input size "
                         f"({_size(input.shape)})")
    for extra in (weight, pos_weight):
        if extra is not None:
            check_broadcast(tuple(input.shape), tuple(extra.shape))
    dt = result_dtype(input, target)
    tdt = target.dtype
    # torch computes (1 - target) in the target's dtype and writes into it: integer labels
    # (y from a classification dataset) must be made float first, as in torch.
    if tdt is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if not (tdt.is_floating_point or tdt.is_complex):
        raise RuntimeError(f"result type {D.type_word(dt)} can't be cast to the desired "
                           f"output type {D.type_word(tdt)}")
    return apply(_bce_logits, (input, target, weight, pos_weight), (("reduction", reduction),),
                 cast_for(dt, input, target, weight, pos_weight), dt)


# -- KL divergence ----------------------------------------------------------------------
def _kl_fn(x, t, *, reduction, log_target):
    if log_target:
        loss = jnp.exp(t) * (t - x)
    else:
        # xlogy makes the term 0 where the target is 0, as torch does.
        loss = jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return jnp.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


_kl = Op("kl_div", _kl_fn, grad_name="KlDivBackward0")


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Mirrors ``torch.nn.functional.kl_div``: ``target * (log(target) - input)``.

    ``input`` holds log-probabilities; ``target`` probabilities (or log-probabilities with
    ``log_target=True``). ``'batchmean'`` divides the sum by the batch size (the KL
    definition); ``'mean'`` divides by every element and warns, as torch does.

    Example:
        >>> p = torch.log_softmax(torch.randn(2, 4), 1)
        >>> F.kl_div(p, torch.softmax(torch.randn(2, 4), 1), reduction="batchmean")
    """
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=user_stacklevel())
        reduction = _reduction(reduction, extra=("batchmean",))
    target = as_tensor_arg(target)
    if not all(t.dtype.is_floating_point or t.dtype.is_complex for t in (input, target)):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    check_broadcast(tuple(input.shape), tuple(target.shape))
    dt = result_dtype(input, target)
    return apply(_kl, (input, target), (("reduction", reduction), ("log_target", bool(log_target))),
                 cast_for(dt, input, target), dt)


# -- embedding, ranking and margin losses -----------------------------------------------
def _float_dtype_of(*xs) -> D.dtype:
    dt = result_dtype(*xs)
    return dt if dt.is_floating_point else D.get_default_dtype()


def _shape_list(shape) -> str:
    return f"[{', '.join(str(s) for s in shape)}]"


def _concrete(t: Tensor):
    """The tensor's values as numpy, or None while they are traced (inside ``compile``)."""
    a = t._data
    return None if isinstance(a, jax.core.Tracer) else np.asarray(a)


def _cosine_embedding_fn(x1, x2, y, *, margin, reduction):
    # torch adds 1e-12 to each squared norm (not a clamp), so zero vectors give cos = 0.
    dot = jnp.sum(x1 * x2, axis=-1)
    n1 = jnp.sum(x1 * x1, axis=-1) + 1e-12
    n2 = jnp.sum(x2 * x2, axis=-1) + 1e-12
    cos = dot / jnp.sqrt(n1 * n2)
    loss = (jnp.where(y == 1, 1 - cos, 0)
            + jnp.where(y == -1, jnp.maximum(cos - margin, 0), 0)).astype(cos.dtype)
    return _reduce(loss, reduction)


_cosine_embedding = Op("cosine_embedding_loss", _cosine_embedding_fn,
                       grad_name="MeanBackward0")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0, size_average=None, reduce=None,
                          reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.cosine_embedding_loss``.

    ``1 - cos(x1, x2)`` where ``target == 1`` and ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (other target values give 0). Inputs are ``(N, D)`` with a ``(N,)``
    target, or ``(D,)`` with a 0-d target.

    Example:
        >>> F.cosine_embedding_loss(torch.randn(3, 5), torch.randn(3, 5),
        ...                         torch.tensor([1, -1, 1]), margin=0.2)
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if target.dim() not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = target.dim() + 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{target.dim()}D target tensor expects {want}D input tensors, but "
                           f"found inputs with sizes {_shape_list(input1.shape)} and "
                           f"{_shape_list(input2.shape)}.")
    check_broadcast(tuple(input1.shape), tuple(input2.shape))
    batch = tuple(jnp.broadcast_shapes(tuple(input1.shape), tuple(input2.shape)))[:-1]
    check_broadcast(tuple(target.shape), batch)
    dt = _float_dtype_of(input1, input2)
    return apply(_cosine_embedding, (input1, input2, target),
                 (("margin", float(margin)), ("reduction", reduction)),
                 cast_for(dt, input1, input2), dt)


def _hinge_embedding_fn(x, y, *, margin, reduction):
    loss = (jnp.where(y != 1, jnp.maximum(margin - x, 0), 0)
            + jnp.where(y != -1, x, 0)).astype(x.dtype)
    return _reduce(loss, reduction)


_hinge_embedding = Op("hinge_embedding_loss", _hinge_embedding_fn, grad_name="MeanBackward0")


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.hinge_embedding_loss``.

    ``x`` where ``target == 1`` and ``max(0, margin - x)`` where ``target == -1``; the
    target broadcasts against the input.

    Example:
        >>> F.hinge_embedding_loss(torch.tensor([0.3, 2.0]), torch.tensor([1.0, -1.0]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    check_broadcast(tuple(target.shape), tuple(input.shape))
    dt = _float_dtype_of(input)
    return apply(_hinge_embedding, (input, target),
                 (("margin", float(margin)), ("reduction", reduction)), cast_for(dt, input), dt)


def _margin_ranking_fn(x1, x2, y, *, margin, reduction):
    return _reduce(jnp.maximum(-y * (x1 - x2) + margin, 0), reduction)


_margin_ranking = Op("margin_ranking_loss", _margin_ranking_fn, grad_name="MeanBackward0")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.margin_ranking_loss``: ``max(0, -y (x1 - x2) + margin)``.

    All three tensors must have the same number of dimensions (torch's check).

    Example:
        >>> F.margin_ranking_loss(torch.tensor([1.0, 0.2]), torch.tensor([0.5, 0.4]),
        ...                       torch.tensor([1.0, -1.0]), margin=0.1)
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {_size(input1.shape)}, input2: "
                           f"{_size(input2.shape)}, target: {_size(target.shape)} ")
    check_broadcast(tuple(input1.shape), tuple(input2.shape))
    check_broadcast(tuple(target.shape),
                    tuple(jnp.broadcast_shapes(tuple(input1.shape), tuple(input2.shape))))
    dt = _float_dtype_of(input1, input2, target)
    return apply(_margin_ranking, (input1, input2, target),
                 (("margin", float(margin)), ("reduction", reduction)),
                 cast_for(dt, input1, input2, target), dt)


def _soft_margin_fn(x, y, *, reduction):
    return _reduce(jax.nn.softplus(-y * x), reduction)


_soft_margin = Op("soft_margin_loss", _soft_margin_fn, grad_name="SoftMarginLossBackward0")


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None,  # noqa: A002
                     reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.soft_margin_loss``: ``log(1 + exp(-y x))``.

    Deliberate difference: computed as ``softplus(-y x)``, finite where torch's
    ``log1p(exp(-y x))`` overflows to ``inf`` (``-y x`` above about 88 in float32).

    Example:
        >>> F.soft_margin_loss(torch.tensor([0.5, -2.0]), torch.tensor([1.0, -1.0]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if target.requires_grad and _grad_state.enabled:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect "
                           "to argument 'target'. This input cannot have requires_grad True.")
    check_broadcast(tuple(input.shape), tuple(target.shape))
    dt = _float_dtype_of(input, target)
    return apply(_soft_margin, (input, target), (("reduction", reduction),),
                 cast_for(dt, input, target), dt)


def _multilabel_soft_margin_fn(x, y, w, *, reduction):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    # Averaged over the class (last) axis, one loss per sample.
    return _reduce(jnp.sum(loss, axis=-1) / x.shape[-1], reduction)


_multilabel_soft_margin = Op("multilabel_soft_margin_loss", _multilabel_soft_margin_fn,
                             grad_name="MeanBackward0")


def multilabel_soft_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                                weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.multilabel_soft_margin_loss``.

    Per sample, the mean over classes of ``-(y log sigmoid(x) + (1 - y) log sigmoid(-x))``
    (times ``weight``, which broadcasts along the class axis); ``'none'`` returns one loss
    per sample.

    Example:
        >>> F.multilabel_soft_margin_loss(torch.randn(2, 3), torch.tensor([[1., 0, 1], [0, 0, 1]]))
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning,
                      stacklevel=user_stacklevel())
    target = as_tensor_arg(target)
    check_broadcast(tuple(input.shape), tuple(target.shape))
    if weight is not None:
        check_broadcast(tuple(jnp.broadcast_shapes(tuple(input.shape), tuple(target.shape))),
                        tuple(weight.shape))
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    dt = _float_dtype_of(input, target)
    return apply(_multilabel_soft_margin, (input, target, weight), (("reduction", reduction),),
                 cast_for(dt, input, target, weight), dt)


def _check_margin_input(input: Tensor) -> None:  # noqa: A002
    shape = tuple(input.shape)
    if not ((len(shape) == 2 and shape[1] != 0) or (len(shape) == 1 and shape[0] != 0)
            or len(shape) == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {_shape_list(shape)}")


def _check_long(t: Tensor) -> None:
    if t.dtype is not D.int64:
        raise RuntimeError(f"expected scalar type Long but found {D.type_word(t.dtype)}")


def _multilabel_margin_fn(x, y, *, reduction):
    n_classes = x.shape[-1]
    # Each row's targets are the indices before its first -1.
    valid = jnp.cumprod(y != -1, axis=-1).astype(bool)
    safe = jnp.clip(y, 0, n_classes - 1).astype(jnp.int32)
    is_target = jnp.any(valid[..., :, None]
                        & (safe[..., :, None] == jnp.arange(n_classes)), axis=-2)
    x_target = jnp.take_along_axis(x, safe, axis=-1)
    hinge = jnp.maximum(1 - x_target[..., :, None] + x[..., None, :], 0)
    mask = valid[..., :, None] & ~is_target[..., None, :]
    loss = jnp.sum(jnp.where(mask, hinge, 0), axis=(-2, -1)) / n_classes
    return _reduce(loss, reduction)


_multilabel_margin = Op("multilabel_margin_loss", _multilabel_margin_fn,
                        grad_name="MultilabelMarginLossBackward0")


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None,  # noqa: A002
                           reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.multilabel_margin_loss``.

    ``target`` (int64, ``input``'s shape) lists each sample's classes, ended by the first
    ``-1``; the loss sums ``max(0, 1 - (x[j] - x[i]))`` over listed ``j`` and unlisted
    ``i``, divided by the number of classes. ``input`` is ``()``, ``(C,)`` or ``(N, C)``.

    Deliberate difference: an out-of-range target raises only when its values are known
    (eager mode); inside ``compile`` it is clamped.

    Example:
        >>> F.multilabel_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]),
        ...                          torch.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    _check_margin_input(input)
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {_shape_list(target.shape)} for input "
                           f"of size: {_shape_list(input.shape)}")
    _check_long(target)
    values = _concrete(target)
    n_classes = input.shape[-1] if input.dim() else 1
    if values is not None and values.size and (values.min() < -1 or values.max() >= n_classes):
        raise RuntimeError("argument #2 'target' is out of range")
    dt = _float_dtype_of(input)
    x, y = (input.reshape(1), target.reshape(1)) if input.dim() == 0 else (input, target)
    out = apply(_multilabel_margin, (x, y), (("reduction", reduction),), cast_for(dt, x), dt)
    return out.reshape(()) if input.dim() == 0 and reduction == "none" else out


def _multi_margin_fn(x, y, w, *, p, margin, reduction):
    n_classes = x.shape[-1]
    safe = jnp.clip(y, 0, n_classes - 1).astype(jnp.int32)
    x_target = jnp.take_along_axis(x, safe[:, None], axis=-1)
    z = jnp.maximum(margin - x_target + x, 0)
    if p == 2:
        z = z * z
    if w is not None:
        z = z * jnp.take(w, safe)[:, None]
    # The target class itself is left out of the sum.
    z = jnp.where(jnp.arange(n_classes) == safe[:, None], 0, z)
    return _reduce(jnp.sum(z, axis=-1) / n_classes, reduction)


_multi_margin = Op("multi_margin_loss", _multi_margin_fn, grad_name="MultiMarginLossBackward0")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1,  # noqa: A002
                      margin: float = 1.0, weight: Tensor | None = None, size_average=None,
                      reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.multi_margin_loss``: the multi-class hinge loss.

    Per sample: ``sum over i != y of w[y] * max(0, margin - x[y] + x[i]) ** p``, divided by
    the number of classes; ``p`` is 1 or 2. ``input`` is ``(C,)`` or ``(N, C)``.

    Deliberate difference: an out-of-range target raises only when its values are known
    (eager mode); inside ``compile`` it is clamped.

    Example:
        >>> F.multi_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
        tensor(0.3250)
    """
    reduction = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    target = as_tensor_arg(target)
    _check_margin_input(input)
    n_rows = input.shape[0] if input.dim() == 2 else 1
    n_classes = input.shape[-1] if input.dim() else 1
    if target.dim() > 1 or target.numel() != n_rows:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{n_rows}], but got {_shape_list(target.shape)}. Input has shape "
                           f"{_shape_list(input.shape)}.")
    if weight is not None:
        if weight.numel() != n_classes:
            raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got "
                               f"{_shape_list(weight.shape)}")
        if weight.dtype is not input.dtype:
            raise RuntimeError(f"expected scalar type {D.type_word(input.dtype)} but found "
                               f"{D.type_word(weight.dtype)}")
    _check_long(target)
    values = _concrete(target)
    if values is not None and values.size and (values.min() < 0 or values.max() >= n_classes):
        raise RuntimeError("target out of range")
    dt = _float_dtype_of(input)
    x = input.reshape(n_rows, n_classes)
    out = apply(_multi_margin, (x, target.reshape(n_rows), weight),
                (("p", int(p)), ("margin", float(margin)), ("reduction", reduction)),
                cast_for(dt, x, weight), dt)
    # A single sample's unreduced loss takes the target's shape (() or (1,)), as torch's.
    return out.reshape(tuple(target.shape)) if input.dim() < 2 and reduction == "none" else out


# -- likelihood losses ------------------------------------------------------------------
def _poisson_nll_fn(x, y, *, log_input, full, eps, reduction):
    loss = jnp.exp(x) - y * x if log_input else x - y * jnp.log(x + eps)
    if full:
        # Stirling's approximation of log(y!), counted only where y > 1 (as torch).
        safe = jnp.where(y > 1, y, 1)
        stirling = safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * jnp.pi * safe)
        loss = loss + jnp.where(y > 1, stirling, 0)
    return _reduce(loss, reduction)


_poisson_nll = Op("poisson_nll_loss", _poisson_nll_fn, grad_name="MeanBackward0")


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.poisson_nll_loss``.

    ``exp(x) - y x`` when ``log_input`` (``x`` is the log-rate), else ``x - y log(x + eps)``;
    ``full`` adds Stirling's term ``y log y - y + log(2 pi y) / 2`` where ``y > 1``.

    Deliberate difference: with ``full``, a target that requires grad gets a finite
    gradient where it is 0 (torch's is NaN there).

    Example:
        >>> F.poisson_nll_loss(torch.tensor([0.5, 1.0]), torch.tensor([1.0, 3.0]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    check_broadcast(tuple(target.shape), tuple(input.shape))
    dt = _float_dtype_of(input, target)
    return apply(_poisson_nll, (input, target),
                 (("log_input", bool(log_input)), ("full", bool(full)), ("eps", float(eps)),
                  ("reduction", reduction)), cast_for(dt, input, target), dt)


def _gaussian_nll_fn(x, y, var, *, full, eps, reduction, unsqueeze):
    var = jnp.asarray(var, x.dtype)
    if unsqueeze:
        var = var[..., None]
    # torch clamps var at eps without recording the clamp: the gradient passes through.
    var = var + jax.lax.stop_gradient(jnp.maximum(var, eps) - var)
    loss = 0.5 * (jnp.log(var) + (x - y) ** 2 / var)
    if full:
        loss = loss + 0.5 * np.log(2 * np.pi)
    return _reduce(loss, reduction)


_gaussian_nll = Op("gaussian_nll_loss", _gaussian_nll_fn, grad_name="MeanBackward0")


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float,  # noqa: A002
                      full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.gaussian_nll_loss``: ``(log var + (x - y)^2 / var) / 2``.

    ``var`` is a positive float, a tensor of ``input``'s shape, of ``input``'s shape
    without its last dimension, or one broadcastable to it with exactly one dimension of
    size 1 where ``input``'s differs (torch's accepted shapes). ``var`` is clamped at ``eps``
    while its gradient passes through the clamp, as in torch. ``full`` adds ``log(2 pi) / 2``.

    Deliberate differences: an int ``var`` is taken as a float (torch raises an unrelated
    ``TypeError``); the negative-``var`` check runs only when its values are known (eager).

    Example:
        >>> F.gaussian_nll_loss(torch.zeros(2, 3), torch.ones(2, 3), torch.full((2, 1), 0.5))
    """
    target = as_tensor_arg(target)
    unsqueeze = False
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = float(var)
    else:
        var = as_tensor_arg(var)
        values = _concrete(var)
        if values is not None and (values < 0).any():
            raise ValueError("var has negative entry/entries")
        ishape, vshape = tuple(input.shape), tuple(var.shape)
        if vshape != ishape:
            if ishape[:-1] == vshape:
                unsqueeze = True
            elif not (len(ishape) == len(vshape)
                      and sum(v for i, v in zip(ishape, vshape) if i != v) == 1):
                raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    check_broadcast(tuple(input.shape), tuple(target.shape))
    tensors = (input, target) + ((var,) if isinstance(var, Tensor) else ())
    dt = _float_dtype_of(*tensors)
    return apply(_gaussian_nll, (input, target, var),
                 (("full", bool(full)), ("eps", float(eps)), ("reduction", reduction),
                  ("unsqueeze", unsqueeze)), cast_for(dt, *tensors), dt)


# -- triplet losses ---------------------------------------------------------------------
def _triplet_fn(a, pos, neg, *, margin, p, eps, swap, reduction):
    from .functional import _safe_norm  # functional imports this module at its end

    def dist(u, v):
        return _safe_norm(u - v + eps, p, -1, False)

    d_pos, d_neg = dist(a, pos), dist(a, neg)
    if swap:
        d_neg = jnp.minimum(d_neg, dist(pos, neg))
    return _reduce(jnp.maximum(margin + d_pos - d_neg, 0), reduction)


_triplet = Op("triplet_margin_loss", _triplet_fn, grad_name="MeanBackward0")


def _check_triplet(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float) -> None:
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {p}D, "
                           f"and negative {n}D inputs")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.triplet_margin_loss``.

    ``max(0, margin + d(a, pos) - d(a, neg))`` with ``d(u, v) = ||u - v + eps||_p`` over the
    last dimension (``F.pairwise_distance``); ``swap`` uses ``min(d(a, neg), d(pos, neg))``.

    Example:
        >>> a, pos, neg = torch.randn(4, 8), torch.randn(4, 8), torch.randn(4, 8)
        >>> F.triplet_margin_loss(a, pos, neg, margin=0.5, swap=True)
    """
    reduction = _reduction(reduction, size_average, reduce)
    _check_triplet(anchor, positive, negative, margin)
    check_broadcast(tuple(anchor.shape), tuple(positive.shape), tuple(negative.shape))
    dt = _float_dtype_of(anchor, positive, negative)
    xs = (anchor, positive, negative)
    if anchor.dim() == 0:  # a 0-d triple is one 1-element vector each
        xs = tuple(x.reshape(1) for x in xs)
    return apply(_triplet, xs,
                 (("margin", float(margin)), ("p", float(p)), ("eps", float(eps)),
                  ("swap", bool(swap)), ("reduction", reduction)), cast_for(dt, *xs), dt)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """Mirrors ``torch.nn.functional.triplet_margin_with_distance_loss``.

    ``max(0, margin + d(a, pos) - d(a, neg))`` for any ``distance_function`` (default
    ``F.pairwise_distance``), composed from ordinary ops so any differentiable distance
    works; ``swap`` uses ``min(d(a, neg), d(pos, neg))``.

    Example:
        >>> a, pos, neg = torch.randn(4, 8), torch.randn(4, 8), torch.randn(4, 8)
        >>> F.triplet_margin_with_distance_loss(
        ...     a, pos, neg, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v))
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_triplet(anchor, positive, negative, margin)
    if distance_function is None:
        from .functional import pairwise_distance as distance_function
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance_function(positive, negative))
    loss = (d_pos + margin - d_neg).clamp_min(0)
    if reduction == "sum":
        return loss.sum()
    return loss.mean() if reduction == "mean" else loss


# -- CTC --------------------------------------------------------------------------------
# Log-probability standing for log(0): finite, so the forward recursion's gradients stay
# finite on impossible paths (an -inf would turn them into NaN through logsumexp).
_CTC_NEG = -1e30


def _ctc_pad_fn(targets, tgt_len, *, s_max):
    # Concatenated targets -> (N, s_max), each row its own slice (the rest clipped repeats).
    tgt_len = tgt_len.astype(jnp.int32)
    start = jnp.cumsum(tgt_len) - tgt_len
    idx = jnp.clip(start[:, None] + jnp.arange(s_max), 0, max(targets.shape[0] - 1, 0))
    if targets.shape[0] == 0:
        return jnp.zeros((tgt_len.shape[0], s_max), targets.dtype)
    return targets[idx]


_ctc_pad = Op("ctc_targets", _ctc_pad_fn, differentiable=False)


def _ctc_nll_fn(lp, labels, in_len, tgt_len, blank):
    """Per-sample -log p(labels | lp) by the CTC forward recursion; lp is (T, N, C)."""
    n_steps, batch, n_classes = lp.shape
    # Half precision cannot hold the log(0) stand-in: the recursion runs in float32 at least.
    out_dtype = lp.dtype
    lp = lp.astype(jnp.promote_types(lp.dtype, jnp.float32))
    in_len, tgt_len = in_len.astype(jnp.int32), tgt_len.astype(jnp.int32)
    labels = jnp.clip(labels, 0, n_classes - 1).astype(jnp.int32)
    # The extended sequence: blank, l1, blank, l2, ..., blank (length 2 S + 1).
    n_ext = 2 * labels.shape[1] + 1
    ext = jnp.full((batch, n_ext), blank, jnp.int32).at[:, 1::2].set(labels)
    neg = jnp.asarray(_CTC_NEG, lp.dtype)
    # A label may be reached from two states back unless it repeats the previous label;
    # elsewhere that transition gets a log-weight of about log(0).
    prev2 = jnp.pad(ext, ((0, 0), (2, 0)), constant_values=-1)[:, :n_ext]
    skip_pen = jnp.where((ext != blank) & (ext != prev2), 0, neg)
    lpe = jnp.maximum(jnp.take_along_axis(lp, jnp.broadcast_to(ext, (n_steps,) + ext.shape),
                                          axis=2), neg)
    alpha0 = jnp.where(jnp.arange(n_ext) < 2, lpe[0], neg)
    fill = jnp.full((batch, 2), _CTC_NEG, lp.dtype)

    def step(alpha, xs):
        lpe_t, t = xs
        shifted = jnp.concatenate([fill, alpha], axis=1)
        a1, a2 = shifted[:, 1:n_ext + 1], shifted[:, :n_ext] + skip_pen
        m = jax.lax.stop_gradient(jnp.maximum(jnp.maximum(alpha, a1), a2))
        lse = m + jnp.log(jnp.exp(alpha - m) + jnp.exp(a1 - m) + jnp.exp(a2 - m))
        # Past a sample's own input length its alphas stay as they were.
        return jnp.where((t < in_len)[:, None], lpe_t + lse, alpha), None

    alpha, _ = jax.lax.scan(step, alpha0, (lpe[1:], jnp.arange(1, n_steps)))
    last = 2 * tgt_len
    a_last = jnp.take_along_axis(alpha, last[:, None], axis=1)[:, 0]
    a_prev = jnp.take_along_axis(alpha, jnp.maximum(last - 1, 0)[:, None], axis=1)[:, 0]
    ll = jnp.logaddexp(a_last, jnp.where(last >= 1, a_prev, neg))
    # An empty input explains only an empty target.
    ll = jnp.where(in_len == 0, jnp.where(tgt_len == 0, 0, neg), ll)
    nll = jnp.where(ll < _CTC_NEG / 2, jnp.inf, -ll)
    # torch's gradient with respect to log_probs is the exact one plus exp(log_probs) on
    # every step t < input_length (it assumes log_probs come from log_softmax, through
    # which that term cancels). This zero-valued term adds exactly that gradient.
    active = (jnp.arange(n_steps)[:, None] < in_len)[..., None]
    lp_safe = jnp.where(active & jnp.isfinite(lp), lp, 0)
    extra = jnp.sum(jax.lax.stop_gradient(jnp.exp(lp_safe)) * active
                    * (lp_safe - jax.lax.stop_gradient(lp_safe)), axis=(0, 2))
    return jnp.where(jnp.isinf(nll), nll, nll + extra).astype(out_dtype)


# The recursion's op depends on the shapes only, so its (costly) programs are
# shared by every reduction and zero_infinity setting; those are the small op after it.
_ctc_nll = Op("ctc_loss", _ctc_nll_fn, grad_name="CtcLossBackward0")


def _ctc_reduce_fn(nll, tgt_len, *, reduction, zero_infinity):
    if zero_infinity:
        nll = jnp.where(jnp.isinf(nll), 0, nll)
    if reduction == "mean":
        return jnp.mean(nll / jnp.maximum(tgt_len, 1).astype(nll.dtype))
    return _reduce(nll, reduction)


_ctc_reduce = Op("ctc_loss_reduce", _ctc_reduce_fn, grad_name="MeanBackward0")


def _lengths_arg(lengths, name: str) -> Tensor:
    if isinstance(lengths, Tensor):
        if lengths.dtype.is_floating_point or lengths.dtype.is_complex:
            raise RuntimeError(f"{name} must be integral")
        return lengths
    if isinstance(lengths, int):
        lengths = [lengths]
    from ..ops.creation import tensor
    return tensor(list(lengths), dtype=D.int64)


def _ctc_check(name: str, what: str, bound: int, values) -> None:
    bad = values[values > bound] if what == "at most" else values[values < bound]
    if bad.size:
        raise RuntimeError(f"Expected {name} to have value {what} {bound}, but got value "
                           f"{int(bad[0])} (while checking arguments for "
                           "ctc_loss_allocate_outputs)")


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Mirrors ``torch.nn.functional.ctc_loss``: connectionist temporal classification.

    ``log_probs`` is ``(T, N, C)`` (or unbatched ``(T, C)``) log-probabilities;
    ``targets`` is padded ``(N, S)`` or the concatenation of all targets
    ``(sum(target_lengths),)``; ``input_lengths`` and ``target_lengths`` are int tensors
    (or sequences of ints) of size ``N``. ``'mean'`` divides each loss by its target length
    (at least 1), then averages over the batch. ``zero_infinity`` replaces infinite losses
    (no valid alignment) and their gradients with zeros.

    The forward recursion runs in log space with ``lax.scan``; JAX differentiates it. The
    gradient with respect to ``log_probs`` is torch's, which adds ``exp(log_probs)`` to the
    exact derivative (equal results through ``log_softmax``, the intended use).

    Deliberate differences: plain ints are accepted as the lengths of an unbatched input;
    the length checks that need values run only when the values are known (eager mode);
    an impossible alignment without ``zero_infinity`` gives ``inf`` as in torch, but a
    finite gradient where torch's is NaN; out-of-range labels are clamped; float16 and
    bfloat16 ``log_probs`` are accepted (the recursion runs in float32; torch's CPU kernel
    refuses Half).

    Example:
        >>> log_probs = torch.randn(50, 2, 20).log_softmax(2).requires_grad_()
        >>> targets = torch.randint(1, 20, (2, 10))
        >>> F.ctc_loss(log_probs, targets, (50, 45), (10, 8)).backward()
    """
    reduction = _reduction(reduction)
    targets = as_tensor_arg(targets)
    in_len = _lengths_arg(input_lengths, "input_lengths")
    tgt_len = _lengths_arg(target_lengths, "target_lengths")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.dim() == 1:
            targets = targets.unsqueeze(0)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs to be (T, N, C) or (T, C), got "
                           f"{_shape_list(log_probs.shape)}")
    n_steps, batch, n_classes = log_probs.shape
    if not 0 <= blank < n_classes:
        raise RuntimeError("blank must be in label range")
    if in_len.numel() != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_len.numel() != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    in_len, tgt_len = in_len.reshape(batch), tgt_len.reshape(batch)
    concat = targets.dim() == 1
    in_vals, tgt_vals = _concrete(in_len), _concrete(tgt_len)
    if in_vals is not None:
        _ctc_check("input_lengths", "at least", 0, in_vals)
        _ctc_check("input_lengths", "at most", n_steps, in_vals)
    if tgt_vals is not None:
        _ctc_check("target_lengths", "at least", 0, tgt_vals)
        if concat and int(tgt_vals.sum()) != targets.shape[0]:
            raise RuntimeError(f"Expected tensor to have size {int(tgt_vals.sum())} at "
                               f"dimension 0, but got size {targets.shape[0]} for argument #2 "
                               "'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        longest = int(tgt_vals.max()) if tgt_vals.size else 0
        if not concat and longest > targets.shape[1]:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension "
                               f"1, but got size {targets.shape[1]} for argument #2 'targets' "
                               "(while checking arguments for ctc_loss_allocate_outputs)")
        s_max = longest
    else:  # traced lengths: the targets' own size bounds every sequence
        s_max = targets.shape[0] if concat else targets.shape[1]
    if concat:
        labels = apply(_ctc_pad, (targets, tgt_len), (("s_max", int(s_max)),))
    else:
        labels = targets if s_max == targets.shape[1] else targets[:, :s_max]
    # blank is a traced argument: one program serves every blank index.
    nll = apply(_ctc_nll, (log_probs, labels, in_len, tgt_len, int(blank)))
    out = apply(_ctc_reduce, (nll, tgt_len),
                (("reduction", reduction), ("zero_infinity", bool(zero_infinity))))
    return out.reshape(()) if unbatched and reduction == "none" else out


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *,  # noqa: A002
                         linear_bias: Tensor | None = None, weight: Tensor | None = None,
                         reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options=None) -> Tensor:
    """Mirrors ``torch.nn.functional.linear_cross_entropy``: ``cross_entropy`` of the
    logits ``input @ linear_weight.T (+ linear_bias)``.

    ``linear_weight`` is ``(C, in_features)``, or ``(C, d_1, ..., d_K, in_features)`` for
    a K-dimensional loss (then ``input`` must be ``(N, in_features)`` and the logits are
    ``(N, C, d_1, ..., d_K)``). ``ignore_index=None`` means -100 for class-index targets.
    Deliberate difference: ``options`` (torch's chunking) is accepted and does not change
    the computation: this is torch's reference path.

    Example:
        >>> x, w = torch.randn(8, 16), torch.randn(10, 16)
        >>> F.linear_cross_entropy(x, w, torch.randint(0, 10, (8,)))
    """
    from . import functional as F

    in_features = linear_weight.shape[-1]
    if input.shape[-1] != in_features:
        raise RuntimeError("expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and {in_features}, "
                           "respectively")
    if linear_weight.dim() > 2:
        if input.dim() != 2:
            raise RuntimeError(
                f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
                f"requires batched input, (N, {in_features}), got unbatched input with shape "
                f"{tuple(input.shape)}")
        classes = linear_weight.shape[:-1]
        flat = linear_weight.reshape(-1, in_features)
        bias = None if linear_bias is None else linear_bias.reshape(-1)
        # (N, C * prod(d)) -> (N, C, d_1, ..., d_K): the class axis second, as
        # cross_entropy wants it.
        logits = F.linear(input, flat, bias).reshape((input.shape[0],) + tuple(classes))
    else:
        logits = F.linear(input, linear_weight, linear_bias)
    if ignore_index is None:
        ignore_index = -100
    return cross_entropy(logits, target, weight=weight, ignore_index=ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)
