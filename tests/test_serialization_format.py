"""Tests for pytorch_like._serialization_format (torch.save's zip checkpoint format).

Tests that need real torch call ``pytest.importorskip("torch")`` themselves, so the rest
runs with numpy (+ ml_dtypes) only.
"""

from __future__ import annotations

import contextlib

import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, NamedTuple

import ml_dtypes
import numpy as np
import pytest

from pytorch_like import _serialization_format as sf


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


class Leaf(NamedTuple):
    """Test stand-in for a framework tensor: what to_array receives."""

    array: np.ndarray
    dtype: str
    requires_grad: bool = False
    is_parameter: bool = False


class Loaded(NamedTuple):
    """What from_array produces in these tests."""

    array: np.ndarray
    dtype: str
    requires_grad: bool
    is_parameter: bool


def to_array(x: Any) -> tuple[Any, ...] | None:
    if isinstance(x, Leaf):
        return (x.array, x.dtype, x.requires_grad, x.is_parameter)
    if isinstance(x, np.ndarray):
        return (x, sf.torch_dtype_name(x.dtype), False)
    return None


def from_array(array: np.ndarray, dtype: str, requires_grad: bool,
               is_parameter: bool) -> Loaded:
    return Loaded(array, dtype, requires_grad, is_parameter)


def load(f: Any) -> Any:
    return sf.read_zip(f, from_array=from_array)


def assert_loaded(got: Any, array: np.ndarray, dtype: str, *, requires_grad: bool = False,
                  is_parameter: bool = False) -> None:
    assert isinstance(got, Loaded)
    assert got.dtype == dtype
    assert got.array.dtype == sf.numpy_dtype(dtype)
    assert got.array.shape == array.shape
    assert got.array.flags.c_contiguous and got.array.flags.writeable
    np.testing.assert_array_equal(got.array.astype(np.float64) if dtype == "bfloat16"
                                  else got.array, array)
    assert got.requires_grad is requires_grad
    assert got.is_parameter is is_parameter


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "float32": rng.standard_normal((2, 3)).astype(np.float32),
        "float64": rng.standard_normal(4),
        "float16": np.array([1.5, -2.0, 65504.0], dtype=np.float16),
        "bfloat16": np.array([[1.0, -3.5], [0.25, 1e30]], dtype=ml_dtypes.bfloat16),
        "complex64": np.array([1 + 2j, -3j], dtype=np.complex64),
        "complex128": np.array([[1 - 1j]], dtype=np.complex128),
        "int64": np.array([-(2**62), 0, 2**62], dtype=np.int64),
        "int32": np.arange(6, dtype=np.int32).reshape(3, 2),
        "int16": np.array([-300, 300], dtype=np.int16),
        "int8": np.array([-128, 127], dtype=np.int8),
        "uint8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "uint16": np.array([1, 65535], dtype=np.uint16),
        "float8_e4m3fn": np.array([1.0, -2.0], dtype=ml_dtypes.float8_e4m3fn),
    }


def local_header_data_offsets(raw: bytes) -> dict[str, int]:
    """Payload start of every record, parsed from the local headers."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        for info in zf.infolist():
            h = raw[info.header_offset:info.header_offset + 30]
            assert h[:4] == b"PK\x03\x04"
            name_len, extra_len = struct.unpack("<HH", h[26:30])
            out[info.filename] = info.header_offset + 30 + name_len + extra_len
    return out


def rezip(src: Path, dst: Path, replace: dict[str, bytes]) -> None:
    """Copy a checkpoint with some records replaced (plain zipfile layout)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))


