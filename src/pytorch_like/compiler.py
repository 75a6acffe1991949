"""``pytorch_like.compile``: a PyTorch-style step traced whole into one XLA program.

Mirrors ``torch.compile`` (a function or decorator; ``compile(model)`` for a module).
The step is written the torch way — ``optimizer.zero_grad(); loss.backward();
optimizer.step()`` — and runs as one ``jax.jit`` program: forward, backward and update.

How state is found: every Tensor, Module, Optimizer and the global random generator
reachable from the function's arguments, its closure and the globals it names is *state*.
Each state array enters the program as an input (donated), the function runs on tracers,
and every state array it leaves behind (new parameters, ``.grad``, optimizer moments, BatchNorm
statistics, the RNG key) is an output written back into the same Python objects. After each
call the objects hold what eager mode would have produced.

What is part of the compiled program's identity (a change recompiles): input shapes and
dtypes, the set of state tensors and their shapes, which tensors have a ``.grad``,
``module.training`` flags, grad mode, and hyperparameters other than ``lr``. Learning
rates (``group['lr']``) are program inputs, so schedulers never recompile.

Deliberate differences from ``torch.compile``: no graph breaks — what cannot be traced
(``.item()``, ``print`` of a value, ``if tensor:``) raises an error saying what to move out;
objects other than Modules, Optimizers, Tensors and containers of them are not searched for
state (pass or capture the model and optimizer themselves).

Example:
    >>> @torch.compile
    ... def train_step(x, y):
    ...     optimizer.zero_grad()
    ...     loss = F.nll_loss(model(x), y)
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss
"""

from __future__ import annotations

import functools
import operator
import types
import warnings
from itertools import chain, compress, repeat
from operator import call, is_, is_not
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from . import _structure
from ._relayout import with_relayout as _with_relayout
from ._backend import compiler_options, relayout_enabled, warn_if_scratch_is_remapped
from ._structure import _TrackedDict
from .autograd.anomaly_mode import user_stacklevel
from .autograd.grad_mode import _state as _grad_state
from .random import Generator, default_generator
from .ops._views import _ViewCell
from .tensor import Tensor, _exclusive

__all__ = ["compile", "CompiledFunction", "reset"]

_CACHE_LIMIT = 8  # torch._dynamo's default cache_size_limit


_CLASSES: list = []


def _classes() -> tuple:
    # Imported on first use (nn, optim and amp import this package's core first).
    if not _CLASSES:
        from .amp.grad_scaler import GradScaler
        from .nn.modules.module import Module
        from .optim.optimizer import Optimizer

        _CLASSES.extend((Module, Optimizer, GradScaler))
    return tuple(_CLASSES)


def _is_module(obj) -> bool:
    return isinstance(obj, _classes()[0])


def _is_optimizer(obj) -> bool:
    return isinstance(obj, _classes()[1])


def _is_grad_scaler(obj) -> bool:
    return isinstance(obj, _classes()[2])


