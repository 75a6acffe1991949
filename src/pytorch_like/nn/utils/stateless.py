"""``torch.nn.utils.stateless``: run a module with other tensors in place of its own.

``functional_call`` here is torch's deprecated spelling; ``torch.func.functional_call`` is
the same function without the warning. The substitution swaps the entries of each
module's ``_parameters`` / ``_buffers`` for the call and puts the originals back afterwards,
even when the forward raises, so gradients flow to the tensors passed in and the module's
own parameters are untouched.

Example:
    >>> model = torch.nn.Linear(3, 2)
    >>> w = torch.zeros(2, 3, requires_grad=True)
    >>> out = torch.nn.utils.stateless.functional_call(model, {"weight": w}, (torch.ones(3),))
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

from ...tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()


def _merge(parameter_and_buffer_dicts) -> dict:
    if isinstance(parameter_and_buffer_dicts, Mapping):
        return dict(parameter_and_buffer_dicts)
    if not isinstance(parameter_and_buffer_dicts, (list, tuple)):
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    if not all(isinstance(d, Mapping) for d in parameter_and_buffer_dicts):
        raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
    merged: dict = {}
    repeated: list = []
    for d in parameter_and_buffer_dicts:
        for k, v in d.items():
            if k in merged and k not in repeated:
                repeated.append(k)
            merged[k] = v
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional "
                         "call is ambiguous")
    return merged


def _tied_groups(module) -> list[list[str]]:
    """Names that refer to one tensor (tied weights), each group in registration order."""
    by_id: dict = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        by_id.setdefault(id(t), []).append(name)
    return [names for names in by_id.values() if len(names) > 1]


def _expand_tied(module, values: dict) -> dict:
    out = dict(values)
    for names in _tied_groups(module):
        given = [n for n in names if n in values]
        if not given:
            continue
        if len(given) > 1 and any(values[n] is not values[given[0]] for n in given[1:]):
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, "
                             "which are tied. Consider using tie_weights=False")
        for n in names:
            out[n] = values[given[0]]
    return out


def _check_strict(module, values: dict) -> None:
    known = [n for n, _ in module.named_parameters(remove_duplicate=False)]
    known += [n for n, _ in module.named_buffers(remove_duplicate=False)]
    unexpected = sorted(k for k in values if k not in known)
    missing = sorted(k for k in set(known) if k not in values)
    if not (unexpected or missing):
        return
    msg = f"Error(s) in reparametrizing for {module._get_name()}:"
    if unexpected:
        msg += "\n\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + "."
    if missing:
        msg += "\n\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + "."
    raise RuntimeError(msg)


def _swap(module, name: str, value) -> tuple:
    """Put ``value`` at dotted ``name``; returns what undoes it."""
    prefix, _, leaf = name.rpartition(".")
    owner = module.get_submodule(prefix)
    for table in ("_parameters", "_buffers"):
        d = owner.__dict__[table]
        if leaf in d:
            old = d[leaf]
            d[leaf] = value
            return (owner, table, leaf, old)
    old = owner.__dict__.get(leaf, _MISSING)
    if old is _MISSING and hasattr(owner, leaf):
        old = getattr(owner, leaf)
    if old is not _MISSING and not isinstance(old, Tensor):
        raise TypeError(f"attribute `{leaf}`: {old} is not an instance of torch.Tensor")
    object.__setattr__(owner, leaf, value)
    return (owner, None, leaf, old)


def _restore(undo: list) -> None:
    for owner, table, leaf, old in reversed(undo):
        if table is not None:
            owner.__dict__[table][leaf] = old
        elif old is _MISSING:
            owner.__dict__.pop(leaf, None)
        else:
            object.__setattr__(owner, leaf, old)


def _functional_call(module, parameter_and_buffer_dicts, args: Any = None,
                     kwargs: dict | None = None, *, tie_weights: bool = True,
                     strict: bool = False) -> Any:
    values = _merge(parameter_and_buffer_dicts)
    if tie_weights:
        values = _expand_tied(module, values)
    if strict:
        _check_strict(module, values)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    undo: list = []
    try:
        for name, value in values.items():
            undo.append(_swap(module, name, value))
        return module(*args, **(kwargs or {}))
    finally:
        _restore(undo)


def functional_call(module, parameters_and_buffers: Mapping[str, Tensor] | Sequence,
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Mirrors ``torch.nn.utils.stateless.functional_call`` (deprecated in torch 2.0): warns
    with torch's ``FutureWarning`` and runs ``torch.func.functional_call``.

    Example:
        >>> out = stateless.functional_call(model, {"weight": w}, (x,))
    """
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
