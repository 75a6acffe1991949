"""``pytorch_like.jit``: the parts of ``torch.jit`` that model code calls, without TorchScript.

TorchScript compiles a model into torch's own operator graph and archive format, neither of
which exists here (the ops are JAX functions). What model code commonly uses still works:
``is_scripting()`` / ``is_tracing()`` are False, and the decorators ``ignore``, ``unused`` and
``export``, ``annotate`` and ``Final`` leave the code as it is, as they do in eager torch.
``script``, ``trace``, ``save`` and ``load`` raise ``NotImplementedError`` that names what to use
instead: ``pytorch_like.compile`` for speed, ``torch.save(model.state_dict(), path)`` to ship
the weights (real torch reads that file, and can script the same model class there).

Example:
    >>> import pytorch_like as torch
    >>> torch.jit.is_scripting()
    False
    >>> @torch.jit.ignore
    ... def helper(x):
    ...     return x + 1
    >>> helper(1)
    2
"""

from __future__ import annotations

from typing import Any, Callable, Final, TypeVar

__all__ = ["Final", "annotate", "export", "ignore", "is_scripting", "is_tracing", "load",
           "save", "script", "trace", "unused"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _unsupported(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"torch.jit.{what} is not supported by pytorch_like: TorchScript needs torch's own "
        "operator graph, and the ops here are JAX functions. For speed, use "
        "pytorch_like.compile(model) (one XLA program per input shape); to ship a model, save "
        "its weights with torch.save(model.state_dict(), path), which real torch can load into "
        "the same model class (and script there).")


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:
    """Not supported: raises NotImplementedError (``torch.jit.script``'s signature)."""
    raise _unsupported("script")


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """Not supported: raises NotImplementedError (``torch.jit.trace``'s signature)."""
    raise _unsupported("trace")


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Not supported: raises NotImplementedError (``torch.jit.save``'s signature)."""
    raise _unsupported("save")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Not supported: raises NotImplementedError (``torch.jit.load``'s signature)."""
    raise _unsupported("load")


def is_scripting() -> bool:
    """Mirrors ``torch.jit.is_scripting``: False, since nothing runs under TorchScript here."""
    return False


def is_tracing() -> bool:
    """Mirrors ``torch.jit.is_tracing``: False (``pytorch_like.compile`` is JAX tracing, which
    model code never needs to branch on)."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """Mirrors ``torch.jit.annotate`` outside TorchScript: returns ``the_value``."""
    return the_value


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """Mirrors ``torch.jit.ignore`` outside TorchScript: the function is returned unchanged,
    used bare (``@torch.jit.ignore``) or called (``@torch.jit.ignore(drop=True)``)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: _F) -> _F:
    """Mirrors ``torch.jit.unused`` outside TorchScript: returns ``fn`` unchanged."""
    return fn


def export(fn: _F) -> _F:
    """Mirrors ``torch.jit.export`` outside TorchScript: returns ``fn`` unchanged."""
    return fn
