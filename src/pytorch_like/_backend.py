"""Per-backend XLA settings that the compiled path applies.

On CPU, two facts measured on this project's machines make training steps much faster:

- this jaxlib hands convolutions to YNNPACK by default, which is slow for training-sized
  convolutions; asking XLA to use YNNPACK only for individual dots and for reductions made
  ``lax.conv`` about 3x faster (the compiler option below, applied per jitted program,
  never globally);
- glibc's allocator returns XLA's large per-step temporaries to the OS and faults them in
  again every step; raising the mmap threshold, trim threshold and top pad keeps them
  (``mallopt``, applied once, on Linux with glibc, when the first CPU program is compiled;
  ``PYTORCH_LIKE_NO_MALLOPT=1`` turns it off);
- ``mallopt`` does not reach a program whose scratch memory exceeds 64 MiB (the medium GPT
  of ``benchmarks/gpt_step.py``: 107 MB; the MNIST CNN at batch 256): with JAX's
  asynchronous CPU dispatch the program runs on a worker thread, glibc gives worker
  threads their own arenas, an arena cannot hold a block over 64 MiB, and the block is
  mapped and unmapped on every call, so each call faults it in again page by page.
  Synchronous dispatch runs the program on the calling thread, whose allocations come
  from the main arena and stay mapped; it also stops Python from running ahead of the
  computation, which costs eager mode and small compiled steps more than it saves them.
  JAX's default therefore stays; ``PYTORCH_LIKE_CPU_SYNC_DISPATCH=1`` (read at import)
  or ``jax.config.update("jax_cpu_enable_async_dispatch", False)`` before the first
  tensor exists switches, and ``compile`` says so once when it builds a CPU training step
  that needs more scratch than an arena holds (``warn_if_scratch_is_remapped``).

GPU and TPU keep XLA's defaults.
"""

from __future__ import annotations

import ctypes
import os
import sys
import warnings

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


# The largest block a glibc thread arena holds (HEAP_MAX_SIZE on 64-bit Linux).
_ARENA_HEAP_MAX = 64 << 20
_hinted = [False]


def _prefer_synchronous_cpu_dispatch() -> None:
    """Honour ``PYTORCH_LIKE_CPU_SYNC_DISPATCH=1``: CPU programs run on the calling thread.

    Runs when this module is imported, which ``import pytorch_like`` does first. JAX reads
    the setting when it creates its CPU client, so it is skipped when the client exists.
    """
    if os.environ.get("PYTORCH_LIKE_CPU_SYNC_DISPATCH", "") in ("", "0"):
        return
    try:
        from jax._src import xla_bridge
        if not xla_bridge.backends_are_initialized():
            jax.config.update("jax_cpu_enable_async_dispatch", False)
    except (ImportError, AttributeError):  # a JAX without the option: keep its default
        return


def _async_cpu_dispatch() -> bool:
    return bool(jax.config.values.get("jax_cpu_enable_async_dispatch", False))


def remapped_scratch(lowered) -> int | None:
    """The scratch bytes of a program that a glibc thread arena cannot hold, or None.

    Only on Linux (glibc), on the CPU backend and under JAX's asynchronous dispatch, where
    such a block is mapped and faulted in again on every call (decision 004, point 12);
    ``lowered`` is the program's ``jax.stages.Lowered`` (compiling it again later hits
    JAX's cache).
    """
    if (not sys.platform.startswith("linux") or jax.default_backend() != "cpu"
            or not _async_cpu_dispatch()):
        return None
    try:
        scratch = lowered.compile().memory_analysis().temp_size_in_bytes
    except Exception:  # no memory analysis on this JAX: nothing to say
        return None
    return scratch if scratch > _ARENA_HEAP_MAX else None


def warn_if_scratch_is_remapped(lowered, stacklevel: int = 2) -> None:
    """Say once per process that a CPU program's scratch memory is faulted in every call.

    Mirrors the spirit of ``torch.compile``'s one-time performance hints (TF32). Only on
    Linux (glibc), on the CPU backend, under JAX's asynchronous dispatch, and for a program
    needing more scratch than a glibc thread arena can hold; ``lowered`` is the program's
    ``jax.stages.Lowered`` (compiling it again hits JAX's cache).
    """
    if _hinted[0]:
        return
    scratch = remapped_scratch(lowered)
    if scratch is None:
        return
    _hinted[0] = True
    warnings.warn(
        f"pytorch_like.compile: this program needs {scratch / 2**20:.1f} MiB of scratch "
        "memory, more than a glibc thread arena holds (64 MiB): under JAX's asynchronous "
        "CPU dispatch it is mapped and faulted in again on every call. To run CPU programs "
        "on the calling "
        "thread instead, set PYTORCH_LIKE_CPU_SYNC_DISPATCH=1 before starting Python (or "
        "call jax.config.update('jax_cpu_enable_async_dispatch', False) before creating "
        "any tensor).", UserWarning, stacklevel=stacklevel + 1)


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


_prefer_synchronous_cpu_dispatch()
