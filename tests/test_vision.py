"""vision: the IDX reader, MNIST / FashionMNIST (tiny files written here, and the real data
when PYTORCH_LIKE_MNIST_DIR / PYTORCH_LIKE_FASHION_MNIST_DIR are set), download paths."""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import types

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.utils.data import DataLoader, default_collate
from pytorch_like.vision import datasets, transforms
from pytorch_like.vision._idx import IDXError, read_idx, write_idx

N_TRAIN, N_TEST = 23, 7
NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


def _header(code: int, dims) -> bytes:
    return bytes([0, 0, code, len(dims)]) + b"".join(int(d).to_bytes(4, "big") for d in dims)


def _fake_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, N_TRAIN).astype(np.uint8),
            rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, N_TEST).astype(np.uint8))


def _write_set(folder, gz=True, dotted=False, seed=0):
    os.makedirs(folder, exist_ok=True)
    arrays = _fake_arrays(seed)
    for name, arr in zip(NAMES, arrays):
        if dotted:
            name = name.replace("-idx", ".idx")
        raw = _header(0x08, arr.shape) + arr.tobytes()
        path = os.path.join(folder, name + (".gz" if gz else ""))
        with open(path, "wb") as f:
            f.write(gzip.compress(raw) if gz else raw)
    return arrays


# ------------------------------------------------------------------------------ IDX ----

def test_read_idx_raw_and_gzip(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = _header(0x08, arr.shape) + arr.tobytes()
    (tmp_path / "a").write_bytes(raw)
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    for name in ("a", "a.gz"):
        got = read_idx(tmp_path / name, expected_ndim=3)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arr)


def test_read_idx_big_endian_types(tmp_path):
    for code, dt in ((0x0B, ">i2"), (0x0C, ">i4"), (0x0D, ">f4"), (0x0E, ">f8"), (0x09, "i1")):
        arr = np.array([[1, -2, 3], [4, 5, -6]], dtype=dt)
        p = tmp_path / f"t{code}"
        p.write_bytes(_header(code, arr.shape) + arr.tobytes())
        got = read_idx(p)
        assert got.dtype.isnative and got.dtype == np.dtype(dt).newbyteorder("=")
        np.testing.assert_array_equal(got, arr)


def test_write_idx_roundtrip(tmp_path):
    for arr in (np.arange(6, dtype=np.uint8).reshape(2, 3), np.linspace(0, 1, 5),
                np.array([-1, 7], dtype=np.int32)):
        for name in ("x", "x.gz"):
            write_idx(tmp_path / name, arr)
            np.testing.assert_array_equal(read_idx(tmp_path / name), arr)
    assert (tmp_path / "x.gz").read_bytes()[:2] == b"\x1f\x8b"
    with pytest.raises(TypeError, match="cannot hold"):
        write_idx(tmp_path / "y", np.zeros(2, np.uint64))


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_errors_name_file_and_problem(tmp_path, gz):
    arr = np.zeros((3, 28, 28), np.uint8)
    good = _header(0x08, arr.shape) + arr.tobytes()
    cases = {
        "magic": (b"\x12\x34\x08\x03" + good[4:], r"bad magic number 305399811 \(0x12340803\)"),
        "code": (b"\x00\x00\x07\x03" + good[4:], "bad magic number 1795"),
        "dims": (_header(0x08, (3,)) + bytes(3), r"wrong dims: expected 3 dimension\(s\) "
                                                  r"\(magic 2051\), got 1 \(magic 2049\)"),
        "short_data": (good[:-100], r"truncated: expected 2352 bytes of data for shape "
                                    r"\(3, 28, 28\), got 2252"),
        "short_header": (good[:10], "truncated: the header of a 3-dimensional IDX file has 16 "
                                    "bytes, got 10"),
        "tiny": (b"\x00\x00", "truncated: the IDX header needs at least 4 bytes, got 2"),
        "trailing": (good + b"xyz", "3 unexpected bytes after the data"),
    }
    for name, (content, message) in cases.items():
        p = tmp_path / (name + (".gz" if gz else ""))
        p.write_bytes(gzip.compress(content) if gz else content)
        with pytest.raises(IDXError, match=message) as info:
            read_idx(p, expected_ndim=3)
        assert str(p) in str(info.value)
        assert isinstance(info.value, RuntimeError)


