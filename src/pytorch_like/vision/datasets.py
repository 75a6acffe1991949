"""Vision datasets with torchvision's names: ``MNIST``, ``FashionMNIST``, ``CIFAR10`` and
``CIFAR100``.

Mirrors ``torchvision.datasets.MNIST`` / ``FashionMNIST``: the same constructor, ``.data``
(``uint8`` tensor N×28×28), ``.targets`` (``int64`` tensor), ``.classes``,
``.class_to_idx``, ``raw_folder``, ``mirrors`` and ``resources``. Deliberate differences:

* The four IDX files are read from torchvision's layout (``root/MNIST/raw/``) or directly
  from ``root`` (a plain folder holding them), gzip-compressed or not.
* A sample's image goes to ``transform`` as a ``uint8`` numpy array H×W (torchvision gives
  a PIL image); without a transform ``dataset[i]`` is ``(uint8 tensor H×W, int)``.
* ``download=True`` uses tensorflow-datasets (``tfds.data_source``) when it is installed
  and otherwise the canonical mirrors, checking MD5 sums; the IDX files land in
  ``root/<Name>/raw/``.
* Batches for the DataLoader are gathered with one vectorised indexing (``_getbatch``) and
  the transform is applied to the whole batch when it can be (``ToTensor``, ``Normalize``,
  crops, flips, rotations...), instead of one Python call per image.

``CIFAR10`` / ``CIFAR100`` mirror torchvision's classes of those names (numpy ``.data``
N×32×32×3, list ``.targets``); their docstrings list the differences.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..utils.data._collate import _collate_np, _np_to_tensor
from ..utils.data.dataset import Dataset
from ._idx import IDXError, read_idx, write_idx
from .transforms import _apply_batched

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100"]

_NOT_FOUND = "Dataset not found. You can use download=True to download it"
# Parsed files, kept only while some dataset still holds them (datasets are often built
# several times in one process; decompressing 47 MB each time is wasted).
_CACHE: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _read_cached(path: str, ndim: int) -> np.ndarray:
    """``read_idx``, reusing the array of a live dataset built from the same file."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_size, st.st_mtime_ns, ndim)
    hit = _CACHE.get(key)
    if hit is None:
        hit = read_idx(path, expected_ndim=ndim)
        hit.setflags(write=False)
        _CACHE[key] = hit
    return hit


class VisionDataset(Dataset):
    """Mirrors ``torchvision.datasets.VisionDataset``: root, transforms and the repr.

    Example:
        >>> class Mine(VisionDataset):
        ...     def __getitem__(self, i): ...
    """

    _repr_indent = 4

    def __init__(self, root: str | os.PathLike | None = None, transforms: Callable | None = None,
                 transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        if isinstance(root, (str, bytes, os.PathLike)):
            root = os.path.expanduser(os.fspath(root))
        self.root = root
        has_transforms = transforms is not None
        has_separate = transform is not None or target_transform is not None
        if has_transforms and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as "
                             "argument")
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def __len__(self) -> int:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += self.extra_repr().splitlines()
        if self.transform is not None:
            lines.append(f"Transform: {self.transform!r}".replace("\n", "\n" + " " * 4))
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        return "\n".join(["Dataset " + self.__class__.__name__]
                         + [" " * self._repr_indent + line for line in lines])


