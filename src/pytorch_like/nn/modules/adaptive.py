"""Adaptive softmax; mirrors ``torch.nn.AdaptiveLogSoftmaxWithLoss``.

The head scores the frequent classes (the shortlist) plus one entry per cluster of rarer
classes; each cluster has its own two-layer tail. Parameter names and shapes are torch's
(``head.weight``, ``tail.0.0.weight``, ``tail.0.1.weight``, ...), so state_dicts line up.

Example:
    >>> asm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs=[10, 40], div_value=2.0)
    >>> out, loss = asm(torch.randn(8, 16), torch.randint(0, 100, (8,)))
    >>> loss.backward()
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ...ops import pointwise as _pw
from ...ops import reduction as _red
from ...ops._dispatch import Op, apply
from ...tensor import Tensor
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _asm_loss_fn(head_out, target, *tails, shortlist, cutoffs):
    """Each sample's target log-probability and the mean NLL, from the head and tail logits.

    ``cutoffs`` are the cluster starts; a target in cluster i (1-based) takes the head's
    entry ``shortlist + i - 1`` plus its log-probability inside the cluster.
    """
    cluster = sum((target >= c).astype(jnp.int32) for c in cutoffs)
    head_index = jnp.where(cluster == 0, target, shortlist + cluster - 1).astype(jnp.int32)
    head_logprob = jax.nn.log_softmax(head_out, axis=1)
    out = jnp.take_along_axis(head_logprob, head_index[:, None], axis=1)[:, 0]
    for i, (low, logits) in enumerate(zip(cutoffs, tails)):
        local = jnp.clip(target - low, 0, logits.shape[1] - 1).astype(jnp.int32)
        picked = jnp.take_along_axis(jax.nn.log_softmax(logits, axis=1), local[:, None],
                                     axis=1)[:, 0]
        out = out + jnp.where(cluster == i + 1, picked, 0)
    return out, jnp.mean(-out)


def _asm_full_fn(head_out, *tails, shortlist):
    head_logprob = jax.nn.log_softmax(head_out, axis=1)
    parts = [head_logprob[:, :shortlist]]
    for i, logits in enumerate(tails):
        parts.append(jax.nn.log_softmax(logits, axis=1) + head_logprob[:, shortlist + i, None])
    return jnp.concatenate(parts, axis=1)


_asm_loss = Op("adaptive_log_softmax_loss", _asm_loss_fn, nout=2, grad_name="MeanBackward0")
_asm_full = Op("adaptive_log_softmax_full", _asm_full_fn, grad_name="CatBackward0")


class AdaptiveLogSoftmaxWithLoss(Module):
    """Mirrors ``torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs,
    div_value=4.0, head_bias=False)``.

    ``forward(input, target)`` returns the named tuple ``(output, loss)``: each sample's
    target log-probability and the mean negative log-likelihood. ``log_prob(input)`` gives
    the full ``(N, n_classes)`` log-probabilities and ``predict(input)`` the most likely
    class (int64).

    Deliberate difference: every cluster's tail runs on the whole batch and the rows whose
    target lies elsewhere are masked out (torch runs each tail only on its own rows). The
    shapes stay static, so the module works inside ``pytorch_like.compile``; values and
    gradients are the same, at the cost of more compute for large vocabularies. The
    out-of-range target check needs the target's values, so it runs in eager mode only.

    Example:
        >>> asm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs=[10, 40])
        >>> asm.predict(torch.randn(4, 16))
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device,
                           dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(
                Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                Linear(hidden, size, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        """Re-initialise the head and every tail layer (torch's ``Linear`` init)."""
        self.head.reset_parameters()
        for proj, out in self.tail:
            proj.reset_parameters()
            out.reset_parameters()

    def _check_target(self, target: Tensor) -> None:
        a = target._data
        if isinstance(a, jax.core.Tracer):
            return
        t = np.asarray(a)
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{t.min()}, {t.max()}] were found. ")

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if input_.dim() != 2:
                raise RuntimeError("1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {input_.size()}")
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError("0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        self._check_target(target_)
        batched = targ_dim > 0
        input = input_ if batched else input_.unsqueeze(0)  # noqa: A001
        target = target_ if batched else target_.unsqueeze(0)

        tails = tuple(t(input) for t in self.tail)
        output, loss = apply(_asm_loss, (self.head(input), target) + tails,
                             (("shortlist", self.shortlist_size),
                              ("cutoffs", tuple(self.cutoffs[:-1]))))
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:  # noqa: A002
        tails = tuple(t(input) for t in self.tail)
        return apply(_asm_full, (head_output,) + tails, (("shortlist", self.shortlist_size),))

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of all ``n_classes`` classes for a ``(N, in_features)`` batch.

        Example:
            >>> asm.log_prob(torch.randn(4, 16)).exp().sum(1)  # ones
        """
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most likely class of each sample (int64), ``log_prob(input).argmax(1)``.

        A head winner inside the shortlist is final, as in torch (no cluster class can be
        more likely); the other rows take the argmax of the full distribution.

        Example:
            >>> asm.predict(torch.randn(4, 16))
        """
        head_output = self.head(input)
        best = _red.argmax(head_output, 1)
        full = _red.argmax(self._full_log_prob(input, head_output), 1)
        return _pw.where(best < self.shortlist_size, best, full)
