"""torch.save / torch.load of whole objects (modules, optimizers, user classes).

Mirrors torch: ``save`` pickles any object with its tensors stored as storages,
``load(..., weights_only=False)`` restores it, and the default ``weights_only=True``
refuses it with torch's "Weights only load failed" ``pickle.UnpicklingError``.
Tests comparing with real torch call ``pytest.importorskip("torch")`` themselves.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like import nn
from pytorch_like.nn.parameter import Parameter


class Net(nn.Module):
    """User-defined model, defined at module level so that pickle can find it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.head = nn.Linear(4, 2)
        self.frozen = Parameter(pl.ones(2), requires_grad=False)
        self.note = {"dtype": pl.float16, "tag": "v1", "arr": np.arange(3)}

    def forward(self, x: pl.Tensor) -> pl.Tensor:
        return self.head(pl.relu(self.bn(self.fc(x)))) * self.frozen


def _x(n: int = 5) -> pl.Tensor:
    return pl.tensor(np.linspace(-1.0, 1.0, n * 3, dtype=np.float32).reshape(n, 3))


def _trained_net() -> Net:
    pl.manual_seed(0)
    net = Net()
    net(_x())  # updates the BatchNorm running statistics
    return net


def test_user_module_round_trip(tmp_path):
    net = _trained_net()
    net.eval()
    want = net(_x(4))
    path = tmp_path / "model.pth"
    pl.save(net, path)
    got = pl.load(path, weights_only=False)

    assert type(got) is Net and got is not net
    assert got.training is False and got.bn.training is False
    assert pl.equal(got(_x(4)), want)
    params = dict(got.named_parameters())
    assert list(params) == [n for n, _ in net.named_parameters()]
    for name, p in params.items():
        assert type(p) is Parameter, name
    assert got.fc.weight is params["fc.weight"]
    # A Parameter with requires_grad=False keeps both its type and the flag.
    assert type(got.frozen) is Parameter and got.frozen.requires_grad is False
    assert got.fc.weight.requires_grad is True
    # Plain attributes: a dtype comes back as the same singleton, numpy arrays as arrays.
    assert got.note["dtype"] is pl.float16 and got.note["tag"] == "v1"
    np.testing.assert_array_equal(got.note["arr"], np.arange(3))


def test_batchnorm_buffers_round_trip(tmp_path):
    net = _trained_net()
    path = tmp_path / "bn.pth"
    pl.save(net, path)
    got = pl.load(path, weights_only=False)
    want = dict(net.named_buffers())
    loaded = dict(got.named_buffers())
    assert list(loaded) == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    for name, buf in want.items():
        assert loaded[name].dtype is buf.dtype
        assert not isinstance(loaded[name], Parameter)
        assert pl.equal(loaded[name], buf), name
    assert loaded["bn.num_batches_tracked"].item() == 1


def test_sequential_round_trip_keeps_training_mode(tmp_path):
    pl.manual_seed(1)
    seq = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
    path = tmp_path / "seq.pth"
    pl.save(seq, path)
    got = pl.load(path, weights_only=False)
    assert type(got) is nn.Sequential and got.training is True
    assert [type(m) for m in got] == [nn.Linear, nn.ReLU, nn.Linear]
    assert pl.equal(got(_x()), seq(_x()))
    # The loaded model trains: its parameters receive gradients.
    got(_x()).sum().backward()
    assert all(p.grad is not None for p in got.parameters())


def test_optimizer_with_state_round_trip_and_steps(tmp_path):
    pl.manual_seed(2)
    model = nn.Linear(3, 2)
    opt = pl.optim.Adam(model.parameters(), lr=0.1)
    model(_x()).pow(2).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pth"
    pl.save({"model": model, "opt": opt, "epoch": 3}, path)
    ck = pl.load(path, weights_only=False)

    new_model, new_opt = ck["model"], ck["opt"]
    assert ck["epoch"] == 3 and type(new_opt) is pl.optim.Adam
    # Saved together, the optimizer's parameters are the loaded model's parameters.
    assert new_opt.param_groups[0]["params"][0] is new_model.weight
    state = new_opt.state[new_model.weight]
    old = opt.state[model.weight]
    assert pl.equal(state["exp_avg"], old["exp_avg"])
    assert pl.equal(state["exp_avg_sq"], old["exp_avg_sq"])

    # One more identical step on both gives identical parameters.
    for m, o in ((model, opt), (new_model, new_opt)):
        o.zero_grad()
        m(_x()).pow(2).sum().backward()
        o.step()
    assert pl.allclose(new_model.weight, model.weight)