def make_zip(path: Path, records: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in records.items():
            zf.writestr(name, data)


def _x(s: str) -> bytes:  # BINUNICODE opcode
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def tensor_pickle(size: tuple[int, ...], stride: tuple[int, ...], offset: int,
                  numel: int, build_attack: bool = False) -> bytes:
    """Hand-assembled protocol-2 data.pkl holding one float32 tensor (like torch's)."""
    def tup(values: tuple[int, ...]) -> bytes:
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"

    p = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n"
    if build_attack:
        # BUILD with slot state on the allowlisted global: tries to swap its function.
        p += b"N}" + _x("_fn") + b"ccollections\nOrderedDict\ns\x86b"
    p += b"((" + _x("storage") + b"ctorch\nFloatStorage\n" + _x("0") + _x("cpu")
    p += b"J" + struct.pack("<i", numel) + b"tQ"
    p += b"J" + struct.pack("<i", offset) + tup(size) + tup(stride)
    p += b"\x89ccollections\nOrderedDict\n)RtR."
    return p


def float_checkpoint(path: Path, pkl: bytes, values: np.ndarray) -> None:
    make_zip(path, {"ckpt/data.pkl": pkl, "ckpt/byteorder": b"little",
                    "ckpt/data/0": values.astype("<f4").tobytes()})


# --------------------------------------------------------------------------------------
# round trips through our writer and reader (no torch)
# --------------------------------------------------------------------------------------


def test_round_trip_all_dtypes_and_containers(tmp_path: Path) -> None:
    arrays = sample_arrays()
    obj = {
        "tensors": dict(arrays),
        "ordered": OrderedDict([("z", 1), ("a", [np.float32(0) + np.zeros(2, np.float32)])]),
        "nested": [1, 2.5, "text", None, True, False, (3, ("deep", [4, -5])), []],
        "scalar_tensor": np.array(7, dtype=np.int64),
        "empty": np.zeros((2, 0, 3), dtype=np.float32),
        "transposed": np.arange(12, dtype=np.float32).reshape(3, 4).T,
        "big_endian": np.array([1.0, 2.0], dtype=">f4"),
        "unicode ключ": "значение",
        "big_int": 2**80,
        "flags": Leaf(np.ones(2, np.float32), "float32", requires_grad=True),
    }
    path = tmp_path / "rt.pt"
    sf.write_zip(path, obj, to_array=to_array)
    got = load(path)

    assert type(got) is dict and list(got) == list(obj)
    for name, arr in arrays.items():
        assert_loaded(got["tensors"][name], arr, name)
    assert type(got["ordered"]) is OrderedDict and list(got["ordered"]) == ["z", "a"]
    assert_loaded(got["ordered"]["a"][0], np.zeros(2, np.float32), "float32")
    assert got["nested"] == [1, 2.5, "text", None, True, False, (3, ("deep", [4, -5])), []]
    assert type(got["nested"][6]) is tuple and type(got["nested"][6][1][1]) is list
    assert_loaded(got["scalar_tensor"], np.array(7), "int64")
    assert_loaded(got["empty"], np.zeros((2, 0, 3), np.float32), "float32")
    assert_loaded(got["transposed"], obj["transposed"], "float32")
    assert_loaded(got["big_endian"], np.array([1.0, 2.0], np.float32), "float32")
    assert got["unicode ключ"] == "значение" and got["big_int"] == 2**80
    assert_loaded(got["flags"], np.ones(2, np.float32), "float32", requires_grad=True)


def test_zip_layout_mirrors_torch(tmp_path: Path) -> None:
    path = tmp_path / "layout.pt"
    # Payload sizes chosen so that some headers land on "pad 0" / "pad 1" positions.
    obj = [np.zeros(n, dtype=np.uint8) for n in (0, 1, 5, 6, 7, 64, 100)]
    sf.write_zip(path, obj, to_array=to_array, archive_name="layout")
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # all CRCs correct
        names = zf.namelist()
        assert names == [
            "layout/data.pkl", "layout/.format_version", "layout/.storage_alignment",
            "layout/byteorder", *[f"layout/data/{i}" for i in range(7)], "layout/version",
            "layout/.data/serialization_id",
        ]
        assert zf.read("layout/version") == b"3\n"
        assert zf.read("layout/byteorder") == b"little"
        assert zf.read("layout/.format_version") == b"1"
        assert zf.read("layout/.storage_alignment") == b"64"
        sid = zf.read("layout/.data/serialization_id")
        assert len(sid) == 40 and sid.isdigit()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
    offsets = local_header_data_offsets(raw)
    assert all(off % 64 == 0 for off in offsets.values()), offsets
    # miniz layout: next local header = payload end + 16-byte data descriptor (none if
    # the payload is empty), which torch's offset arithmetic depends on.
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        for cur, nxt in zip(infos, infos[1:]):
            expected = offsets[cur.filename] + cur.file_size + (16 if cur.file_size else 0)
            assert nxt.header_offset == expected, cur.filename
    assert raw[:4] == b"PK\x03\x04"
    assert [x.array.size for x in load(path)] == [0, 1, 5, 6, 7, 64, 100]


def test_shared_leaf_is_one_storage_and_one_object(tmp_path: Path) -> None:
    a = np.arange(3, dtype=np.float32)
    path = tmp_path / "shared.pt"
    sf.write_zip(path, {"x": a, "y": [a], "z": np.ones(1, np.float32)}, to_array=to_array)
    with zipfile.ZipFile(path) as zf:
        assert sorted(n for n in zf.namelist() if "/data/" in n) == ["archive/data/0",
                                                                     "archive/data/1"]
    got = load(path)
    assert got["x"] is got["y"][0]


def test_file_objects_and_streams() -> None:
    obj = {"w": np.arange(4, dtype=np.int16), "s": "x"}
    buf = io.BytesIO(b"junk-prefix")
    buf.seek(0, io.SEEK_END)

    class WriteOnly(io.RawIOBase):  # non-seekable sink that accepts 3 bytes per call
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            chunk = bytes(memoryview(b)[:3])
            self.data += chunk
            return len(chunk)

    sink = WriteOnly()
    sf.write_zip(sink, obj, to_array=to_array)
    sf.write_zip(buf, obj, to_array=to_array)
    # Same layout either way (only the random serialization id differs).
    assert len(sink.data) == len(buf.getvalue()) - len(b"junk-prefix")
    got = load(io.BytesIO(bytes(sink.data)))
    assert_loaded(got["w"], np.arange(4), "int16")
    buf.seek(len(b"junk-prefix"))  # an archive that starts after other data
    assert_loaded(load(buf)["w"], np.arange(4), "int16")

    class ReadOnly(io.RawIOBase):  # non-seekable source
        def __init__(self, data: bytes) -> None:
            self._src = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            return self._src.readinto(b)

    assert load(ReadOnly(bytes(sink.data)))["s"] == "x"


def test_from_array_with_three_parameters(tmp_path: Path) -> None:
    path = tmp_path / "p.pt"
    sf.write_zip(path, [Leaf(np.ones(2, np.float32), "float32", True, True)],
                 to_array=to_array)
    calls = []
    got = sf.read_zip(path, from_array=lambda a, d, g: calls.append((d, g)) or "T")
    assert got == ["T"] and calls == [("float32", True)]
    got4 = load(path)
    assert_loaded(got4[0], np.ones(2, np.float32), "float32", requires_grad=True,
                  is_parameter=True)


def test_writer_rejects_unsupported_objects(tmp_path: Path) -> None:
    path = tmp_path / "bad.pt"
    with pytest.raises(TypeError, match=r"builtins\.set at obj\['a'\]\[1\]"):
        sf.write_zip(path, {"a": [1, {2}]}, to_array=to_array)
    with pytest.raises(ValueError, match="float64 array for torch dtype 'float32'"):
        sf.write_zip(path, Leaf(np.zeros(2), "float32"), to_array=to_array)
    with pytest.raises(ValueError, match="unsupported dtype 'qint8'"):
        sf.write_zip(path, Leaf(np.zeros(2, np.int8), "qint8"), to_array=to_array)
    with pytest.raises(ValueError, match="archive_name"):
        sf.write_zip(path, 1, to_array=to_array, archive_name="a/b")
    assert not path.exists()
    missing_dir = tmp_path / "no_such_dir" / "x.pt"
    with pytest.raises(FileNotFoundError) as exc:
        sf.write_zip(missing_dir, 1, to_array=to_array)
    assert exc.value.filename == str(missing_dir)


def test_big_endian_checkpoint(tmp_path: Path) -> None:
    arrays = sample_arrays()
    little = tmp_path / "little.pt"
    sf.write_zip(little, arrays, to_array=to_array)
    # Rewrite as a big-endian machine's torch.save would: byteorder "big" and every
    # element (each component, for complex) byte-swapped.
    replace = {"archive/byteorder": b"big"}
    for key, arr in enumerate(arrays.values()):
        unit = arr.dtype.itemsize // (2 if arr.dtype.kind == "c" else 1)
        raw = np.frombuffer(arr.tobytes(), np.uint8).reshape(-1, unit)[:, ::-1]
        replace[f"archive/data/{key}"] = raw.tobytes()
    big = tmp_path / "big.pt"
    rezip(little, big, replace)
    got = load(big)
    for name, arr in arrays.items():
        assert_loaded(got[name], arr, name)


# --------------------------------------------------------------------------------------
# safety and error reporting (no torch)
# --------------------------------------------------------------------------------------


def test_forbidden_global_raises_unpickling_error(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    evil = b"\x80\x02cos\nsystem\n" + _x("echo pwned") + b"\x85R."
    make_zip(path, {"evil/data.pkl": evil, "evil/version": b"3\n"})
    with pytest.raises(pickle.UnpicklingError, match=r"'os\.system'") as exc:
        load(path)
    assert isinstance(exc.value, sf.ForbiddenGlobalError)
    assert str(path) in str(exc.value)


def test_build_cannot_tamper_with_allowlisted_globals(tmp_path: Path) -> None:
    path = tmp_path / "tamper.pt"
    vals = np.arange(4, dtype=np.float32)
    float_checkpoint(path, tensor_pickle((4,), (1,), 0, 4, build_attack=True), vals)
    with pytest.raises(RuntimeError, match="data.pkl is corrupt"):
        load(path)
    ok = tmp_path / "ok.pt"  # the loader is unaffected afterwards
    float_checkpoint(ok, tensor_pickle((2, 2), (1, 2), 0, 4), vals)
    assert_loaded(load(ok), vals.reshape(2, 2).T, "float32")


@pytest.mark.parametrize(
    ("size", "stride", "offset", "numel", "message"),
    [
        ((3, 3), (3, 1), 0, 4, "reads past the end"),
        ((2,), (1,), 3, 4, "reads past the end"),
        ((2,), (-1,), 1, 4, "negative"),
        ((2,), (1,), 0, 9, "pickle declares 36"),
    ],
)
def test_malformed_tensor_metadata(tmp_path: Path, size: tuple[int, ...],
                                   stride: tuple[int, ...], offset: int, numel: int,
                                   message: str) -> None:
    path = tmp_path / "bad_meta.pt"
    float_checkpoint(path, tensor_pickle(size, stride, offset, numel),
                     np.arange(4, dtype=np.float32))
    with pytest.raises(RuntimeError, match=message) as exc:
        load(path)
    assert str(path) in str(exc.value)


def test_storage_offset_and_zero_stride(tmp_path: Path) -> None:
    path = tmp_path / "views.pt"
    vals = np.arange(6, dtype=np.float32)
    float_checkpoint(path, tensor_pickle((2, 3), (0, 1), 2, 6), vals)
    assert_loaded(load(path), np.array([[2, 3, 4], [2, 3, 4]], np.float32), "float32")


def _good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.pt"
    sf.write_zip(path, {"w": np.arange(100, dtype=np.float32)}, to_array=to_array)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda raw: raw[: len(raw) // 2], "truncated or corrupt"),
        (lambda raw: raw[:-30], "truncated or corrupt"),
        (lambda raw: b"", "file is empty"),
        (lambda raw: os.urandom(64).replace(b"PK", b"QQ"), "not a PyTorch zip checkpoint"),
        (lambda raw: b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.",
         "legacy pickle format"),
        (lambda raw: pickle.dumps({"a": 1}, protocol=2), "plain pickle"),
    ],
    ids=["half", "no-end-record", "empty", "random", "legacy", "pickle"],
)
def test_bad_files_raise_runtime_error_naming_the_file(tmp_path: Path, make: Any,
                                                      message: str) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(make(_good_file(tmp_path).read_bytes()))
    with pytest.raises(RuntimeError, match=message) as exc:
        load(bad)
    assert f"cannot load {str(bad)!r}" in str(exc.value)


def test_corrupt_payload_and_foreign_zips(tmp_path: Path) -> None:
    good = _good_file(tmp_path)
    raw = bytearray(good.read_bytes())
    offset = local_header_data_offsets(bytes(raw))["archive/data/0"]
    raw[offset + 10] ^= 0xFF
    flipped = tmp_path / "flipped.pt"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="CRC"):
        load(flipped)

    script = tmp_path / "script.pt"
    make_zip(script, {"m/data.pkl": b"", "m/constants.pkl": b"", "m/code/x.py": b""})
    with pytest.raises(RuntimeError, match="TorchScript"):
        load(script)
    other = tmp_path / "other.zip"
    make_zip(other, {"readme.txt": b"hi"})
    with pytest.raises(RuntimeError, match="no records inside a folder"):
        load(other)
    with pytest.raises(RuntimeError, match=r"<BytesIO object>: .*data.pkl"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("a/version", b"3\n")
        load(io.BytesIO(buf.getvalue()))
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")


def test_zip64_records_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Exercise the >4 GiB code paths on small data by lowering the threshold.
    monkeypatch.setattr(sf, "_ZIP64_LIMIT", 100)
    obj = {"a": np.arange(50, dtype=np.float32), "b": np.arange(3, dtype=np.int8)}
    path = tmp_path / "z64.pt"
    sf.write_zip(path, obj, to_array=to_array)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
    offsets = local_header_data_offsets(path.read_bytes())
    assert all(off % 64 == 0 for off in offsets.values())
    got = load(path)
    assert_loaded(got["a"], obj["a"], "float32")
    assert_loaded(got["b"], obj["b"], "int8")


# --------------------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------------------


def test_failed_write_keeps_previous_file(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.pt"
    sf.write_zip(path, {"v": np.arange(3, dtype=np.int32)}, to_array=to_array)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    def exploding_to_array(x: Any) -> Any:
        if isinstance(x, np.ndarray) and x.dtype == np.float64:
            raise Boom("to_array failed")
        return to_array(x)

    with pytest.raises(Boom):
        sf.write_zip(path, {"a": np.zeros(2, np.int32), "b": np.zeros(2)},
                     to_array=exploding_to_array)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]

    # Failure after the temporary file has been partly written.
    real_add = sf._ZipWriter.add
    seen_tmp: list[str] = []

    def failing_add(self: Any, name: str, payload: Any) -> None:
        if name.endswith("/data/1"):
            seen_tmp.extend(n for n in os.listdir(tmp_path) if n.endswith(".tmp"))
            raise Boom("disk full")
        real_add(self, name, payload)

    monkeypatch.setattr(sf._ZipWriter, "add", failing_add)
    with pytest.raises(Boom):
        sf.write_zip(path, [np.zeros(10), np.ones(10)], to_array=to_array)
    assert seen_tmp and seen_tmp[0].startswith(".model.pt.")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]


