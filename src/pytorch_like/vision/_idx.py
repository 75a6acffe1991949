"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST (gzip or raw).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values, big-endian, row-major.
MNIST images have magic 2051 (uint8, 3 dimensions), labels 2049 (uint8, 1 dimension).

Every problem raises :class:`IDXError` naming the file and saying what is wrong (bad magic
number, wrong number of dimensions, truncated data with the expected and actual byte
counts, corrupt gzip stream).
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

__all__ = ["IDXError", "read_idx", "write_idx"]

_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {d.newbyteorder("=").str: c for c, d in _TYPES.items()}
_TYPE_NAMES = "0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64"


class IDXError(RuntimeError):
    """A missing, corrupt or truncated IDX file; the message names the file."""


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":  # gzip is recognised by its magic bytes, not the file name
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError as e:
        raise IDXError(f"{path}: truncated gzip stream ({e}); the file is incomplete, "
                       "delete it and download it again") from None
    except (OSError, zlib.error) as e:
        raise IDXError(f"{path}: corrupt gzip data ({e})") from None


def read_idx(path: str | os.PathLike, expected_ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a native-endian numpy array.

    ``expected_ndim`` (3 for image files, 1 for label files) is checked against the header.

    Example:
        >>> images = read_idx("MNIST/raw/train-images-idx3-ubyte.gz", expected_ndim=3)
        >>> images.shape, images.dtype
        ((60000, 28, 28), dtype('uint8'))
    """
    path = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: truncated: the IDX header needs at least 4 bytes, got "
                       f"{len(raw)}")
    magic = int.from_bytes(raw[:4], "big")
    code, ndim = raw[2], raw[3]
    if raw[0] != 0 or raw[1] != 0 or code not in _TYPES:
        want = ""
        if expected_ndim is not None:
            want = f" (expected {0x0800 + expected_ndim} for uint8 data with {expected_ndim} dims)"
        raise IDXError(f"{path}: bad magic number {magic} (0x{magic:08X}){want}; an IDX file "
                       f"starts with two zero bytes, a type code ({_TYPE_NAMES}) and the "
                       "number of dimensions. Is this really an IDX file?")
    if expected_ndim is not None and ndim != expected_ndim:
        raise IDXError(f"{path}: wrong dims: expected {expected_ndim} dimension(s) "
                       f"(magic {(code << 8) + expected_ndim}), got {ndim} (magic {magic})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: truncated: the header of a {ndim}-dimensional IDX file has "
                       f"{header} bytes, got {len(raw)}")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = _TYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got < expected:
        raise IDXError(f"{path}: truncated: expected {expected} bytes of data for shape "
                       f"{dims}, got {got}")
    if got > expected:
        raise IDXError(f"{path}: {got - expected} unexpected bytes after the data: expected "
                       f"{expected} bytes of data for shape {dims}, got {got}")
    arr = np.frombuffer(raw, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    return arr.reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``compress``, or when ``path``
    ends in ``.gz`` and ``compress`` is None). Written to a temporary file, then renamed.

    Example:
        >>> write_idx("labels-idx1-ubyte", np.array([5, 0, 4], dtype=np.uint8))
    """
    path = os.fspath(path)
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=").str
    if key not in _CODES:
        raise TypeError(f"IDX files cannot hold {array.dtype} data")
    code = _CODES[key]
    head = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    body = head + np.ascontiguousarray(array, dtype=_TYPES[code]).tobytes()
    if compress if compress is not None else path.endswith(".gz"):
        body = gzip.compress(body, mtime=0)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(body)
    os.replace(tmp, path)
