"""``pytorch_like.utils.checkpoint``: mirrors ``torch.utils.checkpoint`` (activation
checkpointing).

``checkpoint(fn, *args)`` runs ``fn`` without recording its graph, so none of its
intermediate values are kept; backward runs ``fn`` again (with the random generator
rewound, so dropout draws the same mask) and backpropagates through that recomputation.
The gradients equal those of the plain call, also for tensors ``fn`` reaches without
receiving them (a module's parameters, found the way ``pytorch_like.compile`` finds state:
through ``self``, the closure and the globals ``fn`` names, or the attributes of a
callable object). A tensor reachable only some other way (through an object that is not a
Module, Optimizer or container) gets no gradient from the checkpointed segment: pass it as
an argument.

Eager mode: the segment's activations are not stored between forward and backward, as in
torch. Under ``pytorch_like.compile``: the recomputation is traced into the program behind
``jax.lax.optimization_barrier`` on its inputs and incoming gradients, which is how
``jax.checkpoint`` keeps XLA from merging a recomputation with the forward, so the compiled
program rematerializes the segment instead of keeping its activations.

Deliberate differences: both ``use_reentrant`` modes run the mechanism above, so
``autograd.grad`` and ``backward(inputs=...)`` work with either (torch refuses them with
``use_reentrant=True``); ``context_fn``, ``determinism_check``, ``debug`` and
``early_stop`` are accepted and have no effect; only the global generator's state is
preserved (not a ``torch.Generator`` the function uses explicitly).

Example:
    >>> from torch.utils.checkpoint import checkpoint
    >>> block = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())
    >>> x = torch.randn(2, 4, requires_grad=True)
    >>> checkpoint(block, x, use_reentrant=False).sum().backward()
"""

from __future__ import annotations

import functools
import types
import warnings
from typing import Any, Callable

import jax

from ..autograd import grad as _autograd_grad
from ..autograd.function import Function
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.grad_mode import enable_grad, no_grad
from ..random import default_generator
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn", "CheckpointFunction"]


def noop_context_fn() -> tuple:
    """Mirrors ``torch.utils.checkpoint.noop_context_fn``: two context managers that do
    nothing (the default ``context_fn``).

    Example:
        >>> forward_ctx, recompute_ctx = noop_context_fn()
    """
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


def _reached_tensors(function: Callable, args: tuple) -> list:
    """Tensors requiring grad that ``function`` can reach without receiving them."""
    from ..compiler import _fn_roots, _State

    if isinstance(function, functools.partial):
        roots = [function.args, function.keywords] + _fn_roots(function.func)()
    else:
        roots = _fn_roots(function)()
    if not isinstance(function, (types.FunctionType, types.MethodType, functools.partial)) \
            and hasattr(function, "__dict__"):
        roots.append(vars(function))  # a callable object holds its tensors as attributes
    state = _State()
    for a in args:
        state._seen.add(id(a))
    state.walk(roots)
    return [t for t in state.handles if t._rg]


