"""pytorch_like.distributed, nn.parallel and the launcher.

The multi-device checks run in subprocesses (tests/_distributed_worker.py): fake CPU
devices (XLA_FLAGS) and jax.distributed must be set up before JAX starts. The checks of
errors and of a one-process group run here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import numpy as np
import pytest

import pytorch_like as torch
import pytorch_like.distributed as dist
from pytorch_like.distributed import run as launcher
from pytorch_like.nn.parallel import DataParallel, DistributedDataParallel

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "_distributed_worker.py")
NOT_INIT = ("Default process group has not been initialized, please make sure to call "
            "init_process_group.")
ENV_KEYS = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK",
            "LOCAL_WORLD_SIZE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "XLA_FLAGS"}
    src = os.path.join(os.path.dirname(HERE), "src")
    env["PYTHONPATH"] = os.pathsep.join([src, HERE, env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


@pytest.fixture
def no_dist_env(monkeypatch):
    for k in ENV_KEYS:
        monkeypatch.delenv(k, raising=False)
    yield monkeypatch
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.fixture
def world1(no_dist_env):
    """A one-process group from torchrun-style variables (nothing to start in JAX)."""
    no_dist_env.setenv("MASTER_ADDR", "127.0.0.1")
    no_dist_env.setenv("MASTER_PORT", str(_free_port()))
    no_dist_env.setenv("RANK", "0")
    no_dist_env.setenv("WORLD_SIZE", "1")
    dist.init_process_group("gloo")
    yield


# -- one process, four fake devices ------------------------------------------------------

@pytest.fixture(scope="module")
def spmd4(tmp_path_factory):
    out = tmp_path_factory.mktemp("spmd4") / "res.json"
    env = _clean_env(XLA_FLAGS="--xla_force_host_platform_device_count=4",
                     MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), RANK="0",
                     WORLD_SIZE="1", JAX_PLATFORMS="cpu")
    p = subprocess.run([sys.executable, WORKER, "spmd4", str(out)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(out.read_text())


def test_ddp_compiled_training_matches_one_device(spmd4):
    assert spmd4["devices"] == 4
    assert spmd4["world"] == [0, 1]
    r = spmd4["ddp_adam"]
    np.testing.assert_allclose(r["losses"], spmd4["ref_losses"]["adam"], atol=1e-5)
    assert r["max_weight_diff"] < 1e-5
    assert r["weight_spec"] == "P()"  # parameters stay replicated after the steps


def test_data_parallel_compiled_training_matches_one_device(spmd4):
    r = spmd4["dp_sgd"]
    np.testing.assert_allclose(r["losses"], spmd4["ref_losses"]["sgd"], atol=1e-5)
    assert r["max_weight_diff"] < 1e-5


def test_ddp_eager_forward_and_gradients(spmd4):
    r = spmd4["eager"]
    assert r["out_diff"] < 1e-6
    assert r["grad_diff"] < 1e-5
    assert r["out_devices"] == 4  # the output stays split over the devices
    assert r["keys"] == ["module.fc1.weight", "module.fc1.bias", "module.fc2.weight",
                         "module.fc2.bias"]
    assert r["module_is_inner"]
    assert r["no_sync_out_diff"] < 1e-6


def test_fsdp_shards_parameters_and_optimizer_state(spmd4):
    r = spmd4["fsdp"]
    assert set(r["specs_before"].values()) == {"P('data',)"}
    assert r["specs_after"] == r["specs_before"]
    assert r["state_specs"] == ["P('data',)"]  # Adam's moments split like the parameters
    np.testing.assert_allclose(r["losses"], spmd4["ref_losses"]["adam"], atol=1e-5)
    assert r["max_weight_diff"] < 1e-5
    assert r["keys"] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert spmd4["fsdp_odd_specs"] == ["P()", "P('data',)"]  # 6 rows do not split over 4


def test_bad_batch_and_misuse_errors(spmd4):
    want = ("ValueError: DistributedDataParallel: batch size 10 (dimension 0 of an input of "
            "shape (10, 8)) is not divisible by the 4 devices of the 'data' mesh axis")
    assert spmd4["bad_batch_eager"].startswith(want)
    assert spmd4["bad_batch_compiled"].startswith(want)
    assert spmd4["ddp_before_init"] == "ValueError: " + NOT_INIT
    assert spmd4["collective_in_compile"].startswith(
        "RuntimeError: all_reduce() cannot run inside pytorch_like.compile")
    assert spmd4["all_reduce_world1"] == [1.0, 1.0, 1.0]
    assert spmd4["after_destroy"] is False


# -- two processes on localhost (jax.distributed, gloo) -----------------------------------

def test_two_processes_collectives_and_ddp(tmp_path):
    from _distributed_worker import MLP, data, train

    env = _clean_env(JAX_PLATFORMS="cpu")
    cmd = [sys.executable, "-m", "pytorch_like.distributed.run", "--nproc-per-node", "2",
           "--standalone", WORKER, "mp", str(tmp_path)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    res = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]

    ref_model = MLP()
    xs, ys = data()
    ref_losses, ref_weights, _ = train(ref_model, lambda: ref_model, "adam", xs, ys)
    for r, d in enumerate(res):
        assert (d["rank"], d["world"], d["env_rank"]) == (r, 2, r)
        assert d["all_reduce_SUM"] == [3.0, 6.0, 9.0]
        assert d["all_reduce_AVG"] == [1.5, 3.0, 4.5]
        assert d["all_reduce_MAX"] == [2.0, 4.0, 6.0]
        assert d["all_reduce_MIN"] == [1.0, 2.0, 3.0]
        assert d["all_reduce_PRODUCT"] == [2.0, 8.0, 18.0]
        assert d["all_reduce_int"] == [[3, 30], "torch.int64"]
        assert d["all_gather"] == [[5.0, 5.0], [6.0, 6.0]]
        assert d["broadcast"] == [8.0, 8.0, 8.0]
        assert d["broadcast_work"] == "Work"
        assert d["barrier"] == "None"
        assert d["bad_gather"].startswith(
            "RuntimeError: all_gather: invalid output tensor list (expected length 2, got 1)")
        # Each process fed half of the global batch; rank 1 started from other weights.
        np.testing.assert_allclose(d["losses"], ref_losses, atol=1e-5)
        for k, v in ref_weights.items():
            np.testing.assert_allclose(d["weights"][k], v, atol=1e-5)
        assert d["keys"][0] == "module.fc1.weight"


# -- errors and a one-process group, in this process --------------------------------------

def test_collectives_before_init_process_group(no_dist_env):
    assert dist.is_available() and not dist.is_initialized()
    t = torch.ones(2)
    for call in (lambda: dist.all_reduce(t), lambda: dist.all_gather([t], t),
                 lambda: dist.broadcast(t, 0), lambda: dist.barrier(), dist.get_rank,
                 dist.get_world_size):
        with pytest.raises(ValueError) as e:
            call()
        assert str(e.value) == NOT_INIT


def test_collectives_before_init_match_torch(no_dist_env):
    torch_dist = pytest.importorskip("torch.distributed")
    real = pytest.importorskip("torch")
    with pytest.raises(ValueError) as e:
        torch_dist.all_reduce(real.ones(2))
    assert str(e.value) == NOT_INIT


def test_init_process_group_env_errors(no_dist_env):
    # Torch's order and wording; JAX has already started in this process, so no cluster
    # auto-detection is attempted.
    with pytest.raises(ValueError, match="environment variable RANK expected, but not set"):
        dist.init_process_group()
    no_dist_env.setenv("RANK", "0")
    with pytest.raises(ValueError, match="environment variable WORLD_SIZE expected"):
        dist.init_process_group()
    no_dist_env.setenv("WORLD_SIZE", "1")
    with pytest.raises(ValueError, match="environment variable MASTER_ADDR expected"):
        dist.init_process_group()
    no_dist_env.setenv("MASTER_ADDR", "127.0.0.1")
    with pytest.raises(ValueError, match="environment variable MASTER_PORT expected"):
        dist.init_process_group()
    with pytest.raises(ValueError, match="using tcp:// rendezvous: rank parameter missing"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1234")
    with pytest.raises(ValueError, match="Invalid rank 3 for world size 2"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1234", rank=3,
                                world_size=2)
    assert not dist.is_initialized()


def test_process_that_never_joins_times_out(no_dist_env):
    port = _free_port()
    t0 = time.monotonic()
    with pytest.raises(dist.DistStoreError) as e:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0,
                                world_size=2, timeout=timedelta(seconds=1))
    assert time.monotonic() - t0 < 10
    assert isinstance(e.value, RuntimeError)
    assert str(e.value).startswith(
        "Timed out after 1 seconds waiting for clients. 1/2 clients joined. Missing ranks: [1]")
    with pytest.raises(dist.DistStoreError, match="trying to connect to the master"):
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=1,
                                world_size=2, timeout=timedelta(seconds=1))
    assert not dist.is_initialized()


def test_one_process_group(world1):
    assert dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "gloo")
    with pytest.raises(ValueError, match="trying to initialize the default process group twice!"):
        dist.init_process_group("gloo")
    t = torch.tensor([1.0, 2.0])
    assert dist.all_reduce(t, op=dist.ReduceOp.MAX) is None
    assert t.tolist() == [1.0, 2.0]
    out = [torch.zeros(2)]
    dist.all_gather(out, t * 3)
    assert out[0].tolist() == [3.0, 6.0]
    with pytest.raises(RuntimeError, match="expected length 1, got 2"):
        dist.all_gather([torch.zeros(2), torch.zeros(2)], t)
    with pytest.raises(RuntimeError, match="invalid root rank: 1"):
        dist.broadcast(t, src=1)
    assert isinstance(dist.all_reduce(t, async_op=True), dist.Work)
    assert dist.barrier() is None

    from pytorch_like.utils.data.distributed import DistributedSampler
    sampler = DistributedSampler(list(range(10)), shuffle=False)
    assert (sampler.num_replicas, sampler.rank, len(sampler)) == (1, 0, 10)

    dist.destroy_process_group()
    assert not dist.is_initialized()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()


def test_ddp_one_device_in_process(world1):
    torch.manual_seed(0)
    inner = torch.nn.Linear(3, 2)
    ref = {k: v.clone() for k, v in inner.state_dict().items()}
    ddp = DistributedDataParallel(inner)
    assert ddp.module is inner
    assert list(ddp.state_dict()) == ["module.weight", "module.bias"]
    x = torch.randn(4, 3)
    np.testing.assert_allclose(ddp(x).detach().numpy(),
                               torch.nn.functional.linear(x, ref["weight"], ref["bias"]).numpy(),
                               atol=1e-6)
    ddp.load_state_dict({"module.weight": torch.zeros(2, 3), "module.bias": torch.ones(2)})
    assert ddp(x).tolist() == [[1.0, 1.0]] * 4
    with pytest.raises(NotImplementedError, match="only dim=0"):
        DistributedDataParallel(inner, dim=1)


def test_data_parallel_needs_no_process_group(no_dist_env):
    inner = torch.nn.Linear(3, 2)
    dp = DataParallel(inner)
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    x = torch.randn(5, 3)  # one device here: any batch size divides
    np.testing.assert_allclose(dp(x).detach().numpy(), inner(x).detach().numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="device id 7 is out of range"):
        DataParallel(inner, device_ids=[7])


# -- the launcher ---------------------------------------------------------------------------

def test_launcher_sets_torchrun_environment(tmp_path):
    script = tmp_path / "w.py"
    script.write_text(
        "import json, os, sys\n"
        "keys = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR',"
        " 'MASTER_PORT']\n"
        "out = {k: os.environ[k] for k in keys}\n"
        "out['argv'] = sys.argv[1:]\n"
        "open(os.path.join(sys.argv[1], os.environ['RANK'] + '.json'), 'w').write("
        "json.dumps(out))\n")
    rc = launcher.main(["--nproc-per-node", "3", "--master-port", str(_free_port()),
                        str(script), str(tmp_path), "--flag"])
    assert rc == 0
    envs = [json.loads((tmp_path / f"{r}.json").read_text()) for r in range(3)]
    for r, e in enumerate(envs):
        assert (e["RANK"], e["LOCAL_RANK"], e["WORLD_SIZE"], e["LOCAL_WORLD_SIZE"]) == (
            str(r), str(r), "3", "3")
        assert e["argv"] == [str(tmp_path), "--flag"]
    assert len({(e["MASTER_ADDR"], e["MASTER_PORT"]) for e in envs}) == 1


def test_launcher_forwards_failure_and_stops_the_others(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import os, sys, time\n"
                      "if os.environ['RANK'] == '1':\n    sys.exit(3)\n"
                      "time.sleep(60)\n")
    t0 = time.monotonic()
    assert launcher.main(["--nproc-per-node", "2", "--standalone", str(script)]) == 3
    assert time.monotonic() - t0 < 30  # rank 0 was stopped, not waited for