def test_shared_tensor_stays_one_tensor(tmp_path):
    t = pl.arange(4.0)
    obj = {"a": t, "b": [t, {"c": t}], "other": pl.arange(4.0)}
    path = tmp_path / "shared.pth"
    pl.save(obj, path)
    for weights_only in (True, False):
        got = pl.load(path, weights_only=weights_only)
        assert got["a"] is got["b"][0] is got["b"][1]["c"]
        assert got["other"] is not got["a"]
    # Shared within a module too (weight tying).
    pl.manual_seed(3)
    tied = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    tied[1].weight = tied[0].weight
    pl.save(tied, path)
    got = pl.load(path, weights_only=False)
    assert got[0].weight is got[1].weight


def test_parameter_requires_grad_false_round_trip(tmp_path):
    p = Parameter(pl.arange(3.0), requires_grad=False)
    path = tmp_path / "p.pth"
    pl.save({"p": p, "module_free": [p]}, path)
    for weights_only in (True, False):
        got = pl.load(path, weights_only=weights_only)
        assert type(got["p"]) is Parameter and got["p"].requires_grad is False
        assert got["module_free"][0] is got["p"]


def test_state_dict_still_loads_both_ways(tmp_path):
    net = _trained_net()
    path = tmp_path / "sd.pth"
    pl.save(net.state_dict(), path)
    for weights_only in (True, False, None):
        sd = pl.load(path, weights_only=weights_only)
        fresh = Net()
        fresh.load_state_dict(sd)
        fresh.eval()
        net.eval()
        assert pl.equal(fresh(_x()), net(_x()))


def test_weights_only_default_refuses_objects(tmp_path):
    path = tmp_path / "model.pth"
    pl.save(_trained_net(), path)
    with pytest.raises(pickle.UnpicklingError) as exc:
        pl.load(path)
    message = str(exc.value)
    assert message.startswith("Weights only load failed. This file can still be loaded")
    assert "`weights_only` set to `False`" in message
    assert f"GLOBAL {Net.__module__}.Net was not an allowed global by default" in message
    assert "model.pth" in message


