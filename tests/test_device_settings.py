"""torch.cuda, torch.backends, torch.accelerator, print options and process-wide switches.

On a machine without a GPU every answer must be what a CPU-only torch gives: the
boilerplate at the top of a learner's script (device choice, cudnn flags, seeding) runs.
"""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pytest

import pytorch_like as pl
from parity import torch

no_gpu = pytest.mark.skipif(bool(jax.devices()[0].platform != "cpu"),
                            reason="checks the answers of a machine without an accelerator")


@no_gpu
def test_cuda_without_a_gpu_answers_like_cpu_only_torch():
    assert pl.cuda.is_available() is False
    assert pl.cuda.device_count() == 0
    assert pl.cuda.memory_allocated() == 0 and pl.cuda.max_memory_allocated() == 0
    assert pl.cuda.memory_reserved() == 0
    pl.cuda.manual_seed(0)
    pl.cuda.manual_seed_all(0)
    pl.cuda.empty_cache()
    for call in (pl.cuda.current_device, pl.cuda.get_device_name, pl.cuda.synchronize,
                 pl.cuda.init):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            call()
    if torch is not None:
        assert pl.cuda.is_available() == torch.cuda.is_available()
        assert pl.cuda.device_count() == torch.cuda.device_count()


@no_gpu
def test_the_device_choosing_lines_learners_copy_pick_the_cpu():
    device = pl.device("cuda" if pl.cuda.is_available() else "cpu")
    assert device.type == "cpu"
    device = ("cuda" if pl.cuda.is_available()
              else "mps" if pl.backends.mps.is_available() else "cpu")
    assert device == "cpu"
    assert pl.accelerator.is_available() is False
    assert pl.accelerator.current_accelerator() is None
    assert pl.accelerator.device_count() == 0
    x = pl.ones(2).to(device)
    assert x.device == pl.device("cpu")
    if torch is not None:
        assert pl.backends.mps.is_available() == torch.backends.mps.is_available()
        assert pl.accelerator.is_available() == torch.accelerator.is_available()


def test_backend_flags_are_settable_with_torchs_defaults():
    cudnn = pl.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        pl.backends.cuda.matmul.allow_tf32 = True
        assert pl.backends.cudnn.benchmark and pl.backends.cuda.matmul.allow_tf32
    finally:
        cudnn.benchmark = False
        cudnn.deterministic = False
        pl.backends.cuda.matmul.allow_tf32 = False
    if torch is not None:
        t = torch.backends
        assert (t.cudnn.enabled, t.cudnn.benchmark, t.cudnn.deterministic) == (True, False, False)
        assert t.cuda.matmul.allow_tf32 == pl.backends.cuda.matmul.allow_tf32


def test_cuda_amp_names_are_deprecated_aliases():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = pl.cuda.amp.autocast(dtype=pl.bfloat16)
        scaler = pl.cuda.amp.GradScaler(init_scale=4.0)
    messages = [str(w.message) for w in caught if w.category is FutureWarning]
    assert any("torch.amp.autocast('cuda', args...)" in m for m in messages)
    assert any("torch.amp.GradScaler('cuda', args...)" in m for m in messages)
    assert isinstance(ctx, pl.amp.autocast) and isinstance(scaler, pl.amp.GradScaler)
    assert ctx.device == "cuda" and ctx.fast_dtype == pl.bfloat16
    assert scaler.is_enabled() == pl.cuda.is_available()


def test_cpu_amp_names_are_deprecated_aliases_that_work():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = pl.cpu.amp.autocast()
        scaler = pl.cpu.amp.GradScaler(init_scale=4.0)
    messages = [str(w.message) for w in caught if w.category is FutureWarning]
    assert any("torch.amp.autocast('cpu', args...)" in m for m in messages)
    assert any("torch.amp.GradScaler('cpu', args...)" in m for m in messages)
    assert ctx.device == "cpu" and ctx.fast_dtype == pl.bfloat16
    with ctx:
        out = pl.mm(pl.ones(2, 3), pl.ones(3, 4))
    assert out.dtype == pl.bfloat16  # the region is on, as torch.amp.autocast('cpu')
    assert scaler.is_enabled() and scaler.get_scale() == 4.0
    if torch is not None:
        with pytest.warns(FutureWarning):
            with torch.cpu.amp.autocast():
                assert torch.mm(torch.ones(2, 3), torch.ones(3, 4)).dtype == torch.bfloat16


