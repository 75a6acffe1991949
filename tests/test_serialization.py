"""torch.save / torch.load: round trips, crossing to and from real torch, atomic writes."""

import os

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.nn.parameter import Parameter


def _state():
    return {
        "w": pl.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "steps": pl.tensor([1, 2, 3]),
        "mask": pl.tensor([True, False]),
        "half": pl.tensor([1.5, -2.0], dtype=pl.float16),
        "nested": [pl.tensor(2.5), {"lr": 0.1, "name": "adam"}],
    }


def test_round_trip_keeps_values_and_dtypes(tmp_path):
    path = tmp_path / "ck.pt"
    pl.save(_state(), path)
    got = pl.load(path)
    want = _state()
    for k in ("w", "steps", "mask", "half"):
        assert got[k].dtype is want[k].dtype
        assert pl.equal(got[k], want[k])
    assert got["nested"][1] == {"lr": 0.1, "name": "adam"}
    assert got["nested"][0].item() == 2.5


def test_parameter_survives_round_trip(tmp_path):
    path = tmp_path / "p.pt"
    pl.save({"p": Parameter(pl.ones(2))}, path)
    p = pl.load(path)["p"]
    assert isinstance(p, Parameter) and p.requires_grad


def test_real_torch_reads_our_file(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ours.pt"
    pl.save(_state(), path)
    got = torch.load(path, weights_only=True)
    assert got["steps"].dtype == torch.int64
    assert got["half"].dtype == torch.float16
    np.testing.assert_array_equal(got["w"].numpy(), np.arange(6).reshape(2, 3))
    assert got["nested"][1]["name"] == "adam"


def test_we_read_real_torch_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    path = tmp_path / "theirs.pt"
    torch.save(model.state_dict(), path)
    got = pl.load(path)
    assert list(got) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert str(got[k].dtype) == str(v.dtype)
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())


def test_interrupted_save_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    pl.save({"a": pl.ones(3)}, path)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    import pytorch_like.serialization as ser

    def exploding(obj):
        raise Boom("disk full")
    monkeypatch.setattr(ser, "_to_array", exploding)
    with pytest.raises(Boom):
        pl.save({"a": pl.zeros(3)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ck.pt"]


def test_corrupt_file_error_names_file(tmp_path):
    path = tmp_path / "bad.pt"
    pl.save({"a": pl.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(RuntimeError, match="bad.pt"):
        pl.load(path)