class _State:
    """Everything one call reads and writes, found by walking the Python objects.

    ``handles`` are the state tensors (parameters, buffers, optimizer state, captured
    tensors); their ``.grad`` tensors are tracked per handle, since a step replaces them.
    The walk also records what it went through (plain containers with their items, the
    attributes it followed) so that a later call can check that nothing changed and reuse
    the walk; module structure is tracked by ``_structure.epoch`` instead.
    """

    def __init__(self) -> None:
        self.handles: list[Tensor] = []
        self.cells: list = []
        self.generators: list[Generator] = []
        self.modules: list = []
        self.groups: list[dict] = []
        self.containers: list = []  # (container, its items when walked, is_dict)
        self.attrs: list = []  # (object, attribute, value) the walk followed
        self.items: list = []  # (dict, key, value) the walk followed
        self.nested: list = []  # (compiled function, its roots) walked into
        self._seen: set = set()
        self._cell_ids: set = set()

    def walk(self, obj) -> None:
        if obj is None or isinstance(obj, _NOT_STATE):
            return
        oid = id(obj)
        if oid in self._seen:
            return
        self._seen.add(oid)
        if isinstance(obj, Tensor):
            self.handles.append(obj)
            cell = obj._cell
            if type(cell) is _ViewCell:
                # A view's values live in its base: the base is the state, and the view
                # re-derives its array from the base's traced one.
                self.walk(cell.base)
                return
            if id(cell) not in self._cell_ids:
                self._cell_ids.add(id(cell))
                self.cells.append(cell)
            if obj._grad is not None:
                self._seen.add(id(obj._grad))
            hooks = obj.__dict__.get("_post_accumulate_grad_hooks")
            if hooks:
                # torch's "optimizer step in the backward" tutorial: the optimizers live in
                # the hooks' closures, and backward() steps them.
                for hook in list(hooks.values()):
                    self.walk(_fn_roots(hook)())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            if isinstance(obj, (list, set)):
                self.containers.append((obj, list(obj), False))
            for x in obj:
                self.walk(x)
        elif isinstance(obj, dict):
            if not isinstance(obj, _TrackedDict):
                self.containers.append((obj, list(obj.values()), True))
            for k, v in obj.items():
                self.walk(k)
                self.walk(v)
        elif isinstance(obj, Generator):
            self.generators.append(obj)
        elif _is_module(obj):
            self.modules.append(obj)
            d = vars(obj)
            for name, v in d.items():
                # Hook tables and plain numbers cannot hold state: skip them cheaply.
                if name in _MODULE_SKIP or v is None or type(v) in _ATOMS:
                    continue
                self.walk(v)
        elif _is_optimizer(obj):
            self.attrs.append((obj, "param_groups", obj.param_groups))
            self.attrs.append((obj, "state", obj.state))
            self.containers.append((obj.param_groups, list(obj.param_groups), False))
            self.groups.extend(obj.param_groups)
            for g in obj.param_groups:
                self.items.append((g, "params", g["params"]))
                self.walk(g["params"])
            self.walk(obj.state)
        elif _is_grad_scaler(obj):
            self.walk(vars(obj))  # the loss scale and growth tracker are tensors
        elif _is_optimizer(getattr(obj, "optimizer", None)):
            self.attrs.append((obj, "optimizer", obj.optimizer))
            self.walk(obj.optimizer)  # an LR scheduler
        elif isinstance(obj, CompiledFunction):
            roots = obj._roots()
            self.nested.append((obj, roots))
            self.walk(roots)

    def freeze(self) -> None:
        """Flatten what ``unchanged`` compares, so that the check runs in C loops."""
        conts = [c for c, _, _ in self.containers]
        self._conts = conts
        self._lens = [len(items) for _, items, _ in self.containers]
        self._getters = [c.values if is_dict else c.__iter__ for c, _, is_dict in self.containers]
        self._flat = [x for _, items, _ in self.containers for x in items]
        self._attr_cols = tuple(map(list, zip(*self.attrs))) or ([], [], [])
        self._item_cols = tuple(map(list, zip(*self.items))) or ([], [], [])

    def unchanged(self) -> bool:
        """True when every container and attribute the walk went through is as it was."""
        for cf, roots in self.nested:
            now = cf._roots()
            if len(now) != len(roots) or not all(map(is_, now, roots)):
                return False
        objs, names, vals = self._attr_cols
        dicts, keys, dvals = self._item_cols
        return (all(map(is_, map(getattr, objs, names), vals))
                and all(map(is_, map(dict.get, dicts, keys), dvals))
                and list(map(len, self._conts)) == self._lens
                and all(map(is_, chain.from_iterable(map(call, self._getters)), self._flat)))


