"""``Parameter`` and ``Buffer``: the tensors a Module registers when they are assigned to it.

Mirrors ``torch.nn.Parameter`` and ``torch.nn.Buffer``. A Parameter shares its array (and
version counter) with the tensor it wraps, as torch's does with its storage, so writing into
one is seen by the other.

Example:
    >>> w = torch.nn.Parameter(torch.zeros(2))
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
"""

from __future__ import annotations

from .. import _dtype as D
from ..tensor import Tensor, _Storage

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


def _share(dst: Tensor, src: Tensor) -> None:
    """Make ``dst`` a fresh leaf handle on ``src``'s array (no history, same storage)."""
    # A view's storage is derived from its base's; a parameter keeps storage of its own
    # (deliberate difference: torch's Parameter(x[0]) would still share x's memory).
    dst._cell = src._cell if type(src._cell) is _Storage else _Storage(src._cell.a)
    dst._dtype = src._dtype
    dst._rg = False
    dst._node = None
    dst._oidx = 0
    dst._grad = None
    dst._acc = None
    dst._ver = src._ver


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter; mirrors ``torch.nn.Parameter``.

    ``requires_grad`` defaults to True. ``Parameter(t)`` shares ``t``'s values rather than
    copying them. With no data, it holds an empty float tensor.

    Example:
        >>> p = torch.nn.Parameter(torch.randn(3, 4))
        >>> p.requires_grad, p.is_leaf
        (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        self = object.__new__(cls)
        _share(self, data)
        if requires_grad:
            # torch words the integer-dtype refusal here as it does for factories.
            self._set_requires_grad(True)
        return self

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.__array__(), self._dtype.name, self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        base = Tensor._make(self._cell.a, self._dtype)
        out = Parameter(base, self._rg)
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        out.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        memo[id(self)] = out
        return out


class Buffer(Tensor):
    """A marker that registers a buffer when assigned to a Module; mirrors ``torch.nn.Buffer``.

    ``persistent=False`` keeps the buffer out of ``state_dict()``. The module stores a plain
    Tensor sharing this one's values.

    Example:
        >>> m = torch.nn.Module(); m.steps = torch.nn.Buffer(torch.zeros(()))
        >>> list(m.state_dict())
        ['steps']
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        self = object.__new__(cls)
        _share(self, data)
        self.__dict__["persistent"] = persistent
        return self

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass


def _rebuild_parameter(array, dtype_name: str, requires_grad: bool) -> Parameter:
    from ..ops.creation import tensor

    dt = getattr(D, dtype_name if dtype_name != "bool" else "bool_")
    return Parameter(tensor(array, dtype=dt), requires_grad)


_UNINITIALIZED = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually "
    "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
    "initialized one. Call `forward` to initialize the parameters before accessing their "
    "attributes.")


class _Uninitialized:
    """A tensor without a shape yet (lazy modules): ``materialize`` gives it one in place,
    so whoever holds it (an optimizer built before the first forward) sees the real one."""

    cls_to_become: type = Tensor

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED)

    def size(self, dim=None):
        raise RuntimeError(_UNINITIALIZED)

    def numel(self) -> int:
        raise RuntimeError(_UNINITIALIZED)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Mirrors ``UninitializedParameter.materialize``: uninitialised values of
        ``shape``; the object becomes a plain Parameter (or Tensor)."""
        from ..ops.creation import empty

        fresh = empty(tuple(shape), device=device, dtype=dtype or self._dtype)
        rg = self._rg
        _share(self, fresh)
        self._rg = rg
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__


class UninitializedParameter(_Uninitialized, Parameter):
    """Mirrors ``torch.nn.UninitializedParameter``: a lazy module's parameter before the
    first forward fixes its shape."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from ..ops.creation import empty

        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(_Uninitialized, Tensor):
    """Mirrors ``torch.nn.UninitializedBuffer`` (a lazy BatchNorm's running statistics)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from ..ops.creation import empty

        self = object.__new__(cls)
        _share(self, empty(0, device=device, dtype=dtype))
        return self

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        pass