def _first_line(message: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", message).splitlines()[0].strip()


class TorchNet:  # replaced by a torch.nn.Module subclass when torch is importable
    pass


try:  # defined at module level so that torch's pickle can reference it
    import torch as _real_torch

    class TorchNet(_real_torch.nn.Module):  # type: ignore[no-redef]
        def __init__(self) -> None:
            super().__init__()
            self.fc = _real_torch.nn.Linear(2, 3)

        def forward(self, x):
            return self.fc(x)
except ImportError:  # pragma: no cover - torch is optional
    pass


def test_weights_only_error_matches_real_torch(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "torch_model.pth"
    torch.save(TorchNet(), path)
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(path)
    with pytest.raises(pickle.UnpicklingError) as ours:
        pl.load(path)
    assert isinstance(ours.value, type(theirs.value))
    assert _first_line(str(ours.value)) == _first_line(str(theirs.value))
    common = [f"Unsupported global: GLOBAL {TorchNet.__module__}.TorchNet was not an "
              "allowed global by default.",
              "Re-running `torch.load` with `weights_only` set to `False` will likely "
              "succeed, but it can result in arbitrary code execution."]
    for text in common:
        assert text in str(theirs.value)
        assert text in str(ours.value)
    # weights_only=False cannot rebuild real torch modules here: a clear error instead.
    with pytest.raises(pickle.UnpicklingError, match=r"torch\.nn\.modules\.linear\.Linear"
                       r".*state_dict"):
        pl.load(path, weights_only=False)


def test_whole_model_file_is_a_torch_zip(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ours.pth"
    net = _trained_net()
    pl.save({"net": net, "w": net.fc.weight}, path)
    # Real torch refuses it weights-only just as for its own models.
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(path)


def test_jax_state_gives_clear_error_and_keeps_old_file(tmp_path):
    import jax.numpy as jnp

    path = tmp_path / "model.pth"
    net = _trained_net()
    pl.save(net, path)
    before = path.read_bytes()

    net.cache = {"raw": jnp.ones(2)}
    with pytest.raises(pickle.PicklingError,
                       match=r"raw JAX array .*found at obj\.cache\['raw'\]"):
        pl.save(net, path)
    del net.cache
    net.compiled = pl.compile(nn.Linear(2, 2))
    # A compiled module is a Module (torch's OptimizedModule): a child of ``net``.
    with pytest.raises(pickle.PicklingError,
                       match=r"compiled .*found at obj\._modules\['compiled'\]"):
        pl.save(net, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.pth"]



@dataclasses.dataclass(frozen=True)
class RunConfig:
    """A user object saved next to the weights, defined at module level for pickle (frozen:
    loading writes its tensor attribute all the same)."""

    lr: float
    layers: list
    mask: object


def _save_with_config(lib, path) -> None:
    lib.save({"config": RunConfig(0.1, [3, 4], lib.ones(2)), "w": lib.arange(4.0)}, path)


def _advice(name: str) -> str:
    return (f"Please use `torch.serialization.add_safe_globals([{name}])` or the "
            f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this "
            "global if you trust this class/function.")


@pytest.mark.parametrize("writer", ["pytorch_like", "torch"])
def test_safe_globals_let_weights_only_load_trusted_objects(tmp_path, writer):
    lib = pl if writer == "pytorch_like" else pytest.importorskip("torch")
    path = tmp_path / "ckpt.pt"
    _save_with_config(lib, path)
    name = f"{RunConfig.__module__}.RunConfig"
    with pytest.raises(pickle.UnpicklingError) as exc:
        pl.load(path)
    assert _advice(name) in str(exc.value)
    try:
        pl.serialization.add_safe_globals([RunConfig])
        assert pl.serialization.get_safe_globals() == [RunConfig]
        ckpt = pl.load(path)
    finally:
        pl.serialization.clear_safe_globals()
    assert pl.serialization.get_safe_globals() == []
    assert isinstance(ckpt["config"], RunConfig)
    assert (ckpt["config"].lr, ckpt["config"].layers) == (0.1, [3, 4])
    assert isinstance(ckpt["config"].mask, pl.Tensor)  # a tensor inside the object too
    np.testing.assert_array_equal(ckpt["config"].mask.numpy(), np.ones(2, np.float32))
    np.testing.assert_array_equal(ckpt["w"].numpy(), np.arange(4.0, dtype=np.float32))
    # The context manager, with the name the checkpoint uses; the list is restored after.
    with pl.serialization.safe_globals([(RunConfig, name)]):
        assert isinstance(pl.load(path)["config"], RunConfig)
    assert pl.serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        pl.load(path)


def test_safe_globals_error_matches_real_torch(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ckpt.pt"
    _save_with_config(torch, path)
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(path)
    with pytest.raises(pickle.UnpicklingError) as ours:
        pl.load(path)
    advice = _advice(f"{RunConfig.__module__}.RunConfig")
    assert advice in str(theirs.value) and advice in str(ours.value)


def test_safe_globals_refuse_what_is_not_a_class_or_function():
    with pytest.raises(TypeError, match="classes or functions"):
        pl.serialization.add_safe_globals([1])
    with pytest.raises(TypeError, match=r"\(object, 'module.name'\)"):
        pl.serialization.safe_globals([(RunConfig, 3)])
    assert pl.serialization.get_safe_globals() == []
