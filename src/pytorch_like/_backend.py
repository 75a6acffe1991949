"""Per-backend XLA settings that the compiled path applies.

On CPU, two facts measured on this project's machines make training steps much faster:

- this jaxlib hands convolutions to YNNPACK by default, which is slow for training-sized
  convolutions; asking XLA to use YNNPACK only for individual dots and for reductions made
  ``lax.conv`` about 3x faster (the compiler option below, applied per jitted program,
  never globally);
- glibc's allocator returns XLA's large per-step temporaries to the OS and faults them in
  again every step; raising the mmap threshold, trim threshold and top pad keeps them
  (``mallopt``, applied once, on Linux with glibc, when the first CPU program is compiled;
  ``PYTORCH_LIKE_NO_MALLOPT=1`` turns it off).

GPU and TPU keep XLA's defaults.
"""

from __future__ import annotations

import ctypes
import os

import jax

# YNNPACK for dots and reductions, not for convolutions. Reductions were left out at first
# ("INDIVIDUAL_DOT" alone), which hands them to XLA's own CPU reduction emitter: in the
# GPT step of benchmarks/gpt_step.py (medium: batch 32 x block 64 x n_embd 128) the bias
# and LayerNorm-weight gradients (sums over 2048 rows) became reduce-window splits (34 ms
# of thunk time per step under the profiler) and the position-embedding gradient a
# 23-operand reduce fusion (15 ms); with REDUCE they are YNNPACK reductions again, as in
# XLA's default. Compiled step, both option sets alternating in one process (ms/step,
# loaded 2-core machine): medium 256 -> 218 and 252 -> 217 (eager 199/190), small
# 20.3 -> 17.3. Unchanged: train_step.py's MNIST MLP (2.34/2.27 vs 2.33/2.33 ms) and CNN
# (76.5/76.6 vs 75.9/77.4 ms), batch 64, Adam; convolutions stay off YNNPACK either way.
_CPU_OPTIONS = {"xla_cpu_experimental_ynn_fusion_type":
                "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"}
_tuned = [False]


def compiler_options(quick: bool = False) -> dict | None:
    """Compiler options for a program that runs on JAX's default backend.

    ``quick=True`` is for a program that runs once (``compile``'s first step, which creates
    the optimizer state): on CPU it skips LLVM's optimizations, which halves the compile
    time of the MNIST CNN step and costs one slower step.
    """
    if jax.default_backend() != "cpu":
        return None
    _tune_malloc()
    if quick:
        return {**_CPU_OPTIONS, "xla_backend_optimization_level": 0}
    return dict(_CPU_OPTIONS)


def relayout_enabled() -> bool:
    """Whether ``compile`` runs convolutional programs channels-last (``_relayout``).

    On CPU only: GPU and TPU compilers choose convolution layouts themselves.
    ``PYTORCH_LIKE_NO_RELAYOUT=1`` turns it off.
    """
    return jax.default_backend() == "cpu" and not os.environ.get("PYTORCH_LIKE_NO_RELAYOUT")


def _tune_malloc() -> None:
    if _tuned[0] or os.environ.get("PYTORCH_LIKE_NO_MALLOPT"):
        return
    _tuned[0] = True
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, 2 ** 31 - 1)
    libc.mallopt(m_top_pad, 256 << 20)
