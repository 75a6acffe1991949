"""torch's NumPy-style keyword names: ``axis`` for ``dim`` and ``keepdims`` for ``keepdim``.

torch's argument parser accepts these aliases on every function and Tensor method bound in
C++ (``A.sum(axis=0)``, ``X.sum(1, keepdims=True)``, ``y_hat.argmax(axis=1)``,
``torch.cat(xs, axis=1)``), while its Python-level functions (``torch.norm``,
``torch.split``, ``torch.unique``, ``Tensor.unflatten``...) reject them. :func:`install`
wraps the op functions that take ``dim``/``keepdim`` so that the NumPy names reach them as
torch's names; the op functions themselves stay free of the extra call. (The reductions
take the aliases in their own module.)
"""

from __future__ import annotations

import inspect

from ..tensor import Tensor
from . import indexing, linalg, pointwise, reduction, search, shape
from ._util import numpy_kwargs

# Implemented in Python in torch, so its parser (and the aliases) never sees their arguments.
_PYTHON_IN_TORCH = {"norm", "split", "unique", "unique_consecutive"}
_PYTHON_METHODS_IN_TORCH = _PYTHON_IN_TORCH | {"unflatten"}


def _dim_functions(mods: tuple) -> list:
    """Names of the op functions of ``mods`` with a ``dim`` or ``keepdim`` parameter."""
    names = []
    for mod in mods:
        for name in mod.__all__:
            try:
                params = inspect.signature(getattr(mod, name)).parameters
            except (TypeError, ValueError):
                continue
            if "dim" in params or "keepdim" in params:
                names.append(name)
    return names


def install(namespace: dict) -> None:
    """Let the package's functions (``namespace``) and the Tensor methods of the same names,
    in-place ones included (``squeeze_``, ``cumsum_``), take ``axis``/``keepdims``."""
    for name in _dim_functions((pointwise, shape, indexing, linalg, search)):
        fn = namespace.get(name)
        if callable(fn) and name not in _PYTHON_IN_TORCH:
            namespace[name] = numpy_kwargs(fn)
    for name in _dim_functions((pointwise, reduction, shape, indexing, linalg, search)):
        if name in _PYTHON_METHODS_IN_TORCH:
            continue
        for method in (name, name + "_"):
            fn = Tensor.__dict__.get(method)
            # A method that is the reduction function itself already takes the aliases;
            # the others (x.softmax, x.cumsum_, x.squeeze) are wrapped here.
            if inspect.isfunction(fn) and fn is not getattr(reduction, method, None):
                setattr(Tensor, method, numpy_kwargs(fn))
