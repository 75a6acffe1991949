"""vision: CIFAR10 / CIFAR100 on small fake folders written here in the official pickle
format (str keys, as ``pickle.load(f, encoding="latin1")`` returns for the real files),
and the download paths (tarball, tensorflow-datasets) without the network."""

from __future__ import annotations

import io
import os
import pickle
import re
import shutil
import sys
import tarfile
import types
import urllib.error

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.utils.data import DataLoader, default_collate
from pytorch_like.vision import datasets, transforms

CLASSES10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck"]
PER_BATCH, N_TEST = 3, 4
NOT_FOUND = "Dataset not found or corrupted. You can use download=True to download it"


def _rows(rng, n):
    return rng.integers(0, 256, (n, 3072), dtype=np.uint8)


def _dump(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def _write_cifar10(root, seed=0):
    """Write root/cifar-10-batches-py/ and return (train rows, train labels, test rows,
    test labels) as written."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {"train": ([], []), "test": ([], [])}
    names = [(f"data_batch_{k}", "train") for k in range(1, 6)] + [("test_batch", "test")]
    for k, (name, split) in enumerate(names):
        n = PER_BATCH if split == "train" else N_TEST
        rows = _rows(rng, n)
        labels = [int(x) for x in rng.integers(0, 10, n)]
        _dump(os.path.join(folder, name), {
            "batch_label": f"batch {k}", "labels": labels, "data": rows,
            "filenames": [f"img_{k}_{i}.png" for i in range(n)]})
        out[split][0].append(rows)
        out[split][1].extend(labels)
    _dump(os.path.join(folder, "batches.meta"),
          {"num_cases_per_batch": PER_BATCH, "label_names": CLASSES10, "num_vis": 3072})
    return (np.concatenate(out["train"][0]), out["train"][1],
            np.concatenate(out["test"][0]), out["test"][1])


def _write_cifar100(root, seed=1):
    folder = os.path.join(root, "cifar-100-python")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for name, n in (("train", 6), ("test", 5)):
        rows = _rows(rng, n)
        fine = [int(x) for x in rng.integers(0, 100, n)]
        coarse = [f // 5 for f in fine]
        _dump(os.path.join(folder, name), {
            "filenames": [f"{name}_{i}.png" for i in range(n)], "batch_label": name,
            "fine_labels": fine, "coarse_labels": coarse, "data": rows})
        out += [rows, fine]
    _dump(os.path.join(folder, "meta"),
          {"fine_label_names": [f"fine{i}" for i in range(100)],
           "coarse_label_names": [f"coarse{i}" for i in range(20)]})
    return out


def _hwc(rows):
    """The expected HWC images of channel-planar rows, pixel by pixel in plain Python."""
    out = np.zeros((len(rows), 32, 32, 3), np.uint8)
    for n in range(len(rows)):
        row = rows[n].tolist()
        for c in range(3):
            for h in range(32):
                for w in range(32):
                    out[n, h, w, c] = row[c * 1024 + h * 32 + w]
    return out


@pytest.fixture
def no_tfds(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)


# ---------------------------------------------------------------------------- files ----

def test_cifar10_train_and_test_splits(tmp_path):
    tr_rows, tr_lab, te_rows, te_lab = _write_cifar10(tmp_path)
    train = datasets.CIFAR10(tmp_path)
    test = datasets.CIFAR10(tmp_path, train=False)
    assert isinstance(train.data, np.ndarray) and train.data.dtype == np.uint8
    assert train.data.shape == (5 * PER_BATCH, 32, 32, 3)
    assert test.data.shape == (N_TEST, 32, 32, 3)
    assert type(train.targets) is list and all(type(t) is int for t in train.targets)
    assert train.targets == tr_lab and test.targets == te_lab
    assert len(train) == 5 * PER_BATCH and len(test) == N_TEST
    np.testing.assert_array_equal(train.data, _hwc(tr_rows))
    np.testing.assert_array_equal(test.data, _hwc(te_rows))
    assert train.classes == CLASSES10 and train.class_to_idx["truck"] == 9
    assert train.data[1, 2, 3, 1] == tr_rows[1][1024 + 2 * 32 + 3]  # green of pixel (2, 3)


def test_cifar10_class_attributes_match_torchvision():
    c = datasets.CIFAR10
    assert c.base_folder == "cifar-10-batches-py" and c.filename == "cifar-10-python.tar.gz"
    assert c.url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert c.tgz_md5 == "c58f30108f718f92721af3b95e74349a"
    assert [n for n, _ in c.train_list] == [f"data_batch_{k}" for k in range(1, 6)]
    assert c.test_list == [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    assert c.meta == {"filename": "batches.meta", "key": "label_names",
                      "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    d = datasets.CIFAR100
    assert (d.base_folder, d.filename, d.tgz_md5) == (
        "cifar-100-python", "cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85")
    assert d.meta["key"] == "fine_label_names" and d.train_list[0][0] == "train"
    assert "CIFAR10" in datasets.__all__ and "CIFAR100" in datasets.__all__


def test_cifar10_getitem_and_transforms(tmp_path):
    tr_rows, tr_lab, _, _ = _write_cifar10(tmp_path)
    plain = datasets.CIFAR10(tmp_path)
    img, t = plain[4]
    assert isinstance(img, pl.Tensor) and img.dtype == pl.uint8
    assert tuple(img.shape) == (32, 32, 3) and t == tr_lab[4] and type(t) is int
    np.testing.assert_array_equal(np.asarray(img), _hwc(tr_rows[4:5])[0])

    seen = []

    def spy(x):
        seen.append((type(x), x.dtype, x.shape))
        return x

    ds = datasets.CIFAR10(tmp_path, transform=transforms.Compose(
        [transforms.Lambda(spy), transforms.ToTensor()]), target_transform=lambda y: y + 100)
    img, t = ds[-1]
    assert seen == [(np.ndarray, np.uint8, (32, 32, 3))]
    assert img.dtype == pl.float32 and tuple(img.shape) == (3, 32, 32)
    want = tr_rows[-1].reshape(3, 32, 32).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(np.asarray(img), want)
    assert t == tr_lab[-1] + 100


def test_cifar10_repr(tmp_path):
    _write_cifar10(tmp_path)
    ds = datasets.CIFAR10(tmp_path, train=False, transform=transforms.ToTensor())
    assert repr(ds).startswith(f"Dataset CIFAR10\n    Number of datapoints: {N_TEST}\n"
                               f"    Root location: {tmp_path}\n    Split: Test\n"
                               "    Transform: ToTensor()")
    assert "Split: Train" in repr(datasets.CIFAR10(tmp_path))


def test_loader_totensor_normalize_matches_numpy(tmp_path):
    tr_rows, tr_lab, _, _ = _write_cifar10(tmp_path)
    tf = transforms.Compose([transforms.ToTensor(),
                             transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    ds = datasets.CIFAR10(tmp_path, transform=tf)
    batches = list(DataLoader(ds, batch_size=4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 3, 32, 32)] * 3 + [(3, 3, 32, 32)]
    x = np.concatenate([np.asarray(b[0]) for b in batches])
    y = np.concatenate([np.asarray(b[1]) for b in batches])
    assert all(b[0].dtype == pl.float32 and b[1].dtype == pl.int64 for b in batches)
    half = np.float32(0.5)
    want = (tr_rows.reshape(-1, 3, 32, 32).astype(np.float32) / np.float32(255) - half) / half
    np.testing.assert_allclose(x, want, rtol=0, atol=1e-6)
    assert x.min() >= -1 and x.max() <= 1
    np.testing.assert_array_equal(y, np.asarray(tr_lab, np.int64))


@pytest.mark.parametrize("name", ["none", "totensor_normalize", "with_lambda", "center_crop",
                                  "target_transform"])
def test_batched_path_equals_per_sample(tmp_path, name):
    _write_cifar10(tmp_path)
    norm = transforms.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))
    tf = {
        "none": None,
        "totensor_normalize": transforms.Compose([transforms.ToTensor(), norm]),
        "with_lambda": transforms.Compose([transforms.ToTensor(),
                                           transforms.Lambda(lambda x: x * 2), norm]),
        "center_crop": transforms.Compose([transforms.CenterCrop(24), transforms.ToTensor()]),
        "target_transform": transforms.ToTensor(),
    }[name]
    ds = datasets.CIFAR10(tmp_path, transform=tf,
                          target_transform=(lambda t: float(t) / 2)
                          if name == "target_transform" else None)
    g = pl.Generator
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=g().manual_seed(3)))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=g().manual_seed(3),
                           collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 4
    for (xf, yf), (xs, ys) in zip(fast, slow):
        assert xf.dtype == xs.dtype and xf.shape == xs.shape and yf.dtype == ys.dtype
        np.testing.assert_array_equal(np.asarray(xf), np.asarray(xs))
        np.testing.assert_array_equal(np.asarray(yf), np.asarray(ys))
    if name == "none":
        assert fast[0][0].dtype == pl.uint8 and tuple(fast[0][0].shape) == (4, 32, 32, 3)


def test_fast_path_skips_getitem_and_follows_edits(tmp_path, monkeypatch):
    _write_cifar10(tmp_path)
    ds = datasets.CIFAR10(tmp_path, transform=transforms.ToTensor())
    monkeypatch.setattr(datasets.CIFAR10, "__getitem__",
                        lambda self, i: pytest.fail("per-sample path used"))
    _, y = next(iter(DataLoader(ds, batch_size=2)))
    ds.targets[0] = 7 if ds.targets[0] != 7 else 8  # edited in place: seen by the next batch
    _, y2 = next(iter(DataLoader(ds, batch_size=2)))
    assert int(y2[0]) == ds.targets[0] != int(y[0])
    ds.data, ds.targets = ds.data[:5], np.asarray(ds.targets[:5])
    assert [len(b[1]) for b in DataLoader(ds, batch_size=2)] == [2, 2, 1]
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        ds._getbatch(np.array([0, 5]))


def test_cifar100_fine_labels(tmp_path):
    tr_rows, tr_fine, te_rows, te_fine = _write_cifar100(tmp_path)
    train = datasets.CIFAR100(tmp_path)
    test = datasets.CIFAR100(tmp_path, train=False)
    assert train.targets == tr_fine and test.targets == te_fine
    assert train.data.shape == (6, 32, 32, 3) and test.data.shape == (5, 32, 32, 3)
    np.testing.assert_array_equal(test.data, _hwc(te_rows))
    assert len(train.classes) == 100 and train.classes[7] == "fine7"
    assert train.class_to_idx["fine42"] == 42
    assert repr(test).startswith("Dataset CIFAR100\n    Number of datapoints: 5")
    x, y = next(iter(DataLoader(train, batch_size=6)))
    np.testing.assert_array_equal(np.asarray(y), tr_fine)
    np.testing.assert_array_equal(np.asarray(x), _hwc(tr_rows))


def test_bytes_keys_are_accepted(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    tr_rows, tr_lab, _, _ = _write_cifar10(tmp_path)
    entry = {b"data": tr_rows[:3], b"labels": tr_lab[:3], b"batch_label": b"x"}
    _dump(folder / "data_batch_1", entry)
    ds = datasets.CIFAR10(tmp_path)
    assert ds.targets[:3] == tr_lab[:3]
    np.testing.assert_array_equal(ds.data[:3], _hwc(tr_rows[:3]))


# ------------------------------------------------------------------------- failures ----

def test_not_found_message(tmp_path):
    with pytest.raises(RuntimeError, match=re.escape(NOT_FOUND)):
        datasets.CIFAR10(tmp_path)
    _write_cifar10(tmp_path)
    os.remove(tmp_path / "cifar-10-batches-py" / "batches.meta")
    with pytest.raises(RuntimeError, match=re.escape(NOT_FOUND)):
        datasets.CIFAR10(tmp_path)
    with pytest.raises(RuntimeError, match=re.escape(NOT_FOUND)):
        datasets.CIFAR100(tmp_path)


def test_corrupted_file_is_named(tmp_path):
    _write_cifar10(tmp_path)
    bad = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(RuntimeError, match="data_batch_3 is corrupted"):
        datasets.CIFAR10(tmp_path)
    datasets.CIFAR10(tmp_path, train=False)  # the test split does not read it
    _dump(bad, {"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]})
    with pytest.raises(RuntimeError, match=r"data_batch_3 is corrupted.*\(N, 3072\)"):
        datasets.CIFAR10(tmp_path)
    _dump(bad, {"data": np.zeros((2, 3072), np.uint8), "labels": [0]})
    with pytest.raises(RuntimeError, match="1 labels for 2 images"):
        datasets.CIFAR10(tmp_path)


# ------------------------------------------------------------------------- download ----

def _fail_fetch(*args, **kwargs):
    pytest.fail("the network was used")


def test_download_existing_folder_does_nothing(tmp_path, monkeypatch, no_tfds, capsys):
    _, tr_lab, _, _ = _write_cifar10(tmp_path)
    monkeypatch.setattr(datasets, "_fetch_url", _fail_fetch)
    ds = datasets.CIFAR10(tmp_path, download=True)
    assert ds.targets == tr_lab
    assert "Files already downloaded and verified" in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == ["cifar-10-batches-py"]


def _tarball(path, src_root, folder, extra=None):
    with tarfile.open(path, "w:gz") as tar:
        tar.add(os.path.join(src_root, folder), arcname=folder)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _copying_fetch(archive, calls):
    def fetch(url, dest, md5, timeout=60.0):
        calls.append((url, md5, os.path.basename(dest)))
        shutil.copyfile(archive, dest)
    return fetch


@pytest.mark.parametrize("cls", [datasets.CIFAR10, datasets.CIFAR100])
def test_download_extracts_tarball(tmp_path, monkeypatch, no_tfds, cls):
    src = tmp_path / "src"
    if cls is datasets.CIFAR10:
        _, _, te_rows, te_lab = _write_cifar10(src)
    else:
        _, _, te_rows, te_lab = _write_cifar100(src)
    archive = tmp_path / "official.tar.gz"
    _tarball(archive, src, cls.base_folder)
    calls = []
    monkeypatch.setattr(datasets, "_fetch_url", _copying_fetch(archive, calls))
    root = tmp_path / "root"
    ds = cls(root, train=False, download=True)
    assert calls == [(cls.url, cls.tgz_md5, cls.filename)]
    assert ds.targets == te_lab
    np.testing.assert_array_equal(ds.data, _hwc(te_rows))
    assert sorted(os.listdir(root)) == sorted([cls.base_folder, cls.filename])
    cls(root, train=True, download=True)  # already there: nothing fetched
    assert len(calls) == 1


@pytest.mark.parametrize("member", ["../evil", "cifar-10-batches-py/../../evil", "/tmp/evil",
                                    "link"])
def test_download_refuses_unsafe_tarball(tmp_path, monkeypatch, no_tfds, member):
    src = tmp_path / "src"
    _write_cifar10(src)
    archive = tmp_path / "bad.tar.gz"
    if member == "link":
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
            info = tarfile.TarInfo("cifar-10-batches-py/escape")
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
    else:
        _tarball(archive, src, "cifar-10-batches-py", extra={member: b"pwned"})
    monkeypatch.setattr(datasets, "_fetch_url", _copying_fetch(archive, []))
    root = tmp_path / "a" / "root"
    why = "is not a plain file" if member == "link" else "absolute path|'\\.\\.' component"
    with pytest.raises(RuntimeError, match=f"refusing to extract .*({why})"):
        datasets.CIFAR10(root, download=True)
    assert not (tmp_path / "a" / "evil").exists() and not (tmp_path / "evil").exists()
    assert not (root / "cifar-10-batches-py").exists()  # nothing was extracted
    assert not any(p.name.startswith(".extract-") for p in root.iterdir())


def test_download_offline_fails_clearly(tmp_path, monkeypatch, no_tfds):
    def offline(url, dest, md5, timeout=60.0):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(datasets, "_fetch_url", offline)
    with pytest.raises(RuntimeError, match="(?s)Error downloading cifar-10-python.tar.gz.*are "
                                           "you offline.*no route to host") as info:
        datasets.CIFAR10(tmp_path, download=True)
    assert datasets.CIFAR10.url in str(info.value)


@pytest.mark.parametrize("cls", [datasets.CIFAR10, datasets.CIFAR100])
def test_download_through_tensorflow_datasets(tmp_path, monkeypatch, cls):
    n_classes = 10 if cls is datasets.CIFAR10 else 100
    rng = np.random.default_rng(7)
    splits = {"train": (rng.integers(0, 256, (7, 32, 32, 3), dtype=np.uint8),
                        rng.integers(0, n_classes, 7)),
              "test": (rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8),
                       rng.integers(0, n_classes, 3))}
    calls = []

    class Source:
        def __init__(self, images, labels):
            self.images, self.labels = images, labels

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            return {"image": self.images[i], "label": np.int64(self.labels[i]),
                    "coarse_label": np.int64(self.labels[i] // 5), "id": b"x"}

    def data_source(name, split, data_dir):
        calls.append((name, split))
        return Source(*splits[split])

    def builder(name, data_dir):
        names = types.SimpleNamespace
        features = {"label": names(names=[f"class{i}" for i in range(n_classes)]),
                    "coarse_label": names(names=[f"super{i}" for i in range(20)])}
        return names(info=names(features=features))

    monkeypatch.setitem(sys.modules, "tensorflow_datasets",
                        types.SimpleNamespace(data_source=data_source, builder=builder))
    monkeypatch.setattr(datasets, "_fetch_url", _fail_fetch)
    ds = cls(tmp_path, download=True)
    assert calls == [(cls._tfds_name, "train"), (cls._tfds_name, "test")]
    np.testing.assert_array_equal(ds.data, splits["train"][0])
    assert ds.targets == splits["train"][1].tolist() and ds.classes[3] == "class3"
    assert len(ds.classes) == n_classes
    test = cls(tmp_path, train=False)
    np.testing.assert_array_equal(test.data, splits["test"][0])
    assert test.targets == splits["test"][1].tolist()
    last = cls.train_list[-1][0]
    with open(tmp_path / cls.base_folder / last, "rb") as f:
        entry = pickle.load(f, encoding="latin1")
    assert entry["data"].dtype == np.uint8 and entry["data"].shape[1] == 3072
    if cls is datasets.CIFAR10:
        assert entry["data"].shape == (1, 3072)
        assert entry["labels"] == [int(splits["train"][1][6])]
    else:
        assert entry["coarse_labels"] == [int(t) // 5 for t in splits["train"][1]]
        with open(tmp_path / cls.base_folder / "meta", "rb") as f:
            meta = pickle.load(f, encoding="latin1")
        assert meta["coarse_label_names"][19] == "super19"