def test_successful_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    sf.write_zip(str(path), [np.ones(2, np.float32)], to_array=to_array)
    assert sorted(os.listdir(tmp_path)) == ["m.pt"]
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o640
    assert_loaded(load(path)[0], np.ones(2, np.float32), "float32")


# --------------------------------------------------------------------------------------
# interoperability with real torch
# --------------------------------------------------------------------------------------


def test_torch_loads_our_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.serialization import config

    arrays = sample_arrays()
    obj = {
        "tensors": arrays,
        "od": OrderedDict([("p", Leaf(np.ones((2, 2), np.float32), "float32", True, True)),
                           ("frozen", Leaf(np.zeros(1, np.float32), "float32", False, True)),
                           ("rg", Leaf(np.ones(3), "float64", requires_grad=True))]),
        "misc": [1, 2.5, "s", None, True, (np.array(3, dtype=np.int64),)],
        "empty": np.zeros((0, 4), dtype=np.float32),
        # Many record sizes, so that local headers hit every padding residue (0 and 1
        # included) on the way to torch's offset arithmetic below.
        "sizes": [np.full(n, n, dtype=np.uint8) for n in range(70)],
    }
    path = tmp_path / "ours.pt"
    sf.write_zip(path, obj, to_array=to_array, archive_name="custom_name")

    def check(t: Any) -> None:
        for name, arr in arrays.items():
            tensor = t["tensors"][name]
            assert tensor.dtype == getattr(torch, name), name
            assert tuple(tensor.shape) == arr.shape
            expected = arr.astype(np.float32) if name in ("bfloat16", "float8_e4m3fn") else arr
            got = tensor.float() if name in ("bfloat16", "float8_e4m3fn") else tensor
            np.testing.assert_array_equal(got.numpy(), expected)
        assert type(t["od"]) is OrderedDict
        p = t["od"]["p"]
        assert isinstance(p, torch.nn.Parameter) and p.requires_grad
        frozen = t["od"]["frozen"]
        assert isinstance(frozen, torch.nn.Parameter) and not frozen.requires_grad
        rg = t["od"]["rg"]
        assert not isinstance(rg, torch.nn.Parameter) and rg.requires_grad
        assert rg.dtype == torch.float64
        assert t["misc"][:5] == [1, 2.5, "s", None, True]
        assert t["misc"][5][0].item() == 3 and t["misc"][5][0].shape == ()
        assert t["empty"].shape == (0, 4)
        assert [x.tolist() for x in t["sizes"]] == [[n] * n for n in range(70)]

    check(torch.load(path, weights_only=True))
    # mmap loading with storage offsets computed from the miniz layout (no header reads),
    # cross-checked by torch's debug assert against the real record offsets.
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")
    with _torch_config(config.load, "calculate_storage_offsets", True):
        check(torch.load(path, weights_only=True, mmap=True))
    torch.load(path, weights_only=True, map_location="meta")


