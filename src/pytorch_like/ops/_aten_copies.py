"""torch's ``*_copy`` functions: each view op (``view_copy``, ``t_copy``, ...) returning a
fresh tensor rather than a view.

Example:
    >>> torch.t_copy(torch.ones(2, 3)).shape
    torch.Size([3, 2])
"""

from __future__ import annotations

import builtins
from typing import Sequence

from ..tensor import Tensor
from ._aten_common import _pl

__all__ = [
    "view_copy", "permute_copy", "transpose_copy", "t_copy", "squeeze_copy", "unsqueeze_copy",
    "expand_copy", "diagonal_copy", "select_copy", "slice_copy", "split_copy",
    "split_with_sizes_copy", "unbind_copy", "unfold_copy", "alias_copy", "detach_copy",
    "view_as_real_copy", "view_as_complex_copy",
]


# -- *_copy: the view ops, returning a fresh tensor -------------------------------------
def _copying(view_name: str, example: str, method: bool = True):
    def fn(input: Tensor, *args, **kwargs):  # noqa: A002
        pl = _pl()
        out = (getattr(input, view_name)(*args, **kwargs) if method
               else getattr(pl, view_name)(input, *args, **kwargs))
        if isinstance(out, (tuple, list)):
            return tuple(o.clone() for o in out)
        return out.clone()
    name = f"{view_name}_copy"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Mirrors ``torch.{name}``: ``torch.{view_name}``'s result as a new tensor "
                  f"(not a view of ``input``).\n\n"
                  f"Example:\n    >>> y = torch.{name}({example})  # shares no memory\n")
    return fn


view_copy = _copying("view", "torch.ones(2, 3), (3, 2)")
permute_copy = _copying("permute", "torch.ones(2, 3), (1, 0)")
transpose_copy = _copying("transpose", "torch.ones(2, 3), 0, 1")
t_copy = _copying("t", "torch.ones(2, 3)")
squeeze_copy = _copying("squeeze", "torch.ones(2, 1), 1")
unsqueeze_copy = _copying("unsqueeze", "torch.ones(2), 0")
expand_copy = _copying("expand", "torch.ones(1, 3), (2, 3)")
diagonal_copy = _copying("diagonal", "torch.ones(2, 3)")
select_copy = _copying("select", "torch.ones(2, 3), 0, 1")
split_copy = _copying("split", "torch.ones(5), 2")
unbind_copy = _copying("unbind", "torch.ones(2, 3), 1")
unfold_copy = _copying("unfold", "torch.ones(5), 0, 2, 1")
view_as_real_copy = _copying("view_as_real", "torch.ones(2, dtype=torch.complex64)",
                             method=False)
view_as_complex_copy = _copying("view_as_complex", "torch.ones(2, 2)", method=False)


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.alias_copy``: a copy of ``input``.

    Example:
        >>> torch.alias_copy(torch.ones(2))
        tensor([1., 1.])
    """
    return input.clone()


def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.detach_copy``: a detached copy of ``input``.

    Example:
        >>> torch.detach_copy(torch.ones(1, requires_grad=True)).requires_grad
        False
    """
    return input.detach().clone()


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
               end: int | None = None, step: int = 1) -> Tensor:
    """Mirrors ``torch.slice_copy``: ``input[..., start:end:step]`` along ``dim``, copied.

    Example:
        >>> torch.slice_copy(torch.arange(5), 0, 1, None, 2)
        tensor([1, 3])
    """
    d = dim % builtins.max(input.dim(), 1)
    return input[(slice(None),) * d + (slice(start, end, step),)].clone()


def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int],  # noqa: A002
                          dim: int = 0) -> tuple:
    """Mirrors ``torch.split_with_sizes_copy``: ``input.split(split_sizes, dim)``, copied.

    Example:
        >>> [t.shape[0] for t in torch.split_with_sizes_copy(torch.ones(3), [1, 2])]
        [1, 2]
    """
    total = builtins.sum(split_sizes)
    if total != input.shape[dim]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{input.shape[dim]} (input tensor's size at dimension {dim}), "
                           f"but got split_sizes={list(split_sizes)}")
    return tuple(t.clone() for t in input.split(list(split_sizes), dim))
