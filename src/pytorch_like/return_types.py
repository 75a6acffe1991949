"""``torch.return_types``: the named tuples that ops with several results return.

Mirrors torch's structseq types (``torch.return_types.max``, ``sort``, ``linalg_svd`` ...):
each result is a ``tuple`` (unpacks, indexes, compares as one), has one attribute per
field, and prints as torch prints it, one field per line::

    >>> torch.tensor([1., 2.]).max(0)
    torch.return_types.max(
    values=tensor(2.),
    indices=tensor(1))

Each type is a ``namedtuple`` subclass, so JAX's pytree utilities (and so ``compile``, which
flattens a function's results with them) take it apart and rebuild the same type.
"""

from __future__ import annotations

from collections import namedtuple



def _structseq_repr(self) -> str:
    # torch's structseq repr: the qualified type name, then "field=repr" one per line.
    body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"torch.return_types.{type(self).__name__}(\n{body})"


def _make(name: str, fields: list[str]) -> type:
    """A ``tuple`` type named ``name`` with ``fields``, printing like torch's structseq.

    Example:
        >>> t = _make("max", ["values", "indices"])
        >>> t(1, 2).indices
        2
    """
    base = namedtuple(name, fields)
    # __module__ names this module so that results pickle (the class is found here by name).
    cls = type(name, (base,), {"__slots__": (), "__repr__": _structseq_repr,
                               "__str__": _structseq_repr, "__module__": __name__,
                               "n_fields": len(fields), "n_sequence_fields": len(fields),
                               "n_unnamed_fields": 0})
    cls.__qualname__ = name
    return cls


_VI = ["values", "indices"]

# The fields of each type are torch's (``torch.return_types.X._fields`` there).
_TYPES = {
    "max": _VI, "min": _VI, "sort": _VI, "topk": _VI, "kthvalue": _VI, "mode": _VI,
    "median": _VI, "nanmedian": _VI, "cummax": _VI, "cummin": _VI,
    "aminmax": ["min", "max"],
    "histogram": ["hist", "bin_edges"],
    "slogdet": ["sign", "logabsdet"],
    "linalg_slogdet": ["sign", "logabsdet"],
    "qr": ["Q", "R"],
    "linalg_qr": ["Q", "R"],
    "svd": ["U", "S", "V"],
    "linalg_svd": ["U", "S", "Vh"],
    "linalg_eigh": ["eigenvalues", "eigenvectors"],
    "linalg_eig": ["eigenvalues", "eigenvectors"],
    "linalg_inv_ex": ["inverse", "info"],
    "linalg_solve_ex": ["result", "info"],
    "linalg_cholesky_ex": ["L", "info"],
    "linalg_lu": ["P", "L", "U"],
    "linalg_lu_factor": ["LU", "pivots"],
    "linalg_lu_factor_ex": ["LU", "pivots", "info"],
    "linalg_ldl_factor": ["LD", "pivots"],
    "linalg_ldl_factor_ex": ["LD", "pivots", "info"],
    "linalg_lstsq": ["solution", "residuals", "rank", "singular_values"],
    "triangular_solve": ["solution", "cloned_coefficient"],
}

for _name, _fields in _TYPES.items():
    globals()[_name] = _make(_name, _fields)
del _name, _fields

all_return_types = [globals()[n] for n in _TYPES]

# The types are made in a loop above, so the list of names is too.
__all__ = [*_TYPES, "all_return_types"]


def __getattr__(name: str):
    # frexp's result type lives with frexp (pointwise ops); expose it here as torch does.
    if name == "frexp":
        from .ops.pointwise import _frexp_result

        return _frexp_result
    raise AttributeError(f"module 'torch.return_types' has no attribute '{name}'")
