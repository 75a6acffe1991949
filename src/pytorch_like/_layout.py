"""``torch.layout`` and ``torch.memory_format``: the named singletons torch passes around.

Mirrors torch's ``torch.strided``, ``torch.sparse_coo``, ... (``torch.layout``) and
``torch.contiguous_format``, ``torch.channels_last``, ... (``torch.memory_format``): one
object per name, compared by identity, printed as ``torch.<name>``. Every tensor here is
dense, so ``Tensor.layout`` is always ``torch.strided``; the memory formats choose the
strides a copy gets (see ``ops/_views.py``).

Example:
    >>> torch.strided
    torch.strided
    >>> torch.randn(2, 3, 4, 5).contiguous(memory_format=torch.channels_last).stride()
    (60, 1, 15, 3)
"""

from __future__ import annotations

__all__ = ["layout", "memory_format", "strided", "sparse_coo", "sparse_csr", "sparse_csc",
           "sparse_bsr", "sparse_bsc", "jagged", "contiguous_format", "channels_last",
           "channels_last_3d", "preserve_format"]


class _Named:
    __slots__ = ("_name",)
    _made: bool = False

    def __new__(cls, *args, **kwargs):
        # torch's singletons cannot be constructed by user code; only this module makes them.
        if cls._made:
            raise TypeError(f"cannot create 'torch.{cls.__name__}' instances")
        return object.__new__(cls)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    __str__ = __repr__

    def __reduce__(self) -> str:
        # Pickled by name, so unpickling gives back the very same singleton.
        return self._name

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class layout(_Named):
    """A tensor's storage kind; mirrors ``torch.layout`` (``torch.strided`` & co.).

    Only ``torch.strided`` (dense) tensors exist here; the sparse and jagged layouts are
    there so that code naming them imports and compares as with torch.

    Example:
        >>> torch.zeros(2).layout is torch.strided
        True
    """

    __slots__ = ()


class memory_format(_Named):
    """The order a copy lays its elements out in; mirrors ``torch.memory_format``.

    ``contiguous_format`` is row-major, ``channels_last`` stores an NCHW tensor as NHWC
    (``channels_last_3d``: NCDHW as NDHWC), ``preserve_format`` keeps the input's order.

    Example:
        >>> torch.channels_last
        torch.channels_last
    """

    __slots__ = ()


layout.__module__ = memory_format.__module__ = "pytorch_like"

strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
jagged = layout("jagged")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
layout._made = memory_format._made = True
