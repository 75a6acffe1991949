"""A compiled module's training forward: one XLA program, recorded as one autograd node.

``torch.compile(model)`` is how torch 2 users speed up training: ``loss = model(x, y);
loss.backward(); optimizer.step()``. Autograd has to see that forward, and a program traced
with the model's ops inside records no graph. So, for a call that autograd must see, the
whole forward is differentiated by JAX: one jitted program runs the module and keeps what
the backward needs (``jax.vjp``'s residuals), and the output tensors hang off one node,
torch's ``CompiledFunctionBackward``, whose backward is a second jitted program. Gradients
then flow into the parameters' ``.grad`` (and into inputs that require grad, through any
history they carry) exactly as eager mode's do; ``optimizer.step()`` stays eager, as it
does with ``torch.compile(model)``.

State is found as ``compile`` finds it (``compiler._Plan``): parameters that require grad
are differentiated; buffers (BatchNorm statistics) and the random generator's key enter
as inputs and what the forward leaves in them is written back.

Deliberate differences from torch: the node's backward cannot itself be differentiated
(``create_graph=True`` raises); calls that this path cannot express run the module
eagerly instead (module hooks, a parameter that is a view, an unhashable non-tensor
argument), with the same results.

Example (what ``OptimizedModule.forward`` does when grad is needed)::

    fwd = _TrainingForward(model)
    loss = fwd((x, y), {})        # loss.grad_fn is CompiledFunctionBackward
    loss.backward()
"""

from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp

from . import compiler as _compiler
from ._backend import compiler_options, relayout_enabled
from .autograd.anomaly_mode import user_stacklevel
from .autograd.function import _Pseudo
from .autograd.grad_mode import no_grad
from .ops._dispatch import Node, _edge
from .ops._views import _ViewCell
from .tensor import Tensor

_BACKWARD_NAME = _Pseudo("CompiledFunctionBackward")

_DOUBLE_BACKWARD = (
    "CompiledFunctionBackward: the backward of a compiled module cannot be differentiated "
    "again (create_graph=True). Call the original module (model._orig_mod) for "
    "higher-order gradients.")


class _CompiledForwardNode(Node):
    """The node a compiled forward records: its backward runs the jitted vjp program."""

    __slots__ = ("program",)

    def run(self, cts: list, graph: bool) -> list:
        if graph:
            raise RuntimeError(_DOUBLE_BACKWARD)
        (vjp_fn,) = self.saved
        full = [jnp.zeros(shape, dt) if c is None else c
                for c, (shape, dt) in zip(cts, self.out_meta)]
        return list(self.program(vjp_fn, full))


def _backward(vjp_fn, cts, perms: tuple = ()):
    if perms:
        # Residuals the forward left channels-last: their logical values, which the layout
        # pass turns into permutations rather than copies.
        leaves, tree = jax.tree_util.tree_flatten(vjp_fn)
        vjp_fn = jax.tree_util.tree_unflatten(tree, [
            a if p is None else jnp.transpose(a, p) for a, p in zip(leaves, perms)])
    cell_grads, arg_grads = vjp_fn(cts)
    return list(cell_grads) + list(arg_grads)


_BACKWARD: dict = {}


def _backward_program(perms: tuple):
    """The jitted backward for residuals laid out as ``perms`` says, built with the same
    CPU choices as the forward (XLA's own convolutions, channels-last)."""
    prog = _BACKWARD.get(perms)
    if prog is None:
        fn = functools.partial(_backward, perms=perms)
        if relayout_enabled():
            fn = _compiler._with_relayout(fn)
        prog = _BACKWARD[perms] = jax.jit(fn, compiler_options=compiler_options())
    return prog


def _hooked(modules: list) -> bool:
    from .nn.modules import module as m

    if (m._global_forward_pre_hooks or m._global_forward_hooks
            or m._global_backward_hooks or m._global_backward_pre_hooks):
        return True
    return any(mod._forward_pre_hooks or mod._forward_hooks or mod._backward_hooks
               or mod._backward_pre_hooks for mod in modules)