def test_torch_loads_zip64_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(sf, "_ZIP64_LIMIT", 100)
    path = tmp_path / "z64.pt"
    sf.write_zip(path, {"a": np.arange(50, dtype=np.float32)}, to_array=to_array)
    t = torch.load(path, weights_only=True)
    np.testing.assert_array_equal(t["a"].numpy(), np.arange(50, dtype=np.float32))


def test_read_files_saved_by_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.Linear(4, 2, bias=False))
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {
        "state": model.state_dict(),
        "transposed": base.t(),
        "strided": base[:, ::2],
        "offset_slice": base[2:],
        "shared_a": base,
        "shared_b": base.view(-1)[5:11],
        "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),
        "bf16": torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16),
        "half": torch.tensor([0.5], dtype=torch.float16),
        "u16": torch.tensor([1, 65535], dtype=torch.uint16),
        "param": torch.nn.Parameter(torch.ones(2)),
        "needs_grad": torch.ones(2, dtype=torch.float64, requires_grad=True),
        "scalar": torch.tensor(3),
        "cplx": torch.tensor([1 + 2j], dtype=torch.complex64),
        "bools": torch.tensor([True, False]),
        "meta": {"epoch": 3, "name": "run", "dtype": torch.float16, "shape": torch.Size([2])},
        "aliased": None,
    }
    obj["aliased"] = [obj["param"], obj["param"]]
    path = tmp_path / "from_torch.pt"
    torch.save(obj, path)
    with zipfile.ZipFile(path) as zf:
        # 8 state_dict storages + 10 others: the five views of `base` share one storage.
        assert sum("/data/" in n for n in zf.namelist()) == 18

    got = load(path)
    state = got["state"]
    assert type(state) is OrderedDict and list(state) == list(model.state_dict())
    assert state._metadata == model.state_dict()._metadata
    for name, tensor in model.state_dict().items():
        assert_loaded(state[name], tensor.numpy(), str(tensor.dtype).removeprefix("torch."))
    assert state["1.num_batches_tracked"].array.shape == ()

    for name in ("transposed", "strided", "offset_slice", "shared_a", "shared_b",
                 "expanded", "half", "cplx"):
        t = obj[name]
        assert_loaded(got[name], t.numpy(), str(t.dtype).removeprefix("torch."))
    assert_loaded(got["bf16"], obj["bf16"].float().numpy(), "bfloat16")
    assert_loaded(got["u16"], np.array([1, 65535], np.uint16), "uint16")
    assert_loaded(got["bools"], np.array([True, False]), "bool")
    assert_loaded(got["scalar"], np.array(3), "int64")
    assert_loaded(got["param"], np.ones(2, np.float32), "float32", requires_grad=True,
                  is_parameter=True)
    assert_loaded(got["needs_grad"], np.ones(2), "float64", requires_grad=True)
    assert got["meta"] == {"epoch": 3, "name": "run", "dtype": sf.TorchDtype("float16"),
                           "shape": (2,)}
    assert got["aliased"][0] is got["aliased"][1] is got["param"]
    # Copies are independent even though torch shared one storage.
    got["shared_a"].array[1, 0] = -1
    assert got["shared_b"].array[1] == 6  # element 6 of base, i.e. base[1, 0]


