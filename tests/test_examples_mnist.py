"""The main job, ``python -m pytorch_like.examples.mnist``: training, checkpoints, resume, CLI.

Training tests read real MNIST from ``$PYTORCH_LIKE_MNIST_DIR`` and skip without it; the
bad-input tests need no data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import pytorch_like as torch
from pytorch_like.examples import mnist as job

MNIST_DIR = os.environ.get("PYTORCH_LIKE_MNIST_DIR")
needs_mnist = pytest.mark.skipif(not MNIST_DIR, reason="PYTORCH_LIKE_MNIST_DIR is not set")
ROOT = Path(__file__).resolve().parents[1]


def _quiet(*_a, **_k) -> None:
    pass


def _cfg(**kw) -> job.TrainConfig:
    base = dict(data_dir=MNIST_DIR, download=False, progress=False, limit_train=1024,
                limit_test=1000, epochs=2, seed=3, batch_size=64)
    base.update(kw)
    return job.TrainConfig(**base)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """Two short epochs (1024 images each), keeping a copy of the epoch-1 checkpoint."""
    if not MNIST_DIR:
        pytest.skip("PYTORCH_LIKE_MNIST_DIR is not set")
    d = tmp_path_factory.mktemp("mnist_run")
    ckpt = d / "ckpt.pt"
    saved = d / "after_epoch1.pt"

    def keep(epoch, _result):
        if epoch == 1:
            shutil.copyfile(ckpt, saved)

    lines: list[str] = []
    result = job.train(_cfg(checkpoint=str(ckpt)), on_epoch_end=keep, log=lines.append)
    return result, ckpt, saved, lines


@needs_mnist
def test_short_run_learns(short_run):
    result, _, _, lines = short_run
    assert result.epochs_run == [1, 2]
    losses = np.asarray(result.batch_losses)
    assert losses.shape == (32,) and np.isfinite(losses).all()
    # Starts near ln(10) (chance) and falls clearly.
    assert 1.9 < losses[:3].mean() < 2.6
    assert losses[-5:].mean() < 0.6 * losses[:5].mean()
    assert result.train_loss[1] < result.train_loss[0]
    assert result.test_loss[1] < result.test_loss[0]
    # Chance is 10 %; 1024 images twice give far more than that.
    assert result.test_accuracy[-1] > 0.75
    assert any(line.startswith("Final: test accuracy") for line in lines)
    assert "time per epoch" in lines[-1]


@needs_mnist
def test_checkpoint_contents_and_torch_compat(short_run):
    result, ckpt, _, _ = short_run
    state = torch.load(str(ckpt))
    assert state["epoch"] == 2 and state["seed"] == 3
    assert set(state["model"]) == set(result.model.state_dict())
    for k, v in result.model.state_dict().items():
        assert torch.equal(state["model"][k], v), k
    # The default cosine schedule is stepped every batch and ends at lr 0.
    assert state["scheduler"]["last_epoch"] == 32 and state["scheduler"]["T_max"] == 32
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.0, abs=1e-12)
    assert int(state["optimizer"]["state"][0]["step"]) == 32
    real = pytest.importorskip("torch")
    loaded = real.load(str(ckpt), weights_only=True)
    assert loaded["model"]["fc2.weight"].shape == (10, 128)
    np.testing.assert_array_equal(loaded["model"]["conv1.weight"].numpy(),
                                  result.model.conv1.weight.detach().numpy())


@needs_mnist
@pytest.mark.slow
def test_resume_matches_uninterrupted(short_run, tmp_path):
    result, _, saved, _ = short_run
    ckpt = tmp_path / "resume.pt"
    shutil.copyfile(saved, ckpt)
    lines: list[str] = []
    resumed = job.train(_cfg(checkpoint=str(ckpt), resume=True), log=lines.append)
    assert lines[0].startswith("resumed from") and "after epoch 1" in lines[0]
    assert resumed.epochs_run == [2]
    # The same shuffle order, dropout masks, optimizer moments and lr: identical results.
    np.testing.assert_array_equal(resumed.batch_losses, result.batch_losses[16:])
    assert resumed.test_accuracy[-1] == result.test_accuracy[-1]
    for k, v in result.model.state_dict().items():
        np.testing.assert_array_equal(resumed.model.state_dict()[k].numpy(), v.numpy(), k)
    # Resuming a finished run only evaluates.
    again = job.train(_cfg(checkpoint=str(ckpt), resume=True), log=_quiet)
    assert again.epochs_run == [] and again.test_accuracy == resumed.test_accuracy


@needs_mnist
@pytest.mark.slow
def test_eager_matches_compiled_and_step_schedule():
    cfg = _cfg(limit_train=128, limit_test=100, epochs=2, schedule="step")
    compiled = job.train(cfg, log=_quiet)
    eager = job.train(job.TrainConfig(**{**cfg.__dict__, "eager": True}), log=_quiet)
    np.testing.assert_allclose(eager.batch_losses, compiled.batch_losses, rtol=2e-4, atol=1e-5)
    # StepLR: the lr decays by gamma once per epoch.
    assert compiled.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.7 ** 2)


@needs_mnist
@pytest.mark.slow
def test_one_full_epoch_reaches_98_5_percent():
    lines: list[str] = []
    result = job.train(job.TrainConfig(data_dir=MNIST_DIR, download=False, progress=False,
                                       epochs=1), log=lines.append)
    print("\n".join(lines))
    assert result.test_accuracy[-1] >= 0.985, lines


# ------------------------------------------------------------------------- bad inputs ----
def test_missing_data_dir_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    with pytest.raises(job.DataNotFoundError, match="does not exist") as info:
        job.load_datasets(job.TrainConfig(data_dir=str(missing)))
    assert str(missing) in str(info.value) and "--data-dir" in str(info.value)
    assert job.main(["--data-dir", str(missing), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "train-images-idx3-ubyte" in err


def test_env_var_data_dir_is_named_in_the_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTORCH_LIKE_MNIST_DIR", str(tmp_path / "gone"))
    with pytest.raises(job.DataNotFoundError, match=r"\$PYTORCH_LIKE_MNIST_DIR"):
        job.load_datasets(job.TrainConfig())


def test_empty_data_dir_without_download(tmp_path):
    with pytest.raises(job.DataNotFoundError, match="--no-download") as info:
        job.load_datasets(job.TrainConfig(data_dir=str(tmp_path), download=False))
    assert "Dataset not found" in str(info.value)


@pytest.mark.parametrize("argv, message", [
    (["--resume"], "--resume needs --checkpoint"),
    (["--epochs", "0"], "epochs must be a positive integer"),
    (["--limit-train", "-5"], "limit_train must be a positive number"),
    (["--lr", "0"], "lr must be positive"),
    (["--optimizer", "lbfgs"], "invalid choice"),
    (["--dataset", "cifar10"], "invalid choice"),
    (["--schedule", "linear"], "invalid choice"),
])
def test_bad_flags_exit_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        job.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_train_rejects_bad_config():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        job.train(job.TrainConfig(batch_size=0))
    with pytest.raises(ValueError, match="unknown optimizer 'rprop'"):
        job.make_optimizer("rprop", [])


def test_defaults_and_optimizers():
    args = job.build_parser().parse_args([])
    assert (args.epochs, args.batch_size, args.test_batch_size, args.optimizer) == \
        (3, 32, 1000, "adam")
    torch.manual_seed(0)
    net = job.Net()
    assert sum(p.numel() for p in net.parameters()) == 1_199_882  # the classic CNN's count
    assert net(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    for name, cls, lr in [("adam", "Adam", 1e-3), ("adadelta", "Adadelta", 1.0),
                          ("adabelief", "AdaBelief", 1e-3), ("sgd", "SGD", 0.01)]:
        opt = job.make_optimizer(name, net.parameters())
        assert type(opt).__name__ == cls and opt.param_groups[0]["lr"] == lr


def test_module_entry_point_and_console_script():
    out = subprocess.run([sys.executable, "-m", "pytorch_like.examples.mnist", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0
    for flag in ("--epochs", "--batch-size", "--test-batch-size", "--lr", "--optimizer",
                 "--seed", "--data-dir", "--dataset", "--limit-train", "--limit-test",
                 "--checkpoint", "--resume", "--eager", "--no-progress"):
        assert flag in out.stdout, flag
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["pytorch-like-mnist"] == "pytorch_like.examples.mnist:main"


@needs_mnist
def test_resume_refuses_a_checkpoint_of_another_setup(tmp_path):
    ckpt = tmp_path / "other.pt"
    torch.save({"model": {}, "optimizer": {}, "scheduler": {}, "epoch": 1, "seed": 3,
                "config": {"optimizer": "sgd", "schedule": "cosine", "dataset": "mnist",
                           "batch_size": 64}}, str(ckpt))
    with pytest.raises(ValueError, match="trained with --optimizer sgd, not adam"):
        job.train(_cfg(checkpoint=str(ckpt), resume=True, limit_train=64), log=_quiet)
