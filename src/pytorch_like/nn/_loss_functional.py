"""Loss functions of ``torch.nn.functional``: cross_entropy, nll_loss, mse_loss, l1_loss, ...

Each loss is ONE op built from one JAX function (log-softmax, gather, weighting and reduction
fused), so eager mode runs one cached jitted call and backward one cached jitted vjp.
Argument checks (shapes, dtypes, reduction names, out-of-range class indices) happen before
the op runs and raise torch's exception types with torch's wording.

Deliberate differences from torch:
- an out-of-range class index raises ``IndexError`` only when the target's values are
  known (eager mode); inside ``pytorch_like.compile`` the check is skipped and the gradient
  gather clamps the index.
- ``binary_cross_entropy`` does not check eagerly that inputs lie in [0, 1] (that would
  wait for the model's output on every call); inputs outside give NaN.
- ``weight`` may require grad here (torch refuses to differentiate with respect to it).

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
from ..ops._dispatch import Op, apply
from ..ops._dispatch import autocast_hook as _autocast_hook
from ..ops._util import as_tensor_arg, cast_for, check_broadcast, result_dtype
from ..tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


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
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use "
                      "reduction='mean' instead.", UserWarning, stacklevel=3)
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
        if len(tshape) > 1 or (len(tshape) == 1 and tshape[0] != 1):
            raise ValueError(f"Expected input batch_size (1) to match target batch_size "
                             f"({tshape[0] if tshape else 1}).")
        return
    if not tshape or ishape[0] != tshape[0]:
        raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size "
                         f"({tshape[0] if tshape else 1}).")
    expected = (ishape[0],) + ishape[2:]
    if tshape == expected:
        return
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
    target = as_tensor_arg(target)
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
    target = as_tensor_arg(target)
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
                      UserWarning, stacklevel=3)
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
    return apply(_bce, (input, target, weight), (("reduction", reduction),))


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
                          UserWarning, stacklevel=2)
        reduction = _reduction(reduction, extra=("batchmean",))
    target = as_tensor_arg(target)
    check_broadcast(tuple(input.shape), tuple(target.shape))
    dt = result_dtype(input, target)
    return apply(_kl, (input, target), (("reduction", reduction), ("log_target", bool(log_target))),
                 cast_for(dt, input, target), dt)
