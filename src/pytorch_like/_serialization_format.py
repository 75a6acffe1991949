"""Reader and writer for PyTorch's zip checkpoint format, implemented without torch.

This mirrors what ``torch.save`` writes by default since PyTorch 1.6
(``_use_new_zipfile_serialization=True``) and what ``torch.load`` reads, as observed
with torch 2.13:

* The file is an uncompressed ("stored") zip archive whose records all live in one
  folder, the *archive name* (``torch.save`` uses the file's stem; any name is accepted
  when reading).
* ``<archive>/data.pkl`` is a protocol-2 pickle of the saved object.  Tensors appear as
  calls to ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
  requires_grad, backward_hooks)`` (``_rebuild_tensor_v3(..., dtype)`` for dtypes that
  have no legacy storage class, e.g. ``uint16`` or ``float8_*``); an ``nn.Parameter`` is
  ``torch._utils._rebuild_parameter(tensor, requires_grad, backward_hooks)``.
* Storages are pickled by *persistent id*:
  ``('storage', torch.FloatStorage, '<key>', '<location>', numel)`` -- ``numel`` counts
  elements for legacy typed storages and bytes for ``torch.storage.UntypedStorage``.
  The raw little-endian bytes of storage ``key`` are the record ``<archive>/data/<key>``.
* Other records: ``.format_version`` (``"1"``), ``.storage_alignment`` (``"64"``),
  ``byteorder`` (``"little"``), ``version`` (``"3\\n"``) and ``.data/serialization_id``
  (40 decimal digits).
* The zip layout follows the miniz writer that torch uses: every record's payload starts
  at a multiple of 64 bytes (padding goes into a local-header extra field tagged ``FB``),
  local headers carry zero CRC/sizes and a data descriptor follows each non-empty
  payload, and zip64 end records are always present.  torch 2.x relies on this exact
  layout (``.format_version >= 1``) when it computes storage offsets without reading
  headers (``mmap=True`` with ``calculate_storage_offsets``, fake/meta loading), so the
  writer reproduces it exactly (only timestamps and version-needed fields differ).

The public ``torch.save`` / ``torch.load`` of pytorch_like are built on top of
:func:`write_zip` and :func:`read_zip`; this module only knows numpy arrays and
delegates the conversion to/from framework tensors to callbacks.  Both have two modes,
like torch: weights-only (containers, tensors, primitives; the default) and whole
objects (``write_zip(..., allow_objects=True)`` / ``read_zip(..., weights_only=False)``:
any picklable object, tensors still stored as storage records).
"""

from __future__ import annotations

import inspect
import io
import os
import pickle
import pickletools
import secrets
import stat
import struct
import sys
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Union

import numpy as np

__all__ = [
    "ForbiddenGlobalError",
    "TorchDtype",
    "numpy_dtype",
    "read_zip",
    "supported_dtype_names",
    "torch_dtype_name",
    "write_zip",
]

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]
#: ``to_array(leaf) -> (array, dtype_name, requires_grad[, is_parameter]) | None``
ToArray = Callable[[Any], "tuple[Any, ...] | None"]
#: ``from_array(array, dtype_name, requires_grad[, is_parameter]) -> tensor``
FromArray = Callable[..., Any]
#: ``make_parameter(tensor_from_from_array, requires_grad) -> parameter``
MakeParameter = Callable[[Any, bool], Any]

# --------------------------------------------------------------------------------------
# dtype table
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DtypeInfo:
    name: str  # torch dtype name without the "torch." prefix
    storage_class: str | None  # legacy ``torch.<X>Storage``; None -> UntypedStorage + v3
    numpy_name: str  # numpy dtype name, or ml_dtypes attribute for the exotic floats
    swap_unit: int  # bytes per byte-swapped unit (component size for complex types)