class CheckpointFunction(Function):
    """Mirrors torch's ``CheckpointFunction``: the recorded segment, run forward without
    a graph and backward by recomputation (its ``grad_fn`` is ``CheckpointFunctionBackward``).
    Call :func:`checkpoint` rather than this class.

    Example:
        >>> x = torch.ones(1, 2, requires_grad=True)
        >>> y = checkpoint(torch.nn.Linear(2, 2), x, use_reentrant=True)
        >>> y.grad_fn.name()
        'CheckpointFunctionBackward'
    """

    @staticmethod
    def forward(ctx, run, preserve: bool, n_args: int, *inputs):
        ctx.run = run
        ctx.n_args = n_args
        ctx.preserve = preserve
        ctx.set_materialize_grads(False)
        if preserve:
            default_generator._ensure()
            ctx.rng_key = default_generator._key
        ctx.inputs = inputs
        ctx.save_for_backward(*[t if isinstance(t, Tensor) else None for t in inputs])
        return run(*inputs[:n_args])

    @staticmethod
    def backward(ctx, *grads):
        saved = ctx.saved_tensors
        args = [s if s is not None else a for s, a in zip(saved, ctx.inputs)]
        n = ctx.n_args
        traced = any(isinstance(g._cell.a, jax.core.Tracer) for g in grads if g is not None)
        user = args[:n]
        arrays = [a._cell.a if isinstance(a, Tensor) else None for a in user]
        if traced:
            # As jax.checkpoint does: the recomputation depends on values XLA cannot see
            # through, so it is not merged with the forward (the activations are not kept).
            live = [a for a in arrays if a is not None]
            cts = [g._cell.a for g in grads if g is not None]
            live, cts = jax.lax.optimization_barrier((live, cts))
            it = iter(live)
            arrays = [None if a is None else next(it) for a in arrays]
            it = iter(cts)
            grads = tuple(None if g is None else Tensor._make(next(it), g._dtype)
                          for g in grads)
        detached = []
        for a, arr in zip(user, arrays):
            if isinstance(a, Tensor):
                d = Tensor._make(arr, a._dtype)
                detached.append(d.requires_grad_(a._rg) if a._dtype.is_floating_point else d)
            else:
                detached.append(a)
        after = None
        if ctx.preserve:
            after = default_generator._key
            default_generator._key = ctx.rng_key
        try:
            with enable_grad():
                outs = ctx.run(*detached)
        finally:
            if ctx.preserve:
                default_generator._key = after
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        wanted = [d for d in detached if isinstance(d, Tensor) and d.requires_grad]
        wanted += [t for t in args[n:] if isinstance(t, Tensor)]
        result = [None] * len(wanted)
        if pairs and wanted:
            result = list(_autograd_grad([o for o, _ in pairs], wanted,
                                         [g for _, g in pairs], allow_unused=True,
                                         create_graph=_grad_state.enabled))
        it = iter(result)
        out = [None, None, None]
        for a in user:
            out.append(next(it) if isinstance(a, Tensor) and a.requires_grad else None)
        out += [next(it) for _ in args[n:]]
        return tuple(out)


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable = noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs: Any) -> Any:
    """Mirrors ``torch.utils.checkpoint.checkpoint``: ``function(*args)`` without keeping
    its activations; backward recomputes them (see the module docstring).

    Warns as torch does when ``use_reentrant`` is not passed (and then behaves as
    ``use_reentrant=True``). ``preserve_rng_state=True`` (the default) replays the global
    generator, so dropout sees the same mask when recomputed. With ``use_reentrant=True``
    extra keyword arguments are an error and, when no input requires grad, the output does
    not require grad (torch's warning); ``use_reentrant=False`` passes them to ``function``.

    Example:
        >>> layer = torch.nn.Linear(3, 3)
        >>> y = checkpoint(layer, torch.randn(2, 3), use_reentrant=False)
        >>> y.requires_grad
        True
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = bool(kwargs.pop("preserve_rng_state", True))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        run = function
    else:
        run = functools.partial(function, **kwargs) if kwargs else function
    tensors_rg = any(isinstance(a, Tensor) and a.requires_grad for a in args)
    if use_reentrant and _grad_state.enabled and not tensors_rg:
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)
        with no_grad():
            return run(*args)
    if not _grad_state.enabled:
        return run(*args)
    extra = _reached_tensors(function, args)
    return CheckpointFunction.apply(run, preserve, len(args), *args, *extra)


def checkpoint_sequential(functions: Any, segments: int, input: Tensor,  # noqa: A002
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Mirrors ``torch.utils.checkpoint.checkpoint_sequential``: ``functions`` (a list of
    callables or an ``nn.Sequential``) split into ``segments`` chunks; every chunk but the
    last is checkpointed, the last runs normally.

    Example:
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(),
        ...                             torch.nn.Linear(4, 1))
        >>> out = checkpoint_sequential(model, 2, torch.randn(3, 4, requires_grad=True),
        ...                             use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve "
            "the current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = bool(kwargs.pop("preserve_rng_state", True))
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and callable(functions.children):
        functions = list(functions.children())
    functions = list(functions)
    size = len(functions) // segments

    def run_chunk(start: int, end: int) -> Callable:
        # The closure holds only this chunk: checkpoint finds its parameters there.
        chunk = functions[start:end + 1]

        def forward(x):
            for f in chunk:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run_chunk(start, end), input,  # noqa: A001
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_chunk(end + 1, len(functions) - 1)(input)