def test_read_idx_broken_gzip(tmp_path):
    arr = np.zeros((3, 28, 28), np.uint8)
    packed = gzip.compress(_header(0x08, arr.shape) + arr.tobytes())
    p = tmp_path / "cut.gz"
    p.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXError, match="truncated gzip stream") as info:
        read_idx(p)
    assert str(p) in str(info.value)
    q = tmp_path / "bad.gz"
    q.write_bytes(packed[:10] + bytes(len(packed) - 10))
    with pytest.raises(IDXError, match="corrupt gzip data") as info:
        read_idx(q)
    assert str(q) in str(info.value)


# ---------------------------------------------------------------------------- MNIST ----

@pytest.mark.parametrize("layout", ["torchvision_gz", "torchvision_raw", "plain_gz",
                                    "plain_dotted_raw"])
def test_mnist_layouts(tmp_path, layout):
    if layout.startswith("torchvision"):
        arrays = _write_set(tmp_path / "MNIST" / "raw", gz=layout.endswith("gz"))
    else:
        arrays = _write_set(tmp_path, gz=layout.endswith("gz"), dotted="dotted" in layout)
    train = datasets.MNIST(tmp_path, train=True)
    test = datasets.MNIST(str(tmp_path), train=False)
    assert len(train) == N_TRAIN and len(test) == N_TEST
    assert train.data.dtype == pl.uint8 and tuple(train.data.shape) == (N_TRAIN, 28, 28)
    assert train.targets.dtype == pl.int64
    np.testing.assert_array_equal(np.asarray(train.data), arrays[0])
    np.testing.assert_array_equal(np.asarray(train.targets), arrays[1])
    np.testing.assert_array_equal(np.asarray(test.data), arrays[2])
    img, target = train[3]
    assert isinstance(img, pl.Tensor) and img.dtype == pl.uint8 and tuple(img.shape) == (28, 28)
    assert type(target) is int and target == int(arrays[1][3])
    assert train.class_to_idx["3 - three"] == 3
    assert train.raw_folder == os.path.join(str(tmp_path), "MNIST", "raw")
    assert "Split: Train" in repr(train) and "Number of datapoints: 23" in repr(train)


def test_mnist_missing_and_mismatched(tmp_path):
    with pytest.raises(RuntimeError, match="^Dataset not found. You can use download=True to "
                                           "download it$"):
        datasets.MNIST(tmp_path)
    _write_set(tmp_path)
    lab = np.zeros(5, np.uint8)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(_header(0x08, lab.shape) + lab.tobytes()))
    with pytest.raises(IDXError, match=f"holds 5 labels but .* holds {N_TRAIN} images"):
        datasets.MNIST(tmp_path)
    # a corrupt file is reported by name when loading a dataset
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03"))
    with pytest.raises(IDXError, match="t10k-images-idx3-ubyte.gz: truncated"):
        datasets.MNIST(tmp_path, train=False)


def test_mnist_transforms_and_repr(tmp_path):
    arrays = _write_set(tmp_path)
    seen = []

    def spy(img):
        seen.append((type(img), img.dtype, img.shape))
        return img

    ds = datasets.MNIST(tmp_path, transform=transforms.Compose([transforms.Lambda(spy),
                                                                transforms.ToTensor()]),
                        target_transform=lambda t: t + 100)
    img, t = ds[0]
    assert seen == [(np.ndarray, np.uint8, (28, 28))]
    assert img.dtype == pl.float32 and tuple(img.shape) == (1, 28, 28)
    np.testing.assert_allclose(np.asarray(img)[0], arrays[0][0] / 255.0, rtol=1e-6)
    assert t == int(arrays[1][0]) + 100
    assert "Transform: Compose(" in repr(ds) and "Target transform:" in repr(ds)


NORM = transforms.Normalize((0.1307,), (0.3081,))


@pytest.mark.parametrize("name", ["none", "totensor_normalize", "with_lambda", "pil_to_tensor",
                                  "convert_dtype", "resize", "center_crop"])
def test_mnist_batched_transforms_equal_per_sample(tmp_path, name):
    _write_set(tmp_path)
    tf = {
        "none": None,
        "totensor_normalize": transforms.Compose([transforms.ToTensor(), NORM]),
        "with_lambda": transforms.Compose([transforms.ToTensor(),
                                           transforms.Lambda(lambda x: x * 2), NORM]),
        "pil_to_tensor": transforms.PILToTensor(),
        "convert_dtype": transforms.Compose([transforms.PILToTensor(),
                                             transforms.ConvertImageDtype(pl.float32), NORM]),
        "resize": transforms.Compose([transforms.Resize(14), transforms.ToTensor()]),
        "center_crop": transforms.Compose([transforms.ToTensor(), transforms.CenterCrop(20)]),
    }[name]
    ds = datasets.MNIST(tmp_path, transform=tf, target_transform=None if name != "with_lambda"
                        else (lambda t: float(t)))
    g = pl.Generator
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=g().manual_seed(1)))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=g().manual_seed(1),
                           collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 5
    for (xf, yf), (xs, ys) in zip(fast, slow):
        assert xf.dtype == xs.dtype and xf.shape == xs.shape and yf.dtype == ys.dtype
        np.testing.assert_array_equal(np.asarray(xf), np.asarray(xs))
        np.testing.assert_array_equal(np.asarray(yf), np.asarray(ys))


