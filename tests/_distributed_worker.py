"""Helper for tests/test_distributed.py, run in a subprocess (XLA_FLAGS and
jax.distributed must be set up before JAX starts, which pytest's own process has done).

    python tests/_distributed_worker.py spmd4 OUT.json   # one process, 4 fake CPU devices
    python -m pytorch_like.distributed.run --nproc-per-node 2 --standalone \
        tests/_distributed_worker.py mp OUT_DIR          # two processes, gloo collectives

Each mode writes what it measured as JSON; the test makes the assertions.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

import pytorch_like as torch
import pytorch_like.distributed as dist
import pytorch_like.nn.functional as F
from pytorch_like import nn

STEPS = 3
BATCH = 8


class MLP(nn.Module):
    """8 -> 16 -> 4, parameters from a fixed numpy seed (no init programs to compile)."""

    def __init__(self, shift: float = 0.0) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.fc1 = _linear(rng, 8, 16, shift)
        self.fc2 = _linear(rng, 16, 4, shift)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class _Lin(nn.Module):
    def __init__(self, w: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(w))
        self.bias = nn.Parameter(torch.tensor(b))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


def _linear(rng, fan_in: int, fan_out: int, shift: float) -> _Lin:
    w = (rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32)
    b = (rng.standard_normal(fan_out) * 0.1).astype(np.float32)
    return _Lin(w + shift, b + shift)


def data():
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((STEPS, BATCH, 8)).astype(np.float32)
    ys = rng.integers(0, 4, (STEPS, BATCH)).astype(np.int64)
    return xs, ys


def train(model, params_of, opt_name: str, xs, ys, rows=slice(None)):
    """``STEPS`` compiled steps; returns (losses, {name: weights}, optimizer)."""
    params = list(model.parameters())
    opt = (torch.optim.SGD(params, lr=0.1, momentum=0.9) if opt_name == "sgd"
           else torch.optim.Adam(params, lr=0.05))

    @torch.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    losses = [float(step(torch.tensor(xs[i][rows]), torch.tensor(ys[i][rows])))
              for i in range(STEPS)]
    weights = {k: np.asarray(v).tolist() for k, v in params_of().state_dict().items()}
    return losses, weights, opt


def _max_diff(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in a)


def _error(fn) -> str:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test checks type and text
        return f"{type(e).__name__}: {e}"
    return "no error"


def spmd4(out_path: str) -> None:
    import jax

    from pytorch_like.distributed.fsdp import FullyShardedDataParallel
    from pytorch_like.nn.parallel import DataParallel, DistributedDataParallel

    res: dict = {"devices": jax.device_count()}
    res["ddp_before_init"] = _error(lambda: DistributedDataParallel(MLP()))
    dist.init_process_group("gloo")  # world size 1 from the environment
    res["world"] = [dist.get_rank(), dist.get_world_size()]
    xs, ys = data()
    # One-device references (the unwrapped model, the same global batch).
    ref_models = {"sgd": MLP(), "adam": MLP()}
    refs = {k: train(m, lambda m=m: m, k, xs, ys) for k, m in ref_models.items()}
    res["ref_losses"] = {k: v[0] for k, v in refs.items()}
    inner = MLP()
    ddp = DistributedDataParallel(inner)
    got = train(ddp, lambda: inner, "adam", xs, ys)
    res["ddp_adam"] = {"losses": got[0], "max_weight_diff": _max_diff(refs["adam"][1], got[1]),
                       "weight_spec": str(inner.fc1.weight._data.sharding.spec)}

    # Eager: forward values and gradients equal to the unwrapped model's.
    plain, inner = MLP(), MLP()
    ddp = DistributedDataParallel(inner)
    x, y = torch.tensor(xs[0]), torch.tensor(ys[0])
    out_ref, out = plain(x), ddp(x)
    F.cross_entropy(out_ref, y).backward()
    F.cross_entropy(out, y).backward()
    res["eager"] = {
        "out_diff": float(np.max(np.abs(np.asarray(out_ref) - np.asarray(out)))),
        "grad_diff": max(float(np.max(np.abs(np.asarray(a.grad) - np.asarray(b.grad))))
                         for a, b in zip(plain.parameters(), inner.parameters())),
        "out_devices": len(out._data.sharding.device_set),
        "keys": list(ddp.state_dict()),
        "module_is_inner": ddp.module is inner,
    }
    with ddp.no_sync():
        res["eager"]["no_sync_out_diff"] = float(
            np.max(np.abs(np.asarray(ddp(x)) - np.asarray(out_ref))))

    # DataParallel (no process group needed) under compile, SGD with momentum.
    inner = MLP()
    got = train(DataParallel(inner), lambda: inner, "sgd", xs, ys)
    res["dp_sgd"] = {"losses": got[0], "max_weight_diff": _max_diff(refs["sgd"][1], got[1])}

    # FSDP: parameters and Adam state split along dim 0 where 4 divides it.
    inner = MLP()
    fsdp = FullyShardedDataParallel(inner)
    specs_before = {k: str(v._data.sharding.spec) for k, v in inner.state_dict().items()}
    losses, weights, opt = train(fsdp, lambda: fsdp, "adam", xs, ys)
    state_specs = sorted({str(v._data.sharding.spec) for s in opt.state.values()
                          for v in s.values()
                          if isinstance(v, torch.Tensor) and v.ndim >= 1})
    res["fsdp"] = {"specs_before": specs_before,
                   "specs_after": {k: str(v._data.sharding.spec)
                                   for k, v in inner.state_dict().items()},
                   "state_specs": state_specs, "losses": losses,
                   "max_weight_diff": _max_diff(refs["adam"][1], weights),
                   "keys": list(fsdp.state_dict())}
    odd = FullyShardedDataParallel(_Lin(np.ones((6, 8), np.float32), np.ones(4, np.float32)))
    res["fsdp_odd_specs"] = [str(p._data.sharding.spec) for p in odd.parameters()]

    # Bad input: a batch that does not split over 4 devices, eager and compiled.
    ddp = DistributedDataParallel(MLP())
    res["bad_batch_eager"] = _error(lambda: ddp(torch.randn(10, 8)))
    cstep = torch.compile(lambda x: ddp(x).sum())
    res["bad_batch_compiled"] = _error(lambda: cstep(torch.randn(10, 8)))
    res["collective_in_compile"] = _error(
        lambda: torch.compile(lambda x: dist.all_reduce(x))(torch.ones(4)))
    t = torch.ones(3)
    dist.all_reduce(t)  # world size 1: unchanged
    res["all_reduce_world1"] = np.asarray(t).tolist()
    dist.destroy_process_group()
    res["after_destroy"] = dist.is_initialized()
    with open(out_path, "w") as f:
        json.dump(res, f)


def mp(out_dir: str) -> None:
    from pytorch_like.nn.parallel import DistributedDataParallel

    dist.init_process_group("gloo")
    r, w = dist.get_rank(), dist.get_world_size()
    res: dict = {"rank": r, "world": w, "env_rank": int(os.environ["RANK"])}
    t = torch.tensor([1.0, 2.0, 3.0]) * (r + 1)
    for name in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
        u = t.clone()
        dist.all_reduce(u, op=getattr(dist.ReduceOp, name))
        res[f"all_reduce_{name}"] = np.asarray(u).tolist()
    ti = torch.tensor([r + 1, 10 * (r + 1)])
    dist.all_reduce(ti)
    res["all_reduce_int"] = [np.asarray(ti).tolist(), str(ti.dtype)]
    outs = [torch.zeros(2) for _ in range(w)]
    dist.all_gather(outs, torch.full((2,), float(r + 5)))
    res["all_gather"] = [np.asarray(o).tolist() for o in outs]
    b = torch.full((3,), float(r + 7))
    res["broadcast_work"] = type(dist.broadcast(b, src=1, async_op=True)).__name__
    res["broadcast"] = np.asarray(b).tolist()
    res["barrier"] = repr(dist.barrier())
    res["bad_gather"] = _error(lambda: dist.all_gather([torch.zeros(2)], torch.zeros(2)))

    xs, ys = data()
    rows = slice(r * BATCH // w, (r + 1) * BATCH // w)
    inner = MLP(shift=0.01 * r)  # DDP must replace rank 1's values by rank 0's
    ddp = DistributedDataParallel(inner)
    res["losses"], res["weights"], _ = train(ddp, lambda: inner, "adam", xs, ys, rows)
    res["keys"] = list(ddp.state_dict())
    with open(os.path.join(out_dir, f"rank{r}.json"), "w") as f:
        json.dump(res, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    {"spmd4": spmd4, "mp": mp}[sys.argv[1]](sys.argv[2])
