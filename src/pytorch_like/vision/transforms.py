"""Image transforms with torchvision's names: ``Compose``, ``ToTensor``, ``Normalize``, ...

Mirrors ``torchvision.transforms``. Where torchvision hands transforms a PIL image, our
datasets hand them a ``uint8`` numpy array ``H×W`` (or ``H×W×C``), so every transform that
takes a PIL image in torchvision takes such an array here (and a PIL image too when Pillow
is installed; the result is then a numpy array). Tensor images are ``(..., C, H, W)`` as in
torchvision. Deliberate differences:

* Transforms are plain callables, not ``nn.Module``\\ s.
* Random transforms draw from numpy: inside a DataLoader from the loader's per-batch
  generator (reproducible with the loader's ``generator`` or ``torch.manual_seed``),
  elsewhere from a generator seeded from the global ``torch.manual_seed`` state; the
  random values differ from torchvision's for the same seed.
* Geometric transforms run in numpy and do not record autograd history.
* ``Resize`` does not antialias (``antialias`` is accepted and ignored).

Private batch protocol: a transform whose result for a stack of images equals stacking its
results image by image defines ``_apply_batch(batch, kind)``; ``_apply_batched`` runs a
transform (or a ``Compose``) on a whole batch that way, looping image by image only over
the transforms that cannot, so a dataset's vectorised ``_getbatch`` stays vectorised.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from ..utils.data._collate import _collate_np, _host_value, _np_to_tensor
from ..utils.data._worker import _numpy_rng

__all__ = ["Compose", "ToTensor", "PILToTensor", "ConvertImageDtype", "Normalize", "Lambda",
           "Pad", "CenterCrop", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "Resize", "InterpolationMode"]

_NUMPY, _TENSOR = "numpy", "tensor"


class InterpolationMode(Enum):
    """Mirrors ``torchvision.transforms.InterpolationMode`` (NEAREST and BILINEAR are
    implemented)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _interp(mode) -> InterpolationMode:
    if isinstance(mode, str):
        mode = InterpolationMode(mode)
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise NotImplementedError(f"interpolation {mode} is not implemented in pytorch_like "
                                  "(NEAREST and BILINEAR are)")
    return mode


# -------------------------------------------------------------------------- helpers ----

_PIL: list = []  # [PIL.Image.Image or None], resolved on first use


def _is_pil(x: Any) -> bool:
    if not _PIL:
        # Resolve once: a failed import is not cached by Python and rescans sys.path.
        try:
            from PIL import Image

            _PIL.append(Image.Image)
        except ImportError:
            _PIL.append(None)
    return _PIL[0] is not None and isinstance(x, _PIL[0])


def _as_array(img: Any) -> tuple[np.ndarray, str]:
    """An image as (numpy array, kind): numpy/PIL images are H×W[×C], tensors (..., H, W)."""
    if isinstance(img, Tensor):
        return _host_value(img), _TENSOR
    if isinstance(img, np.ndarray):
        return img, _NUMPY
    if _is_pil(img):
        return np.asarray(img), _NUMPY
    raise TypeError(f"img should be a numpy array, PIL Image or Tensor. Got {type(img)}")


def _planar(arr: np.ndarray, kind: str, batched: bool) -> np.ndarray:
    """A view with height and width as the last two axes (channels, if any, before them)."""
    if kind == _TENSOR:
        if arr.ndim < 2:
            raise TypeError(f"Tensor is not a torch image (it has {arr.ndim} dimensions)")
        return arr
    spatial_last = arr.ndim == (4 if batched else 3)
    if arr.ndim not in ((3, 4) if batched else (2, 3)):
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim - batched} dimensions.")
    return np.moveaxis(arr, -1, -3) if spatial_last else arr


def _unplanar(arr: np.ndarray, kind: str, batched: bool, had_channels: bool) -> np.ndarray:
    if kind == _NUMPY and had_channels:
        return np.moveaxis(arr, -3, -1)
    return arr