# Legacy storage class names are the ones torch 2.13 pickles; dtypes without one are
# written by torch as ``_rebuild_tensor_v3(UntypedStorage, ..., torch.<dtype>)``.
_DTYPES: dict[str, _DtypeInfo] = {
    info.name: info
    for info in (
        _DtypeInfo("float32", "FloatStorage", "float32", 4),
        _DtypeInfo("float64", "DoubleStorage", "float64", 8),
        _DtypeInfo("float16", "HalfStorage", "float16", 2),
        _DtypeInfo("bfloat16", "BFloat16Storage", "bfloat16", 2),
        _DtypeInfo("complex64", "ComplexFloatStorage", "complex64", 4),
        _DtypeInfo("complex128", "ComplexDoubleStorage", "complex128", 8),
        _DtypeInfo("int64", "LongStorage", "int64", 8),
        _DtypeInfo("int32", "IntStorage", "int32", 4),
        _DtypeInfo("int16", "ShortStorage", "int16", 2),
        _DtypeInfo("int8", "CharStorage", "int8", 1),
        _DtypeInfo("uint8", "ByteStorage", "uint8", 1),
        _DtypeInfo("bool", "BoolStorage", "bool", 1),
        _DtypeInfo("uint16", None, "uint16", 2),
        _DtypeInfo("uint32", None, "uint32", 4),
        _DtypeInfo("uint64", None, "uint64", 8),
        _DtypeInfo("float8_e4m3fn", None, "float8_e4m3fn", 1),
        _DtypeInfo("float8_e5m2", None, "float8_e5m2", 1),
        _DtypeInfo("float8_e4m3fnuz", None, "float8_e4m3fnuz", 1),
        _DtypeInfo("float8_e5m2fnuz", None, "float8_e5m2fnuz", 1),
    )
}
_STORAGE_CLASS_TO_DTYPE: dict[str, str] = {
    info.storage_class: info.name for info in _DTYPES.values() if info.storage_class
}
_ML_DTYPES_NAMES = frozenset({"bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                              "float8_e5m2fnuz"})
_np_dtype_cache: dict[str, np.dtype] = {}


def supported_dtype_names() -> tuple[str, ...]:
    """Torch dtype names (without ``torch.``) this module can read and write."""
    return tuple(_DTYPES)


def numpy_dtype(dtype_name: str) -> np.dtype:
    """numpy dtype holding the values of torch dtype ``dtype_name`` (e.g. ``"bfloat16"``).

    bfloat16 and the float8 types come from ``ml_dtypes`` (a jax dependency), imported
    lazily so that plain float/int checkpoints work with numpy alone.
    """
    info = _dtype_info(dtype_name)
    cached = _np_dtype_cache.get(info.name)
    if cached is None:
        if info.numpy_name in _ML_DTYPES_NAMES:
            import ml_dtypes

            cached = np.dtype(getattr(ml_dtypes, info.numpy_name))
        else:
            cached = np.dtype(info.numpy_name)
        _np_dtype_cache[info.name] = cached
    return cached


def torch_dtype_name(dtype: Any) -> str:
    """Torch dtype name for a numpy dtype (inverse of :func:`numpy_dtype`)."""
    dt = np.dtype(dtype)
    for name in _DTYPES:
        try:
            if numpy_dtype(name).type is dt.type:
                return name
        except ImportError:  # ml_dtypes missing: those dtypes cannot match anyway
            continue
    raise ValueError(f"pytorch_like: numpy dtype {dt} has no torch equivalent")


def _dtype_info(dtype_name: str) -> _DtypeInfo:
    if not isinstance(dtype_name, str):
        raise TypeError(f"pytorch_like: dtype name must be a str, got {type(dtype_name)!r}")
    # Accept "torch.float32" as well as "float32"; canonical names are what torch pickles.
    key = dtype_name.removeprefix("torch.")
    try:
        return _DTYPES[key]
    except KeyError:
        raise ValueError(
            f"pytorch_like: unsupported dtype {dtype_name!r}; supported: {', '.join(_DTYPES)}"
        ) from None


def _swap_bytes(raw: np.ndarray, unit: int) -> np.ndarray:
    """Reverse the byte order of every ``unit``-byte group of a flat uint8 array."""
    if unit == 1:
        return raw
    return np.ascontiguousarray(raw.reshape(-1, unit)[:, ::-1]).reshape(-1)


def _torch_contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides in elements, computed like torch (size-0 dims count as 1)."""
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * max(shape[i + 1], 1)
    return tuple(strides)


# --------------------------------------------------------------------------------------
# zip container (miniz-compatible layout)
# --------------------------------------------------------------------------------------

_ALIGNMENT = 64  # torch.utils.serialization.config.save.storage_alignment default
_ZIP64_LIMIT = 0xFFFFFFFF  # miniz switches to zip64 fields at >= this value
_CHUNK = 64 * 1024 * 1024  # write/CRC large payloads in pieces (bounded syscalls)
_DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1  # torch writes 0; use the valid epoch
_FLAG_DATA_DESCRIPTOR = 0x0008
_FLAG_UTF8 = 0x0800


@dataclass
class _CentralEntry:
    name: bytes
    flags: int
    crc: int
    size: int
    offset: int


class _ZipWriter:
    """Sequential writer of stored zip records laid out like torch's miniz writer.

    Only ever appends, tracking offsets itself, so it also works on non-seekable streams
    and on file objects that were not at position 0 (offsets are archive-relative).
    """

    def __init__(self, fh: IO[bytes], alignment: int = _ALIGNMENT) -> None:
        self._fh = fh
        self._alignment = alignment
        self._pos = 0
        self._entries: list[_CentralEntry] = []

    def _write(self, data: bytes | memoryview | np.ndarray) -> None:
        view = memoryview(data).cast("B")
        while len(view):
            written = self._fh.write(view)
            # Raw (unbuffered) streams may write less than asked; None means "all".
            n = len(view) if written is None else written
            if n <= 0:
                raise OSError("pytorch_like: short write while saving checkpoint")
            self._pos += n
            view = view[n:]

    def add(self, name: str, payload: bytes | np.ndarray) -> None:
        """Append one record; ``payload`` is bytes or a contiguous uint8 array."""
        data = np.frombuffer(payload, dtype=np.uint8) if isinstance(payload, bytes) else payload
        name_b = name.encode("utf-8")
        size = int(data.nbytes)
        offset = self._pos
        # miniz puts a zip64 extra field (sizes and/or header offset) in the local header
        # when either no longer fits in 32 bits; torch's offset arithmetic counts it.
        zip64_fields = b""
        if size >= _ZIP64_LIMIT:
            zip64_fields += struct.pack("<QQ", size, size)
        if offset >= _ZIP64_LIMIT:
            zip64_fields += struct.pack("<Q", offset)
        zip64_extra = struct.pack("<HH", 0x0001, len(zip64_fields)) + zip64_fields
        if not zip64_fields:
            zip64_extra = b""
        # Padding extra field "FB" + u16 length, always present (even with 0 pad bytes),
        # so that the payload starts on an alignment boundary.
        unpadded = offset + 30 + len(name_b) + len(zip64_extra) + 4
        pad = -unpadded % self._alignment
        extra = zip64_extra + b"FB" + struct.pack("<H", pad) + b"\0" * pad
        # Like miniz: CRC/sizes are zero in the local header and a data descriptor follows
        # the payload (flag bit 3), except for empty payloads which need neither.
        flags = _FLAG_UTF8 | (_FLAG_DATA_DESCRIPTOR if size else 0)
        size32 = 0xFFFFFFFF if size >= _ZIP64_LIMIT else 0
        version = 45 if zip64_fields else 20
        self._write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, version, flags, 0, 0, _DOS_DATE_1980_01_01,
                0, size32, size32, len(name_b), len(extra),
            )
            + name_b
            + extra
        )
        crc = 0
        flat = data.reshape(-1)
        for start in range(0, size, _CHUNK):
            chunk = flat[start : start + _CHUNK]
            crc = zlib.crc32(chunk, crc)
            self._write(chunk)
        if size:
            if zip64_fields:
                self._write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
            else:
                self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self._entries.append(_CentralEntry(name_b, flags, crc, size, offset))

    def finish(self) -> None:
        """Write the central directory and the (zip64 and classic) end records."""
        cd_start = self._pos
        for e in self._entries:
            fields = b""
            if e.size >= _ZIP64_LIMIT:
                fields += struct.pack("<QQ", e.size, e.size)
            if e.offset >= _ZIP64_LIMIT:
                fields += struct.pack("<Q", e.offset)
            extra = struct.pack("<HH", 0x0001, len(fields)) + fields if fields else b""
            size32 = min(e.size, 0xFFFFFFFF)
            version = 45 if fields else 20
            self._write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, e.flags, 0, 0,
                    _DOS_DATE_1980_01_01, e.crc, size32, size32, len(e.name), len(extra), 0,
                    0, 0, 0, min(e.offset, 0xFFFFFFFF),
                )
                + e.name
                + extra
            )
        cd_size = self._pos - cd_start
        n = len(self._entries)
        # torch (miniz) always emits the zip64 end record and locator; mirror that.
        eocd64_offset = self._pos
        self._write(
            struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_start,
            )
        )
        self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64_offset, 1))
        self._write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                min(cd_size, 0xFFFFFFFF), min(cd_start, 0xFFFFFFFF), 0,
            )
        )


# --------------------------------------------------------------------------------------
# writer: pickling with torch's global names
# --------------------------------------------------------------------------------------


class _TorchGlobal:
    """Stand-in for a torch global (class or function) referenced by the pickle.

    The pickler writes a GLOBAL opcode for any object whose ``__reduce__`` returns a
    string, but it first checks that importing ``obj.__module__`` and looking up that
    string yields ``obj`` itself -- impossible for ``torch._utils._rebuild_tensor_v2``
    without torch.  So each stand-in is stored as an attribute of *this* module under an
    alias; the pickler emits ``GLOBAL <this module> <alias>``, and
    :func:`_rewrite_globals` then replaces every such opcode with torch's real path.
    """

    __slots__ = ("alias", "module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.alias = "_torch_global__" + module.replace(".", "_") + "__" + name

    def __reduce__(self) -> str:
        return self.alias

    def __call__(self, *args: Any) -> Any:
        # Only here because pickle insists that a reduce callable be callable.
        raise TypeError(f"{self.module}.{self.name} is a pickling stand-in")


_ALIASES: dict[str, _TorchGlobal] = {}


def _torch_global(module: str, name: str) -> _TorchGlobal:
    g = _TorchGlobal(module, name)
    _ALIASES[g.alias] = g
    globals()[g.alias] = g  # make ``getattr(this_module, alias) is g`` hold for pickle
    return g


_REBUILD_TENSOR_V2 = _torch_global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_TENSOR_V3 = _torch_global("torch._utils", "_rebuild_tensor_v3")
_REBUILD_PARAMETER = _torch_global("torch._utils", "_rebuild_parameter")
_UNTYPED_STORAGE = _torch_global("torch.storage", "UntypedStorage")
_STORAGE_GLOBALS = {
    info.name: _torch_global("torch", info.storage_class)
    for info in _DTYPES.values()
    if info.storage_class
}
_DTYPE_GLOBALS = {name: _torch_global("torch", name) for name in _DTYPES}


class _Leaf:
    """An array leaf resolved by ``to_array``: one tensor with its own storage record."""

    __slots__ = ("info", "inner", "is_parameter", "payload", "requires_grad", "shape",
                 "storage")

    def __init__(self, array: np.ndarray, info: _DtypeInfo, requires_grad: bool,
                 is_parameter: bool) -> None:
        self.info = info
        self.shape = tuple(int(d) for d in array.shape)
        self.requires_grad = requires_grad
        self.is_parameter = is_parameter
        self.payload = _little_endian_bytes(array, info)
        self.storage = _StorageRef(self)
        self.inner = _InnerTensor(self)


class _StorageRef:
    """Placeholder pickled through ``persistent_id`` as torch's storage tuple."""

    __slots__ = ("leaf",)

    def __init__(self, leaf: _Leaf) -> None:
        self.leaf = leaf


class _InnerTensor:
    """The plain tensor wrapped by ``_rebuild_parameter`` for nn.Parameter leaves."""

    __slots__ = ("leaf",)

    def __init__(self, leaf: _Leaf) -> None:
        self.leaf = leaf


def _little_endian_bytes(array: np.ndarray, info: _DtypeInfo) -> np.ndarray:
    """C-contiguous little-endian bytes of ``array`` as a flat uint8 array."""
    arr = np.ascontiguousarray(array)
    order = arr.dtype.byteorder
    big = order == ">" or (order == "=" and sys.byteorder == "big")
    raw = arr.reshape(-1).view(np.uint8)
    return _swap_bytes(raw, info.swap_unit) if big else raw


def _make_leaf(res: Any, where: str) -> _Leaf:
    if not isinstance(res, tuple) or len(res) not in (3, 4):
        raise TypeError(
            f"pytorch_like: to_array must return (array, dtype_name, requires_grad"
            f"[, is_parameter]) or None; got {type(res).__name__} for {where}"
        )
    array, dtype_name, requires_grad = res[:3]
    is_parameter = bool(res[3]) if len(res) == 4 else False
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"pytorch_like: to_array returned {type(array).__name__} instead of a numpy "
            f"array for {where}"
        )
    info = _dtype_info(dtype_name)
    expected = numpy_dtype(info.name)
    # Compare scalar types so that byte order does not matter ('>f4' is still float32).
    if array.dtype.type is not expected.type:
        raise ValueError(
            f"pytorch_like: to_array returned a {array.dtype} array for torch dtype "
            f"{info.name!r} ({expected} expected) at {where}"
        )
    return _Leaf(array, info, bool(requires_grad), is_parameter)


_PRIMITIVES = (type(None), bool, int, float, str)
_CONTAINERS = (dict, OrderedDict, list, tuple)


def _collect_leaves(obj: Any, to_array: ToArray) -> tuple[dict[int, _Leaf], list[Any]]:
    """Validate ``obj`` and resolve its array leaves, keyed by ``id``.

    Only types that ``torch.load(weights_only=True)`` accepts are let through, so every
    file we write is loadable by torch; anything else fails here with the path to the
    offending element instead of producing an unloadable checkpoint.  Containers and
    primitives are never offered to ``to_array`` (the pickler handles exact builtin
    types itself, so a container cannot become a leaf).
    """
    leaves: dict[int, _Leaf] = {}
    keep_alive: list[Any] = []  # ids are only unique while the objects live
    seen: set[int] = set()

    def visit(x: Any, where: str) -> None:
        t = type(x)
        if t in _PRIMITIVES:
            return
        if id(x) in seen:  # shared or recursive references: pickle memoizes them
            return
        seen.add(id(x))
        keep_alive.append(x)
        if t is dict or t is OrderedDict:
            for k, v in x.items():
                visit(k, f"{where} key {k!r}")
                visit(v, f"{where}[{k!r}]")
            if t is OrderedDict:
                # OrderedDict's pickle carries its __dict__ (torch's state_dict keeps
                # ``_metadata`` there), so its attributes are saved too.
                for k, v in vars(x).items():
                    visit(v, f"{where}.{k}")
            return
        if t is list or t is tuple:
            for i, v in enumerate(x):
                visit(v, f"{where}[{i}]")
            return
        res = to_array(x)
        if res is None:
            raise TypeError(
                f"pytorch_like: cannot save object of type {t.__module__}.{t.__qualname__} "
                f"at {where}: only dict, OrderedDict, list, tuple, str, int, float, bool, "
                "None and tensors are supported"
            )
        leaves[id(x)] = _make_leaf(res, where)

    visit(obj, "obj")
    return leaves, keep_alive


#: ``reduce_object(obj) -> reduce value | NotImplemented`` (see :func:`write_zip`)
ReduceObject = Callable[[Any], Any]


class _TorchPickler(pickle.Pickler):
    """Pickler producing torch's tensor/storage encoding for resolved leaves.

    With ``allow_objects`` it pickles anything, like ``torch.save`` does: every object the
    pickler meets is first offered to ``to_array`` (tensors become storages, resolved
    lazily here because there is no pre-pass over arbitrary objects), then to
    ``reduce_object``; everything else takes pickle's regular path (``__reduce_ex__``,
    classes by reference, ...).
    """

    def __init__(self, file: IO[bytes], leaves: dict[int, _Leaf], *,
                 to_array: ToArray | None = None,
                 reduce_object: ReduceObject | None = None) -> None:
        super().__init__(file, protocol=2)  # torch.save's DEFAULT_PROTOCOL
        self._leaves = leaves
        self._keys: dict[int, str] = {}
        self.storages: list[_Leaf] = []
        self._to_array = to_array  # None: restricted mode (leaves resolved up front)
        self._reduce_object = reduce_object
        self._keep_alive: list[Any] = []  # lazily resolved leaves are keyed by id()
        self.failed: Any = None  # object whose reduce_object raised, to locate it

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is not _StorageRef:
            return None
        leaf = obj.leaf
        key = self._keys.get(id(leaf))
        if key is None:
            # Keys are assigned in first-use order starting at "0": torch's offset
            # arithmetic assumes data/0, data/1, ... follow each other in pickle order.
            key = str(len(self.storages))
            self._keys[id(leaf)] = key
            self.storages.append(leaf)
        if leaf.info.storage_class is None:
            return ("storage", _UNTYPED_STORAGE, key, "cpu", leaf.payload.nbytes)
        numel = int(np.prod(leaf.shape, dtype=np.int64))
        return ("storage", _STORAGE_GLOBALS[leaf.info.name], key, "cpu", numel)

    def reducer_override(self, obj: Any) -> Any:
        t = type(obj)
        if t is _InnerTensor:
            return self._tensor_reduce(obj.leaf, requires_grad=False)
        leaf = self._leaves.get(id(obj))
        if leaf is None and self._to_array is not None:
            if t is _TorchGlobal or isinstance(obj, type):
                return NotImplemented
            res = self._to_array(obj)
            if res is not None:
                leaf = _make_leaf(res, f"object of type {t.__module__}.{t.__qualname__}")
                self._leaves[id(obj)] = leaf
                self._keep_alive.append(obj)
        if leaf is not None:
            if leaf.is_parameter:
                # torch: _rebuild_parameter(<tensor with requires_grad=False>, rg, hooks)
                return (_REBUILD_PARAMETER, (leaf.inner, leaf.requires_grad, OrderedDict()))
            return self._tensor_reduce(leaf, requires_grad=leaf.requires_grad)
        if self._to_array is not None:
            if self._reduce_object is not None:
                try:
                    return self._reduce_object(obj)
                except pickle.PicklingError:
                    self.failed = obj
                    raise
            return NotImplemented
        if t is OrderedDict or t is _TorchGlobal or isinstance(obj, type):
            return NotImplemented  # regular pickling (GLOBAL for classes / stand-ins)
        raise TypeError(f"pytorch_like: cannot save object of type {t.__qualname__}")

    @staticmethod
    def _tensor_reduce(leaf: _Leaf, *, requires_grad: bool) -> tuple[Any, tuple[Any, ...]]:
        stride = _torch_contiguous_strides(leaf.shape)
        # backward_hooks is always an empty OrderedDict, as torch writes it.
        args: tuple[Any, ...] = (leaf.storage, 0, leaf.shape, stride, requires_grad,
                                 OrderedDict())
        if leaf.info.storage_class is None:
            return (_REBUILD_TENSOR_V3, (*args, _DTYPE_GLOBALS[leaf.info.name]))
        return (_REBUILD_TENSOR_V2, args)


def _rewrite_globals(data: bytes) -> bytes:
    """Replace ``GLOBAL <this module> <alias>`` opcodes by torch's module paths."""
    out = bytearray()
    last = 0
    for opcode, arg, pos in pickletools.genops(data):
        if opcode.name != "GLOBAL":
            continue
        module, _, name = arg.partition(" ")
        g = _ALIASES.get(name) if module == __name__ else None
        if g is None:  # a genuine global (e.g. a pickled TorchDtype): keep it
            continue
        end = pos + 1 + len(module) + 1 + len(name) + 1
        out += data[last:pos]
        out += b"c" + g.module.encode("ascii") + b"\n" + g.name.encode("ascii") + b"\n"
        last = end
    out += data[last:]
    return bytes(out)


def _find_path(root: Any, target: Any, limit: int = 100_000) -> str | None:
    """Where ``target`` sits inside ``root`` (``obj.fc['key'][0]``), breadth first.

    Only used to explain a failed save: looks through containers and instance
    ``__dict__``s, visiting each object once and at most ``limit`` objects.
    """
    queue: list[tuple[Any, str]] = [(root, "obj")]
    seen = {id(root)}
    for x, where in queue:
        if x is target:
            return where
        if len(queue) > limit:
            break
        children: list[tuple[Any, str]] = []
        if isinstance(x, dict):
            children = [(v, f"{where}[{k!r}]") for k, v in x.items()]
        elif isinstance(x, (list, tuple)):
            children = [(v, f"{where}[{i}]") for i, v in enumerate(x)]
        elif isinstance(x, (set, frozenset)):
            children = [(v, f"{where} element") for v in x]
        attrs = getattr(x, "__dict__", None)
        if isinstance(attrs, dict) and not isinstance(x, type):
            children += [(v, f"{where}.{k}") for k, v in attrs.items()]
        for child, path in children:
            if id(child) not in seen and type(child) not in _PRIMITIVES:
                seen.add(id(child))
                queue.append((child, path))
    return None


def _pickle_object(obj: Any, to_array: ToArray, allow_objects: bool = False,
                   reduce_object: ReduceObject | None = None) -> tuple[bytes, list[_Leaf]]:
    buf = io.BytesIO()
    if not allow_objects:
        leaves, keep_alive = _collect_leaves(obj, to_array)
        pickler = _TorchPickler(buf, leaves)
        pickler.dump(obj)
        del keep_alive
        return _rewrite_globals(buf.getvalue()), pickler.storages
    pickler = _TorchPickler(buf, {}, to_array=to_array, reduce_object=reduce_object)
    try:
        pickler.dump(obj)
    except pickle.PicklingError as e:
        if pickler.failed is None:
            raise
        # reduce_object refused an object: say where it is in what was being saved.
        path = _find_path(obj, pickler.failed)
        pickler.failed = None
        if path is None:
            raise
        raise pickle.PicklingError(f"{e} (found at {path})") from e
    return _rewrite_globals(buf.getvalue()), pickler.storages


def _write_archive(fh: IO[bytes], pkl: bytes, storages: list[_Leaf], archive: str) -> None:
    zw = _ZipWriter(fh)
    # Record order is the one torch 2.13 writes (its offset arithmetic assumes the
    # storages are contiguous and in key order; the rest is cosmetic).
    zw.add(f"{archive}/data.pkl", pkl)
    zw.add(f"{archive}/.format_version", b"1")
    zw.add(f"{archive}/.storage_alignment", str(_ALIGNMENT).encode())
    zw.add(f"{archive}/byteorder", b"little")
    for key, leaf in enumerate(storages):
        zw.add(f"{archive}/data/{key}", leaf.payload)
    zw.add(f"{archive}/version", b"3\n")
    # torch writes a 40-digit decimal id that identifies this particular save.
    zw.add(f"{archive}/.data/serialization_id", b"%040d" % (secrets.randbits(128)))
    zw.finish()


def write_zip(
    f: PathOrFile,
    obj: Any,
    *,
    to_array: ToArray,
    archive_name: str = "archive",
    allow_objects: bool = False,
    reduce_object: ReduceObject | None = None,
) -> None:
    """Write ``obj`` in torch.save's zip format (as ``torch.save`` of torch >= 1.6 does).

    Args:
        f: destination path, or a writable binary file object.  Paths are written
            atomically: the data goes to a temporary file in the same directory that is
            flushed, fsync'ed and then ``os.replace``'d over the target; on any error the
            temporary file is removed and an existing target is left untouched.  File
            objects are written sequentially from their current position (no seeking).
        obj: nested dict / OrderedDict / list / tuple of str, int, float, bool, None and
            array leaves.  Shared references are preserved (a leaf occurring twice is
            saved once and loads as one object, as with torch).
        to_array: called for every object that is not one of the types above; returns
            ``(numpy_array, torch_dtype_name, requires_grad)`` or
            ``(numpy_array, torch_dtype_name, requires_grad, is_parameter)`` for a tensor
            (``is_parameter=True`` saves it as ``torch.nn.Parameter``), or ``None`` if
            the object cannot be saved (-> ``TypeError`` naming where it is in ``obj``).
            The array's dtype must match the dtype name (``ml_dtypes.bfloat16`` for
            ``"bfloat16"``); each leaf becomes its own storage record.
        archive_name: folder name of the records inside the zip (torch uses the stem of
            the file name; any name loads with torch).
        allow_objects: pickle arbitrary objects as ``torch.save`` does (whole modules,
            optimizers, user classes): ``to_array`` is then offered every object the
            pickler meets (tensors nested in object attributes become storages as
            usual) and anything it declines is pickled normally.  Such files need
            ``read_zip(..., weights_only=False)`` (torch: ``torch.load(...,
            weights_only=False)``).  Without it, only the types listed for ``obj`` pass
            and the file is guaranteed to load weights-only.
        reduce_object: with ``allow_objects``, called for each object ``to_array``
            declined; returns a ``__reduce__``-style value, or ``NotImplemented`` for
            regular pickling.  A ``pickle.PicklingError`` it raises is re-raised with
            the object's location inside ``obj`` appended.
    """
    if (not isinstance(archive_name, str) or not archive_name or "/" in archive_name
            or "\\" in archive_name or not archive_name.isprintable()):
        raise ValueError(f"pytorch_like: invalid archive_name {archive_name!r}")
    # Pickle first: type errors surface before anything touches the destination.
    pkl, storages = _pickle_object(obj, to_array, allow_objects, reduce_object)
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), lambda fh: _write_archive(fh, pkl, storages, archive_name))
    else:
        _write_archive(f, pkl, storages, archive_name)
        flush = getattr(f, "flush", None)
        if flush is not None:
            flush()


