"""``torch.backends``: the switches learners set at the top of a script, and what is built.

``cudnn.benchmark``, ``cudnn.deterministic``, ``cuda.matmul.allow_tf32`` and the like are
plain attributes here: XLA chooses its own kernels, so setting them changes nothing (GPU
convolutions come from XLA, not cuDNN's autotuner). ``mps`` is never available (JAX has no
Apple GPU backend built in). ``cudnn.is_available()`` and ``cuda.is_built()`` report
whether JAX has a GPU.

Example:
    >>> torch.backends.cudnn.benchmark = True
    >>> torch.backends.mps.is_available()
    False
"""

from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