def test_mnist_fast_path_skips_getitem(tmp_path, monkeypatch):
    _write_set(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=transforms.Compose([transforms.ToTensor(), NORM]))
    monkeypatch.setattr(datasets.MNIST, "__getitem__",
                        lambda self, i: pytest.fail("per-sample path used"))
    x, y = next(iter(DataLoader(ds, batch_size=8)))
    assert tuple(x.shape) == (8, 1, 28, 28) and x.dtype == pl.float32 and y.dtype == pl.int64


def test_mnist_follows_replaced_data(tmp_path):
    _write_set(tmp_path)
    ds = datasets.MNIST(tmp_path)
    next(iter(DataLoader(ds, batch_size=4)))
    ds.data = ds.data[:6]
    ds.targets = ds.targets[:6]
    batches = list(DataLoader(ds, batch_size=4))
    assert len(ds) == 6 and [len(b[1]) for b in batches] == [4, 2]


def test_random_augmentation_in_loader_is_reproducible(tmp_path):
    _write_set(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=transforms.Compose([
        transforms.RandomCrop(28, padding=3), transforms.RandomRotation(15),
        transforms.ToTensor()]))

    def run(seed, **kw):
        g = pl.Generator().manual_seed(seed)
        return np.concatenate([np.asarray(x) for x, _ in
                               DataLoader(ds, batch_size=6, shuffle=True, generator=g, **kw)])

    a = run(0)
    np.testing.assert_array_equal(a, run(0))
    np.testing.assert_array_equal(a, run(0, num_workers=2))  # same batches in any thread
    assert not np.array_equal(a, run(1))


# ------------------------------------------------------------------------- download ----

def _gz_set(folder, seed=3):
    """Write the four .gz files and return (arrays, md5 per file)."""
    arrays = _write_set(folder, gz=True, seed=seed)
    md5s = {}
    for name in NAMES:
        with open(os.path.join(folder, name + ".gz"), "rb") as f:
            md5s[name + ".gz"] = hashlib.md5(f.read()).hexdigest()
    return arrays, md5s


def _mirror_class(base, mirror_dir, md5s, mirrors=None):
    return type("Mirrored" + base.__name__, (base,), {
        "mirrors": mirrors or [f"file://{mirror_dir}/"],
        "resources": [(n + ".gz", md5s[n + ".gz"]) for n in NAMES],
    })


@pytest.fixture
def no_tfds(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)


def test_download_from_mirror_checks_md5_and_extracts(tmp_path, no_tfds):
    arrays, md5s = _gz_set(tmp_path / "mirror")
    cls = _mirror_class(datasets.MNIST, tmp_path / "mirror", md5s)
    root = tmp_path / "root"
    ds = cls(root, train=False, download=True)
    np.testing.assert_array_equal(np.asarray(ds.data), arrays[2])
    raw = root / cls.__name__ / "raw"
    assert (raw / "t10k-images-idx3-ubyte").is_file()
    assert (raw / "t10k-images-idx3-ubyte.gz").is_file()
    again = cls(root, train=True, download=True)  # already there: nothing fetched
    np.testing.assert_array_equal(np.asarray(again.targets), arrays[1])


def test_download_tries_next_mirror_on_bad_checksum(tmp_path, no_tfds):
    arrays, md5s = _gz_set(tmp_path / "good")
    _gz_set(tmp_path / "bad", seed=9)
    cls = _mirror_class(datasets.MNIST, None, md5s,
                        mirrors=[f"file://{tmp_path / 'bad'}/", f"file://{tmp_path / 'good'}/"])
    ds = cls(tmp_path / "root", download=True)
    np.testing.assert_array_equal(np.asarray(ds.data), arrays[0])


