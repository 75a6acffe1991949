"""Vision datasets with torchvision's names: ``MNIST`` and ``FashionMNIST``.

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
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
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

__all__ = ["VisionDataset", "MNIST", "FashionMNIST"]

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
            source = tfds.data_source(self._tfds_name, split=split, data_dir=data_dir)
            n = len(source)
            getitems = getattr(source, "__getitems__", None)
            records = getitems(list(range(n))) if callable(getitems) else \
                [source[i] for i in range(n)]
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
        data, targets = self._host("data"), self._host("targets")
        n = len(data)
        if indices.size and (indices.max() >= n or indices.min() < -n):
            bad = int(indices.max() if indices.max() >= n else indices.min())
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        imgs = data[indices]
        if self.transform is not None:
            imgs = _apply_batched(self.transform, imgs)
        labels = targets[indices].astype(np.int64, copy=False)
        if self.target_transform is not None:
            labels = _collate_np([self.target_transform(int(t)) for t in labels])
        return [imgs, labels]

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