class _Plan:
    """A walk of the state reused across calls while nothing it depends on changes."""

    def __init__(self, roots: list, owner: CompiledFunction) -> None:
        self.epoch = _structure.epoch[0]
        self.roots = roots
        state = self.state = _State()
        state._seen.add(id(owner))  # a function that names itself (``step``) adds nothing
        state.walk(roots)
        state.walk(default_generator)
        state.freeze()
        self.handle_cells = [t._cell for t in state.handles]
        self.cell_ids = tuple(map(id, state.cells))
        self.training = tuple(m.training for m in state.modules)
        self.place = None
        for m in state.modules:
            # A data-parallel wrapper (nn.parallel) lays the batch out over its device mesh.
            place = getattr(type(m), "_place_compiled_inputs", None)
            if place is not None:
                self.place = functools.partial(place, m)
                break
        self.written: list | None = None  # the arrays the last call wrote into the cells
        self.specs: tuple = ()
        self.token = -1
        self._hyper: list = [(None, None)] * len(state.groups)

    def hyper(self) -> tuple:
        """The optimizer hyperparameters that key the program (all but params and lr),
        recomputed only when a group's values changed."""
        out = []
        memo = self._hyper
        for i, g in enumerate(self.state.groups):
            vals = tuple(g.values())
            seen, k = memo[i]
            if seen is None or len(seen) != len(vals) or not all(map(is_, seen, vals)):
                k = _hyper_key(g)
                memo[i] = (vals, k)
            out.append(k)
        return tuple(out)

    def valid(self, roots: list) -> bool:
        prev = self.roots
        return (self.epoch == _structure.epoch[0] and len(roots) == len(prev)
                and all(map(is_, roots, prev))
                and all(map(is_, map(_CELL, self.state.handles), self.handle_cells))
                and self.state.unchanged())


_NOT_STATE = (int, float, str, bool, bytes, complex, types.ModuleType, types.FunctionType,
              types.BuiltinFunctionType, type)
_CELL = operator.attrgetter("_cell")
_RG = operator.attrgetter("_rg")
_NODE = operator.attrgetter("_node")
_GRAD = operator.attrgetter("_grad")
_ARRAY = operator.attrgetter("a")


_MODULE_SKIP = frozenset({
    "_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
    "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_state_dict_hooks",
    "_load_state_dict_post_hooks", "_non_persistent_buffers_set", "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_pre_hooks", "_load_state_dict_pre_hooks"})
_ATOMS = frozenset({int, float, bool, str, bytes, complex, type(None)})


