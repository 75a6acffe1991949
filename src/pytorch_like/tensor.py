"""``Tensor``: a mutable handle on an immutable ``jax.Array``, with torch's interface.

Mirrors ``torch.Tensor``. In-place ops rebind the handle to a new array and bump a version
counter; ``.grad`` accumulates; ``backward()`` runs JAX's vjps over the recorded graph.
Views (slices, ``view``, ``transpose``, ...) share their base's values as in torch (see
``ops/_views.py``); ``detach()`` and ``.data`` alias their tensor.

Example:
    >>> x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    >>> y = x ** 2; y.retain_grad(); z = y.sum(); z.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

import jax
import numpy as np

from . import _dtype as D
from ._device import device as _device_cls
from ._layout import contiguous_format as _contiguous_format
from ._device import from_jax_device, to_jax_device
from ._size import Size

__all__ = ["Tensor"]


class _Lazy:
    """A value recorded but not computed yet: output ``k`` of the autograd node ``node``.

    Ops that record a graph in eager mode produce these instead of arrays (see
    ``ops/_lazy.py``): the values are computed together, as one program, when ``backward()``
    runs or when something reads them. Shape and dtype are known at once (``aval``).
    ``cell`` is a weak reference to the storage created for it, so that a program knows
    which values a tensor still shows; ``users`` counts the nodes recorded with it as input.
    """

    __slots__ = ("node", "k", "aval", "value", "cell", "users", "__weakref__")

    def __init__(self, node, k: int, aval) -> None:
        self.node = node
        self.k = k
        self.aval = aval
        self.value = None
        self.cell = None
        self.users = 0

    @property
    def shape(self) -> tuple:
        return self.aval.shape

    @property
    def ndim(self) -> int:
        return len(self.aval.shape)

    @property
    def dtype(self):
        return self.aval.dtype

    @property
    def size(self) -> int:
        return int(np.prod(self.aval.shape, dtype=np.int64))

    def devices(self) -> set:
        if self.value is not None:
            return self.value.devices()
        node = self.node
        for v in node.pending or ():
            if isinstance(v, jax.Array) or v.__class__ is _Lazy:
                return v.devices()
        return {jax.devices()[0]}

    def force(self):
        """This value, computing it (and what it depends on) if needed."""
        if self.value is None:
            _LAZY_HOOK[0](self)
        return self.value


# Set by ops/_lazy.py: computes a _Lazy's pending producers.
_LAZY_HOOK: list = [None]


class _Storage:
    """The array a tensor and its aliases (``detach()``, ``.data``) share.

    ``a`` computes a recorded value the first time it is read (``_Lazy``); ``peek()`` gives
    the array or the pending value as it is, for shapes and for recording further ops.
    """

    __slots__ = ("_a", "__weakref__")

    def __init__(self, a) -> None:
        self._a = a

    @property
    def a(self):
        a = self._a
        if a.__class__ is _Lazy:
            a = self._a = a.force()
        return a

    @a.setter
    def a(self, v) -> None:
        self._a = v

    def peek(self):
        return self._a


def _rc_probe(a) -> int:
    return sys.getrefcount(a)


def _calibrate() -> int:
    cell = _Storage(np.zeros(1))  # kept alive while probed: it holds the counted reference
    return _rc_probe(cell.a)


# Reference count of an array held by exactly one tensor storage, seen through _rc_probe
# (measured, since it differs between Python versions).
_RC_EXCLUSIVE = _calibrate()


def _exclusive(cell: _Storage, known: int = 0) -> bool:
    """Whether ``cell.a`` is referenced by this storage alone, besides ``known`` references
    the caller holds (safe to donate to XLA: a donated buffer is deleted)."""
    return _rc_probe(cell.a) <= _RC_EXCLUSIVE + known


class _Handle:
    __slots__ = ("_d", "_k", "id")
    _next = [0]

    def __init__(self, d: dict, k) -> None:
        self._d, self._k = d, k

    def remove(self) -> None:
        self._d.pop(self._k, None)


def _traced(a) -> bool:
    return isinstance(a, jax.core.Tracer)


_FACTORY_INT_GRAD = "Only Tensors of floating point and complex dtype can require gradients"
# The C++ type names torch's grad-assignment error uses for the gradient's dtype.
_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                   "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
                   "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                   "bool": "bool", "complex64": "c10::complex<float>",
                   "complex128": "c10::complex<double>"}

_COMPILE_HINT = (
    "This value is only known when the compiled program runs. Move the {what} outside the "
    "function passed to pytorch_like.compile (for example, return the tensor and call it on "
    "the result), or run this code eagerly.")


class Tensor:
    """A multi-dimensional array that records operations for autograd; mirrors torch.Tensor."""

    __slots__ = ("_cell", "_dtype", "_rg", "_node", "_oidx", "_grad", "_acc", "_ver",
                 "__dict__", "__weakref__")
    __array_priority__ = 1000

    # -- construction --------------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        # torch.Tensor(2, 3) / torch.Tensor([1, 2]) build float32 tensors.
        self = object.__new__(cls)
        if args and not isinstance(args[0], (int, Size)) or kwargs.get("data") is not None:
            from .ops.creation import tensor as _tensor
            src = _tensor(args[0] if args else kwargs["data"], dtype=D.get_default_dtype())
        else:
            from .ops.creation import empty
            src = empty(*args, dtype=D.get_default_dtype())
        self._init(src._cell.a, src._dtype)
        return self

    def __init__(self, *args, **kwargs) -> None:
        pass

    def _init(self, a, dtype, rg=False, node=None, oidx=0) -> None:
        self._cell = _Storage(a)
        self._dtype = dtype
        self._rg = rg
        self._node = node
        self._oidx = oidx
        self._grad = None
        self._acc = None
        self._ver = [0]

    @staticmethod
    def _make(a, dtype, rg: bool = False, node=None, oidx: int = 0) -> Tensor:
        t = object.__new__(Tensor)
        t._cell = _Storage(a)
        t._dtype = dtype
        t._rg = rg
        t._node = node
        t._oidx = oidx
        t._grad = None
        t._acc = None
        t._ver = [0]
        return t

    @staticmethod
    def _wrap(a, dtype=None) -> Tensor:
        """A tensor around a JAX array, its logical dtype derived from the array's."""
        return Tensor._make(a, dtype or D.from_storage(a.dtype))

    def _alias(self) -> Tensor:
        t = Tensor._make(None, self._dtype)
        t._cell = self._cell
        return t

    # -- the array underneath ------------------------------------------------------------
    @property
    def _data(self):
        return self._cell.a

    def _set(self, a, dtype=None) -> None:
        """Rebind to a new array (an in-place update): bumps the version counter."""
        self._cell.a = a
        if dtype is not None:
            self._dtype = dtype
        self._ver[0] += 1

    def __jax_array__(self):
        return self._cell.a

    def __array__(self, dtype=None, copy=None):
        out = np.asarray(self._cell.a)
        if out.dtype != self._dtype.np:
            out = out.astype(self._dtype.np)
        return out if dtype is None else out.astype(dtype)

    # -- metadata ------------------------------------------------------------------------
    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def shape(self) -> Size:
        return Size(self._cell.peek().shape)

    def size(self, dim: int | None = None):
        """Mirrors ``Tensor.size``: the ``torch.Size``, or one dimension's length."""
        shape = self._cell.peek().shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    @property
    def ndim(self) -> int:
        return self._cell.peek().ndim

    def dim(self) -> int:
        return self._cell.peek().ndim

    ndimension = dim

    def numel(self) -> int:
        return int(np.prod(self._cell.peek().shape, dtype=np.int64))

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self._dtype.itemsize

    @property
    def device(self) -> _device_cls:
        a = self._cell.peek()
        if _traced(a):
            return _device_cls("cpu") if jax.default_backend() == "cpu" else \
                from_jax_device(jax.devices()[0])
        try:
            return from_jax_device(next(iter(a.devices())))
        except Exception:
            return _device_cls("cpu")

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    is_cpu = property(lambda self: self.device.type == "cpu")
    # Devices JAX does not drive here (torch.device("mps") / ("xpu") can hold no tensor).
    is_mps = property(lambda self: False)
    is_xpu = property(lambda self: False)

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return self._dtype.is_complex

    def is_contiguous(self, memory_format=_contiguous_format) -> bool:
        """Mirrors ``Tensor.is_contiguous``: False for views whose strides skip or reorder
        (``x.t()``, ``x[:, 0]``); ``memory_format=torch.channels_last`` asks about NHWC order
        instead (False for a tensor of another rank, as in torch).

        Example:
            >>> torch.zeros(2, 3).t().is_contiguous()
            False
        """
        from .ops._views import check_format, is_contiguous
        if memory_format is not _contiguous_format:
            memory_format = check_format(memory_format, "is_contiguous", optional=False)
        return is_contiguous(self, memory_format)

    def stride(self, dim: int | None = None):
        """Mirrors ``Tensor.stride``: the strides torch would give this tensor, in elements."""
        from .ops._views import geometry
        st = geometry(self)[1]
        return st if dim is None else st[_wrap_dim(dim, len(st))]

    def storage_offset(self) -> int:
        from .ops._views import geometry
        return geometry(self)[2]

    def data_ptr(self) -> int:
        return id(self._cell)

    def storage(self):
        """Mirrors ``Tensor.storage``: a ``TypedStorage`` of the flat values of this tensor's
        base (a view's storage is its base's), with torch's deprecation warning."""
        from .storage import TypedStorage, _warn_typed_storage_removal

        _warn_typed_storage_removal()
        base = self._base if self._base is not None else self
        return TypedStorage(base.detach().cpu().numpy(), self._dtype, self.device)

    @property
    def _version(self) -> int:
        return self._ver[0]

    def __len__(self) -> int:
        shape = self._cell.peek().shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __hash__(self) -> int:
        return id(self)

    # -- autograd ------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, "only Tensors of floating point and complex dtype can "
                                       "require gradients")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mirrors ``Tensor.requires_grad_``: only leaves, only floating/complex dtypes."""
        return self._set_requires_grad(requires_grad, "only Tensors of floating point dtype "
                                                      "can require gradients")

    def _set_requires_grad(self, requires_grad: bool, int_message: str = _FACTORY_INT_GRAD):
        # torch words the integer-dtype error differently for the setter, requires_grad_()
        # and factories (requires_grad=True): each caller passes its own.
        if self._node is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError(int_message)
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        return self._node

    @property
    def grad(self) -> Tensor | None:
        if self._node is not None and self._grad is None and not self.__dict__.get("_retains"):
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            # torch checks the dtype first.
            if value._dtype is not self._dtype:
                got = _CPP_TYPE_NAMES.get(value._dtype.name, value._dtype.name)
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{got}' to a tensor with "
                    f"grad_dtype '{D.type_word(self._dtype)}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any "
                    "dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
                    "its gradient may break downstream systems that assume they match.")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a "
                    f"tensor of size '{list(self.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's values, outside autograd (no version tracking)."""
        return self._alias()

    @data.setter
    def data(self, value: Tensor) -> None:
        if type(self._cell) is not _Storage:
            # torch rebinds a view's storage: it stops being a view of its base.
            self._cell = _Storage(value._cell.a)
        else:
            self._cell.a = value._cell.a
        self._dtype = value._dtype

    @property
    def _base(self) -> Tensor | None:
        """Mirrors ``Tensor._base``: the tensor a view was taken from (None if not a view)."""
        base = getattr(self._cell, "base", None)
        while base is not None and getattr(base._cell, "base", None) is not None:
            base = base._cell.base
        return base

    def detach(self) -> Tensor:
        """Mirrors ``Tensor.detach``: shares values and version counter, no grad history."""
        t = self._alias()
        t._ver = self._ver
        return t

    def detach_(self) -> Tensor:
        self._node = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        """Mirrors ``Tensor.retain_grad``: keep ``.grad`` for a non-leaf tensor."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._node is None:
            return
        node = self._node
        if node.retain is None:
            node.retain = {}
        node.retain[self._oidx] = weakref.ref(self)
        self.__dict__["_retains"] = True

    @property
    def retains_grad(self) -> bool:
        return bool(self.__dict__.get("_retains"))

    def register_hook(self, hook):
        """Mirrors ``Tensor.register_hook``: ``hook(grad)`` may return a replacement grad."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is None:
            hooks = self.__dict__.setdefault("_hooks", {})
        else:
            node = self._node
            if node.hooks is None:
                node.hooks = {}
            hooks = node.hooks.setdefault(self._oidx, {})
        key = object()
        hooks[key] = hook
        return _Handle(hooks, key)

    def register_post_accumulate_grad_hook(self, hook) -> _Handle:
        """Mirrors ``Tensor.register_post_accumulate_grad_hook``: ``hook(tensor)`` runs during
        ``backward`` once the gradient has been accumulated into this leaf's ``.grad``.

        Only leaves that require grad take one; the hook must return None (or the tensor
        itself, as an in-place update does), and runs without grad recording (unless
        ``create_graph=True``). ``autograd.grad`` runs no such hook,
        since it accumulates nothing. Hooks run in registration order; ``remove()`` on the
        returned handle unregisters one.

        Example:
            >>> v = torch.zeros(3, requires_grad=True)
            >>> h = v.register_post_accumulate_grad_hook(lambda p: p.sub_(0.1 * p.grad))
            >>> v.backward(torch.tensor([1., 2., 3.]))   # v is now [-0.1, -0.2, -0.3]
            >>> h.remove()
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        # The engine reads this entry after accumulating (engine._run_post_accumulate).
        hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", {})
        key = object()
        hooks[key] = hook
        return _Handle(hooks, key)

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Mirrors ``Tensor.backward``: accumulate d(self)/d(leaf) into each leaf's ``.grad``."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # -- conversion ----------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """Mirrors ``Tensor.numpy`` (a copy here: JAX arrays are immutable)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        a = self._cell.a
        if _traced(a):
            raise RuntimeError(_COMPILE_HINT.format(what=".numpy() call"))
        return np.array(self.__array__())

    def item(self):
        """Mirrors ``Tensor.item``: the Python number in a one-element tensor."""
        a = self._cell.a
        if _traced(a):
            raise RuntimeError("Tensor.item() cannot run inside a compiled function: "
                               + _COMPILE_HINT.format(what=".item() call"))
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        v = np.asarray(a).reshape(())
        if self._dtype is D.bool_:
            return bool(v)
        if self._dtype.is_floating_point:
            return float(v)
        if self._dtype.is_complex:
            return complex(v)
        return int(v)

    def tolist(self):
        a = self._cell.a
        if _traced(a):
            raise RuntimeError(_COMPILE_HINT.format(what=".tolist() call"))
        return self.__array__().tolist()

    def __bool__(self) -> bool:
        a = self._cell.a
        if _traced(a):
            raise RuntimeError(
                "Python control flow on a tensor value (`if tensor:`, `while`, `bool()`) "
                "cannot run inside a compiled function: "
                + _COMPILE_HINT.format(what="branch") + " Or use torch.where.")
        if a.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if a.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(np.asarray(a).reshape(()))

    def _python_scalar(self):
        # int()/float()/complex() of a tensor: ValueError in torch where .item() would
        # raise RuntimeError for the same tensor.
        if self._cell.peek().size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __int__(self) -> int:
        return int(self._python_scalar())

    def __float__(self) -> float:
        if self._rg and not _FLOAT_GRAD_WARNED:
            # torch warns once per process (``'%.2f' % layer.out.mean()`` and the like).
            import warnings

            _FLOAT_GRAD_WARNED.append(True)
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead "
                          "to unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=2)
        return float(self._python_scalar())

    def __complex__(self) -> complex:
        return complex(self._python_scalar())

    def __index__(self) -> int:
        if self._dtype.is_floating_point or self._dtype.is_complex or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        # torch formats a 0-dim tensor as its number, also for an empty spec (f"{loss}").
        if self.dim() == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __repr__(self) -> str:
        from ._formatting import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __iter__(self):
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self._row(i) for i in range(self.shape[0]))

    def _row(self, i: int) -> Tensor:
        # torch iterates with unbind: the rows are views it refuses to change in place
        # under autograd.
        row = self[i]
        if type(row._cell) is not _Storage:
            row._cell.multi = (i, "Unbind")
        return row

    def __reduce_ex__(self, proto):
        return (_rebuild, (self.__array__(), self._dtype.name, self._rg))

    def __deepcopy__(self, memo):
        t = Tensor._make(self._cell.a, self._dtype, False)
        if type(self) is not Tensor:
            t.__class__ = type(self)
            t.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        t._rg = self._rg if self._node is None else False
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    # -- device and dtype ----------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """Mirrors ``Tensor.to(device)``, ``.to(dtype)``, ``.to(other)``, ``.to(device, dtype)``;
        ``memory_format=`` lays a copy out as torch does (``torch.channels_last``)."""
        dtype = kwargs.get("dtype")
        dev = kwargs.get("device")
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, dev = a._dtype, a.device
            elif isinstance(a, (str, _device_cls, int)):
                dev = a
        out = self
        if dtype is not None and D.to_dtype(dtype) is not self._dtype:
            from .ops.pointwise import _cast
            out = _cast(out, D.to_dtype(dtype))
        if dev is not None:
            jd = to_jax_device(dev)
            a = out._cell.a
            if not _traced(a) and jd not in a.devices():
                from .ops.pointwise import _to_device
                out = _to_device(out, jd)
        if out is not self or kwargs.get("memory_format") is not None:
            from .ops._views import to_memory_format
            out = to_memory_format(self, out, kwargs.get("memory_format"))
        return out

    def type(self, dtype=None, non_blocking: bool = False):
        """Mirrors ``Tensor.type``: the type name (``'torch.FloatTensor'``), or a cast to a
        dtype or a type name such as ``'torch.DoubleTensor'``."""
        from .autograd.engine import _type_name

        if dtype is None:
            return _type_name(self._dtype)
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            for d in D.ALL:
                if _type_name(d) == dtype or _type_name(d) == "torch." + dtype:
                    return self.to(d)
            raise ValueError(f"invalid type: '{dtype}'")
        return self.to(D.to_dtype(dtype))

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        return self.to(_device_cls("cuda", device if isinstance(device, int) else None))

    def float(self) -> Tensor:
        return self.to(D.float32)

    def double(self) -> Tensor:
        return self.to(D.float64)

    def half(self) -> Tensor:
        return self.to(D.float16)

    def bfloat16(self) -> Tensor:
        return self.to(D.bfloat16)

    def long(self) -> Tensor:
        return self.to(D.int64)

    def int(self) -> Tensor:
        return self.to(D.int32)

    def short(self) -> Tensor:
        return self.to(D.int16)

    def char(self) -> Tensor:
        return self.to(D.int8)

    def byte(self) -> Tensor:
        return self.to(D.uint8)

    def bool(self) -> Tensor:
        return self.to(D.bool_)

    def pin_memory(self, device=None) -> Tensor:
        """Mirrors ``Tensor.pin_memory``: an error without a GPU, as in torch; with one,
        the tensor itself (JAX stages host-to-device copies on its own)."""
        from . import cuda

        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self

    def is_pinned(self, device=None) -> bool:
        """Mirrors ``Tensor.is_pinned``: always False (JAX stages host-to-device copies
        itself; ``pin_memory`` pins nothing)."""
        return False

    def share_memory_(self) -> Tensor:
        """Mirrors ``Tensor.share_memory_``: the storage is marked shared (``is_shared()``);
        a JAX array is immutable, so nothing moves."""
        _SHARED.add(self._root_storage())
        return self

    def is_shared(self) -> bool:
        """Mirrors ``Tensor.is_shared``: True after ``share_memory_()`` on this tensor or
        anything sharing its storage (aliases, views, their base)."""
        return self._root_storage() in _SHARED

    def _root_storage(self) -> _Storage:
        """The storage this tensor's values live in (a view's is its base's)."""
        from .ops._views import root_base

        return root_base(self)._cell


_SHARED: weakref.WeakSet = weakref.WeakSet()  # storages marked by share_memory_()


_FLOAT_GRAD_WARNED: list = []


def _rebuild(array, dtype_name, requires_grad):
    from .ops.creation import tensor

    return tensor(array, dtype=getattr(D, dtype_name if dtype_name != "bool" else "bool_"),
                  requires_grad=requires_grad)


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


# The op modules attach torch's methods (add, sum, view, ...) to Tensor.
from .ops import _methods  # noqa: E402, F401

