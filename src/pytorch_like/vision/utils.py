"""``make_grid`` and ``save_image``: mirrors ``torchvision.utils`` for viewing image batches.

Example (the DCGAN and VAE tutorials):
    >>> from pytorch_like.vision import utils as vutils
    >>> grid = vutils.make_grid(fake, padding=2, normalize=True)   # (3, H', W') float32
    >>> vutils.save_image(recon.view(-1, 1, 28, 28), "reconstruction.png", nrow=8)

``save_image`` writes through Pillow when it is installed (any format Pillow knows);
without Pillow it still writes PNG files, with a small encoder of its own.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from typing import Any, BinaryIO

import numpy as np

from .. import _dtype as D
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _normalize_(t: Tensor, low: float, high: float) -> None:
    # torchvision clamps to the range, then maps it onto [0, 1], in place on a clone.
    t.clamp_(min=low, max=high)
    t.sub_(low).div_(max(high - low, 1e-5))


def _normalize_range_(t: Tensor, value_range: tuple | None) -> None:
    if value_range is not None:
        _normalize_(t, value_range[0], value_range[1])
    else:
        _normalize_(t, float(t.min()), float(t.max()))


@no_grad()
def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: tuple[int, int] | None = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Mirrors ``torchvision.utils.make_grid``: tile a ``(B, C, H, W)`` batch (or a list of
    ``(C, H, W)`` images) into one ``(C, H', W')`` image, ``nrow`` images a row.

    One-channel images become three-channel; a batch of one image is returned without
    padding. ``normalize=True`` maps ``value_range`` (default: the batch's min and max, or
    each image's with ``scale_each=True``) onto ``[0, 1]``. The result does not require grad.
    """
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError("tensor or list of tensors expected, got a list containing "
                                    f"{type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    from .. import cat, stack

    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)
    if tensor.dim() == 2:  # one H x W image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # one C x H x W image; a gray one is shown as RGB
        if tensor.size(0) == 1:
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:  # a batch of gray images
        tensor = cat((tensor, tensor, tensor), 1)

    # torchvision tests ``is True``: normalize=1 does not normalize there either.
    if normalize is True:
        tensor = tensor.clone()  # the caller's images are left as they are
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")
        if scale_each is True:
            for t in tensor:  # each image is a view of the clone, normalized in place
                _normalize_range_(t, value_range)
        else:
            _normalize_range_(tensor, value_range)

    if tensor.size(0) == 1:
        return tensor.squeeze(0)

    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    channels = tensor.size(1)
    # Every cell is an image with ``padding`` rows/columns of pad_value before it; cells
    # past the last image are all pad_value. Lay the cells out in one go, then add the
    # closing padding at the bottom and right.
    cells = tensor.new_full((ymaps * xmaps, channels, height, width), pad_value)
    cells[:nmaps, :, padding:, padding:] = tensor
    body = cells.view(ymaps, xmaps, channels, height, width).permute(2, 0, 3, 1, 4)
    body = body.reshape(channels, ymaps * height, xmaps * width)
    grid = tensor.new_full((channels, ymaps * height + padding, xmaps * width + padding),
                           pad_value)
    grid[:, :ymaps * height, :xmaps * width] = body
    return grid


def _png_bytes(pixels: np.ndarray) -> bytes:
    # A minimal 8-bit RGB PNG: signature, IHDR, one zlib IDAT (filter 0 on every row), IEND.
    h, w, c = pixels.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = np.concatenate([np.zeros((h, 1), np.uint8), pixels.reshape(h, w * c)], axis=1)
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def _is_png(fp: Any, format: str | None) -> bool:
    if format is not None:
        return format.lower() == "png"
    return isinstance(fp, (str, os.PathLike)) and os.fspath(fp).lower().endswith(".png")


@no_grad()
def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO,
               format: str | None = None, **kwargs: Any) -> None:
    """Mirrors ``torchvision.utils.save_image``: ``make_grid(tensor, **kwargs)`` scaled
    from ``[0, 1]`` to 8-bit (rounded to nearest, clamped) and written to ``fp``.

    The format comes from ``format`` or the file name's extension, as in Pillow, which
    writes the file when installed; without Pillow only PNG can be written.
    """
    grid = make_grid(tensor, **kwargs)
    # +0.5 before the truncating cast to uint8 rounds to nearest, as torchvision does.
    pixels = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", D.uint8)
    pixels = pixels.numpy()
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        Image.fromarray(pixels).save(fp, format=format)
        return
    if not _is_png(fp, format):
        raise ImportError("save_image needs Pillow for formats other than PNG "
                          "(pip install pillow)")
    data = _png_bytes(pixels)
    if isinstance(fp, (str, os.PathLike)):
        with open(fp, "wb") as f:
            f.write(data)
    else:
        fp.write(data)
