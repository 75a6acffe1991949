"""Module backward hooks: torch's ``BackwardHook`` machinery, on this library's engine.

Mirrors ``torch.utils.hooks.BackwardHook``: when a module has full backward (pre-)hooks,
its positional Tensor inputs and its Tensor outputs each pass through an identity node
(``BackwardHookFunctionBackward``). When backward reaches the output node it records
``grad_output`` and runs the pre-hooks (which may replace it); when it reaches the input
node, which runs after every node of the module's forward (it was recorded before them),
it runs the full hooks with ``grad_input`` (which they may replace). If no input requires
grad, the full hooks run at the output node with ``grad_input`` all None, as in torch.

The nodes run Python during backward, so the hooks also run inside ``compile`` (traced
into the program) and, with ``create_graph=True``, see and return Tensors with a history.

Example:
    >>> lin = torch.nn.Linear(2, 1)
    >>> h = lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
    >>> lin(torch.ones(1, 2, requires_grad=True)).sum().backward()
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import jax.numpy as jnp

from ...autograd.anomaly_mode import user_stacklevel
from ...autograd.grad_mode import _state as _grad_state
from ...ops._dispatch import Node, _edge
from ...tensor import Tensor

__all__ = ["BackwardHook"]


class _Pseudo:
    """The part of ``Op`` the engine and ``grad_fn.name()`` read for a hook node."""

    __slots__ = ("grad_name", "name", "diff_out")

    def __init__(self) -> None:
        self.grad_name = self.name = "BackwardHookFunctionBackward"
        self.diff_out = None


_PSEUDO = _Pseudo()


class _HookNode(Node):
    """An identity node whose backward hands its gradients to ``callback`` first."""

    __slots__ = ("callback", "dtypes")
    # Its outputs are views of its inputs, as torch's BackwardHookFunction returns them:
    # an in-place change of one is torch's error (ops._inplace.check).
    inplace_forbidden = "BackwardHookFunction"

    def run(self, cts: list, graph: bool) -> list:
        from ...autograd.engine import _flip  # hooks see torch's complex convention

        # The engine passes arrays (Tensors with create_graph); hooks always see Tensors.
        grads = [None if c is None else _flip(c) if isinstance(c, Tensor)
                 else Tensor._make(_flip(c), dt) for c, dt in zip(cts, self.dtypes)]
        new = self.callback(grads)
        out = []
        for g in new:
            if g is None:
                out.append(None)
            elif graph:
                out.append(_flip(g))
            else:
                out.append(_flip(g._cell.a if isinstance(g, Tensor) else g))
        return out


def _wrap_tensors(items: tuple, callback: Callable[[list], list]) -> tuple[tuple, list | None]:
    """``items`` with each Tensor that requires grad replaced by an output of one new
    identity node; returns the new items and the positions of the Tensors among them
    (None, and ``items`` unchanged, when nothing requires grad or grad mode is off)."""
    positions = [i for i, a in enumerate(items) if isinstance(a, Tensor)]
    if not (_grad_state.enabled and any(items[i]._rg for i in positions)):
        return items, None
    diff = [i for i in positions if items[i]._rg]
    tensors = [items[i] for i in diff]
    node = _HookNode(_PSEUDO, (), None, (), (), tuple(range(len(tensors))),
                     tuple(_edge(t) for t in tensors), (),
                     tuple((tuple(t.shape), t._cell.peek().dtype, t._dtype) for t in tensors))
    node.dtypes = tuple(t._dtype for t in tensors)
    node.callback = callback
    out = list(items)
    for k, (i, t) in enumerate(zip(diff, tensors)):
        # Like torch's view of the input: the same values and version counter, a new
        # history (this node).
        w = t._alias()
        w._ver = t._ver
        w._rg, w._node, w._oidx = True, node, k
        out[i] = w
    return (tuple(out) if type(items) is tuple else type(items)(*out)), positions


class BackwardHook:
    """One module call's backward hooks; mirrors ``torch.utils.hooks.BackwardHook``."""

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = -1
        self.input_index: list | None = None
        self.input_diff: list = []
        self.input_meta: dict = {}
        self.n_outputs = -1
        self.output_index: list | None = None
        self.output_diff: list = []

    # Gradients arrive for the Tensors that require grad; hooks see one entry per position
    # of the module's args (or outputs), None for the rest.
    @staticmethod
    def _pack(diff: list, grads: list, size: int) -> tuple:
        res = [None] * size
        for i, g in zip(diff, grads):
            res[i] = g
        return tuple(res)

    def setup_input_hook(self, args: tuple) -> tuple:
        new, index = _wrap_tensors(args, self._input_backward)
        self.n_inputs = len(args)
        self.input_index = index
        self.input_diff = [i for i in (index or ()) if args[i]._rg]
        self.input_meta = {i: (tuple(args[i].shape), args[i]._cell.peek().dtype, args[i]._dtype)
                           for i in (index or ())}
        return new

    def setup_output_hook(self, result: Any) -> Any:
        is_tuple = isinstance(result, tuple)
        items = result if is_tuple else (result,)
        new, index = _wrap_tensors(items, self._output_backward)
        self.n_outputs = len(items)
        self.output_index = index
        self.output_diff = [i for i in (index or ()) if items[i]._rg]
        return new if is_tuple else new[0]

    def _input_backward(self, grads: list) -> list:
        if self.grad_outputs is None:
            # The gradient reached the inputs without passing through the outputs.
            return grads
        res = list(self._pack(self.input_diff, grads, self.n_inputs))
        # torch's identity Function materializes missing gradients: every Tensor input
        # (even one that needs no grad) gets zeros when nothing flowed to it.
        for i, (shape, dt, dtype) in self.input_meta.items():
            if res[i] is None:
                res[i] = Tensor._make(jnp.zeros(shape, dt), dtype)
        res = tuple(res)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = tuple(out)
        self.grad_outputs = None
        return [res[i] for i in self.input_diff]

    def _output_backward(self, grads: list) -> list:
        self.grad_outputs = self._pack(self.output_diff, grads, self.n_outputs)
        for hook in self.user_pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(self.grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(out)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = tuple(out)
        local = self.grad_outputs
        if self.input_index is None:
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients. See "
                          "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=user_stacklevel())
            none = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, none, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple)
                                            and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return [local[i] for i in self.output_diff]