def test_download_offline_fails_clearly(tmp_path, no_tfds):
    _, md5s = _gz_set(tmp_path / "mirror")
    cls = _mirror_class(datasets.MNIST, None, md5s, mirrors=["http://127.0.0.1:9/mnist/"])
    with pytest.raises(RuntimeError, match="Error downloading train-images-idx3-ubyte.gz: no "
                                           "mirror could be reached.*are you offline") as info:
        cls(tmp_path / "root", download=True)
    assert "127.0.0.1:9" in str(info.value)
    bad = _mirror_class(datasets.MNIST, None, {k: "0" * 32 for k in md5s},
                        mirrors=[f"file://{tmp_path / 'mirror'}/"])
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        bad(tmp_path / "root2", download=True)
    assert not any(p.name.startswith(".download-") for p in (tmp_path / "root2").rglob("*"))


def test_download_through_tensorflow_datasets(tmp_path, monkeypatch):
    arrays = _fake_arrays(5)
    calls = []

    class Source:
        def __init__(self, images, labels):
            self.images, self.labels = images, labels

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            return {"image": self.images[i][..., None], "label": np.int64(self.labels[i])}

    def data_source(name, split, data_dir):
        calls.append((name, split, data_dir))
        return Source(arrays[0], arrays[1]) if split == "train" else Source(arrays[2], arrays[3])

    monkeypatch.setitem(sys.modules, "tensorflow_datasets",
                        types.SimpleNamespace(data_source=data_source))
    ds = datasets.FashionMNIST(tmp_path, train=True, download=True)
    np.testing.assert_array_equal(np.asarray(ds.data), arrays[0])
    np.testing.assert_array_equal(np.asarray(ds.targets), arrays[1])
    assert [c[:2] for c in calls] == [("fashion_mnist", "train"), ("fashion_mnist", "test")]
    test = datasets.FashionMNIST(tmp_path, train=False)
    np.testing.assert_array_equal(np.asarray(test.targets), arrays[3])


# ------------------------------------------------------------------------ real data ----

def _real(env):
    path = os.environ.get(env)
    if not path:
        pytest.skip(f"{env} is not set")
    return path


def test_real_mnist():
    root = _real("PYTORCH_LIKE_MNIST_DIR")
    train, test = datasets.MNIST(root, train=True), datasets.MNIST(root, train=False)
    assert tuple(train.data.shape) == (60000, 28, 28) and tuple(test.data.shape) == (10000, 28, 28)
    assert train.data.dtype == pl.uint8 and train.targets.dtype == pl.int64
    assert np.asarray(train.targets[:10]).tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.asarray(test.targets[:10]).tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    d = np.asarray(train.data)
    assert int(d.astype(np.int64).sum()) == 1567298545
    assert abs(d.mean() / 255 - 0.1307) < 1e-4 and abs(d.std() / 255 - 0.3081) < 1e-4
    assert np.bincount(np.asarray(train.targets)).tolist() == \
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    loader = DataLoader(datasets.MNIST(root, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), NORM])), batch_size=1000)
    total = 0
    for x, y in loader:
        assert x.dtype == pl.float32 and tuple(x.shape[1:]) == (1, 28, 28)
        total += len(y)
    assert total == 10000
    assert abs(float(np.asarray(x).mean())) < 0.2


def test_real_fashion_mnist():
    root = _real("PYTORCH_LIKE_FASHION_MNIST_DIR")
    train, test = datasets.FashionMNIST(root), datasets.FashionMNIST(root, train=False)
    assert tuple(train.data.shape) == (60000, 28, 28) and len(test) == 10000
    assert np.asarray(train.targets[:10]).tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.asarray(test.targets[:10]).tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert np.bincount(np.asarray(train.targets)).tolist() == [6000] * 10
    assert abs(np.asarray(train.data).mean() / 255 - 0.2860) < 1e-4
    assert train.classes[9] == "Ankle boot"


@pytest.mark.slow
def test_real_mnist_epoch_uses_fast_path(monkeypatch):
    import time

    root = _real("PYTORCH_LIKE_MNIST_DIR")
    ds = datasets.MNIST(root, transform=transforms.Compose([transforms.ToTensor(), NORM]))
    monkeypatch.setattr(datasets.MNIST, "__getitem__",
                        lambda self, i: pytest.fail("per-sample path used"))
    start = time.perf_counter()
    seen = np.zeros(10, np.int64)
    for _x, y in DataLoader(ds, batch_size=64, shuffle=True):
        seen += np.bincount(np.asarray(y), minlength=10)
    elapsed = time.perf_counter() - start
    assert seen.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    # ~0.5-1.5 s on a loaded 2-core machine; the per-sample path takes ~40 s
    assert elapsed < 15, elapsed