class _TrainingForward:
    """``module(*args, **kwargs)`` as one jitted forward and one jitted backward.

    ``__call__`` returns what the module returns, its float tensors attached to one
    ``CompiledFunctionBackward`` node, or ``None`` when the call has to run eagerly.
    """

    def __init__(self, module) -> None:
        self._module = module
        self._plan = None
        self._cache: dict = {}
        self.trace_count = 0

    def __call__(self, args: tuple, kwargs: dict):
        module = self._module
        plan = self._plan
        if plan is None or not plan.valid([module]):
            plan = self._plan = _compiler._Plan([module], self)
        state = plan.state
        if _hooked(state.modules):
            return None
        cells = state.cells
        cell_arrays = [c.a for c in cells]
        if any(isinstance(a, jax.core.Tracer) for a in cell_arrays):
            return None  # inside a compiled function: the caller's trace records it
        diff_cells = []
        owners = {}
        for t in state.handles:
            if t._rg:
                if type(t._cell) is _ViewCell or id(t._cell) in owners:
                    return None
                owners[id(t._cell)] = t
        for i, c in enumerate(cells):
            if id(c) in owners:
                diff_cells.append(i)
        leaves, tree = jax.tree_util.tree_flatten((args, kwargs),
                                                  is_leaf=lambda x: isinstance(x, Tensor))
        arg_pos = [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]
        if any(isinstance(leaves[i]._cell.a, jax.core.Tracer) for i in arg_pos):
            return None
        diff_args = tuple(i for i in arg_pos
                          if leaves[i]._rg and leaves[i]._dtype.is_floating_point)
        for g in state.generators:
            g._ensure()
        # Shapes and roles of the state, not the identity of its storages: a forward that
        # stores a new tensor on the module each call (``self.attn = att``) replaces a
        # storage each call and must still reuse its program.
        key = (
            tuple(map(_compiler._spec, cell_arrays)),
            plan.training,
            tuple(diff_cells),
            diff_args,
            _compiler._autocast_key(),
            tree,
            tuple(("t", _compiler._spec(x._cell.a), x._dtype) if isinstance(x, Tensor)
                  else ("py", x) for x in leaves),
        )
        try:
            entry = self._cache.get(key)
        except TypeError:
            return None  # an unhashable non-tensor argument: no key to cache a program by
        if entry is None:
            entry = self._cache[key] = self._build(state, diff_cells, leaves, tree,
                                                   arg_pos, diff_args)
        program, holder = entry
        diff_set = set(diff_cells)
        inputs = ([cell_arrays[i] for i in diff_cells],
                  [leaves[i]._cell.a for i in diff_args],
                  [a for i, a in enumerate(cell_arrays) if i not in diff_set],
                  [leaves[i]._cell.a for i in arg_pos if i not in diff_args],
                  [g._key for g in state.generators])
        outs, (changed, keys, extra, others, new_args), vjp_fn = program(*inputs)
        for i, a in zip(holder["args_changed"], new_args):
            # An input the forward changed in place (a mask filled in) changes here too.
            x = leaves[i]
            x._cell.a = a
            x._ver[0] += 1
        for i, a in zip(holder["changed"], changed):
            cells[i].a = a
        for cell, a in zip(holder["extra_cells"], extra):
            cell.a = a
        for g, k in zip(state.generators, keys):
            g._key = k
        sources = [owners[id(cells[i])] for i in diff_cells] + [leaves[i] for i in diff_args]
        edges = tuple(map(_edge, sources))
        if edges and outs:
            # The backward reads the values these had: an in-place change before it (an
            # optimizer step between forward and backward) is refused, as in eager mode.
            versions = tuple((t._ver, t._ver[0], t._dtype, tuple(t.shape), t._node, t._oidx)
                             for t in sources)
            node = _CompiledForwardNode(
                _BACKWARD_NAME, (), None, (vjp_fn,), (), tuple(range(len(edges))), edges,
                versions, tuple((o.shape, o.dtype) for o in outs))
            node.program = _backward_program(holder["res_perms"])
            made = iter([Tensor._make(a, d, True, node, k)
                         for k, (a, d) in enumerate(zip(outs, holder["diff_dtypes"]))])
        else:
            made = iter([Tensor._make(a, d) for a, d in zip(outs, holder["diff_dtypes"])])
        others = iter(others)
        consts = iter(holder["consts"])
        res = []
        for kind in holder["kinds"]:
            if kind == "d":
                res.append(next(made))
            elif kind == "t":
                res.append(Tensor._make(next(others), next(consts)))
            else:
                res.append(next(consts))
        return jax.tree_util.tree_unflatten(holder["out_tree"], res)

    def _build(self, state, diff_cells: list, leaves: list, tree, arg_pos: list,
               diff_args: tuple):
        self.trace_count += 1
        if self.trace_count == _compiler._CACHE_LIMIT + 1:
            warnings.warn(
                f"pytorch_like.compile: the training forward of {type(self._module).__name__} "
                f"has been traced {self.trace_count} times; keep input shapes and dtypes, "
                "module.training, autocast and which parameters require grad stable between "
                "calls to avoid recompiling.", stacklevel=user_stacklevel())
        holder: dict = {}
        cells = state.cells
        diff_set = set(diff_cells)
        other_cells = [i for i in range(len(cells)) if i not in diff_set]
        other_args = [i for i in arg_pos if i not in diff_args]
        module = self._module

        def forward(diff_arrays, diff_arg_arrays, other_arrays, other_arg_arrays, keys):
            saved_cells = [(c, c.a) for c in cells]
            saved_keys = [(g, g._key) for g in state.generators]
            try:
                for i, a in zip(diff_cells, diff_arrays):
                    cells[i].a = a
                for i, a in zip(other_cells, other_arrays):
                    cells[i].a = a
                for g, k in zip(state.generators, keys):
                    g._key = k
                given = list(leaves)
                for i, a in zip(diff_args, diff_arg_arrays):
                    given[i] = Tensor._make(a, leaves[i]._dtype)
                for i, a in zip(other_args, other_arg_arrays):
                    given[i] = Tensor._make(a, leaves[i]._dtype)
                arg_arrays = [given[i]._cell.a for i in arg_pos]
                call_args, call_kwargs = jax.tree_util.tree_unflatten(tree, given)
                try:
                    with no_grad():
                        result = module(*call_args, **call_kwargs)
                except jax.errors.ConcretizationTypeError as e:
                    raise RuntimeError(
                        "A Python value was needed from a tensor inside a compiled module's "
                        "forward (for example int(t), float(t), or `if t:`). Move that code "
                        "out of forward, or call the original module (model._orig_mod)."
                    ) from e
                args_changed = [i for i, a in zip(arg_pos, arg_arrays)
                                if given[i]._cell.a is not a]
                if any(i in diff_args for i in args_changed):
                    raise RuntimeError(
                        "A compiled module's forward changed an input that requires grad in "
                        "place. Call the original module (model._orig_mod), or change a "
                        "copy of the input.")
                # Buffers the forward rewrote (BatchNorm statistics) go back to their
                # storages; tensors it stored on the modules come back concrete.
                before = {id(a) for a in diff_arrays} | {id(a) for a in other_arrays}
                changed = [i for i, c in enumerate(cells) if id(c.a) not in before]
                _, extra = _compiler._created_cells(state, [module])
                res_leaves, res_tree = jax.tree_util.tree_flatten(
                    result, is_leaf=lambda x: isinstance(x, Tensor))
                kinds, outs, dtypes, others, consts = [], [], [], [], []
                for x in res_leaves:
                    if isinstance(x, Tensor) and x._dtype.is_floating_point:
                        kinds.append("d")
                        outs.append(x._cell.a)
                        dtypes.append(x._dtype)
                    elif isinstance(x, Tensor):
                        kinds.append("t")
                        others.append(x._cell.a)
                        consts.append(x._dtype)
                    elif isinstance(x, (jax.Array, jax.core.Tracer)):
                        raise RuntimeError("A compiled module's forward returned a JAX "
                                           "array; return tensors.")
                    else:
                        kinds.append("p")
                        consts.append(x)
                holder.update(changed=changed, extra_cells=extra, out_tree=res_tree,
                              args_changed=args_changed,
                              kinds=kinds, diff_dtypes=dtypes, consts=consts)
                return outs, ([cells[i].a for i in changed],
                              [g._key for g in state.generators],
                              [c.a for c in extra], others,
                              [given[i]._cell.a for i in args_changed])
            finally:
                for c, a in saved_cells:
                    c.a = a
                for g, k in saved_keys:
                    g._key = k

        def program(diff_arrays, diff_arg_arrays, other_arrays, other_arg_arrays, keys):
            def f(d, da):
                return forward(d, da, other_arrays, other_arg_arrays, keys)
            outs, vjp_fn, aux = jax.vjp(f, diff_arrays, diff_arg_arrays, has_aux=True)
            return outs, aux, vjp_fn

        holder["res_perms"] = ()
        if relayout_enabled():
            # The residuals (the vjp function's arrays, last among the outputs) stay in the
            # pass's layout; the backward program transposes them back at its start.
            def residuals(shape):
                n_all = len(jax.tree_util.tree_leaves(shape))
                return range(n_all - len(jax.tree_util.tree_leaves(shape[2])), n_all)

            def record(perms):
                holder["res_perms"] = tuple(None if p is None else tuple(p) for p in perms) \
                    if any(p is not None for p in perms) else ()
            program = _compiler._with_relayout(program, residuals, record)
        return jax.jit(program, compiler_options=compiler_options()), holder