@functools.lru_cache(maxsize=256)
def _code_names(code: types.CodeType) -> tuple:
    names = dict.fromkeys(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names.update(dict.fromkeys(_code_names(c)))
    return tuple(names)


def _fn_roots(fn: Callable) -> Callable[[], list]:
    """A function returning the objects ``fn`` can reach: its closure, the globals its code
    names, and ``self`` for a bound method. Every global name is looked up on each call
    (a name may be bound after compiling); names that are not globals give None."""
    head: list = []
    if isinstance(fn, types.MethodType):
        head.append(fn.__self__)
        fn = fn.__func__
    if _is_module(fn):
        return lambda: [fn]
    code = getattr(fn, "__code__", None)
    if code is None:
        return lambda: list(head)
    closure = fn.__closure__ or ()
    lookup = getattr(fn, "__globals__", {}).get
    names = _code_names(code)

    def roots() -> list:
        out = head + list(map(lookup, names))
        try:
            out += [c.cell_contents for c in closure]
        except ValueError:  # a closure variable not bound yet
            for c in closure:
                try:
                    out.append(c.cell_contents)
                except ValueError:
                    pass
        return out
    return roots


def _spec(x) -> tuple:
    av = getattr(x, "aval", x)  # one attribute read instead of two properties
    return (av.shape, av.dtype)


class CompiledFunction:
    """The callable ``compile(fn)`` returns: traces ``fn`` once per distinct input signature."""

    def __init__(self, fn: Callable, donate: bool = True) -> None:
        self._fn = fn
        self._donate = donate
        self._cache: dict = {}
        self._keys: list = []
        self._warned = False
        self._plan: _Plan | None = None
        self._tokens: dict = {}  # (state shapes, state identity, training flags) -> int
        self._root_finder = _fn_roots(fn)
        self._lr_memo: tuple = ((), [])
        self.trace_count = 0
        functools.update_wrapper(self, fn)

    def _roots(self) -> list:
        return self._root_finder()

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    def __call__(self, *args, **kwargs):
        if not kwargs and all(isinstance(a, Tensor) for a in args):
            # The common case (tensor arguments only) skips pytree flattening.
            arg_leaves = args
            arg_tree = len(args)
            arg_pos = range(len(args))
            arg_key = tuple((_spec(a._cell.a), a._dtype, a._rg) for a in args)
            roots = self._roots()
        else:
            arg_leaves, arg_tree = jax.tree_util.tree_flatten(
                (args, kwargs), is_leaf=lambda x: isinstance(x, Tensor))
            arg_pos = [i for i, x in enumerate(arg_leaves) if isinstance(x, Tensor)]
            arg_key = tuple(("t", _spec(x._cell.a), x._dtype, x._rg) if isinstance(x, Tensor)
                            else ("py", x) for x in arg_leaves)
            # A model or optimizer passed as an argument holds state like a captured one.
            roots = self._roots() + [x for x in arg_leaves
                                     if not isinstance(x, (Tensor, *_NOT_STATE))]
        plan = self._plan
        if plan is None or not plan.valid(roots):
            plan = self._plan = _Plan(roots, self)
        state = plan.state
        handles = state.handles
        for g in state.generators:
            g._ensure()
        lrs = [g.get("lr") for g in state.groups]
        traced_lr = tuple(isinstance(lr, (float, int)) and not isinstance(lr, bool)
                          for lr in lrs)
        grad_pos = tuple(compress(range(len(handles)),
                                  map(is_not, map(_GRAD, handles), repeat(None))))
        cell_arrays = list(map(_ARRAY, state.cells))
        written = plan.written
        if written is None or not all(map(is_, cell_arrays, written)):
            # Something other than the last call changed the state arrays: check shapes,
            # and make sure that no array about to be donated is also held elsewhere.
            if self._donate:
                _give_private_arrays(state.cells, cell_arrays, written)
            plan.specs = tuple(map(_spec, cell_arrays))
            plan.token = self._tokens.setdefault(
                (plan.specs, plan.cell_ids, plan.training), len(self._tokens))

        # The state's shapes, identity and training flags enter as one small token, so the
        # per-call key stays cheap to hash.
        # Leaf arguments that require grad get their .grad written back, as in eager mode.
        leaf_args = ()
        if any(map(_RG, map(arg_leaves.__getitem__, arg_pos))):
            leaf_args = tuple(i for i in arg_pos
                              if arg_leaves[i]._rg and arg_leaves[i]._node is None)
        key = (
            plan.token,
            grad_pos,
            plan.hyper(),
            traced_lr,
            _grad_state.enabled,
            _autocast_key(),
            arg_tree,
            arg_key,
            tuple(arg_leaves[i]._grad is not None for i in leaf_args) if leaf_args else (),
        )
        entry = self._cache.get(key)
        fresh = entry is None
        if fresh:
            if isinstance(arg_tree, int):
                arg_leaves, arg_tree = jax.tree_util.tree_flatten(
                    (args, kwargs), is_leaf=lambda x: isinstance(x, Tensor))
            entry = self._build(key, state, roots, arg_leaves, arg_tree, arg_pos,
                                traced_lr, grad_pos, leaf_args)
        jitted, holder = entry

        arg_arrays = [arg_leaves[i]._cell.a for i in arg_pos]
        if plan.place is not None:
            arg_arrays = plan.place(arg_arrays)
        grad_arrays = _unique_buffers([handles[j]._grad._cell.a for j in grad_pos])
        cell_arrays = _unique_buffers(cell_arrays)
        if self._donate and arg_arrays:
            arg_arrays = _spare_donated(arg_arrays, cell_arrays, grad_arrays)
        inputs = (cell_arrays, grad_arrays,
                  [g._key for g in state.generators],
                  self._lr_arrays(lrs, traced_lr),
                  arg_arrays,
                  [arg_leaves[i]._grad._cell.a for i in leaf_args
                   if arg_leaves[i]._grad is not None] if leaf_args else [])
        try:
            if fresh:
                # Trace first: a program that creates state (the first optimizer step)
                # runs once, so it is compiled for compile speed, not run speed.
                lowered = jitted.lower(*inputs)
                if holder["single_use"]:
                    jitted = lowered.compile(compiler_options(quick=True))
                elif _grad_state.enabled:
                    # Training steps only: they run thousands of times, and an evaluation
                    # loop under no_grad (the MNIST example's batches of 1000) would turn
                    # the hint into noise for a few percent.
                    warn_if_scratch_is_remapped(lowered, stacklevel=2)
            new_cells, new_grads, new_keys, new_lrs, new_extra, out, arg_grads, new_args = \
                jitted(*inputs)
        except Exception:
            self._cache.pop(key, None)
            raise
        self._write_back(state, holder, grad_pos, new_cells, new_grads, new_keys, new_lrs,
                         new_extra)
        plan.written = new_cells
        for k, a in zip(holder["args_changed"], new_args):
            # An argument the function changed in place (``x.add_(1)``) changes here too.
            x = arg_leaves[arg_pos[k]]
            x._cell.a = a
            x._ver[0] += 1
        for i, a in zip(leaf_args, arg_grads):
            if a is not None:
                x = arg_leaves[i]
                x._grad = Tensor._make(a, x._dtype)
        if holder["single_use"]:
            # The first call created state (optimizer moments, grads): the next call sees
            # it as input and settles on a stable program.
            self._cache.pop(key, None)
        dtypes = holder["out_dtypes"]
        if holder["out_leaf"]:
            return Tensor._make(out[0], dtypes[0]) if dtypes[0] is not None else out[0]
        return jax.tree_util.tree_unflatten(holder["out_tree"], [
            Tensor._make(a, d) if d is not None else a for a, d in zip(out, dtypes)])

    def _lr_arrays(self, lrs: list, traced_lr: tuple) -> list:
        vals = lrs if all(traced_lr) else [lr for lr, t in zip(lrs, traced_lr) if t]
        seen, arrays = self._lr_memo
        if seen != vals:
            # Device arrays, made once per value: a NumPy scalar is copied to the device
            # on every call (~50 us of the MLP step's dispatch).
            arrays = [jax.device_put(np.float32(lr)) for lr in vals]
            self._lr_memo = (vals, arrays)
        return arrays

    @staticmethod
    def _write_back(state, holder, grad_pos, new_cells, new_grads, new_keys, new_lrs,
                    new_extra) -> None:
        for c, a in zip(state.cells, new_cells):
            c.a = a
        handles = state.handles
        if any(map(is_not, map(_NODE, handles), repeat(None))):
            for t in handles:
                t._node = None
        grads_after = holder["grads_after"]
        with_grad = holder["grads_after_set"]
        for j in grad_pos:
            if j not in with_grad:
                handles[j]._grad = None
        for j, a in zip(grads_after, new_grads):
            t = handles[j]
            if t._grad is None:
                t._grad = Tensor._make(a, t._dtype)
            else:
                t._grad._cell.a = a
                t._grad._ver[0] += 1
        for g, k in zip(state.generators, new_keys):
            g._key = k
        for g_index, v in zip(holder["lr_out"], new_lrs):
            state.groups[g_index]["lr"] = float(v)
        for cell, a in zip(holder["extra_cells"], new_extra):
            cell.a = a

    def _build(self, key, state: _State, roots: list, arg_leaves, arg_tree, arg_pos,
               traced_lr, grad_pos, leaf_args=()):
        self.trace_count += 1
        self._note_recompile(key)
        fn = self._fn
        holder: dict = {}

        # Part of the key: the arguments' .grad may change after this call (it writes them).
        grads_given = tuple(arg_leaves[i]._grad is not None for i in leaf_args)

        def pure(cell_arrays, grad_arrays, gen_keys, lr_vals, arg_arrays, arg_grad_arrays):
            saved_cells = [(c, c.a) for c in state.cells]
            saved_handles = [(t, t._node) for t in state.handles]
            saved_keys = [(g, g._key) for g in state.generators]
            saved_lrs = [(g, g.get("lr")) for g in state.groups]
            try:
                for c, a in zip(state.cells, cell_arrays):
                    c.a = a
                for j, a in zip(grad_pos, grad_arrays):
                    t = state.handles[j]
                    t._grad = Tensor._make(a, t._dtype)
                for g, k in zip(state.generators, gen_keys):
                    g._key = k
                it = iter(lr_vals)
                lr_in = {}
                for gi, (g, t) in enumerate(zip(state.groups, traced_lr)):
                    if t:
                        g["lr"] = lr_in[gi] = next(it)
                leaves = list(arg_leaves)
                for i, a in zip(arg_pos, arg_arrays):
                    x = arg_leaves[i]
                    leaves[i] = Tensor._make(a, x._dtype, x._rg)
                given = iter(arg_grad_arrays)
                for i, has in zip(leaf_args, grads_given):
                    if has:
                        leaves[i]._grad = Tensor._make(next(given), arg_leaves[i]._dtype)
                args, kwargs = jax.tree_util.tree_unflatten(arg_tree, leaves)
                try:
                    result = fn(*args, **kwargs)
                except jax.errors.ConcretizationTypeError as e:
                    raise RuntimeError(
                        "A Python value was needed from a tensor inside a compiled function "
                        "(for example int(t), float(t), or a shape computed from values). "
                        "Move that code outside the function passed to pytorch_like.compile, "
                        "or run it eagerly.") from e

                # State created by the call (optimizer moments on the first step) is found
                # by walking again; it is written back into those new objects once.
                after, extra_cells = _created_cells(state, roots)
                grads_after = [j for j, t in enumerate(state.handles) if t._grad is not None]
                new_handles = {id(t) for t in after.handles} - {id(t) for t in state.handles}
                holder["single_use"] = bool(extra_cells) or bool(new_handles)
                holder["extra_cells"] = extra_cells
                holder["grads_after"] = grads_after
                holder["grads_after_set"] = frozenset(grads_after)
                lr_out, new_lrs = [], []
                for gi, g in enumerate(state.groups):
                    v = g.get("lr")
                    # Only a learning rate the function changed goes back (as a float).
                    if isinstance(v, (jax.Array, jax.core.Tracer)) and v is not lr_in.get(gi):
                        lr_out.append(gi)
                        new_lrs.append(jnp.asarray(v, jnp.float32))
                holder["lr_out"] = lr_out
                res_leaves, res_tree = jax.tree_util.tree_flatten(
                    result, is_leaf=lambda x: isinstance(x, Tensor))
                holder["out_tree"] = res_tree
                holder["out_leaf"] = res_tree.num_nodes == 1 and res_tree.num_leaves == 1
                holder["out_dtypes"] = [x._dtype if isinstance(x, Tensor) else None
                                        for x in res_leaves]
                out = [x._cell.a if isinstance(x, Tensor) else x for x in res_leaves]
                changed_args = [k for k, (i, a) in enumerate(zip(arg_pos, arg_arrays))
                                if leaves[i]._cell.a is not a]
                holder["args_changed"] = changed_args
                return ([c.a for c in state.cells],
                        [state.handles[j]._grad._cell.a for j in grads_after],
                        [g._key for g in state.generators], new_lrs,
                        [c.a for c in extra_cells], out,
                        [None if leaves[i]._grad is None else leaves[i]._grad._cell.a
                         for i in leaf_args],
                        [leaves[arg_pos[k]]._cell.a for k in changed_args])
            finally:
                # No tracer may stay in objects that outlive the trace; the values written
                # back after the call replace these.
                for c, a in saved_cells:
                    c.a = a
                for t, node in saved_handles:
                    t._node = node
                for g, k in saved_keys:
                    g._key = k
                for g, v in saved_lrs:
                    g["lr"] = v

        donate = (0, 1) if self._donate else ()
        program = _with_relayout(pure) if relayout_enabled() else pure
        jitted = jax.jit(program, donate_argnums=donate, compiler_options=compiler_options())
        entry = (jitted, holder)
        self._cache[key] = entry
        self._keys.append(key)
        return entry

    def _note_recompile(self, key) -> None:
        if len(self._keys) < _CACHE_LIMIT or self._warned:
            return
        self._warned = True
        prev = self._keys[-1]
        names = ["which tensors have .grad", "optimizer hyperparameters",
                 "lr kinds", "grad mode", "autocast", "argument structure",
                 "argument shapes or dtypes"]
        changed = [n for n, a, b in zip(names, prev[1:], key[1:]) if a != b]
        if prev[0] != key[0]:
            static = {v: k for k, v in self._tokens.items()}
            a, b = static[prev[0]], static[key[0]]
            changed[:0] = [n for n, x, y in zip(
                ("state tensor shapes", "state tensors", "module.training"), a, b) if x != y]
        warnings.warn(
            f"pytorch_like.compile: {self._fn.__name__} has been traced {len(self._keys) + 1} "
            f"times (limit {_CACHE_LIMIT}); the last change was in: "
            f"{', '.join(changed) or 'unknown'}. Keep these stable between calls to avoid "
            "recompiling.", stacklevel=user_stacklevel())


def _created_cells(state: _State, roots: list) -> tuple:
    """After a trace: the objects walked again, and the storages holding tracers that the
    traced function created (optimizer moments, tensors it stored on a module)."""
    after = _State()
    after.walk(roots)
    known = {id(c) for c in state.cells}
    return after, [c for c in after.cells
                   if id(c) not in known and isinstance(c.a, jax.core.Tracer)]


def _autocast_key():
    fn = _AUTOCAST_KEY[0] if _AUTOCAST_KEY else None
    if fn is None:
        from .amp.autocast_mode import _state_key

        _AUTOCAST_KEY.append(_state_key)
        fn = _state_key
    return fn()


_AUTOCAST_KEY: list = []


def _give_private_arrays(cells: list, arrays: list, written: list | None) -> None:
    """Copy each state array that something besides its storage references.

    A donated buffer is deleted: a tensor of another model that shares the array (after
    ``model2.load_state_dict(model1.state_dict())``, which shares immutable arrays) or a
    Python reference to it would be left with a deleted array. References counted as
    expected: the storage, ``arrays`` (the caller's list), and ``written`` where it holds
    the same array (the last call's outputs).
    """
    for i, c in enumerate(cells):
        known = 1 + (written is not None and i < len(written) and written[i] is c.a)
        if not _exclusive(c, known):
            c.a = arrays[i] = jnp.array(c.a, copy=True)


def _unique_buffers(arrays: list) -> list:
    """Copies of repeated arrays: XLA may return one buffer for equal outputs (three Adam
    step counters), and a buffer cannot be donated twice in one call."""
    if len(set(map(id, arrays))) == len(arrays):
        return arrays
    seen: set = set()
    for i, a in enumerate(arrays):
        if id(a) in seen:
            arrays[i] = jnp.array(a, copy=True)
        seen.add(id(a))
    return arrays


def _spare_donated(args: list, cells: list, grads: list) -> list:
    """Copies of argument arrays that are also donated state arrays.

    ``p.detach()`` shares its parameter's array, so ``step({k: v.detach() ...})`` would
    pass one buffer both as a donated state input and as an argument, which XLA refuses.
    """
    ids = set(map(id, cells))
    ids.update(map(id, grads))
    if ids.isdisjoint(map(id, args)):
        return args
    return [jnp.array(a, copy=True) if id(a) in ids else a for a in args]


def _hyper_key(group: dict) -> tuple:
    out = []
    for k, v in group.items():
        if k in ("params", "lr"):
            continue
        if isinstance(v, (int, float, bool, str, type(None))):
            out.append((k, v))
        elif isinstance(v, tuple) and all(isinstance(x, (int, float)) for x in v):
            out.append((k, v))
    return tuple(out)


def compile(model: Callable | None = None, *, fullgraph: bool = False,  # noqa: A001
            dynamic: bool | None = None, backend: str | Callable = "inductor",
            mode: str | None = None, options: dict | None = None,
            disable: bool = False, donate: bool = True) -> Any:
    """Mirrors ``torch.compile``: returns a callable that runs ``model`` as one XLA program.

    Usable as ``compile(fn)``, ``@compile`` and ``@compile(...)``. ``backend``, ``mode``,
    ``dynamic`` and ``fullgraph`` are accepted for compatibility (XLA is the backend; the
    whole function is always one graph). ``donate=False`` keeps the old state arrays alive
    (needed only if you hold autograd graphs across compiled calls).

    A Module compiles to an ``OptimizedModule`` wrapping it as ``_orig_mod``, as in torch.
    Its calls that autograd must see (grad enabled and a parameter or input requiring
    grad) run as one forward program recorded as one ``CompiledFunctionBackward`` node,
    whose backward is a second program (``_compiled_forward``); the others run as one
    inference program.
    """
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable, donate=donate)
    if disable:
        return model
    if _is_module(model):
        module = model

        def forward(*args, **kwargs):
            return module(*args, **kwargs)
        forward.__name__ = type(module).__name__
        cf = CompiledFunction(forward, donate=donate)
        cf._roots = lambda: [module]  # type: ignore[method-assign]
        return _optimized_module_class()(module, cf)
    return CompiledFunction(model, donate=donate)


