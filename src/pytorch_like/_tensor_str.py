"""``torch._tensor_str``: where torch keeps its print options (``PRINT_OPTS``).

Mirrors torch's module: ``PRINT_OPTS`` has ``precision``, ``threshold``, ``edgeitems``,
``linewidth`` and ``sci_mode`` attributes reflecting ``set_printoptions``; assigning one
changes how tensors print, as in torch. The options themselves live in ``_formatting``
(which prints tensors); this object is a live view of them, never a copy.

Example:
    >>> torch.set_printoptions(precision=2)
    >>> torch._tensor_str.PRINT_OPTS.precision
    2
    >>> torch.set_printoptions(profile='default')
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from . import _formatting
from ._formatting import get_printoptions, set_printoptions

__all__ = ["PRINT_OPTS", "get_printoptions", "printoptions", "set_printoptions"]

# Attribute name on PRINT_OPTS -> the global in _formatting that holds it.
_FIELDS = {"precision": "_PRECISION", "threshold": "_THRESHOLD", "edgeitems": "_EDGEITEMS",
           "linewidth": "_LINEWIDTH", "sci_mode": "_SCI_MODE"}


class _PrinterOptions:
    """Mirrors torch's ``__PrinterOptions``: the print options as attributes (live)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name in _FIELDS:
            return getattr(_formatting, _FIELDS[name])
        raise AttributeError(f"'__PrinterOptions' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _FIELDS:
            raise AttributeError(f"'__PrinterOptions' object has no attribute '{name}'")
        setattr(_formatting, _FIELDS[name], value)

    def __repr__(self) -> str:
        return f"<torch._tensor_str.__PrinterOptions {get_printoptions()}>"


# torch's class is named with two leading underscores (it is defined at module level, so
# no name mangling applies); keep that name for type(PRINT_OPTS).__name__.
_PrinterOptions.__name__ = _PrinterOptions.__qualname__ = "__PrinterOptions"

PRINT_OPTS = _PrinterOptions()


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Mirrors ``torch._tensor_str.printoptions``: ``set_printoptions(**kwargs)`` inside the
    ``with`` block, the previous options restored after it.

    Example:
        >>> with torch._tensor_str.printoptions(precision=2):
        ...     print(torch.tensor([1.2345]))
        tensor([1.23])
    """
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)