def _has_channels(arr: np.ndarray, kind: str, batched: bool) -> bool:
    return kind == _NUMPY and arr.ndim == (4 if batched else 3)


def _out(arr: np.ndarray, kind: str) -> Any:
    return _np_to_tensor(np.ascontiguousarray(arr), keep_host=True) if kind == _TENSOR else arr


def _size_pair(size, what: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return int(size[0]), int(size[1])


def _cast_back(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Resampled float values back to the image's dtype (integers rounded and clipped)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return out > 0.5
    return out.astype(dtype, copy=False)


def _fill_array(fill, planar: np.ndarray) -> np.ndarray:
    """``fill`` (a number or one value per channel) broadcastable against ``planar``."""
    f = np.asarray(0 if fill is None else fill, dtype=np.float64)
    if f.ndim == 0:
        return f
    return f.reshape((-1, 1, 1))


class _Transform:
    """Base of our transforms: ``__call__`` runs ``forward`` (as torchvision's modules do)."""

    def __call__(self, img: Any) -> Any:
        return self.forward(img)

    def forward(self, img: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _batchable(t: Any) -> bool:
    cls = type(t)
    return (getattr(cls, "_apply_batch", None) is not None and cls.__call__ is _Transform.__call__
            and cls.forward is getattr(cls, "_batch_forward", None))


def _split(batch: np.ndarray, kind: str) -> list:
    if kind == _TENSOR:
        return [_np_to_tensor(np.ascontiguousarray(b), keep_host=True) for b in batch]
    return [np.array(b) for b in batch]


def _round_to_storage(arr: np.ndarray) -> np.ndarray:
    """Round values to what a tensor of this dtype stores (float64 is held in float32 while
    JAX's x64 mode is off), so batched results equal tensors made image by image."""
    storage = D.from_np(arr.dtype).storage
    if storage != arr.dtype and arr.dtype.kind == "f":
        return arr.astype(storage).astype(arr.dtype)
    return arr


def _apply_batched(transform: Callable, batch: np.ndarray, kind: str = _NUMPY) -> Any:
    """The numpy form of ``default_collate([transform(x) for x in batch])``.

    ``kind`` says what one image of ``batch`` is to the transform: a numpy image
    (``"numpy"``) or a tensor (``"tensor"``).
    """
    if isinstance(transform, Compose) and type(transform).__call__ is Compose.__call__:
        stages = list(transform.transforms)
    else:
        stages = [transform]
    cur, cur_kind, listed = batch, kind, None
    for t in stages:
        if listed is None:
            res = t._apply_batch(cur, cur_kind) if _batchable(t) else NotImplemented
            if res is not NotImplemented:
                cur, cur_kind = res
                if cur_kind == _TENSOR:
                    cur = _round_to_storage(cur)
                continue
            listed = _split(cur, cur_kind)
        listed = [t(x) for x in listed]
    if listed is not None:
        return _collate_np(listed)
    return cur


# ----------------------------------------------------------------------- transforms ----

class Compose(_Transform):
    """Mirrors ``torchvision.transforms.Compose``: apply transforms one after another.

    Example:
        >>> t = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
        >>> t(np.zeros((28, 28), np.uint8)).shape
        torch.Size([1, 28, 28])
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    forward = __call__

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


def _to_tensor_np(arr: np.ndarray, batched: bool) -> np.ndarray:
    """ToTensor's numbers: channels first; uint8 scaled to [0, 1] in the default float."""
    if arr.ndim == (2 + batched):
        arr = arr[:, None] if batched else arr[None]
    else:
        arr = np.moveaxis(arr, -1, -3)
    if arr.dtype == np.uint8:
        ft = D.get_default_dtype().np
        return arr.astype(ft) / ft.type(255)
    return arr


class ToTensor(_Transform):
    """Mirrors ``torchvision.transforms.ToTensor``: an H×W or H×W×C image → a C×H×W tensor.

    ``uint8`` images are scaled to ``[0, 1]`` in the default float dtype (float32); other
    dtypes keep their values and dtype, as in torchvision. Accepts numpy arrays (what our
    datasets give) and, when Pillow is installed, PIL images.

    Example:
        >>> ToTensor()(np.full((28, 28), 255, np.uint8)).max()
        tensor(1.)
    """

    def forward(self, pic: Any) -> Tensor:
        if _is_pil(pic):
            pic = np.asarray(pic)
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        return _out(_to_tensor_np(pic, False), _TENSOR)

    _batch_forward = forward

    def _apply_batch(self, batch: np.ndarray, kind: str):
        if kind != _NUMPY or batch.ndim not in (3, 4):
            return NotImplemented
        return _to_tensor_np(batch, True), _TENSOR


class PILToTensor(_Transform):
    """Mirrors ``torchvision.transforms.PILToTensor``: an image → a C×H×W tensor of the same
    dtype, without scaling. Takes numpy H×W[×C] arrays as well as PIL images.

    Example:
        >>> PILToTensor()(np.zeros((28, 28), np.uint8)).dtype
        torch.uint8
    """

    def forward(self, pic: Any) -> Tensor:
        if _is_pil(pic):
            pic = np.asarray(pic)
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        return _out(pic[None] if pic.ndim == 2 else np.moveaxis(pic, -1, 0), _TENSOR)

    _batch_forward = forward

    def _apply_batch(self, batch: np.ndarray, kind: str):
        if kind != _NUMPY or batch.ndim not in (3, 4):
            return NotImplemented
        return (batch[:, None] if batch.ndim == 3 else np.moveaxis(batch, -1, 1)), _TENSOR


def _int_max(dt: np.dtype) -> int:
    return int(np.iinfo(dt).max)


def _convert_dtype_np(arr: np.ndarray, dt: D.dtype) -> np.ndarray:
    src, dst = arr.dtype, dt.np
    if src == dst:
        return arr
    if src.kind == "f" and dst.kind == "f":
        return arr.astype(dst)
    if src.kind == "f":
        if (src == np.float32 and dst in (np.int32, np.int64)) or \
                (src == np.float64 and dst == np.int64):
            raise RuntimeError(f"The cast from {D.from_np(src)} to {dt} cannot be performed "
                               "safely.")
        # torchvision's rule: scale by max + 1 - eps so 1.0 maps to max, then truncate.
        return (arr * (_int_max(dst) + 1.0 - 1e-3)).astype(dst)
    if dst.kind == "f":
        return arr.astype(dst) / dst.type(_int_max(src))
    in_max, out_max = _int_max(src), _int_max(dst)
    if in_max > out_max:
        return (arr // ((in_max + 1) // (out_max + 1))).astype(dst)
    return arr.astype(dst) * ((out_max + 1) // (in_max + 1))


class ConvertImageDtype(_Transform):
    """Mirrors ``torchvision.transforms.ConvertImageDtype``: change a tensor image's dtype,
    rescaling values (uint8 255 ↔ float 1.0).

    Example:
        >>> ConvertImageDtype(torch.float32)(torch.tensor([[[255]]], dtype=torch.uint8))
        tensor([[[1.]]])
    """

    def __init__(self, dtype: D.dtype) -> None:
        self.dtype = D.to_dtype(dtype)

    def forward(self, image: Tensor) -> Tensor:
        if not isinstance(image, Tensor):
            raise TypeError("Input img should be Tensor Image")
        arr, _ = _as_array(image)
        return _out(_convert_dtype_np(arr, self.dtype), _TENSOR)

    _batch_forward = forward

    def _apply_batch(self, batch: np.ndarray, kind: str):
        if kind != _TENSOR:
            return NotImplemented
        return _convert_dtype_np(batch, self.dtype), _TENSOR

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(dtype={self.dtype})"


def _normalize_np(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    # One formula for the per-image and the batched paths, so both give the same bits.
    return (x - mean) / std


class Normalize(_Transform):
    """Mirrors ``torchvision.transforms.Normalize``: ``(x - mean[c]) / std[c]`` per channel
    of a float tensor image ``(..., C, H, W)``.

    Example:
        >>> t = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float],
                 inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def _stats(self, dtype: np.dtype, channels: int):
        key = (dtype, channels, repr(self.mean), repr(self.std))
        cached = self.__dict__.get("_stats_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        mean = np.asarray(self.mean, dtype=dtype).reshape(-1)
        std = np.asarray(self.std, dtype=dtype).reshape(-1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {D.from_np(dtype)}, "
                             "leading to division by zero.")
        for name, v in (("mean", mean), ("std", std)):
            if v.size not in (1, channels):
                raise RuntimeError(f"The size of tensor a ({channels}) must match the size of "
                                   f"tensor b ({v.size}) at non-singleton dimension 0 "
                                   f"(Normalize {name} has {v.size} values for {channels} "
                                   "channels)")
        out = mean.reshape(-1, 1, 1), std.reshape(-1, 1, 1)
        self.__dict__["_stats_cache"] = (key, out)
        return out

    def forward(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}.")
        mean, std = self._stats(tensor.dtype.np, tensor.shape[-3])
        if tensor.requires_grad:
            from ..ops.creation import tensor as _tensor

            m = _tensor(mean, dtype=tensor.dtype)
            s = _tensor(std, dtype=tensor.dtype)
            out = (tensor - m) / s
        else:
            arr, _ = _as_array(tensor)
            out = _out(_normalize_np(arr, mean, std), _TENSOR)
        if self.inplace:
            from ..ops._inplace import rebind

            return rebind(tensor, out)
        return out

    _batch_forward = forward

    def _apply_batch(self, batch: np.ndarray, kind: str):
        if kind != _TENSOR or batch.dtype.kind != "f" or batch.ndim < 4:
            return NotImplemented
        mean, std = self._stats(batch.dtype, batch.shape[-3])
        return _normalize_np(batch, mean, std), _TENSOR

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda(_Transform):
    """Mirrors ``torchvision.transforms.Lambda``: a user function as a transform.

    Example:
        >>> Lambda(lambda x: x.flatten())
    """

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def forward(self, img: Any) -> Any:
        return self.lambd(img)


# --------------------------------------------------------------- geometric transforms ----

class _Geometric(_Transform):
    """A transform acting on height and width, with parameters drawn per image.

    Subclasses define ``_params(rng, h, w)`` (drawn once per image, in order) and
    ``_apply(planar, params_list)`` on a stack of images whose last two axes are H, W.
    """

    _random = False

    def _params(self, rng, h: int, w: int) -> Any:
        return None

    def _apply(self, planar: np.ndarray, params: list) -> np.ndarray:
        raise NotImplementedError

    def _prepare(self, planar: np.ndarray) -> np.ndarray:
        """Deterministic work before the random parameters are drawn (padding)."""
        return planar

    def _run(self, planar: np.ndarray) -> np.ndarray:
        planar = self._prepare(planar)
        rng = _numpy_rng() if self._random else None
        h, w = planar.shape[-2:]
        params = [self._params(rng, h, w) for _ in range(planar.shape[0])]
        return self._apply(planar, params)

    def forward(self, img: Any) -> Any:
        arr, kind = _as_array(img)
        chans = _has_channels(arr, kind, False)
        planar = _planar(arr, kind, False)
        out = self._run(planar[None])[0]
        return _out(_unplanar(out, kind, False, chans), kind)

    _batch_forward = forward

    def _apply_batch(self, batch: np.ndarray, kind: str):
        if (kind == _NUMPY and batch.ndim not in (3, 4)) or (kind == _TENSOR and batch.ndim < 3):
            return NotImplemented
        chans = _has_channels(batch, kind, True)
        out = self._run(_planar(batch, kind, True))
        return _unplanar(out, kind, True, chans), kind


def _pad_amounts(padding) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from torchvision's 1-, 2- or 4-element padding."""
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    if len(padding) == 1:
        p = int(padding[0])
        return p, p, p, p
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    if len(padding) == 4:
        return tuple(int(p) for p in padding)  # type: ignore[return-value]
    raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                     f"{len(padding)} element tuple")


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect",
              "symmetric": "symmetric"}


def _pad(planar: np.ndarray, ltrb, fill, mode: str) -> np.ndarray:
    left, top, right, bottom = ltrb
    if min(ltrb) < 0:
        # Negative padding crops, as in torchvision.
        h, w = planar.shape[-2:]
        planar = planar[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(v, 0) for v in ltrb)
    widths = [(0, 0)] * (planar.ndim - 2) + [(top, bottom), (left, right)]
    if mode != "constant":
        return np.pad(planar, widths, mode=_PAD_MODES[mode])
    f = _fill_array(fill, planar)
    if f.ndim == 0:
        return np.pad(planar, widths, constant_values=f.astype(planar.dtype))
    out = np.empty(planar.shape[:-2] + (planar.shape[-2] + top + bottom,
                                        planar.shape[-1] + left + right), planar.dtype)
    out[...] = f.astype(planar.dtype)
    out[..., top:top + planar.shape[-2], left:left + planar.shape[-1]] = planar
    return out


def _check_pad_args(padding, fill, padding_mode: str) -> None:
    if padding is not None:
        _pad_amounts(padding)
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in _PAD_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")


class Pad(_Geometric):
    """Mirrors ``torchvision.transforms.Pad``: pad the borders (``constant``, ``edge``,
    ``reflect`` or ``symmetric``).

    Example:
        >>> Pad(2)(np.zeros((28, 28), np.uint8)).shape
        (32, 32)
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        _check_pad_args(padding, fill, padding_mode)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def _apply(self, planar, params):
        return _pad(planar, _pad_amounts(self.padding), self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


def _crop_each(planar: np.ndarray, tops, lefts, th: int, tw: int) -> np.ndarray:
    if len(set(tops)) == 1 and len(set(lefts)) == 1:
        return planar[..., tops[0]:tops[0] + th, lefts[0]:lefts[0] + tw]
    return np.stack([planar[k, ..., i:i + th, j:j + tw]
                     for k, (i, j) in enumerate(zip(tops, lefts))])


class CenterCrop(_Geometric):
    """Mirrors ``torchvision.transforms.CenterCrop`` (zero-pads images smaller than ``size``).

    Example:
        >>> CenterCrop(24)(np.zeros((28, 28), np.uint8)).shape
        (24, 24)
    """

    def __init__(self, size) -> None:
        self.size = _size_pair(size)

    def _apply(self, planar, params):
        th, tw = self.size
        h, w = planar.shape[-2:]
        if th > h or tw > w:
            ltrb = ((tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                    (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0)
            planar = _pad(planar, ltrb, 0, "constant")
            h, w = planar.shape[-2:]
            if th == h and tw == w:
                return planar
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return planar[..., top:top + th, left:left + tw]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class RandomCrop(_Geometric):
    """Mirrors ``torchvision.transforms.RandomCrop``: a random ``size`` window, after
    optional ``padding`` (and ``pad_if_needed`` padding of images smaller than ``size``).

    Example:
        >>> RandomCrop(28, padding=4)(np.zeros((28, 28), np.uint8)).shape
        (28, 28)
    """

    _random = True

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant") -> None:
        self.size = _size_pair(size)
        _check_pad_args(padding, fill, padding_mode)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def _prepare(self, planar):
        if self.padding is not None:
            planar = _pad(planar, _pad_amounts(self.padding), self.fill, self.padding_mode)
        th, tw = self.size
        h, w = planar.shape[-2:]
        if self.pad_if_needed and w < tw:
            planar = _pad(planar, (tw - w, 0, tw - w, 0), self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            planar = _pad(planar, (0, th - h, 0, th - h), self.fill, self.padding_mode)
        return planar

    def _params(self, rng, h, w):
        th, tw = self.size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if h == th and w == tw:
            return 0, 0
        return int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))

    def _apply(self, planar, params):
        th, tw = self.size
        return _crop_each(planar, [p[0] for p in params], [p[1] for p in params], th, tw)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip(_Geometric):
    """Mirrors ``torchvision.transforms.RandomHorizontalFlip``: mirror left-right with
    probability ``p``.

    Example:
        >>> RandomHorizontalFlip(p=1.0)(np.arange(4).reshape(2, 2))
        array([[1, 0],
               [3, 2]])
    """

    _random = True
    _axis = -1

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def _params(self, rng, h, w):
        return bool(rng.random() < self.p)

    def _apply(self, planar, params):
        flips = np.asarray(params, dtype=bool)
        out = np.array(planar)
        out[flips] = np.flip(planar[flips], axis=self._axis)
        return out

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirrors ``torchvision.transforms.RandomVerticalFlip``: flip top-bottom with
    probability ``p``.

    Example:
        >>> RandomVerticalFlip(p=1.0)(np.arange(4).reshape(2, 2))
        array([[2, 3],
               [0, 1]])
    """

    _axis = -2


def _setup_angle(degrees) -> tuple[float, float]:
    if isinstance(degrees, numbers.Number):
        if degrees < 0:
            raise ValueError("If degrees is a single number, it must be positive.")
        return -float(degrees), float(degrees)
    if not isinstance(degrees, Sequence) or len(degrees) != 2:
        raise ValueError("If degrees is a sequence, it must be of len 2.")
    return float(degrees[0]), float(degrees[1])


def _sample(planar: np.ndarray, sy: np.ndarray, sx: np.ndarray, mode: InterpolationMode,
            fill) -> np.ndarray:
    """Resample each image of ``planar`` (N, ..., H, W) at float source coordinates
    ``sy, sx`` (N, H', W'); points outside take ``fill``."""
    n, h, w = planar.shape[0], planar.shape[-2], planar.shape[-1]
    lead = planar.shape[1:-2]
    flat = planar.reshape(n, -1, h * w).astype(np.float64)
    f = _fill_array(fill, planar)
    f = f.reshape(1, -1, 1) if f.ndim else f

    def take(yi, xi):
        ok = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        lin = (np.clip(yi, 0, h - 1) * w + np.clip(xi, 0, w - 1)).reshape(n, 1, -1)
        vals = np.take_along_axis(flat, lin, axis=2)
        return vals, ok.reshape(n, 1, -1)

    if mode is InterpolationMode.NEAREST:
        vals, ok = take(np.rint(sy).astype(np.int64), np.rint(sx).astype(np.int64))
        out = np.where(ok, vals, f)
    else:
        y0, x0 = np.floor(sy).astype(np.int64), np.floor(sx).astype(np.int64)
        wy, wx = (sy - y0).reshape(n, 1, -1), (sx - x0).reshape(n, 1, -1)
        acc = np.zeros((n, flat.shape[1], sy[0].size))
        mass = np.zeros((n, 1, sy[0].size))
        for dy, dx, wgt in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                            (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
            vals, ok = take(y0 + dy, x0 + dx)
            acc += np.where(ok, vals, 0.0) * wgt
            mass += ok * wgt
        out = acc + (1.0 - mass) * f
    return _cast_back(out.reshape((n,) + lead + sy.shape[1:]), planar.dtype)


class RandomRotation(_Geometric):
    """Mirrors ``torchvision.transforms.RandomRotation``: rotate by a random angle in
    ``degrees`` (counter-clockwise), around ``center`` (default: the image centre).

    Example:
        >>> RandomRotation(10)(np.zeros((28, 28), np.uint8)).shape
        (28, 28)
    """

    _random = True

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False,
                 center: Sequence[float] | None = None, fill=0) -> None:
        self.degrees = _setup_angle(degrees)
        self.interpolation = _interp(interpolation)
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        if not isinstance(fill, (numbers.Number, tuple, list)) and fill is not None:
            raise TypeError("Fill should be either a sequence or a number.")
        self.expand = expand
        self.center = center
        self.fill = 0 if fill is None else fill

    def _params(self, rng, h, w):
        return float(rng.uniform(self.degrees[0], self.degrees[1]))

    def _apply(self, planar, params):
        h, w = planar.shape[-2:]
        theta = np.deg2rad(np.asarray(params, dtype=np.float64))[:, None, None]
        cos, sin = np.cos(theta), np.sin(theta)
        if self.center is None:
            cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        else:  # torchvision's centre is in continuous coordinates (pixel k spans [k, k+1])
            cx, cy = float(self.center[0]) - 0.5, float(self.center[1]) - 0.5
        oh, ow, ocx, ocy = h, w, cx, cy
        if self.expand:
            c, s = np.abs(np.cos(theta)).max(), np.abs(np.sin(theta)).max()
            ow = int(math.ceil(w * c + h * s - 1e-4))
            oh = int(math.ceil(h * c + w * s - 1e-4))
            ocx, ocy = (ow - 1) / 2.0, (oh - 1) / 2.0
        yo, xo = np.mgrid[0:oh, 0:ow].astype(np.float64)
        dx, dy = xo[None] - ocx, yo[None] - ocy
        sx = cos * dx - sin * dy + cx
        sy = sin * dx + cos * dy + cy
        return _sample(planar, sy, sx, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(degrees={list(self.degrees)}, "
                f"interpolation={self.interpolation.value}, expand={self.expand}, "
                f"fill={self.fill})")


def _resized_size(h: int, w: int, size, max_size: int | None) -> tuple[int, int]:
    if isinstance(size, numbers.Number) or len(size) == 1:
        requested = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return int(size[0]), int(size[1])


class Resize(_Geometric):
    """Mirrors ``torchvision.transforms.Resize``: resize to ``size`` (``(h, w)``, or an int
    for the smaller edge) with bilinear or nearest interpolation.

    Bilinear values equal ``torch.nn.functional.interpolate(mode="bilinear",
    align_corners=False, antialias=False)``; ``antialias`` is accepted and ignored.

    Example:
        >>> Resize(14)(np.zeros((28, 28), np.uint8)).shape
        (14, 14)
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR,
                 max_size: int | None = None, antialias: bool | None = True) -> None:
        if not isinstance(size, (int, Sequence)) or (isinstance(size, Sequence)
                                                     and len(size) not in (1, 2)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        self.size = size
        self.interpolation = _interp(interpolation)
        self.max_size = max_size
        self.antialias = antialias

    def _apply(self, planar, params):
        h, w = planar.shape[-2:]
        oh, ow = _resized_size(h, w, self.size, self.max_size)
        if (oh, ow) == (h, w):
            return planar
        n = planar.shape[0]
        if self.interpolation is InterpolationMode.NEAREST:
            ys = np.minimum(np.floor(np.arange(oh) * (h / oh)), h - 1)
            xs = np.minimum(np.floor(np.arange(ow) * (w / ow)), w - 1)
            return planar[..., ys.astype(np.int64)[:, None], xs.astype(np.int64)[None, :]]
        ys = np.maximum((np.arange(oh) + 0.5) * (h / oh) - 0.5, 0.0)
        xs = np.maximum((np.arange(ow) + 0.5) * (w / ow) - 0.5, 0.0)
        sy = np.broadcast_to(ys[:, None], (n, oh, ow))
        sx = np.broadcast_to(xs[None, :], (n, oh, ow))
        # Clamp the far neighbour onto the last row/column (torch's edge rule).
        sy = np.minimum(sy, h - 1)
        sx = np.minimum(sx, w - 1)
        return _sample(planar, sy, sx, InterpolationMode.BILINEAR, 0)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, "
                f"interpolation={self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")