def _atomic_write(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Write via temp file + fsync + ``os.replace`` so readers never see a partial file."""
    target = os.path.realpath(path)  # write through symlinks like open(path, "wb") does
    directory, base = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            # os.open with 0o666 lets the umask decide the mode, like a plain open().
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
        except OSError as e:  # report the caller's path, not our temporary name
            raise type(e)(e.errno, e.strerror, path) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:  # keep the permissions of a file we replace, as overwriting in place would
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):  # persist the rename itself (POSIX only)
        try:
            dir_fd = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)


# --------------------------------------------------------------------------------------
# reader: restricted unpickling
# --------------------------------------------------------------------------------------


class ForbiddenGlobalError(pickle.UnpicklingError):
    """A checkpoint's pickle references a global a weights-only load does not allow.

    Mirrors ``torch.load(..., weights_only=True)``, which raises
    ``pickle.UnpicklingError`` ("Weights only load failed ...") in this situation.
    """


@dataclass(frozen=True, slots=True)
class TorchDtype:
    """A ``torch.<name>`` dtype object found in a checkpoint outside of a tensor.

    Returned by :func:`read_zip` where the saved object held a bare dtype, e.g.
    ``{"dtype": torch.float16}`` loads as ``{"dtype": TorchDtype("float16")}``.
    """

    name: str


@dataclass(frozen=True, slots=True)
class _StorageType:
    dtype: str | None  # None for torch.storage.UntypedStorage


@dataclass(frozen=True, slots=True)
class _Storage:
    key: str
    raw: np.ndarray  # flat uint8 record bytes as stored in the file
    dtype: str | None
    big_endian: bool  # swapped per tensor (untyped storages learn their dtype late)


@dataclass(frozen=True, slots=True)
class _PendingTensor:
    """A decoded tensor awaiting ``from_array`` (called once unpickling succeeded)."""

    array: np.ndarray
    dtype: str
    requires_grad: bool
    is_parameter: bool


class _CorruptCheckpoint(Exception):
    """Internal: the archive is structurally wrong; becomes a RuntimeError with the path."""


class _SafeCallable:
    """Callable handed to the unpickler.

    Slotted and read-only, so a malicious BUILD opcode cannot modify it (a plain
    function would let the pickle write into its ``__dict__``, and a pure-Python class
    such as ``collections.Counter`` would let it replace methods process-wide).
    """

    __slots__ = ("_fn", "_qualname")

    def __init__(self, fn: Callable[..., Any], qualname: str) -> None:
        object.__setattr__(self, "_fn", fn)
        object.__setattr__(self, "_qualname", qualname)

    def __setattr__(self, name: str, value: Any) -> None:
        # BUILD with "slot state" would setattr() on this shared object; refuse it.
        raise AttributeError(f"{self._qualname} is read-only")

    def __call__(self, *args: Any) -> Any:
        return self._fn(*args)

    def __repr__(self) -> str:
        return f"<{self._qualname}>"


def _check_int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise _CorruptCheckpoint(f"{what} must be an int, got {type(value).__name__}")
    return value


def _check_shape(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)):
        raise _CorruptCheckpoint(f"{what} must be a tuple, got {type(value).__name__}")
    return tuple(_check_int(v, what) for v in value)


def _decode_tensor(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                   dtype_name: str | None) -> _PendingTensor:
    """Mirror of ``torch._utils._rebuild_tensor``: a strided view of a storage.

    The view is validated against the storage bounds (``as_strided`` would otherwise
    read arbitrary memory for a malicious file) and copied into a contiguous array.
    """
    if not isinstance(storage, _Storage):
        raise _CorruptCheckpoint("tensor rebuilt from something that is not a storage")
    dtype = dtype_name if dtype_name is not None else storage.dtype
    if dtype is None:
        raise _CorruptCheckpoint(f"untyped storage {storage.key!r} used without a dtype")
    info = _DTYPES[dtype]
    np_dtype = numpy_dtype(dtype)
    offset = _check_int(offset, "storage_offset")
    shape = _check_shape(size, "size")
    strides = _check_shape(stride, "stride")
    if len(shape) != len(strides):
        raise _CorruptCheckpoint(f"size {shape} and stride {strides} differ in length")
    if any(d < 0 for d in shape) or any(s < 0 for s in strides) or offset < 0:
        raise _CorruptCheckpoint(f"negative size/stride/offset ({shape}, {strides}, {offset})")
    raw = storage.raw
    if raw.nbytes % np_dtype.itemsize:
        raise _CorruptCheckpoint(
            f"storage {storage.key!r} has {raw.nbytes} bytes, not a multiple of the "
            f"{dtype} element size"
        )
    if storage.big_endian:
        raw = _swap_bytes(raw, info.swap_unit)
    elements = raw.view(np_dtype)
    if 0 in shape:
        array = np.zeros(shape, dtype=np_dtype)
    else:
        last = offset + sum((d - 1) * s for d, s in zip(shape, strides))
        if last >= elements.size:
            raise _CorruptCheckpoint(
                f"tensor of size {shape}, stride {strides}, offset {offset} reads past the "
                f"end of storage {storage.key!r} ({elements.size} elements)"
            )
        itemsize = np_dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            elements[offset:], shape=shape, strides=[s * itemsize for s in strides],
            writeable=False,
        )
        array = np.array(view, dtype=np_dtype, order="C", copy=True)
    return _PendingTensor(array, dtype, bool(requires_grad), False)


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any, metadata: Any = None) -> Any:
    # backward_hooks are dropped (torch also ignores them on load); metadata only carries
    # flags such as conj/neg bits that plain CPU checkpoints don't use.
    return _decode_tensor(storage, storage_offset, size, stride, requires_grad, None)


def _rebuild_tensor_v3(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any, dtype: Any,
                       metadata: Any = None) -> Any:
    if not isinstance(dtype, TorchDtype):
        raise _CorruptCheckpoint(f"_rebuild_tensor_v3 dtype is {type(dtype).__name__}")
    return _decode_tensor(storage, storage_offset, size, stride, requires_grad, dtype.name)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any,
                       state: Any = None) -> Any:
    # Also used for _rebuild_parameter_with_state; the extra Python attributes of a
    # Parameter subclass (``state``) have no meaning here and are dropped.
    if not isinstance(data, _PendingTensor):
        raise _CorruptCheckpoint("_rebuild_parameter applied to a non-tensor")
    return _PendingTensor(data.array, data.dtype, bool(requires_grad), True)


def _latin1_encode(obj: Any, encoding: str = "utf-8") -> bytes:
    # Protocol-2 pickles encode bytes as _codecs.encode(str, 'latin1'); only allow that.
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        raise _CorruptCheckpoint("_codecs.encode used for something other than bytes")
    return obj.encode("latin1")


_SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): OrderedDict,
    ("collections", "Counter"): _SafeCallable(Counter, "collections.Counter"),
    ("builtins", "set"): set,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
    ("_codecs", "encode"): _SafeCallable(_latin1_encode, "_codecs.encode"),
    ("torch", "Size"): _SafeCallable(tuple, "torch.Size"),
    ("torch._utils", "_rebuild_tensor_v2"):
        _SafeCallable(_rebuild_tensor_v2, "torch._utils._rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor_v3"):
        _SafeCallable(_rebuild_tensor_v3, "torch._utils._rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_parameter"):
        _SafeCallable(_rebuild_parameter, "torch._utils._rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"):
        _SafeCallable(_rebuild_parameter, "torch._utils._rebuild_parameter_with_state"),
    ("torch.storage", "UntypedStorage"): _StorageType(None),
    **{("torch", cls): _StorageType(dt) for cls, dt in _STORAGE_CLASS_TO_DTYPE.items()},
    **{("torch", name): TorchDtype(name) for name in _DTYPES},
}


# torch.serialization.UNSAFE_MESSAGE (torch 2.13), minus its PyTorch 2.6 history note.
_UNSAFE_ADVICE = (
    "Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it "
    "can result in arbitrary code execution. Do it only if you got the file from a trusted "
    "source."
)


def _check_pid(pid: Any) -> None:
    if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
            or not isinstance(pid[1], _StorageType) or not isinstance(pid[2], str)
            or type(pid[4]) is not int or pid[4] < 0):
        raise _CorruptCheckpoint(f"unsupported persistent id {pid!r:.200}")


# Globals the user trusts for weights-only loading (``serialization.add_safe_globals``):
# objects, or ``(object, "module.name")`` pairs naming them as the checkpoint does.
_USER_SAFE_GLOBALS: list = []


def _user_global(module: str, name: str) -> Any:
    """The object the user allowlisted as ``module.name``, or None."""
    full = f"{module}.{name}"
    for entry in _USER_SAFE_GLOBALS:
        if isinstance(entry, tuple):
            if entry[1] == full:
                return entry[0]
        elif f"{entry.__module__}.{entry.__qualname__}" == full:
            return entry
    return None


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler admitting only what a weights-only ``torch.load`` of tensors needs.

    Like ``torch._weights_only_unpickler`` every global is looked up in an allowlist,
    and anything else raises :class:`ForbiddenGlobalError`; no arbitrary callables can
    run.  Storages arrive as persistent ids and are read from the zip on first use.
    """

    def __init__(self, data: bytes, display: str,
                 load_storage: Callable[[str, _StorageType, int], _Storage]) -> None:
        # torch.load decodes protocol-2 byte strings as utf-8 by default.
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._display = display
        self._load_storage = load_storage

    def find_class(self, module: str, name: str) -> Any:
        # Protocol-2 pickles written by Python 3 name builtins "__builtin__"; the default
        # find_class maps that (fix_imports), ours must do it explicitly.
        if module == "__builtin__":
            module = "builtins"
        found = _SAFE_GLOBALS.get((module, name))
        if found is not None:
            return found
        found = _user_global(module, name)
        if found is not None:
            return found
        if module == "torch" or module.startswith("torch."):
            # Legitimate torch objects outside the supported subset: sparse, quantized,
            # nested or subclassed tensors, torch.device, unsupported dtypes, ...
            raise ForbiddenGlobalError(
                f"Weights only load failed. pytorch_like: cannot load {self._display}: the "
                f"checkpoint references the global '{module}.{name}', which is not allowed "
                "(pytorch_like only loads dense tensors of the supported dtypes, "
                "nn.Parameters, containers and primitive values)"
            )
        # Any other global means pickled Python objects (a whole model, an optimizer,
        # ...).  The wording follows torch.load's for this case (torch >= 2.6).
        raise ForbiddenGlobalError(
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, do those steps only if you trust the source of the checkpoint. "
            f"\n\t(1) {_UNSAFE_ADVICE}"
            "\n\t(2) Alternatively, to load with `weights_only=True` please check the "
            "recommended steps in the following error message."
            "\n\tWeightsUnpickler error: Unsupported global: GLOBAL "
            f"{module}.{name} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{module}.{name}])` or the "
            f"`torch.serialization.safe_globals([{module}.{name}])` context manager to "
            "allowlist this global if you trust this class/function."
            f"\n\npytorch_like: cannot load {self._display}: the checkpoint references the "
            f"global '{module}.{name}', which is not allowed (weights-only loading allows "
            "only tensors, nn.Parameters, containers and primitive values; the file holds "
            "other Python objects and may be malicious)"
        )

    def persistent_load(self, pid: Any) -> Any:
        _check_pid(pid)
        # pid[3] is the device the storage lived on ('cuda:0', ...): arrays load on CPU.
        return self._load_storage(pid[2], pid[1], pid[4])


class _ObjectUnpickler(pickle.Unpickler):
    """Unrestricted unpickler for ``weights_only=False`` (mirrors torch's default
    ``pickle.Unpickler`` path): any importable global is allowed, so whole modules,
    optimizers and user classes come back, and it can run arbitrary code.

    Tensors are handed to ``from_array`` as soon as they are rebuilt, not after the
    load, because pickled objects use them right away (an optimizer's ``state`` is a
    dict keyed by its parameters).  Objects of real torch (other than tensors,
    Parameters, storages, dtypes and ``torch.Size``) are refused: pytorch_like cannot
    rebuild them.
    """

    def __init__(self, data: bytes, display: str,
                 load_storage: Callable[[str, _StorageType, int], _Storage],
                 from_array: FromArray, make_parameter: MakeParameter | None) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._display = display
        self._load_storage = load_storage
        self._from_array = from_array
        self._pass_flag = _accepts_is_parameter(from_array)
        self._make_parameter = make_parameter
        # tensor built here -> its decoded array (for _rebuild_parameter without
        # make_parameter); the tensors are kept alive so that ids stay unique.
        self._built: dict[int, tuple[Any, _PendingTensor]] = {}
        # torch's names map to our decoders; everything else is imported as usual.
        self._globals: dict[tuple[str, str], Any] = {
            key: value for key, value in _SAFE_GLOBALS.items()
            if key[0] == "torch" or key[0].startswith("torch.")
        }
        self._globals.update({
            ("torch._utils", "_rebuild_tensor_v2"): self._rebuild_tensor_v2,
            ("torch._utils", "_rebuild_tensor_v3"): self._rebuild_tensor_v3,
            ("torch._utils", "_rebuild_parameter"): self._rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): self._rebuild_parameter,
        })

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":
            module = "builtins"
        found = self._globals.get((module, name))
        if found is not None:
            return found
        if module == "torch" or module.startswith("torch."):
            raise pickle.UnpicklingError(
                f"pytorch_like: cannot load {self._display}: the checkpoint holds the real "
                f"torch object '{module}.{name}' (e.g. a whole model saved by torch.save("
                "model)), which pytorch_like cannot rebuild; save model.state_dict() "
                "with torch and load it with load_state_dict instead"
            )
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        _check_pid(pid)
        return self._load_storage(pid[2], pid[1], pid[4])

    def _finish(self, pending: _PendingTensor) -> Any:
        if self._pass_flag:
            out = self._from_array(pending.array, pending.dtype, pending.requires_grad, False)
        else:
            out = self._from_array(pending.array, pending.dtype, pending.requires_grad)
        self._built[id(out)] = (out, pending)
        return out

    def _rebuild_tensor_v2(self, *args: Any) -> Any:
        return self._finish(_rebuild_tensor_v2(*args))

    def _rebuild_tensor_v3(self, *args: Any) -> Any:
        return self._finish(_rebuild_tensor_v3(*args))

    def _rebuild_parameter(self, data: Any, requires_grad: Any, backward_hooks: Any,
                           state: Any = None) -> Any:
        entry = self._built.get(id(data))
        if entry is None or entry[0] is not data:
            raise _CorruptCheckpoint("_rebuild_parameter applied to a non-tensor")
        if self._make_parameter is not None:
            return self._make_parameter(data, bool(requires_grad))
        pending = entry[1]
        if not self._pass_flag:  # from_array cannot make Parameters: a plain tensor
            return self._from_array(pending.array, pending.dtype, bool(requires_grad))
        return self._from_array(pending.array, pending.dtype, bool(requires_grad), True)


