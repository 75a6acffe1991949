"""``torch.nn.LinearCrossEntropyOptions``: how torch chunks ``linear_cross_entropy``.

Accepted and validated as torch validates them, then not used: torch's chunked path exists
to avoid materializing the ``(N, C)`` logits in eager mode; here the computation is the
reference one (the logits, then ``cross_entropy``), and under ``compile`` XLA fuses it.
"""

from __future__ import annotations

import dataclasses

from ... import _dtype as D

__all__ = ["LinearCrossEntropyOptions"]

_ACC_POLICIES = {"auto", "accurate", "balanced", "compact"}


@dataclasses.dataclass
class LinearCrossEntropyOptions:
    """Mirrors ``torch.nn.LinearCrossEntropyOptions`` (same fields, defaults and argument
    errors). Deliberate difference: the options do not change the computation, which is
    always the reference path.

    Example:
        >>> torch.nn.LinearCrossEntropyOptions(batch_chunk_size=1024)
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: D.dtype | None = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        size = self.batch_chunk_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                                 or size <= 0):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size}")