def attach_legacy_hooks(module: Any, hooks: list, args: tuple, result: Any) -> None:
    """``register_backward_hook`` (non-full) hooks: on the node that produced the module's
    (first) output, called with that node's input and output gradients, as torch does."""
    from ...autograd.engine import register_node_post_hook

    var = result
    while not isinstance(var, Tensor):
        if isinstance(var, dict):
            var = next(v for v in var.values() if isinstance(v, Tensor))
        else:
            var = var[0]
    node = var._node
    if node is None:
        return
    for hook in hooks:
        register_node_post_hook(node, lambda gi, go, hook=hook: hook(module, gi, go))
    _warn_legacy(args, result, node)


def _warn_legacy(inputs: Any, result: Any, node: Node) -> None:
    """torch's FutureWarnings for the cases where a non-full hook misses gradients."""
    def msg(what: str) -> str:
        return (f"Using non-full backward hooks on a Module that does not {what} is "
                "deprecated and will be removed in future versions. This hook will be "
                "missing some of the grad_" + ("output" if "return" in what else "input") +
                ". Please use register_full_backward_hook to get the documented behavior.")
    if isinstance(result, Tensor):
        result = (result,)
    elif not (isinstance(result, tuple) and all(isinstance(r, Tensor) for r in result)):
        warnings.warn(msg("return a single Tensor or a tuple of Tensors"), FutureWarning,
                      stacklevel=user_stacklevel())
        return
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    elif not (isinstance(inputs, tuple) and all(isinstance(i, Tensor) for i in inputs)):
        warnings.warn(msg("take as input a single Tensor or a tuple of Tensors"),
                      FutureWarning, stacklevel=user_stacklevel())
        return
    out_nodes = {id(r._node) for r in result if r._node is not None}
    if not out_nodes or (len(out_nodes) == 1 and id(node) not in out_nodes):
        warnings.warn("Using a non-full backward hook when outputs are nested in python data "
                      "structure is deprecated and will be removed in future versions. This "
                      "hook will be missing some grad_output.", FutureWarning,
                      stacklevel=user_stacklevel())
    elif len(out_nodes) > 1:
        warnings.warn("Using a non-full backward hook when outputs are generated by different "
                      "autograd Nodes is deprecated and will be removed in future versions. "
                      "This hook will be missing some grad_output. Please use "
                      "register_full_backward_hook to get the documented behavior.",
                      FutureWarning, stacklevel=user_stacklevel())
    else:
        in_nodes = {id(i._node) for i in inputs if i._node is not None}
        nexts = {id(e[0]) for e in node.edges}
        if in_nodes != nexts:
            warnings.warn("Using a non-full backward hook when the forward contains multiple "
                          "autograd Nodes is deprecated and will be removed in future "
                          "versions. This hook will be missing some grad_input. Please use "
                          "register_full_backward_hook to get the documented behavior.",
                          FutureWarning, stacklevel=user_stacklevel())