@contextlib.contextmanager
def _torch_config(section, name: str, value):
    # torch's serialization config resolves names in __getattr__; pytest's monkeypatch (9.2)
    # does not restore such attributes correctly, so set and restore them by hand.
    old = getattr(section, name)
    setattr(section, name, value)
    try:
        yield
    finally:
        setattr(section, name, old)


def test_read_torch_file_without_crc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.serialization import config

    path = tmp_path / "nocrc.pt"
    with _torch_config(config.save, "compute_crc32", False):
        torch.save({"a": torch.arange(5)}, path)
    assert_loaded(load(path)["a"], np.arange(5), "int64")


def test_torch_pickled_foreign_objects_are_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    import fractions

    path = tmp_path / "foreign.pt"
    torch.save({"w": torch.ones(1), "f": fractions.Fraction(1, 3)}, path)
    with pytest.raises(pickle.UnpicklingError, match=r"'fractions\.Fraction'.*malicious"):
        load(path)
    sparse = tmp_path / "sparse.pt"
    torch.save({"s": torch.eye(2).to_sparse()}, sparse)
    with pytest.raises(sf.ForbiddenGlobalError, match="_rebuild_sparse_tensor.*dense tensors"):
        load(sparse)
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(1)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy pickle format") as exc:
        load(legacy)
    assert str(legacy) in str(exc.value)


def test_big_endian_file_agrees_with_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    little = tmp_path / "l.pt"
    values = np.array([1.0, -2.5, 3.25], dtype=np.float32)
    sf.write_zip(little, {"v": values}, to_array=to_array)
    big = tmp_path / "b.pt"
    rezip(little, big, {"archive/byteorder": b"big",
                        "archive/data/0": values.astype(">f4").tobytes()})
    np.testing.assert_array_equal(torch.load(big, weights_only=True)["v"].numpy(), values)
    assert_loaded(load(big)["v"], values, "float32")