_OPTIMIZED_MODULE: list = []


def _optimized_module_class() -> type:
    """``OptimizedModule``, built on first use (``nn`` is imported after this module)."""
    if _OPTIMIZED_MODULE:
        return _OPTIMIZED_MODULE[0]
    from .nn.modules.module import Module

    class OptimizedModule(Module):
        """Mirrors what ``torch.compile(module)`` returns: a Module holding the original as
        its child ``_orig_mod`` (so ``state_dict`` keys carry the ``_orig_mod.`` prefix),
        running it compiled, and reading and writing every other attribute on it."""

        _own = frozenset({"_orig_mod", "_compiled", "_train_fwd", "forward", "__dict__",
                          "_super_module_initialized"})

        def __init__(self, mod, compiled: CompiledFunction) -> None:
            # First: ``training`` reads and writes go to ``_orig_mod``.
            object.__setattr__(self, "_orig_mod", mod)
            object.__setattr__(self, "_super_module_initialized", False)
            super().__init__()
            object.__setattr__(self, "_super_module_initialized", True)
            self._orig_mod = mod  # registers the child
            object.__setattr__(self, "_compiled", compiled)

        def forward(self, *args, **kwargs):
            mod = self._orig_mod
            if not self.__dict__.get("_lazy_done"):
                # A lazy module learns its shapes from its first input: that call runs
                # eagerly, as torch's compiled module runs it (no shapes to trace with).
                if any(hasattr(m, "_initialize_hook") for m in mod.modules()):
                    return mod(*args, **kwargs)
                self.__dict__["_lazy_done"] = True
            if _grad_state.enabled and (
                    any(isinstance(a, Tensor) and a._rg for a in (*args, *kwargs.values()))
                    or any(p._rg for p in mod.parameters())):
                # A forward autograd must see (``loss = model(x, y); loss.backward()``):
                # one jitted forward recorded as one node whose backward is jitted too.
                train = self.__dict__.get("_train_fwd")
                if train is None:
                    from ._compiled_forward import _TrainingForward

                    train = self.__dict__["_train_fwd"] = _TrainingForward(mod)
                out = train(args, kwargs)
                return mod(*args, **kwargs) if out is None else out
            return self.__dict__["_compiled"](*args, **kwargs)

        @property
        def training(self) -> bool:  # type: ignore[override]
            return self._orig_mod.training

        @training.setter
        def training(self, value: bool) -> None:
            # Module.__init__ sets the default; afterwards the flag is the original's.
            if self.__dict__.get("_super_module_initialized"):
                self._orig_mod.training = value

        def __getattr__(self, name: str):
            if name == "_orig_mod":
                return self.__dict__["_modules"]["_orig_mod"]
            return getattr(self._orig_mod, name)

        def __setattr__(self, name: str, value) -> None:
            if hasattr(type(self), name) or name in self._own:
                return super().__setattr__(name, value)
            return setattr(self._orig_mod, name, value)

        def __delattr__(self, name: str) -> None:
            if hasattr(type(self), name) or name in self._own:
                return super().__delattr__(name)
            return delattr(self._orig_mod, name)

        def __len__(self) -> int:
            return len(self._orig_mod)

        def __deepcopy__(self, memo: dict):
            # A copy of the original, compiled afresh (the compiled programs are not data).
            import copy

            return compile(copy.deepcopy(self._orig_mod, memo),
                           donate=self.__dict__["_compiled"]._donate)

    OptimizedModule.__module__ = __name__
    OptimizedModule.__qualname__ = "OptimizedModule"
    _OPTIMIZED_MODULE.append(OptimizedModule)
    return OptimizedModule


def reset() -> None:
    """Mirrors ``torch.compiler.reset``: nothing global is cached here (each compiled function
    owns its cache)."""