def _md5(path: str) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch_url(url: str, dest: str, md5: str | None, timeout: float = 60.0) -> None:
    """Download ``url`` to ``dest`` (atomically), checking its MD5 sum."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".download-")
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "pytorch_like"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(req, timeout=timeout) as resp:
            shutil.copyfileobj(resp, out)
        if md5 is not None:
            got = _md5(tmp)
            if got != md5:
                raise RuntimeError(f"checksum mismatch for {url}: MD5 {got}, expected {md5}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _tfds_records(source: Any) -> list:
    """Every record of a ``tfds.data_source`` split, in one call when it can."""
    n = len(source)
    getitems = getattr(source, "__getitems__", None)
    return getitems(list(range(n))) if callable(getitems) else [source[i] for i in range(n)]


def _transformed_batch(ds: Any, data: np.ndarray, indices: np.ndarray,
                       labels_of: Callable[[np.ndarray], np.ndarray]) -> list:
    """``[images, labels]`` of a batch, torch's bounds error first, the dataset's transforms
    applied to the whole batch."""
    n = len(data)
    if indices.size and (indices.max() >= n or indices.min() < -n):
        bad = int(indices.max() if indices.max() >= n else indices.min())
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    imgs = data[indices]
    if ds.transform is not None:
        imgs = _apply_batched(ds.transform, imgs)
    labels = labels_of(indices)
    if ds.target_transform is not None:
        labels = _collate_np([ds.target_transform(int(t)) for t in labels])
    return [imgs, labels]


class MNIST(VisionDataset):
    """Mirrors ``torchvision.datasets.MNIST``: 28×28 handwritten digits, 60000 for training
    and 10000 for testing.

    ``root`` is a folder in torchvision's layout (``root/MNIST/raw/train-images-idx3-ubyte``
    and the three other files, ``.gz`` or not) or a folder holding the four files itself.

    Example:
        >>> from pytorch_like.vision import datasets, transforms
        >>> ds = datasets.MNIST("data", train=True, download=True,
        ...                     transform=transforms.Compose([
        ...                         transforms.ToTensor(),
        ...                         transforms.Normalize((0.1307,), (0.3081,))]))
        >>> image, label = ds[0]          # (1, 28, 28) float32 tensor, 5
        >>> ds.data.shape, ds.targets.dtype
        (torch.Size([60000, 28, 28]), torch.int64)
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    _tfds_name = "mnist"

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download and not self._check_exists():
            self.download()
        images, labels = self._split_files()
        if images is None or labels is None:
            raise RuntimeError(_NOT_FOUND)
        img = _read_cached(images, 3)
        lab = _read_cached(labels, 1)
        if len(img) != len(lab):
            raise IDXError(f"{labels} holds {len(lab)} labels but {images} holds {len(img)} "
                           "images")
        lab64 = lab.astype(np.int64)
        self.data = _np_to_tensor(img)
        self.targets = _np_to_tensor(lab64)
        # Seed the host copies the batch gather reads, so it never copies back from JAX.
        self.__dict__["_host_cache"] = {"data": (self.data._cell.a, img),
                                        "targets": (self.targets._cell.a, lab64)}

    # -- files -------------------------------------------------------------------------
    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, gz_name: str) -> str | None:
        """The path of one IDX file: raw or .gz, torchvision's or a plain folder, with the
        ``-idx3-ubyte`` or ``.idx3-ubyte`` spelling."""
        stem = gz_name[:-3] if gz_name.endswith(".gz") else gz_name
        dotted = stem.replace("-idx", ".idx")
        for folder in (self.raw_folder, self.root):
            for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
                p = os.path.join(folder, name)
                if os.path.isfile(p):
                    return p
        return None

    def _split_files(self) -> tuple[str | None, str | None]:
        res = self.resources[:2] if self.train else self.resources[2:]
        return self._find(res[0][0]), self._find(res[1][0])

    def _check_exists(self) -> bool:
        return all(self._find(name) is not None for name, _ in self.resources)

    def download(self) -> None:
        """Get the four IDX files into ``raw_folder``: through tensorflow-datasets when it
        is installed, else from ``mirrors`` (MD5-checked); a clear error when offline."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        problems = []
        try:
            import tensorflow_datasets  # noqa: F401
        except ImportError:
            pass
        else:
            try:
                self._download_tfds()
                return
            except Exception as e:  # noqa: BLE001 - fall back to the mirrors
                problems.append(f"tensorflow-datasets: {type(e).__name__}: {e}")
        for filename, md5 in self.resources:
            dest = os.path.join(self.raw_folder, filename)
            if not (os.path.isfile(dest) and _md5(dest) == md5):
                errors = []
                for mirror in self.mirrors:
                    url = f"{mirror}{filename}"
                    try:
                        _fetch_url(url, dest, md5)
                        break
                    except (urllib.error.URLError, OSError, RuntimeError, ValueError) as e:
                        errors.append(f"  {url}: {e}")
                else:
                    raise RuntimeError(
                        f"Error downloading {filename}: no mirror could be reached or gave the "
                        "expected file (are you offline? put the IDX files in "
                        f"{self.raw_folder} or pass a folder holding them as root):\n"
                        + "\n".join(problems + errors))
            with gzip.open(dest, "rb") as src, open(dest[:-3] + ".tmp", "wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(dest[:-3] + ".tmp", dest[:-3])

    def _download_tfds(self) -> None:
        import tensorflow_datasets as tfds

        data_dir = os.path.join(self.root, "tensorflow_datasets")
        for split, (img_res, lab_res) in (("train", self.resources[:2]),
                                          ("test", self.resources[2:])):
            records = _tfds_records(tfds.data_source(self._tfds_name, split=split,
                                                     data_dir=data_dir))
            images = np.stack([np.asarray(r["image"]).reshape(28, 28) for r in records])
            labels = np.asarray([int(r["label"]) for r in records], dtype=np.uint8)
            write_idx(os.path.join(self.raw_folder, img_res[0][:-3]), images.astype(np.uint8))
            write_idx(os.path.join(self.raw_folder, lab_res[0][:-3]), labels)

    # -- samples -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.data)

    def _host(self, name: str) -> np.ndarray:
        """A host (numpy) copy of ``.data`` / ``.targets``, refreshed when they change."""
        value = getattr(self, name)
        if not isinstance(value, Tensor):
            return np.asarray(value)
        cache = self.__dict__.setdefault("_host_cache", {})
        hit = cache.get(name)
        if hit is None or hit[0] is not value._cell.a:
            hit = (value._cell.a, np.asarray(value))
            cache[name] = hit
        return hit[1]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = np.array(self._host("data")[index])
        target = int(self._host("targets")[index])
        img = self.transform(img) if self.transform is not None else \
            _np_to_tensor(img, keep_host=True)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _getbatch(self, indices: np.ndarray):
        targets = self._host("targets")
        return _transformed_batch(self, self._host("data"), indices,
                                  lambda i: targets[i].astype(np.int64, copy=False))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"

    # torchvision's deprecated aliases
    @property
    def train_labels(self) -> Tensor:
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        return self.targets

    @property
    def train_data(self) -> Tensor:
        return self.data

    @property
    def test_data(self) -> Tensor:
        return self.data


class FashionMNIST(MNIST):
    """Mirrors ``torchvision.datasets.FashionMNIST``: 28×28 images of 10 kinds of clothing,
    in MNIST's format and layout (``root/FashionMNIST/raw/``, or a plain folder).

    Example:
        >>> ds = FashionMNIST("/usr/share/datasets/fashion-mnist", train=False)
        >>> ds.classes[int(ds.targets[0])]
        'Ankle boot'
    """

    mirrors = [
        "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    _tfds_name = "fashion_mnist"


# -------------------------------------------------------------------------- CIFAR ----

_CIFAR_NOT_FOUND = "Dataset not found or corrupted. You can use download=True to download it"


def _entry(d: dict, key: str) -> Any:
    """``d[key]``, also accepting the bytes spelling of the key (files pickled under
    Python 3 with bytes keys, or loaded with ``encoding="bytes"``)."""
    if key in d:
        return d[key]
    return d[key.encode("latin1")]


def _has_entry(d: dict, key: str) -> bool:
    return key in d or key.encode("latin1") in d


def _load_pickle(path: str) -> dict:
    """One CIFAR file, read as torchvision reads it (``encoding="latin1"``)."""
    with open(path, "rb") as f:
        try:
            entry = pickle.load(f, encoding="latin1")
        except Exception as e:  # noqa: BLE001 - any unpickling failure means a broken file
            raise RuntimeError(f"{path} is corrupted: {type(e).__name__}: {e}") from e
    if not isinstance(entry, dict):
        raise RuntimeError(f"{path} is corrupted: it holds a {type(entry).__name__}, not a "
                           "dict")
    return entry


def _unsafe_member(m: tarfile.TarInfo) -> str | None:
    """Why an archive member may not be extracted, or None when it may."""
    name = m.name.replace("\\", "/")
    if name.startswith("/") or os.path.isabs(m.name) or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in name.split("/"):
        return "has a '..' component"
    if not (m.isfile() or m.isdir()):
        return "is not a plain file or folder"
    return None


def _safe_extract(archive: str, dest: str) -> None:
    """Extract a ``.tar[.gz]`` into ``dest``; refuse the whole archive (before writing
    anything) if a member would land outside ``dest`` or is a link or device."""
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for m in members:
            why = _unsafe_member(m)
            if why is not None:
                raise RuntimeError(f"refusing to extract {archive}: member {m.name!r} {why}")
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, members=members, **extra)


def _move_into(src: str, dst: str) -> None:
    """Move the tree ``src`` into ``dst``, merging with folders already there."""
    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(s) and os.path.isdir(d):
            _move_into(s, d)
        else:
            os.replace(s, d)


class CIFAR10(VisionDataset):
    """Mirrors ``torchvision.datasets.CIFAR10``: 32×32 colour images of 10 classes, 50000
    for training and 10000 for testing.

    The files are torchvision's (the official python version of CIFAR): the pickled
    batches in ``root/cifar-10-batches-py/`` (``data_batch_1`` ... ``data_batch_5``,
    ``test_batch``, ``batches.meta``), read with ``pickle.load(f, encoding="latin1")``.
    ``.data`` is a ``uint8`` numpy array N×32×32×3 (HWC), ``.targets`` a list of ints,
    ``.classes`` / ``.class_to_idx`` come from the meta file; ``base_folder``, ``url``,
    ``filename``, ``tgz_md5``, ``train_list``, ``test_list`` and ``meta`` have torchvision's
    values. Deliberate differences:

    * A sample's image goes to ``transform`` as a ``uint8`` numpy array H×W×3 (torchvision
      gives a PIL image; ``ToTensor``, ``Normalize`` and the other transforms of
      ``pytorch_like.vision.transforms`` take it). Without a transform ``dataset[i]`` is
      ``(uint8 tensor 32×32×3, int)``: the sample as stored in ``.data``, as ``MNIST`` here
      gives its H×W ``uint8`` tensor. Targets are returned as ``int``.
    * Opening the dataset checks that the files exist, not their MD5 sums (torchvision
      hashes all 170 MB each time); a broken file raises an error naming it. The MD5 sum
      that is checked is the tarball's, when it is downloaded.
    * ``download=True`` uses tensorflow-datasets (``tfds.data_source``) when it is
      installed and writes the files above from it (same pixels and labels, in tfds'
      order of the images, not the official one), else downloads ``url`` (MD5-checked)
      and extracts it, refusing archive members with absolute paths, ``..`` or links.
    * Batches for the DataLoader are gathered with one vectorised indexing (``_getbatch``)
      and the transform is applied to the whole batch when it can be.

    Example:
        >>> from pytorch_like.vision import datasets, transforms
        >>> ds = datasets.CIFAR10("data", train=True, download=True,
        ...                       transform=transforms.Compose([
        ...                           transforms.ToTensor(),
        ...                           transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]))
        >>> image, label = ds[0]          # (3, 32, 32) float32 tensor, 6
        >>> ds.data.shape, ds.classes[label]
        ((50000, 32, 32, 3), 'frog')
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [
        ["test_batch", "40351d587109b95175f43aff81a1287e"],
    ]
    meta = {
        "filename": "batches.meta",
        "key": "label_names",
        "md5": "5ff9c542aee3614f3951f8cda6e48888",
    }
    _tfds_name = "cifar10"
    # file key -> tfds feature, for the labels of the batches and the names in the meta file
    _tfds_labels = {"labels": "label"}
    _tfds_meta = {"label_names": "label"}

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(_CIFAR_NOT_FOUND)
        chunks, targets = [], []
        for name, _ in (self.train_list if train else self.test_list):
            rows, labels = self._read_batch(os.path.join(self.root, self.base_folder, name))
            chunks.append(rows)
            targets.extend(labels)
        data = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        # The rows are channel-planar (1024 red, 1024 green, 1024 blue values); HWC as
        # torchvision, made contiguous so gathering a batch copies whole images.
        self.data: np.ndarray = np.ascontiguousarray(
            data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self.targets: list[int] = targets
        self._load_meta()

    # -- files -------------------------------------------------------------------------
    @staticmethod
    def _read_batch(path: str) -> tuple[np.ndarray, list[int]]:
        entry = _load_pickle(path)
        try:
            rows = np.asarray(_entry(entry, "data"))
            key = "labels" if _has_entry(entry, "labels") else "fine_labels"
            labels = [int(t) for t in _entry(entry, key)]
        except (KeyError, TypeError, ValueError) as e:
            raise RuntimeError(f"{path} is corrupted: {type(e).__name__}: {e}") from e
        if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != 3 * 32 * 32:
            raise RuntimeError(f"{path} is corrupted: its data is {rows.dtype} "
                               f"{rows.shape}, expected uint8 (N, 3072)")
        if len(labels) != len(rows):
            raise RuntimeError(f"{path} is corrupted: {len(labels)} labels for {len(rows)} "
                               "images")
        return rows, labels

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        entry = _load_pickle(path)
        try:
            self.classes: list[str] = list(_entry(entry, self.meta["key"]))
        except KeyError as e:
            raise RuntimeError(f"{path} is corrupted: it has no {self.meta['key']!r}") from e
        self.class_to_idx: dict[str, int] = {c: i for i, c in enumerate(self.classes)}

    def _files(self) -> list[str]:
        names = [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]
        return [os.path.join(self.root, self.base_folder, n) for n in names]

    def _check_exists(self) -> bool:
        return all(os.path.isfile(p) for p in self._files())

    def download(self) -> None:
        """Get ``root/<base_folder>/``: through tensorflow-datasets when it is installed,
        else from ``url`` (the tarball, MD5-checked, kept in ``root``); nothing to do when
        the files are there already."""
        if self._check_exists():
            print("Files already downloaded and verified")
            return
        os.makedirs(self.root, exist_ok=True)
        problems = []
        try:
            import tensorflow_datasets  # noqa: F401
        except ImportError:
            pass
        else:
            try:
                self._download_tfds()
                return
            except Exception as e:  # noqa: BLE001 - fall back to the official tarball
                problems.append(f"  tensorflow-datasets: {type(e).__name__}: {e}")
        archive = os.path.join(self.root, self.filename)
        if not (os.path.isfile(archive) and _md5(archive) == self.tgz_md5):
            try:
                _fetch_url(self.url, archive, self.tgz_md5)
            except (urllib.error.URLError, OSError, RuntimeError, ValueError) as e:
                raise RuntimeError(
                    f"Error downloading {self.filename} (are you offline? put the extracted "
                    f"{self.base_folder} folder in {self.root}):\n"
                    + "\n".join(problems + [f"  {self.url}: {e}"])) from e
        tmp = tempfile.mkdtemp(dir=self.root, prefix=".extract-")
        try:
            _safe_extract(archive, tmp)
            if not os.path.isdir(os.path.join(tmp, self.base_folder)):
                raise RuntimeError(f"{archive} holds no {self.base_folder}/ folder")
            _move_into(os.path.join(tmp, self.base_folder),
                       os.path.join(self.root, self.base_folder))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if not self._check_exists():
            missing = [os.path.basename(p) for p in self._files() if not os.path.isfile(p)]
            raise RuntimeError(f"{archive} lacks {', '.join(missing)}")

    def _download_tfds(self) -> None:
        import tensorflow_datasets as tfds

        data_dir = os.path.join(self.root, "tensorflow_datasets")
        info = tfds.builder(self._tfds_name, data_dir=data_dir).info
        tmp = tempfile.mkdtemp(dir=self.root, prefix=".tfds-")
        try:
            for split, files in (("train", self.train_list), ("test", self.test_list)):
                source = tfds.data_source(self._tfds_name, split=split, data_dir=data_dir)
                records = _tfds_records(source)
                images = np.stack([np.asarray(r["image"], dtype=np.uint8).reshape(32, 32, 3)
                                   for r in records])
                rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
                labels = {key: [int(r[feature]) for r in records]
                          for key, feature in self._tfds_labels.items()}
                parts = np.array_split(np.arange(len(rows)), len(files))
                for k, ((name, _), idx) in enumerate(zip(files, parts)):
                    entry = {"batch_label": f"{split} batch {k + 1} of {len(files)}",
                             "data": np.ascontiguousarray(rows[idx])}
                    entry.update({key: [v[i] for i in idx] for key, v in labels.items()})
                    with open(os.path.join(tmp, name), "wb") as f:
                        pickle.dump(entry, f, protocol=4)
            meta = {key: list(info.features[feature].names)
                    for key, feature in self._tfds_meta.items()}
            with open(os.path.join(tmp, self.meta["filename"]), "wb") as f:
                pickle.dump(meta, f, protocol=4)
            _move_into(tmp, os.path.join(self.root, self.base_folder))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # -- samples -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = np.array(np.asarray(self.data)[index])
        target = int(self.targets[index])
        img = self.transform(img) if self.transform is not None else \
            _np_to_tensor(img, keep_host=True)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _labels(self, indices: np.ndarray) -> np.ndarray:
        targets = self.targets
        if isinstance(targets, (list, tuple)):
            # Index the list itself: it may have been edited in place since the last batch.
            return np.array([int(targets[i]) for i in indices.tolist()], dtype=np.int64)
        return np.asarray(targets)[indices].astype(np.int64, copy=False)

    def _getbatch(self, indices: np.ndarray):
        return _transformed_batch(self, np.asarray(self.data), indices, self._labels)

    extra_repr = MNIST.extra_repr


class CIFAR100(CIFAR10):
    """Mirrors ``torchvision.datasets.CIFAR100``: CIFAR-10's format with 100 classes; the
    targets are the fine labels (``fine_labels``) and ``.classes`` the fine label names.

    The files are ``root/cifar-100-python/{train,test,meta}``; everything else (the
    differences from torchvision included) is as in :class:`CIFAR10`.

    Example:
        >>> ds = CIFAR100("data", train=False, download=True)
        >>> len(ds), len(ds.classes), ds.classes[:2]
        (10000, 100, ['apple', 'aquarium_fish'])
    """

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [
        ["train", "16019d7e3df5f24257cddd939b257f8d"],
    ]
    test_list = [
        ["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"],
    ]
    meta = {
        "filename": "meta",
        "key": "fine_label_names",
        "md5": "7973b15100ade9c7d40fb424638fde48",
    }
    _tfds_name = "cifar100"
    _tfds_labels = {"fine_labels": "label", "coarse_labels": "coarse_label"}
    _tfds_meta = {"fine_label_names": "label", "coarse_label_names": "coarse_label"}