# --------------------------------------------------------------------------------------
# reader: archive handling
# --------------------------------------------------------------------------------------

_LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")


def _describe(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    if isinstance(name, (str, bytes, os.PathLike)):
        return repr(os.fsdecode(name))
    return f"<{type(f).__name__} object>"


def _foreign_format(head: bytes) -> str:
    """Explain what a file that does not start with a zip local header looks like."""
    if not head:
        return "file is empty"
    if head.startswith(_LEGACY_MAGIC):
        return ("file is not a PyTorch zip checkpoint: it uses torch's legacy pickle format "
                "(torch.save with _use_new_zipfile_serialization=False, or torch < 1.6), "
                "which is not supported; re-save it with a current torch.save")
    if len(head) > 262 and head[257:262] == b"ustar":
        return ("file is not a PyTorch zip checkpoint: it is a tar archive (torch's "
                "pre-1.0 tar format is not supported)")
    if head[:1] == b"\x80":
        return "file is not a PyTorch zip checkpoint: it is a plain pickle, not a torch.save zip"
    if head[:2] == b"PK":
        return "file is not a PyTorch zip checkpoint: zip archive does not start with a record"
    return "file is not a PyTorch zip checkpoint (it does not start with a zip header)"


def _read_record(zf: zipfile.ZipFile, fh: IO[bytes], info: zipfile.ZipInfo) -> bytes:
    """Read one record, verifying its CRC unless the writer did not record one.

    torch.save with ``config.save.compute_crc32 = False`` stores CRC 0 for every record
    and torch.load accepts that, so a zero CRC on a stored record is read raw instead of
    letting zipfile fail with "Bad CRC-32".
    """
    if info.CRC != 0 or info.file_size == 0 or info.compress_type != zipfile.ZIP_STORED:
        return zf.read(info)
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise _CorruptCheckpoint(f"bad local header for record {info.filename!r}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    data = fh.read(info.file_size)
    if len(data) != info.file_size:
        raise _CorruptCheckpoint(f"record {info.filename!r} is truncated")
    return data


def _ensure_seekable(f: IO[bytes]) -> IO[bytes]:
    seekable = getattr(f, "seekable", None)
    if seekable is not None and seekable():
        return f
    return io.BytesIO(f.read())  # zipfile needs random access; buffer a stream


def _accepts_is_parameter(fn: Callable[..., Any]) -> bool:
    """Whether ``from_array`` takes the optional 4th ``is_parameter`` argument."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                   inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 4


def _materialize(obj: Any, from_array: FromArray) -> Any:
    """Replace pending tensors by ``from_array`` results, rebuilding containers.

    Runs after unpickling because whether a tensor is an nn.Parameter is only known
    when the enclosing ``_rebuild_parameter`` call is reached.  Object identity is kept
    (a tensor or container referenced twice stays one object).
    """
    pass_flag = _accepts_is_parameter(from_array)
    memo: dict[int, Any] = {}
    in_progress: set[int] = set()

    def convert(x: Any) -> Any:
        t = type(x)
        if t in _PRIMITIVES or t in (bytes, complex, TorchDtype):
            return x
        key = id(x)
        if key in memo:
            return memo[key]
        if t is _PendingTensor:
            if pass_flag:
                out = from_array(x.array, x.dtype, x.requires_grad, x.is_parameter)
            else:
                out = from_array(x.array, x.dtype, x.requires_grad)
            memo[key] = out
            return out
        if t in (dict, OrderedDict, Counter):
            new: Any = t()
            memo[key] = new  # before recursing: containers may contain themselves
            for k, v in x.items():
                new[convert(k)] = convert(v)
            for k, v in getattr(x, "__dict__", {}).items():
                setattr(new, k, convert(v))
            return new
        if t is list:
            new_list: list[Any] = []
            memo[key] = new_list
            new_list.extend(convert(v) for v in x)
            return new_list
        if t in (tuple, set, bytearray):
            if key in in_progress:
                raise _CorruptCheckpoint("recursive tuple/set in checkpoint")
            in_progress.add(key)
            out = t(convert(v) for v in x) if t is not bytearray else bytearray(x)
            in_progress.discard(key)
            memo[key] = out
            return out
        if _USER_SAFE_GLOBALS and t.__module__ != __name__:
            # Built from a global the user allowlisted (add_safe_globals): kept as it is,
            # with the tensors among its attributes converted.
            # Written into __dict__ as pickle's BUILD does (a frozen dataclass allows it).
            memo[key] = x
            state = getattr(x, "__dict__", {})
            for k, v in list(state.items()):
                new = convert(v)
                if new is not v:
                    state[k] = new
            return x
        raise _CorruptCheckpoint(f"unexpected object of type {t.__name__} after unpickling")

    return convert(obj)


def read_zip(f: PathOrFile, *, from_array: FromArray, weights_only: bool = True,
             make_parameter: MakeParameter | None = None) -> Any:
    """Load a checkpoint written by ``torch.save`` (zip format, torch >= 1.6) without torch.

    Mirrors ``torch.load(f, weights_only=True, map_location="cpu")``: only tensors,
    nn.Parameters, dict/OrderedDict/Counter/list/tuple/set and primitive values are
    accepted; any other global in the pickle raises :class:`ForbiddenGlobalError` (a
    ``pickle.UnpicklingError``) naming it.

    Args:
        f: path or readable binary file object (non-seekable streams are buffered).
        from_array: called once per tensor object as
            ``from_array(array, dtype_name, requires_grad)``, or with a 4th positional
            argument ``is_parameter`` (True for ``torch.nn.Parameter``) when the callable
            accepts 4 positional parameters (or ``*args``).  ``array`` is a fresh
            C-contiguous numpy array in native byte order (``ml_dtypes`` type for
            bfloat16 / float8); strides, storage offsets and big-endian checkpoints are
            resolved; tensors sharing a storage get independent copies.  A tensor object
            referenced several times in the checkpoint is converted once.  Bare
            ``torch.<dtype>`` values load as :class:`TorchDtype`.
        weights_only: ``False`` mirrors ``torch.load(..., weights_only=False)``: the pickle
            may reference any importable global (whole modules, optimizers, user
            classes), which can run arbitrary code -- only for trusted files.  Tensors
            then go to ``from_array`` while unpickling (objects may hash them), and
            errors raised by the objects' own code propagate unchanged.  Globals of real
            torch other than tensors/storages/dtypes/``torch.Size`` are refused
            (``pickle.UnpicklingError``).
        make_parameter: with ``weights_only=False``, turns a tensor returned by
            ``from_array`` into an nn.Parameter (``make_parameter(tensor,
            requires_grad)``); without it ``from_array`` is called again with
            ``is_parameter=True``.

    Raises:
        RuntimeError: the file is empty, truncated, corrupt, not a zip checkpoint (legacy
            pickle format, TorchScript archive, random bytes); the message names the file.
        ForbiddenGlobalError: the pickle references a global outside the allowlist.
        FileNotFoundError / OSError: the path cannot be opened.
    """
    display = _describe(f)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _read_archive(fh, display, from_array, weights_only, make_parameter)
    return _read_archive(f, display, from_array, weights_only, make_parameter)


def _read_archive(f: IO[bytes], display: str, from_array: FromArray,
                  weights_only: bool = True, make_parameter: MakeParameter | None = None
                  ) -> Any:
    def fail(message: str) -> RuntimeError:
        return RuntimeError(f"pytorch_like: cannot load {display}: {message}")

    fh = _ensure_seekable(f)
    start = fh.tell()
    head = fh.read(512)
    fh.seek(start)
    # torch.load only treats files starting with a local header as zip checkpoints.
    if head[:4] != b"PK\x03\x04":
        raise fail(_foreign_format(head))
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            struct.error) as e:
        raise fail(f"file is truncated or corrupt: cannot read the zip directory ({e})") from e
    if not weights_only:
        with zf:
            try:
                return _unpickle(zf, fh, display, objects=(from_array, make_parameter))
            except _CorruptCheckpoint as e:
                raise fail(f"checkpoint is corrupt: {e}") from e
            except (zipfile.BadZipFile, zlib.error) as e:
                raise fail(f"file is truncated or corrupt: {e}") from e
            # Anything else comes from the pickled objects themselves (a class that no
            # longer exists, a failing __setstate__, ...) and propagates as with torch.
    with zf:
        try:
            pending = _unpickle(zf, fh, display)
        except ForbiddenGlobalError:
            raise
        except _CorruptCheckpoint as e:
            raise fail(f"checkpoint is corrupt: {e}") from e
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
            raise fail(f"file is truncated or corrupt: {e}") from e
        except (pickle.UnpicklingError, ValueError, TypeError, KeyError, IndexError,
                AttributeError, struct.error, RecursionError, UnicodeDecodeError) as e:
            raise fail(f"data.pkl is corrupt: {type(e).__name__}: {e}") from e
    try:
        return _materialize(pending, from_array)
    except _CorruptCheckpoint as e:
        raise fail(f"checkpoint is corrupt: {e}") from e


def _unpickle(zf: zipfile.ZipFile, fh: IO[bytes], display: str,
              objects: tuple[FromArray, MakeParameter | None] | None = None) -> Any:
    """Unpickle ``data.pkl``: weights-only, or with ``objects=(from_array,
    make_parameter)`` unrestricted (``weights_only=False``)."""
    infos = zf.infolist()
    if not infos or "/" not in infos[0].filename:
        raise _CorruptCheckpoint("zip archive has no records inside a folder")
    # Like torch's PyTorchStreamReader, the archive name is the first record's folder.
    prefix = infos[0].filename.split("/", 1)[0]
    by_name = {info.filename: info for info in infos}
    if f"{prefix}/constants.pkl" in by_name or any(
        n.startswith(f"{prefix}/code/") for n in by_name
    ):
        raise _CorruptCheckpoint(
            "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint"
        )
    pkl_info = by_name.get(f"{prefix}/data.pkl")
    if pkl_info is None:
        raise _CorruptCheckpoint(f"zip archive has no '{prefix}/data.pkl' record")

    big_endian = False
    order_info = by_name.get(f"{prefix}/byteorder")
    if order_info is not None:  # absent in files from torch < 2.1: those are little-endian
        order = _read_record(zf, fh, order_info)
        if order not in (b"little", b"big"):
            raise _CorruptCheckpoint(f"unknown byteorder record {order[:20]!r}")
        big_endian = order == b"big"

    storages: dict[str, _Storage] = {}

    def load_storage(key: str, stype: _StorageType, numel: int) -> _Storage:
        cached = storages.get(key)
        if cached is not None:  # a second tensor viewing the same storage
            return cached
        info = by_name.get(f"{prefix}/data/{key}")
        if info is None:
            raise _CorruptCheckpoint(f"missing storage record '{prefix}/data/{key}'")
        itemsize = 1 if stype.dtype is None else numpy_dtype(stype.dtype).itemsize
        if info.file_size != numel * itemsize:
            raise _CorruptCheckpoint(
                f"storage record '{info.filename}' has {info.file_size} bytes, the pickle "
                f"declares {numel * itemsize}"
            )
        raw = np.frombuffer(_read_record(zf, fh, info), dtype=np.uint8)
        storage = _Storage(key, raw, stype.dtype, big_endian)
        storages[key] = storage
        return storage

    pkl = _read_record(zf, fh, pkl_info)
    if objects is not None:
        return _ObjectUnpickler(pkl, display, load_storage, *objects).load()
    return _RestrictedUnpickler(pkl, display, load_storage).load()