def test_mps_and_xpu_are_device_names_without_a_backend():
    assert str(pl.device("mps")) == "mps" and pl.device("xpu:0").index == 0
    with pytest.raises(RuntimeError, match="PyTorch is not linked with support for mps "
                       "devices"):
        pl.ones(2).to("mps")
    with pytest.raises(AssertionError, match="Torch not compiled with XPU enabled"):
        pl.ones(2, device="xpu")
    with pytest.raises(RuntimeError, match="Expected one of .* device type at start of device "
                       "string: mpx"):
        pl.device("mpx")
    if torch is not None:
        with pytest.raises(RuntimeError, match="PyTorch is not linked with support for mps "
                           "devices"):
            torch.ones(2).to("mps")


@pytest.fixture
def default_printoptions():
    yield
    pl.set_printoptions(profile="default")
    if torch is not None:
        torch.set_printoptions(profile="default")


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(threshold=5), dict(edgeitems=1, threshold=3), dict(linewidth=30),
    dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"), dict(profile="full")])
def test_set_printoptions_matches_torch(options, default_printoptions):
    arrays = [np.array([[1.123456, 20000.5, 3e-5], [4.0, 5.0, 6.0]], np.float32),
              np.arange(20, dtype=np.float32).reshape(4, 5) * 1.5,
              np.arange(10, dtype=np.float32), np.arange(1200, dtype=np.int64)]
    pl.set_printoptions(**options)
    ours = [repr(pl.tensor(a)) for a in arrays]
    pl.set_printoptions(profile="default")
    assert ours != [repr(pl.tensor(a)) for a in arrays]  # the option changed something
    if torch is not None:
        torch.set_printoptions(**options)
        assert ours == [repr(torch.tensor(a)) for a in arrays]


def test_determinism_and_matmul_precision_switches():
    assert pl.are_deterministic_algorithms_enabled() is False
    try:
        pl.use_deterministic_algorithms(True, warn_only=True)
        assert pl.are_deterministic_algorithms_enabled()
        assert pl.is_deterministic_algorithms_warn_only_enabled()
    finally:
        pl.use_deterministic_algorithms(False)
    with pytest.raises(TypeError, match="argument 'mode' \\(position 1\\) must be bool, "
                                        "not int"):
        pl.use_deterministic_algorithms(1)

    assert pl.get_float32_matmul_precision() == "highest"
    before = jax.config.jax_default_matmul_precision
    try:
        pl.set_float32_matmul_precision("medium")
        assert pl.get_float32_matmul_precision() == "medium"
        assert jax.config.jax_default_matmul_precision == "bfloat16"
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            pl.set_float32_matmul_precision("fast")
        assert pl.get_float32_matmul_precision() == "medium"
    finally:
        pl.set_float32_matmul_precision("highest")
        jax.config.update("jax_default_matmul_precision", before)
        pl._settings._matmul_precision[0] = "highest"


@no_gpu
def test_device_argument_on_the_default_device_compiles_nothing_new():
    # torch.arange(n, device=x.device) inside a forward is everyday torch; an explicitly
    # placed (committed) JAX array made each op it reached compile a second program.
    import logging
    compiled = []

    class _Count(logging.Handler):
        def emit(self, record):
            if "Finished XLA compilation" in record.getMessage():
                compiled.append(record.getMessage())

    handler, logger = _Count(), logging.getLogger("jax")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        with jax.log_compiles(True):
            def make(**device):
                return (pl.arange(11, dtype=pl.float32, **device),
                        pl.tensor(np.arange(11, dtype=np.float32), **device),
                        pl.zeros(11, **device) + pl.ones(11))

            for b in make():
                (b.exp() * 3).sum()
            before = len(compiled)
            for b in make(device="cpu") + make(device=pl.device("cpu")):
                (b.exp() * 3).sum()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert len(compiled) == before, compiled[before:]
